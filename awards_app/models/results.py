"""What is computed from the scores and kept: fits of the uncertainty model, stored under the data they are of."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import db
from .judging import Round
from .programs import Edition
from .types import UTCDateTime, utcnow


class FitStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class UncertaintyFit(db.Model):
    """One run of the uncertainty model (``awards_app.uncertainty``) on a round's counted scores.

    It belongs to the SHA-256 of the judge totals it was run on: the results page and the workbook use it while the
    scores are the same, and ask for a new one when a score changes. The draws are kept compressed (a few hundred
    kilobytes at the prize's scale); the job updates ``progress`` and ``heartbeat_at`` as it goes, so a job that
    died is seen as such.
    """

    __tablename__ = "uncertainty_fit"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    data_sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    status: Mapped[FitStatus] = mapped_column(
        sa.Enum(FitStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=FitStatus.QUEUED,
    )
    progress: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(sa.String(40), default="")
    message: Mapped[str] = mapped_column(sa.Text, default="")
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    max_r_hat: Mapped[float | None] = mapped_column(sa.Float)
    min_ess: Mapped[float | None] = mapped_column(sa.Float)
    converged: Mapped[bool | None]
    seconds: Mapped[float | None] = mapped_column(sa.Float)
    draws: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship()

    @property
    def usable(self) -> bool:
        return self.status is FitStatus.DONE and bool(self.converged)

    @property
    def working(self) -> bool:
        return self.status in (FitStatus.QUEUED, FitStatus.RUNNING)


class Publication(db.Model):
    """One publication of an edition's results: when, by whom, and, if it was withdrawn, when, by whom and why."""

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    applicants_told: Mapped[int] = mapped_column(default=0)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="")

    edition: Mapped[Edition] = relationship()


class ResultNotice(db.Model):
    """What an applicant was last told of a nomination's result (a tier, or none), so that publishing again tells
    them only when it changed."""

    __table_args__ = (sa.UniqueConstraint("nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"))
    tier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("award_tier.id", ondelete="SET NULL"))
    told_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
