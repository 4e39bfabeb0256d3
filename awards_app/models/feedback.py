"""Feedback to applicants (``rules.feedback``): the secretariat's edits of the comments judges shared, and the
releases of a round's feedback."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .judging import Criterion, Round, ScoreSheet
from .types import UTCDateTime, utcnow
from .users import User


class FeedbackEdit(db.Model):
    """The secretariat's hand on one comment a judge shared with the applicant (a criterion's, or the overall one):
    the text applicants read instead of the judge's, which stays as the judge wrote it, and whether it is hidden."""

    __tablename__ = "feedback_edit"
    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "criterion_id"),
        # One edit of a sheet's overall comment too: a unique constraint lets rows without a criterion repeat.
        sa.Index(
            "uq_feedback_edit_overall",
            "sheet_id",
            unique=True,
            sqlite_where=sa.text("criterion_id IS NULL"),
            postgresql_where=sa.text("criterion_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("score_sheet.id", ondelete="CASCADE"))
    # None: the sheet's overall comment.
    criterion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("criterion.id", ondelete="CASCADE"), index=True)
    # What applicants read instead of the judge's comment; None while it is not edited.
    text: Mapped[str | None] = mapped_column(sa.Text)
    # The judge's comment as it was when it was edited: should the judge change it later, the page says so.
    judge_text: Mapped[str] = mapped_column(sa.Text, default="")
    hidden: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sheet: Mapped[ScoreSheet] = relationship()
    criterion: Mapped[Criterion | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    @property
    def edited(self) -> bool:
        return self.text is not None


class FeedbackRelease(db.Model):
    """One release of a round's feedback to applicants: when and by whom, how many nominations' applicants were
    told, and, once withdrawn, when, by whom and why. A round's feedback is released while a release of it stands
    (is not withdrawn)."""

    __tablename__ = "feedback_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    applicants_told: Mapped[int] = mapped_column(default=0)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str] = mapped_column(sa.Text, default="")

    round: Mapped[Round] = relationship()
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
