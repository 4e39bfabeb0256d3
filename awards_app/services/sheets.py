"""Score sheets: a judge's scores saved as drafts, submitted and locked, reopened by the secretariat; a judge's work."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..extensions import db, rows_changed
from ..models import (
    Assignment,
    AssignmentStatus,
    Category,
    Criterion,
    Edition,
    Nomination,
    Round,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from ..rules import COMMENT_CHARS, OVERALL_COMMENT_CHARS
from ..scoring import Scale, ScoreError, Total, parse_score, score_text, weighted_total
from . import NotAllowed, ServiceError, calibration
from .audit import record
from .rubrics import criteria_of, scales_of


class ScoresRefused(ServiceError):
    """Some scores break their criterion's scale; ``errors`` maps criterion id to the message."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_l("Some scores are not valid: see the criteria marked below. Nothing was saved."))
        self.errors = errors


class StaleSheet(ServiceError):
    """The sheet was saved elsewhere (another tab) since this page loaded."""


STALE_SHEET = _l("These scores were changed in another window. Reload the page to see the latest.")

SCORE_MESSAGES = {
    "not-a-number": _l("Enter a number."),
    "out-of-range": _l("Enter a score from %(min)s to %(max)s."),
    "off-step": _l("Scores go in steps of %(step)s."),
}


def score_message(error: ScoreError) -> str:
    scale = error.scale
    return str(SCORE_MESSAGES[error.code]) % {
        "min": score_text(scale.minimum),
        "max": score_text(scale.maximum),
        "step": score_text(scale.step),
    }


@dataclass(frozen=True)
class SheetInput:
    scores: dict[int, str]  # criterion id -> the score as typed
    comments: dict[int, str]
    overall_comment: str
    version: int | None = None  # the version the page was loaded with (autosave)
    # The criteria whose comment the judge shares with the applicant, and whether the overall comment is shared;
    # None keeps what the sheet holds (the offline workbook has no tick: it neither sets nor clears one).
    shared: frozenset[int] | None = None
    overall_shared: bool | None = None

    def shares(self, criterion_id: int, held: bool) -> bool:
        """Whether the criterion's comment is to be shared, ``held`` being what the sheet holds now."""
        return held if self.shared is None else criterion_id in self.shared

    def shares_overall(self, held: bool) -> bool:
        return held if self.overall_shared is None else self.overall_shared


def save_sheet(assignment: Assignment, judge: User, data: SheetInput, *, submit: bool = False) -> ScoreSheet:
    """Save a judge's scores as a draft (or submit them): every score is checked against its scale first."""
    with _first_sheet_wins():
        sheet = write_sheet(assignment, judge, data, submit=submit)
        db.session.commit()
    return sheet


@contextmanager
def _first_sheet_wins() -> Iterator[None]:
    """Saving a sheet: when another window created the sheet at the same moment, the later is told it is stale."""
    try:
        yield
    except sa.exc.IntegrityError as error:
        db.session.rollback()
        raise StaleSheet(STALE_SHEET) from error


@dataclass(frozen=True)
class Autosaved:
    """What the score sheet shows once a draft is saved: its version, when, the total so far and the status."""

    version: int
    saved_at: datetime
    total: Total
    status: AssignmentStatus


def autosave_sheet(assignment: Assignment, judge: User, data: SheetInput, criteria: list[Criterion]) -> Autosaved:
    """:func:`save_sheet` as a draft, for the sheet's autosave: the answer is read from what was just written,
    before the commit, rather than from the database object by object (a query each) after it."""
    with _first_sheet_wins():
        sheet = write_sheet(assignment, judge, data, criteria=criteria)
        answer = Autosaved(sheet.version, sheet.saved_at, sheet_summary(assignment, criteria), assignment.status)
        db.session.commit()
    return answer


