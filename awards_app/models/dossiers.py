"""Dossiers: the PDFs a judge or the committee reads on paper, built in the background and kept until their data
changes (``services.dossiers``)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .judging import Round
from .programs import Category
from .types import UTCDateTime, utcnow
from .users import User


class DossierKind(enum.StrEnum):
    JUDGE = "judge"  # a judge's own nominations of a round, without those they are recused from
    BOOK = "book"  # a category's nominations of a round, for the committee (the finalists' book)


class BuildStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _enum(enum_class) -> sa.Enum:
    return sa.Enum(enum_class, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class DossierBuild(db.Model):
    """One build of a dossier: a judge's (``judge_id``) or a category's book (``category_id``) for a round, in one
    language. It belongs to the SHA-256 of what it prints (``data_sha256``): while that stays the same the file is
    handed out again; once it changes, asking again builds anew. The job writes ``progress`` and ``heartbeat_at`` as
    it goes, so a job that died is seen as such. The file is kept with the page previews (a cache: it can always be
    built again)."""

    __tablename__ = "dossier_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DossierKind] = mapped_column(_enum(DossierKind))
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"))
    judge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    data_sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[BuildStatus] = mapped_column(_enum(BuildStatus), default=BuildStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(sa.String(40), default="")
    message: Mapped[str] = mapped_column(sa.Text, default="")
    stored_name: Mapped[str | None] = mapped_column(sa.String(80))
    size: Mapped[int | None]
    pages: Mapped[int | None]
    nominations: Mapped[int | None]
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship()
    category: Mapped[Category | None] = relationship()
    judge: Mapped[User | None] = relationship(foreign_keys=[judge_id])

    @property
    def working(self) -> bool:
        return self.status in (BuildStatus.QUEUED, BuildStatus.RUNNING)

    @property
    def ready(self) -> bool:
        return self.status is BuildStatus.DONE and self.stored_name is not None
