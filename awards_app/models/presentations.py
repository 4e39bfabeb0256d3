"""The finals' schedule: each finalist's presentation slot in a round (``rules.presentations``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.presentations import LINK_CHARS, ROOM_CHARS, Placement, PresentationMode
from .judging import Assignment, Conflict, Round
from .nominations import Nomination
from .types import UTCDateTime, utcnow
from .users import User


class PresentationSlot(db.Model):
    """When and where one finalist presents in a round, as a calendar event that keeps its ``uid``.

    ``sequence`` is the event's iCalendar SEQUENCE: it goes up with each change sent (a move, a new room, the
    removal), so a calendar that received the first invitation takes the next one as its update. A removed slot
    keeps its row, cancelled: placing the finalist again revives the same event."""

    __tablename__ = "presentation_slot"
    __table_args__ = (sa.UniqueConstraint("round_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int]
    mode: Mapped[PresentationMode] = mapped_column(
        sa.Enum(PresentationMode, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    # In Seoul: the room. Online: the meeting link, which only the finalist, its judges and the secretariat see.
    room: Mapped[str] = mapped_column(sa.String(ROOM_CHARS), default="")
    link: Mapped[str] = mapped_column(sa.String(LINK_CHARS), default="")
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    round: Mapped[Round] = relationship()
    nomination: Mapped[Nomination] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def live(self) -> bool:
        return self.cancelled_at is None

    @property
    def edition_id(self) -> int:
        """The edition the audit trail files a change under."""
        return self.round.edition_id

    @property
    def placement(self) -> Placement:
        return Placement(
            nomination_id=self.nomination_id,
            starts_at=self.starts_at,
            minutes=self.minutes,
            mode=self.mode,
            room=self.room,
            link=self.link,
        )

    @property
    def ends_at(self) -> datetime:
        return self.placement.ends_at

    @staticmethod
    def judged_in_round(user: User, round_id: int, nomination_id: int) -> bool:
        """Whether ``user`` judges the nomination in the round, with no conflict of interest with it."""
        assigned = sa.select(Assignment.id).where(
            Assignment.round_id == round_id, Assignment.nomination_id == nomination_id, Assignment.judge_id == user.id
        )
        recused = sa.select(Conflict.id).where(Conflict.nomination_id == nomination_id, Conflict.judge_id == user.id)
        return bool(db.session.scalar(sa.select(sa.exists(assigned) & ~sa.exists(recused))))

    @staticmethod
    def visible_to(user: User, round_id: int, nomination: Nomination) -> bool:
        """Whether ``user`` may see the finalist's slot in the round, if it has one: the secretariat, the finalist's
        own applicants, and the round's judges of the finalist (a recused judge not). Asked before the slot is
        looked for, so that nobody else learns whether there is one."""
        if not user.is_authenticated:
            return False
        if user.is_secretariat or nomination.belongs_to(user):
            return True
        return user.is_judge and PresentationSlot.judged_in_round(user, round_id, nomination.id)

    def can_view(self, user: User) -> bool:
        """Who sees the slot, its room or meeting link, and downloads it to their calendar (``visible_to``)."""
        return PresentationSlot.visible_to(user, self.round_id, self.nomination)

    def __repr__(self) -> str:
        return f"<PresentationSlot {self.round_id}/{self.nomination_id} {self.starts_at:%Y-%m-%d %H:%M}>"