def write_sheet(
    assignment: Assignment,
    judge: User,
    data: SheetInput,
    *,
    submit: bool = False,
    criteria: list[Criterion] | None = None,
) -> ScoreSheet:
    """:func:`save_sheet` without the commit, for a use case that saves several sheets in one transaction.
    ``criteria``: the rubric (``criteria_of``), when the caller has read it already."""
    refusal = assignment.scoring_refusal(judge)
    if refusal:
        raise NotAllowed(refusal)
    criteria = criteria if criteria is not None else criteria_of(assignment.round, assignment.nomination.category)
    if not criteria:
        raise ServiceError(_l("The rubric of this category is not ready yet: the secretariat is preparing it."))
    scales = scales_of(criteria)
    values, errors = read_scores(scales, data.scores, submit=submit)
    if errors:
        raise ScoresRefused(errors)
    sheet = assignment.sheet
    if sheet is None:
        sheet = ScoreSheet(assignment=assignment, status=SheetStatus.DRAFT, version=1)
        db.session.add(sheet)
    else:
        # Claim the next version in the database itself: of two saves racing from two windows (or a save racing
        # a submission) only the first counts, and the other is told the sheet moved on.
        expected = sheet.version if data.version is None else data.version
        claimed = rows_changed(
            sa.update(ScoreSheet)
            .where(ScoreSheet.id == sheet.id, ScoreSheet.version == expected, ScoreSheet.status == SheetStatus.DRAFT)
            .values(version=expected + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed != 1:
            db.session.rollback()
            if not submit and sheet.status is SheetStatus.DRAFT and sheet_holds(sheet, values, data):
                return sheet  # a replay of the save that made this version (its answer was lost): the same result
            raise StaleSheet(STALE_SHEET)
        sheet.version = expected + 1
    current = {s.criterion_id: s for s in sheet.scores}
    changed: list[int | str] = []
    for criterion_id, value in values.items():
        comment = clean_comment(data.comments.get(criterion_id))
        score = current.get(criterion_id)
        if score is None:
            score = Score(criterion_id=criterion_id, shared=False)
            sheet.scores.append(score)
        shared = data.shares(criterion_id, bool(score.shared))
        if score.value != value or score.comment != comment or bool(score.shared) != shared:
            changed.append(criterion_id)
        score.value, score.comment, score.shared = value, comment, shared
    overall_comment = clean_comment(data.overall_comment, OVERALL_COMMENT_CHARS)
    overall_shared = data.shares_overall(bool(sheet.overall_shared))
    if overall_comment != (sheet.overall_comment or "") or overall_shared != bool(sheet.overall_shared):
        changed.append("overall")
    sheet.overall_comment, sheet.overall_shared = overall_comment, overall_shared
    sheet.saved_at = utcnow()
    total = weighted_total(scales, values)
    details = {
        "reference": assignment.nomination.reference,
        "round": assignment.round.name,
        "scores": {str(k): (str(v) if v is not None else None) for k, v in values.items()},
        "total": round(total.value, 2),
        # Whose comments the applicant may read once feedback is released: a tick is a decision worth keeping.
        "shared": [str(s.criterion_id) for s in sheet.scores if s.shared] + (["overall"] if overall_shared else []),
    }
    if submit:
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = utcnow()
        record("scores.submitted", assignment.nomination, judge, f"scores submitted by {judge.email}", details)
        calibration.keep_first_total(assignment, total.value)
    elif changed:
        record("scores.saved", assignment.nomination, judge, f"scores saved by {judge.email}", details)
    return sheet


def read_scores(
    scales: list[Scale], typed: Mapping[int, str | None], *, submit: bool
) -> tuple[dict[int, Decimal | None], dict[int, str]]:
    """The scores as typed, checked against their criteria's scales: the values, and a message for each criterion
    whose score is not valid (or, when submitting, is missing). The score sheet, its autosave and the offline
    workbook's import all check scores here."""
    values: dict[int, Decimal | None] = {}
    errors: dict[int, str] = {}
    for scale in scales:
        try:
            values[scale.criterion_id] = parse_score(typed.get(scale.criterion_id), scale)
        except ScoreError as error:
            errors[scale.criterion_id] = score_message(error)
            continue
        if submit and values[scale.criterion_id] is None:
            errors[scale.criterion_id] = str(_l("Score every criterion before submitting."))
    return values, errors


def clean_comment(text: str | None, limit: int = COMMENT_CHARS) -> str:
    """A comment as it is stored: trimmed, and cut at its limit."""
    return (text or "").strip()[:limit]


def sheet_holds(sheet: ScoreSheet, values: dict[int, Decimal | None], data: SheetInput) -> bool:
    """Whether the sheet as saved already says exactly this (a criterion never saved holds no score, no comment and
    shares nothing): then saving it again changes nothing, whether from an older page or from a workbook uploaded
    twice."""
    stored = {s.criterion_id: s for s in sheet.scores}
    for criterion_id, value in values.items():
        score = stored.get(criterion_id)
        held = (score.value, score.comment or "", bool(score.shared)) if score is not None else (None, "", False)
        shared = data.shares(criterion_id, held[2])
        if held != (value, clean_comment(data.comments.get(criterion_id)), shared):
            return False
    overall_shared = bool(sheet.overall_shared)
    return (sheet.overall_comment or "", overall_shared) == (
        clean_comment(data.overall_comment, OVERALL_COMMENT_CHARS),
        data.shares_overall(overall_shared),
    )


def reopen_sheet(assignment: Assignment, actor: User) -> None:
    """The secretariat reopens submitted scores so that the judge can change them."""
    sheet = assignment.sheet
    if sheet is None or sheet.status is not SheetStatus.SUBMITTED:
        raise ServiceError(_l("Only submitted scores can be reopened."))
    if not assignment.round.is_open():
        raise ServiceError(_l("The round is not open: the judge could not submit again. Change its dates first."))
    sheet.status = SheetStatus.DRAFT
    sheet.submitted_at = None
    sheet.version += 1
    record(
        "scores.reopened",
        assignment.nomination,
        actor,
        f"scores of {assignment.judge.email} reopened",
        {"judge": assignment.judge.email, "round": assignment.round.name},
    )
    db.session.commit()


def sheet_summary(assignment: Assignment, criteria: list[Criterion] | None = None) -> Total:
    """The judge's weighted total on this assignment and how many criteria they scored (0 of n before any); pass
    the rubric's ``criteria`` when they are at hand."""
    if criteria is None:
        criteria = criteria_of(assignment.round, assignment.nomination.category)
    scores = assignment.sheet.scores if assignment.sheet is not None else []
    values = {s.criterion_id: (Decimal(s.value) if s.value is not None else None) for s in scores}
    return weighted_total(scales_of(criteria), values)


@dataclass(frozen=True)
class WorkRow:
    """One of a judge's assignments on their list: its status, and their own total once a sheet holds scores."""

    assignment: Assignment
    status: AssignmentStatus
    total: Total | None = None
    calibration: bool = False  # one of the category's calibration nominations, scored first
    locked: int = 0  # calibration nominations of the category the judge must submit before this one unlocks

    @property
    def verdict(self) -> float | None:
        """The judge's weighted total, only once every criterion is scored: a partial total says nothing yet."""
        return self.total.value if self.total is not None and self.total.scored and self.total.complete else None


@dataclass
class RoundWork:
    """One judge's assignments in one round, each with its status and the judge's own total."""

    round: Round
    rows: list[WorkRow]
    #: The categories where the judge still has calibration nominations to submit.
    pending: set[int] = field(default_factory=set)

    @property
    def calibrated(self) -> list[Category]:
        """The categories whose calibration the judge has completed: their feedback is ready."""
        categories = {
            r.assignment.nomination.category_id: r.assignment.nomination.category for r in self.rows if r.calibration
        }
        return [category for category_id, category in categories.items() if category_id not in self.pending]

    @property
    def items(self) -> list[tuple[Assignment, AssignmentStatus]]:
        return [(row.assignment, row.status) for row in self.rows]

    @property
    def assigned(self) -> int:
        return len(self.rows)

    @property
    def done(self) -> int:
        """Submitted (or voted) and recused assignments: nothing more to do on them."""
        return sum(1 for _a, s in self.items if s in (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED))

    @property
    def next(self) -> Assignment | None:
        """The first assignment still to do (or in draft), while the round is open."""
        if not self.round.is_open():
            return None
        unfinished = [
            r for r in self.rows if not r.locked and r.status in (AssignmentStatus.TO_DO, AssignmentStatus.DRAFT)
        ]
        # Calibration first: while one is left in a category, that category's others are locked anyway.
        return next((r.assignment for r in sorted(unfinished, key=lambda r: not r.calibration)), None)


def judge_work(judge: User) -> list[RoundWork]:
    """A judge's assignments by round then category, with their statuses and the judge's own totals, in a fixed
    number of queries."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(Assignment.round)
        .join(Round.edition)
        .join(Assignment.nomination)
        .join(Nomination.category)
        .where(Assignment.judge_id == judge.id)
        # The tables joined for the order are those loaded (contains_eager): joined a second time, as joinedload
        # would, they made a query of eleven tables that PostgreSQL took 3–4 ms to plan, on every view of the list.
        .options(
            contains_eager(Assignment.round).contains_eager(Round.edition),
            joinedload(Assignment.sheet).lazyload(ScoreSheet.scores),
            # The list shows a nomination's reference, title, organisation and category, never its answers.
            contains_eager(Assignment.nomination).defer(Nomination.answers),
            contains_eager(Assignment.nomination).joinedload(Nomination.organisation),
            contains_eager(Assignment.nomination).contains_eager(Nomination.category),
            selectinload(Assignment.conflict),
            selectinload(Assignment.vote),
        )
        .order_by(
            Edition.year.desc(), Round.position, Category.position, Category.id, Nomination.reference, Assignment.id
        )
    ).all()
    totals = own_totals(judge) if assignments else {}
    marks, left = calibration.judge_marks(judge) if assignments else (set(), {})
    work: dict[int, RoundWork] = {}
    for a in assignments:
        status = a.status
        # A sheet left by a judge since recused, or waived unfinished, counts for nothing: no total to show.
        total = totals.get(a.id) if status in (AssignmentStatus.DRAFT, AssignmentStatus.SUBMITTED) else None
        marked = (a.round_id, a.nomination_id) in marks
        pending = left.get((a.round_id, a.nomination.category_id), 0)
        # Only unfinished work waits for the calibration; a recused or submitted one has nothing to unlock.
        locked = pending if not marked and status in (AssignmentStatus.TO_DO, AssignmentStatus.DRAFT) else 0
        round_work = work.setdefault(a.round_id, RoundWork(a.round, []))
        round_work.rows.append(WorkRow(a, status, total, marked, locked))
        if pending:
            round_work.pending.add(a.nomination.category_id)
    return list(work.values())


def own_totals(judge: User) -> dict[int, Total]:
    """The judge's weighted total on each assignment whose sheet holds scores, as the score sheet computes it
    (:func:`sheet_summary`), in two queries whatever the number of sheets."""
    rounds = sa.select(Assignment.round_id).where(Assignment.judge_id == judge.id)
    rubrics: dict[tuple[int, int], list[Criterion]] = {}
    for criterion in db.session.scalars(
        sa.select(Criterion).where(Criterion.round_id.in_(rounds)).order_by(Criterion.position, Criterion.id)
    ):
        rubrics.setdefault((criterion.round_id, criterion.category_id), []).append(criterion)
    values: dict[int, dict[int, Decimal | None]] = {}
    rubric_of: dict[int, tuple[int, int]] = {}
    for assignment_id, round_id, category_id, criterion_id, value in db.session.execute(
        sa.select(Assignment.id, Assignment.round_id, Nomination.category_id, Score.criterion_id, Score.value)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Assignment.judge_id == judge.id)
    ):
        values.setdefault(assignment_id, {})[criterion_id] = Decimal(value) if value is not None else None
        rubric_of[assignment_id] = (round_id, category_id)
    return {
        assignment_id: weighted_total(scales_of(rubrics.get(rubric_of[assignment_id], [])), scores)
        for assignment_id, scores in values.items()
    }


#: The orders of a judge's list of assignments; a leading "-" reverses one. By category, the list reads as the
#: secretariat set the categories out; assignments without a total come after the others, in either direction.
WORK_SORTS = ("category", "-category", "reference", "-reference", "status", "-status", "total", "-total")
#: What is left to do comes first when the list is sorted by status.
_STATUS_ORDER = {status: index for index, status in enumerate(AssignmentStatus)}


def sort_work(work: list[RoundWork], sort: str = "category") -> list[RoundWork]:
    """Each round's assignments in one of the WORK_SORTS (the reference breaks ties); the rounds keep their order."""
    name, descending = sort.lstrip("-"), sort.startswith("-")

    def by_category(row: WorkRow) -> tuple:
        category = row.assignment.nomination.category
        nomination = row.assignment.nomination
        return (category.position, category.id, not row.calibration, nomination.reference or "", row.assignment.id)

    def by_reference(row: WorkRow) -> tuple:
        return (row.assignment.nomination.reference or "", row.assignment.id)

    def ordered(rows: list[WorkRow]) -> list[WorkRow]:
        if name == "total":
            totalled = [row for row in rows if row.verdict is not None]
            others = sorted((row for row in rows if row.verdict is None), key=by_category)
            return sorted(totalled, key=lambda row: (row.verdict, *by_reference(row)), reverse=descending) + others
        if name == "status":
            return sorted(rows, key=lambda row: (_STATUS_ORDER[row.status], *by_category(row)), reverse=descending)
        return sorted(rows, key=by_reference if name == "reference" else by_category, reverse=descending)

    return [RoundWork(w.round, ordered(w.rows)) for w in work]


def awaiting_declaration(work: list[RoundWork], judge: User) -> list[Assignment]:
    """The judge's assignments of open rounds on which they have declared nothing yet, in the list's order."""
    return [a for w in work for a, _status in w.items if a.awaits_declaration(judge)]


def next_to_score(work: list[RoundWork]) -> Assignment | None:
    """The judge's next nomination: the first unfinished one of the open round that closes soonest."""
    open_work = sorted((w for w in work if w.next is not None), key=lambda w: w.round.closes_at)
    return open_work[0].next if open_work else None


def assignment_of(judge: User, nomination: Nomination) -> Assignment | None:
    """The judge's assignment for a nomination in its latest round, if any."""
    return db.session.scalar(
        sa.select(Assignment)
        .join(Assignment.round)
        .where(Assignment.judge_id == judge.id, Assignment.nomination_id == nomination.id)
        .order_by(Round.position.desc())
        .limit(1)
    )
