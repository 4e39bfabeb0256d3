"""The finals' schedule: each finalist's presentation slot in a round (``rules.presentations``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..rules.presentations import LINK_CHARS, ROOM_CHARS, Placement, PresentationMode
from .judging import Round
from .nominations import Nomination
from .types import UTCDateTime, utcnow
from .users import Role, User, UserRole


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
    invitations: Mapped[list[SlotInvitation]] = relationship(
        back_populates="slot", cascade="all, delete-orphan", passive_deletes=True, order_by="SlotInvitation.id"
    )

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
    def judged_in_round(user: User, round_id: int, nomination: Nomination) -> bool:
        """Whether ``user`` judges the nomination in the round, with no conflict of interest with it: the
        nomination's own predicate, narrowed to the round."""
        return nomination.is_judged_by(user, round_id)

    def audience(self) -> list[tuple[User, str]]:
        """Who should hear of the slot, each with their part ("finalist" or "judge"): the active applicants of the
        finalist's organisation, and the round's judges of the finalist who are not recused from it (``judging``).
        A removed slot has nobody. The one rule every invitation, update and cancellation is sent by."""
        if not self.live:
            return []
        applicants = db.session.scalars(
            sa.select(User)
            .where(
                User.organisation_id == self.nomination.organisation_id,
                User.active.is_(True),
                User.erased_at.is_(None),
                User.role_links.any(UserRole.role == Role.APPLICANT),
            )
            .order_by(User.id)
        )
        judges = db.session.scalars(
            sa.select(User).where(PresentationSlot.heard_by_judge(self.nomination_id, self.round_id)).order_by(User.id)
        )
        return [(u, "finalist") for u in applicants] + [(u, "judge") for u in judges]

    @staticmethod
    def heard_by_judge(nomination_id, round_id) -> sa.ColumnElement[bool]:
        """The judges' half of ``audience`` in SQL, of ``User``: values or columns of a slot's finalist and round."""
        return sa.and_(
            Nomination.judging(nomination_id, User.id, round_id), User.active.is_(True), User.erased_at.is_(None)
        )

    @staticmethod
    def visible_to(user: User, round_id: int, nomination: Nomination) -> bool:
        """Whether ``user`` may see the finalist's slot in the round, if it has one: the secretariat, the finalist's
        own applicants, and the round's judges of the finalist (a recused judge not). Asked before the slot is
        looked for, so that nobody else learns whether there is one."""
        if not user.is_authenticated:
            return False
        if user.is_secretariat or nomination.belongs_to(user):
            return True
        return user.is_judge and PresentationSlot.judged_in_round(user, round_id, nomination)

    def can_view(self, user: User) -> bool:
        """Who sees the slot, its room or meeting link, and downloads it to their calendar (``visible_to``)."""
        return PresentationSlot.visible_to(user, self.round_id, self.nomination)

    def __repr__(self) -> str:
        return f"<PresentationSlot {self.round_id}/{self.nomination_id} {self.starts_at:%Y-%m-%d %H:%M}>"


class SlotInvitation(db.Model):
    """One person's copy of a slot's calendar event: what was last sent to them (``sequence``, its iCalendar
    SEQUENCE) and whether it was their cancellation (``cancelled_at``). Written with every invitation, update and
    cancellation, so that a change of who should hear (a judge added, removed or recused) reaches exactly those
    it concerns, once. Goes with the person's account erasure and the nomination's."""

    __tablename__ = "slot_invitation"
    __table_args__ = (sa.UniqueConstraint("slot_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("presentation_slot.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[PresentationSlot] = relationship(back_populates="invitations")
    user: Mapped[User] = relationship()

    @property
    def holds(self) -> bool:
        """Whether the person's calendar holds the event (they were sent it, and not its cancellation)."""
        return self.cancelled_at is None

    def __repr__(self) -> str:
        state = "held" if self.holds else "cancelled"
        return f"<SlotInvitation {self.slot_id}/{self.user_id} #{self.sequence} {state}>"
