"""Every e-mail the app sends, recorded so that a failed send is retried and shown, never silently lost."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # written by its use case, to go out once that use case has committed
    SENDING = "sending"  # claimed by one sender until ``next_attempt_at`` (a sender that died lets it go then)
    SENT = "sent"
    FAILED = "failed"  # to be tried again at ``next_attempt_at``
    GAVE_UP = "gave_up"  # no more automatic attempts: the secretariat sends it again or lets it go
    DISCARDED = "discarded"  # the secretariat let it go


#: The statuses the secretariat must look at.
UNDELIVERED_STATUSES = (MailStatus.FAILED, MailStatus.GAVE_UP)


class OutgoingMail(db.Model):
    """One e-mail: to whom, which (the template of the e-mail catalogue), and what became of it.

    The message itself is kept only while it is undelivered, to send it again; once sent (or discarded) only the
    record stays. The secretariat sees the record, never the message: it may carry a sign-in link."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    template: Mapped[str] = mapped_column(sa.String(60))
    # The nomination the e-mail is about, if any: its record goes when the nomination's personal data is erased.
    nomination_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nomination.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    status: Mapped[MailStatus] = mapped_column(
        sa.Enum(MailStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]), index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    @property
    def undelivered(self) -> bool:
        return self.status in UNDELIVERED_STATUSES
