"""The audit trail: who did what, to what, and when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow
from .users import User


class AuditEvent(db.Model):
    """One recorded action. ``action`` is a dotted name such as ``nomination.submitted``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("edition.id", ondelete="SET NULL"), index=True)
    nomination_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nomination.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship()


class AccessRecord(db.Model):
    """Who read whose personal data: a nomination's page, its documents or its PDF, or an export of many (PIPA).

    One row per person, kind, nomination and day: reading a page ten times in a morning is one line of the log.
    """

    __table_args__ = (sa.UniqueConstraint("user_id", "kind", "nomination_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    nomination_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    detail: Mapped[str] = mapped_column(sa.String(300), default="")
    day: Mapped[str] = mapped_column(sa.String(10))  # YYYY-MM-DD in UTC, for the one-row-a-day rule
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()
    nomination = relationship("Nomination")
