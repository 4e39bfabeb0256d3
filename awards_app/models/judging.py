"""Judging: rounds and their rubrics, who judges what, conflicts of interest, score sheets and committee votes."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, column_property, mapped_column, object_session, relationship

from ..extensions import db
from ..rules import DEFAULT_DISAGREEMENT
from ..rules.committee import DEFAULT_QUORUM
from ..rules.criteria import DEFAULT_SCALE
from .nominations import Nomination
from .programs import AwardTier, Category, Edition
from .types import UTCDateTime, utcnow
from .users import User


def _enum(enum_class) -> sa.Enum:
    return sa.Enum(enum_class, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class RoundMode(enum.StrEnum):
    """How a round decides: judges score a rubric, or a committee votes (Mayor's commendations)."""

    SCORING = "scoring"
    COMMITTEE = "committee"


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class AssignmentStatus(enum.StrEnum):
    """What a judge still has to do for one assignment."""

    TO_DO = "to-do"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RECUSED = "recused"
    WAIVED = "waived"  # left unfinished with the secretariat's leave


#: What a judge still owes: the one meaning of "missing" on the progress page, in the round's counts and for the
#: reminders (a recusal or a waiver owes nothing; a nomination left with too few judges is "short" instead).
UNFINISHED_STATUSES = frozenset({AssignmentStatus.TO_DO, AssignmentStatus.DRAFT})


class Vote(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


round_category = sa.Table(
    "round_category",
    db.metadata,
    sa.Column("round_id", sa.ForeignKey("round.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
)


class Round(db.Model):
    """A judging round of an edition: its window, categories, panel size and how it decides."""

    __tablename__ = "round"
    __table_args__ = (sa.UniqueConstraint("edition_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_ko: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    position: Mapped[int] = mapped_column(default=1)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[RoundMode] = mapped_column(_enum(RoundMode), default=RoundMode.SCORING)
    judges_per_nomination: Mapped[int] = mapped_column(default=3)
    # Automatic assignment gives no judge more than this many nominations of the round (None: no cap).
    max_load: Mapped[int | None]
    # Automatic assignment never gives a judge a nomination from their own country unless this is off.
    same_country_conflict: Mapped[bool] = mapped_column(default=True)
    # Committee rounds: the share of the committee that must take part (strictly more than this).
    quorum: Mapped[Decimal] = mapped_column(sa.Numeric(4, 3), default=DEFAULT_QUORUM)
    # How the results rank nominations (see ``awards_app.ranking.Method``), and when judges disagree.
    ranking_method: Mapped[str] = mapped_column(sa.String(20), default="mean")
    disagreement_threshold: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=DEFAULT_DISAGREEMENT)
    # How many places of each category the round advances to the next round (the shortlist): a cut the ranking
    # watches; None when the round shortlists nothing.
    shortlist_count: Mapped[int | None]
    # A committee round's sitting, once closed, freezes the votes (and the round with them).
    sitting_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sitting_closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # Whether the judges' first scores of the calibration nominations count in the ranking (rules.calibration).
    calibration_counts: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    edition: Mapped[Edition] = relationship()
    categories: Mapped[list[Category]] = relationship(secondary=round_category, order_by=Category.position)

    def local_name(self, locale: str | None) -> str:
        """The round's name in the reader's language (the English one where there is no Korean)."""
        return self.name_ko if locale == "ko" and self.name_ko else self.name

    def is_open(self, now: datetime | None = None) -> bool:
        """Scores and votes are accepted only between opening and closing (and, for a committee, until its
        sitting is closed)."""
        now = now or utcnow()
        return self.sitting_closed_at is None and self.opens_at <= now < self.closes_at

    def is_closed(self, now: datetime | None = None) -> bool:
        return self.sitting_closed_at is not None or (now or utcnow()) >= self.closes_at

    def __repr__(self) -> str:
        return f"<Round {self.id} {self.name!r}>"


class RoundEntry(db.Model):
    """A nomination taken into a round: the first round takes the eligible ones, later rounds those advanced."""

    __table_args__ = (sa.UniqueConstraint("round_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()
    nomination: Mapped[Nomination] = relationship()


class Criterion(db.Model):
    """One criterion of the rubric of a (round, category): its weight and its score scale."""

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    guidance_en: Mapped[str] = mapped_column(sa.Text, default="")
    guidance_ko: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(8, 3))
    min_score: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=DEFAULT_SCALE.minimum)
    max_score: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=DEFAULT_SCALE.maximum)
    step: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2), default=DEFAULT_SCALE.step)

    round: Mapped[Round] = relationship()
    category: Mapped[Category] = relationship()
    # Read through services.rubrics.descriptors_of (one query for a whole rubric); kept here for the cascade.
    descriptors: Mapped[list[LevelDescriptor]] = relationship(
        back_populates="criterion",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="LevelDescriptor.lowest",
    )

    def name(self, locale: str | None) -> str:
        return self.name_ko if locale == "ko" and self.name_ko else self.name_en

    def guidance(self, locale: str | None) -> str:
        return self.guidance_ko if locale == "ko" and self.guidance_ko else self.guidance_en


class LevelDescriptor(db.Model):
    """What a range of a criterion's scale means (``rules.descriptors``), in English and Korean."""

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criterion.id", ondelete="CASCADE"), index=True)
    lowest: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    highest: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    text_en: Mapped[str] = mapped_column(sa.Text)
    text_ko: Mapped[str] = mapped_column(sa.Text, default="")

    criterion: Mapped[Criterion] = relationship(back_populates="descriptors")

    def text(self, locale: str | None) -> str:
        return self.text_ko if locale == "ko" and self.text_ko else self.text_en


def assignment_status(
    *, recused: bool, mode: RoundMode, voted: bool, sheet: SheetStatus | None, waived: bool
) -> AssignmentStatus:
    """An assignment's status from what decides it: a conflict recuses; a vote (committee) or a submitted sheet is
    done; an unfinished one the secretariat waived is waived; otherwise a sheet saved is a draft, none is to do."""
    if recused:
        return AssignmentStatus.RECUSED
    if mode is RoundMode.COMMITTEE:
        status = AssignmentStatus.SUBMITTED if voted else AssignmentStatus.TO_DO
    elif sheet is None:
        status = AssignmentStatus.TO_DO
    elif sheet is SheetStatus.SUBMITTED:
        status = AssignmentStatus.SUBMITTED
    else:
        status = AssignmentStatus.DRAFT
    if status is not AssignmentStatus.SUBMITTED and waived:
        return AssignmentStatus.WAIVED
    return status


class Assignment(db.Model):
    """A judge's task: one nomination in one round."""

    __table_args__ = (sa.UniqueConstraint("round_id", "nomination_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    automatic: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The judge declared no conflict of interest (a declared conflict is a Conflict row instead).
    no_conflict_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secretariat let a sheet go unfinished (a judge who fell ill), with the reason: it no longer holds up
    # publication, and counts for nothing.
    waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    waived_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    round: Mapped[Round] = relationship()
    nomination: Mapped[Nomination] = relationship()
    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    sheet: Mapped[ScoreSheet | None] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", uselist=False
    )
    #: The judge's conflict of interest with the nomination, if any (it recuses them in every round).
    conflict: Mapped[Conflict | None] = relationship(
        primaryjoin="and_(Assignment.judge_id == foreign(Conflict.judge_id), "
        "Assignment.nomination_id == foreign(Conflict.nomination_id))",
        viewonly=True,
        uselist=False,
    )
    #: A committee member's vote, in a committee round.
    vote: Mapped[CommitteeVote | None] = relationship(viewonly=True, uselist=False)
    #: The mark that makes the nomination one of the round's calibration nominations, if it is one.
    calibration: Mapped[CalibrationNomination | None] = relationship(
        primaryjoin="and_(Assignment.round_id == foreign(CalibrationNomination.round_id), "
        "Assignment.nomination_id == foreign(CalibrationNomination.nomination_id))",
        viewonly=True,
        uselist=False,
    )
    #: The judge's calibration total on it, once they first submitted it.
    calibration_total: Mapped[CalibrationTotal | None] = relationship(viewonly=True, uselist=False)

    # --- who may do what: the views, templates, imports and progress pages all ask these --------------------

    def belongs_to(self, user: User) -> bool:
        """Only the assigned judge works on an assignment; the secretariat has its own pages."""
        return user.is_authenticated and user.is_judge and self.judge_id == user.id

    @property
    def recused(self) -> bool:
        return self.conflict is not None

    @property
    def status(self) -> AssignmentStatus:
        """To do, draft, submitted, recused or waived, from the judge's point of view."""
        return assignment_status(
            recused=self.recused,
            mode=self.round.mode,
            voted=self.vote is not None,
            sheet=self.sheet.status if self.sheet is not None else None,
            waived=self.waived_at is not None,
        )

    # --- the same rules in SQL, for the pages that count a whole round without loading it ---------------------

    @classmethod
    def recused_clause(cls) -> sa.ColumnElement[bool]:
        """True where the judge has a conflict with the nomination (``recused``)."""
        return sa.exists().where(Conflict.judge_id == cls.judge_id, Conflict.nomination_id == cls.nomination_id)

    @classmethod
    def done_clause(cls, mode: RoundMode) -> sa.ColumnElement[bool]:
        """True where the judge has voted (a committee round) or submitted the sheet: ``status`` is SUBMITTED
        when the judge is not recused as well."""
        if mode is RoundMode.COMMITTEE:
            return sa.exists().where(CommitteeVote.assignment_id == cls.id)
        return sa.exists().where(ScoreSheet.assignment_id == cls.id, ScoreSheet.status == SheetStatus.SUBMITTED)

    @classmethod
    def unfinished_clause(cls, mode: RoundMode) -> sa.ColumnElement[bool]:
        """True where the judge still owes the work (``status`` in ``UNFINISHED_STATUSES``): not recused, not done,
        not waived."""
        return sa.and_(~cls.recused_clause(), ~cls.done_clause(mode), cls.waived_at.is_(None))

    def _open_for_work(self, closed_message):
        if not self.round.is_open():
            return closed_message if self.round.is_closed() else _l("This round has not opened yet.")
        return None

    def scoring_refusal(self, user: User):
        """Why ``user`` cannot change the scores of this assignment now (a message), or None."""
        if not self.belongs_to(user):
            return _l("This is not your assignment.")
        if self.recused:
            return _l("You are recused from this nomination.")
        if self.no_conflict_declared_at is None:
            return _l("Declare whether you have a conflict of interest first.")
        if self.round.mode is RoundMode.COMMITTEE:
            return _l("This round is decided by a committee vote, not by scores.")
        closed = self._open_for_work(_l("This round is closed: scores can no longer change."))
        if closed is not None:
            return closed
        if self.sheet is not None and self.sheet.status is SheetStatus.SUBMITTED:
            return _l("These scores have been submitted; only the secretariat can reopen them.")
        left = self.calibration_left
        if left:
            return _l(
                "Score this category's calibration nominations first: %(count)s left. This one unlocks after them.",
                count=left,
            )
        return None

    @property
    def calibration_left(self) -> int:
        """How many calibration nominations of this round and category the judge still has to submit before this
        one unlocks: 0 for a calibration nomination itself, and once they are all in (or recused, or waived)."""
        if self.calibration is not None or not self.round.has_calibration:
            return 0
        session = object_session(self)
        if session is None:
            return 0
        return self.calibration_left_count(session, self.round_id, self.judge_id, self.nomination.category_id)

    @classmethod
    def calibration_left_count(cls, session, round_id: int, judge_id: int, category_id: int) -> int:
        """How many calibration nominations of a category the judge still has to submit in a round."""
        query = cls.calibration_left_query(round_id, judge_id).where(Nomination.category_id == category_id)
        return session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0

    @classmethod
    def calibration_left_query(cls, round_id: int | None, judge_id: int) -> sa.Select:
        """The judge's calibration assignments of a round (of every round: None) still to submit, with their round
        and their nomination's category."""
        query = (
            sa.select(cls.id, cls.round_id, Nomination.category_id)
            .join(Nomination, Nomination.id == cls.nomination_id)
            .join(
                CalibrationNomination,
                sa.and_(
                    CalibrationNomination.round_id == cls.round_id,
                    CalibrationNomination.nomination_id == cls.nomination_id,
                ),
            )
            .where(
                CalibrationNomination.round_id == cls.round_id,
                cls.judge_id == judge_id,
                cls.waived_at.is_(None),
                ~cls.recused_clause(),
                ~sa.exists().where(CalibrationTotal.assignment_id == cls.id),
            )
        )
        return query if round_id is None else query.where(cls.round_id == round_id)

    def can_score(self, user: User) -> bool:
        return self.scoring_refusal(user) is None

    def voting_refusal(self, user: User):
        """Why ``user`` cannot vote on this assignment now (a message), or None; a vote can change while open."""
        if not self.belongs_to(user):
            return _l("This is not your assignment.")
        if self.round.mode is not RoundMode.COMMITTEE:
            return _l("This round is scored, not voted.")
        if self.recused:
            return _l("You are recused from this nomination.")
        if self.no_conflict_declared_at is None:
            return _l("Declare whether you have a conflict of interest first.")
        return self._open_for_work(_l("This round is closed: votes can no longer change."))

    def can_vote(self, user: User) -> bool:
        return self.voting_refusal(user) is None

    def declaration_refusal(self, user: User):
        """Why ``user`` cannot declare a conflict of interest, or none, on this assignment from their list of
        assignments now (a message), or None: it must be theirs, not declared yet, and its round open."""
        if not self.belongs_to(user):
            return _l("This is not your assignment.")
        if self.recused:
            return _l("You are already recused from this nomination.")
        if self.no_conflict_declared_at is not None:
            return _l("You have already declared no conflict of interest with this nomination.")
        return self._open_for_work(_l("This round is closed: declarations can no longer be made."))

    def awaits_declaration(self, user: User) -> bool:
        return self.declaration_refusal(user) is None


class Conflict(db.Model):
    """A conflict of interest between a judge and a nomination: the judge is recused from it in every round."""

    __table_args__ = (sa.UniqueConstraint("judge_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    judge: Mapped[User] = relationship(foreign_keys=[judge_id])
    nomination: Mapped[Nomination] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    @property
    def declared_by_judge(self) -> bool:
        return self.recorded_by_id == self.judge_id


class ScoreSheet(db.Model):
    """A judge's scores for one assignment: a draft saved as they go, then submitted and locked."""

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"), unique=True)
    status: Mapped[SheetStatus] = mapped_column(_enum(SheetStatus), default=SheetStatus.DRAFT)
    overall_comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The judge shares the overall comment with the applicant (``rules.feedback``).
    overall_shared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped at every save, so that a stale autosave from another tab cannot overwrite newer work.
    version: Mapped[int] = mapped_column(default=0)

    assignment: Mapped[Assignment] = relationship(back_populates="sheet")
    # In the order the criteria were made, whatever order the database returns rows in.
    scores: Mapped[list[Score]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", lazy="selectin", order_by="Score.criterion_id"
    )


class Score(db.Model):
    """One criterion's score (and optional comment, perhaps shared with the applicant) on a score sheet."""

    __table_args__ = (sa.UniqueConstraint("sheet_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("score_sheet.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criterion.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The judge shares the comment with the applicant (``rules.feedback``).
    shared: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class CalibrationNomination(db.Model):
    """A nomination that every judge of its category scores first in a round (``rules.calibration``)."""

    __table_args__ = (sa.UniqueConstraint("round_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    marked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    nomination: Mapped[Nomination] = relationship()


#: Whether the round has any calibration nomination, loaded with the round: a round without calibration (most) costs
#: its score sheets no query to find what calibration would lock.
Round.has_calibration = column_property(
    sa.exists().where(CalibrationNomination.round_id == Round.id).correlate_except(CalibrationNomination)
)


class CalibrationTotal(db.Model):
    """A judge's weighted total on a calibration nomination as they first submitted it: what calibration compares,
    kept as it was when the sheet is later reopened and changed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"), unique=True)
    total: Mapped[Decimal] = mapped_column(sa.Numeric(7, 3))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship()


class CommitteeVote(db.Model):
    """A committee member's vote on a nomination in a committee round."""

    __table_args__ = (sa.UniqueConstraint("assignment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"))
    vote: Mapped[Vote] = mapped_column(_enum(Vote))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignment: Mapped[Assignment] = relationship()


class Award(db.Model):
    """A nomination's award tier in a category, decided from the final round's ranking (or overridden)."""

    __table_args__ = (sa.UniqueConstraint("nomination_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("nomination.id", ondelete="CASCADE"))
    tier_id: Mapped[int] = mapped_column(sa.ForeignKey("award_tier.id", ondelete="CASCADE"))
    rank: Mapped[int | None]  # the nomination's rank when the tier was given
    # An override of the rank order must say why.
    override_reason: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    round: Mapped[Round] = relationship()
    nomination: Mapped[Nomination] = relationship()
    tier: Mapped[AwardTier] = relationship()
