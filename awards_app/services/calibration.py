"""Calibration (``rules.calibration``): marking a category's calibration nominations, giving them to every judge of
the category, keeping each judge's first calibration totals, and what the judge and the secretariat read of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentStatus,
    CalibrationNomination,
    CalibrationTotal,
    Category,
    Conflict,
    Nomination,
    Round,
    RoundMode,
    ScoreSheet,
    SheetStatus,
    User,
)
from ..rules import calibration as rules
from . import ServiceError, slot_invitations
from .audit import record
from .rounds import round_nominations


def marked(round_: Round) -> dict[int, list[Nomination]]:
    """The round's calibration nominations per category id, by reference."""
    out: dict[int, list[Nomination]] = {}
    for nomination in db.session.scalars(
        sa.select(Nomination)
        .join(CalibrationNomination, CalibrationNomination.nomination_id == Nomination.id)
        .where(CalibrationNomination.round_id == round_.id)
        .order_by(Nomination.reference)
    ):
        out.setdefault(nomination.category_id, []).append(nomination)
    return out


def _totals_query(round_: Round) -> sa.Select:
    return (
        sa.select(Nomination.category_id, Assignment.nomination_id, Assignment.judge_id, CalibrationTotal.total)
        .join(Assignment, Assignment.id == CalibrationTotal.assignment_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Assignment.round_id == round_.id, ~Assignment.recused_clause())
    )


def judge_marks(judge: User) -> tuple[set[tuple[int, int]], dict[tuple[int, int], int]]:
    """For a judge's list, in two queries: the (round, nomination) pairs of their calibration nominations, and per
    (round, category) how many of them they still have to submit (the category's other nominations wait)."""
    marks = {
        (round_id, nomination_id)
        for round_id, nomination_id in db.session.execute(
            sa.select(CalibrationNomination.round_id, CalibrationNomination.nomination_id).where(
                CalibrationNomination.round_id.in_(
                    sa.select(Assignment.round_id).where(Assignment.judge_id == judge.id)
                )
            )
        )
    }
    if not marks:
        return marks, {}
    left: dict[tuple[int, int], int] = {}
    for _assignment, round_id, category_id in db.session.execute(Assignment.calibration_left_query(None, judge.id)):
        left[(round_id, category_id)] = left.get((round_id, category_id), 0) + 1
    return marks, left


def totals(round_: Round, category: Category) -> dict[int, dict[int, float]]:
    """The calibration totals of a category: nomination id → judge id → total."""
    out: dict[int, dict[int, float]] = {}
    for _category_id, nomination_id, judge_id, total in db.session.execute(
        _totals_query(round_).where(Nomination.category_id == category.id)
    ):
        out.setdefault(nomination_id, {})[judge_id] = float(total)
    return out


def started(round_: Round, category: Category | None = None) -> bool:
    """Whether any judge has submitted a calibration sheet in the round (or in one of its categories)."""
    query = _totals_query(round_)
    if category is not None:
        query = query.where(Nomination.category_id == category.id)
    return db.session.scalar(sa.select(query.exists())) or False


def category_judges(round_: Round, category: Category) -> list[User]:
    """The judges the round gives nominations of the category to, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.id.in_(
                    sa.select(Assignment.judge_id)
                    .join(Nomination, Nomination.id == Assignment.nomination_id)
                    .where(Assignment.round_id == round_.id, Nomination.category_id == category.id)
                )
            )
            .order_by(User.name, User.id)
        )
    )


def mark(round_: Round, category: Category, nomination_ids: Sequence[int], actor: User) -> int:
    """Make the chosen nominations the category's calibration nominations in the round, and give them to every judge
    of the category the conflict rules allow; return how many assignments that added."""
    if round_.mode is not RoundMode.SCORING:
        raise ServiceError(_l("A committee round votes: it has no calibration."))
    if category not in round_.categories:
        raise ServiceError(_l("This category is not judged in this round."))
    if round_.is_closed():
        raise ServiceError(_l("This round is closed: its calibration can no longer change."))
    in_category = {n.id: n for n in round_nominations(round_) if n.category_id == category.id}
    chosen = list(dict.fromkeys(nomination_ids))
    if any(i not in in_category for i in chosen):
        raise ServiceError(_l("Choose nominations of this category that this round judges."))
    if not rules.count_allowed(len(chosen)):
        raise ServiceError(
            _l(
                "Choose between %(low)s and %(high)s calibration nominations for a category, or none.",
                low=rules.MIN_NOMINATIONS,
                high=rules.MAX_NOMINATIONS,
            )
        )
    current = {n.id for n in marked(round_).get(category.id, [])}
    if current == set(chosen):
        raise ServiceError(_l("These are already the calibration nominations of this category: nothing changed."))
    if started(round_, category):
        raise ServiceError(
            _l(
                "Judges have already submitted calibration scores in this category: its calibration can no longer "
                "change."
            )
        )
    scored = [
        in_category[i].reference
        for i in chosen
        if i not in current
        and db.session.scalar(
            sa.select(
                sa.exists().where(
                    ScoreSheet.assignment_id == Assignment.id,
                    Assignment.round_id == round_.id,
                    Assignment.nomination_id == i,
                    ScoreSheet.status == SheetStatus.SUBMITTED,
                )
            )
        )
    ]
    if scored:
        raise ServiceError(
            _l(
                "%(references)s already has submitted scores: calibration is scored first, so choose nominations no "
                "judge has submitted yet.",
                references=", ".join(r or "" for r in scored),
            )
        )
    if chosen and not category_judges(round_, category):
        raise ServiceError(
            _l("Assign this category's judges first: the calibration nominations go to every judge of the category.")
        )
    db.session.execute(
        sa.delete(CalibrationNomination).where(
            CalibrationNomination.round_id == round_.id, CalibrationNomination.nomination_id.in_(current - set(chosen))
        )
    )
    for nomination_id in chosen:
        if nomination_id not in current:
            db.session.add(
                CalibrationNomination(round_id=round_.id, nomination_id=nomination_id, marked_by_id=actor.id)
            )
    db.session.flush()
    added = _give_to_panel(round_, category, [in_category[i] for i in chosen], actor)
    record(
        "calibration.marked",
        round_,
        actor,
        f"calibration of {category.code} in {round_.name}: "
        + (", ".join(in_category[i].reference or "" for i in chosen) or "none"),
        {"round": round_.name, "category": category.code, "nominations": chosen, "assignments_added": added},
    )
    if added:
        slot_invitations.refresh_round(round_.id)  # a finalist's new judges are sent its presentation
    db.session.commit()
    return added


def _give_to_panel(round_: Round, category: Category, nominations: list[Nomination], actor: User) -> int:
    """Assign every judge of the category to each calibration nomination they do not hold yet, where the conflict
    rules allow it; a judge they refuse is left out (their other nominations do not wait for it)."""
    from .eligibility import conflict_refusal  # eligibility reads conflicts, which gives calibration its say

    if not nominations:
        return 0
    existing = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.nomination_id).where(Assignment.round_id == round_.id)
        )
    }
    declared = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    added = 0
    for judge in category_judges(round_, category):
        for nomination in nominations:
            pair = (judge.id, nomination.id)
            if pair in existing or conflict_refusal(judge, nomination, round_, declared=pair in declared):
                continue
            db.session.add(
                Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge.id, created_by_id=actor.id)
            )
            added += 1
    return added


def give_to_new_judges(round_: Round, actor: User) -> int:
    """After judges were assigned: each judge of a category with calibration nominations gets those too (the caller
    commits)."""
    calibration = marked(round_)
    added = 0
    for category in round_.categories:
        if category.id in calibration:
            added += _give_to_panel(round_, category, calibration[category.id], actor)
    return added


def set_counts(round_: Round, counts: bool, actor: User) -> bool:
    """Whether the judges' first calibration scores count in the ranking; fixed once any is submitted. Return
    whether the choice changed."""
    if round_.calibration_counts == counts:
        return False
    if round_.is_closed():
        raise ServiceError(_l("This round is closed: its calibration can no longer change."))
    if started(round_):
        raise ServiceError(
            _l("Judges have already submitted calibration scores: whether they count can no longer change.")
        )
    round_.calibration_counts = counts
    record(
        "calibration.counts",
        round_,
        actor,
        f"calibration scores {'count' if counts else 'do not count'} in {round_.name}",
        {"round": round_.name, "counts": counts},
    )
    db.session.commit()
    return True


def _left(round_id: int, judge_id: int, category_id: int) -> int:
    """How many calibration nominations of the category the judge still has to submit in the round."""
    return Assignment.calibration_left_count(db.session, round_id, judge_id, category_id)


def keep_first_total(assignment: Assignment, total: float) -> None:
    """On a calibration sheet's submission (in the caller's transaction): keep the judge's first total, then
    :func:`settle` their calibration of the category."""
    if assignment.calibration is None or assignment.calibration_total is not None:
        return
    db.session.add(CalibrationTotal(assignment_id=assignment.id, total=Decimal(str(round(total, 3)))))
    db.session.flush()
    db.session.expire(assignment, ["calibration_total"])
    settle(assignment)


def settle(assignment: Assignment) -> None:
    """Once a judge's calibration of a category is complete (their last calibration nomination submitted, or the last
    one left recused or waived), in a round where calibration scores do not count: reopen their submitted
    calibration sheets as drafts, so that only what they submit again counts (in the caller's transaction)."""
    if assignment.round.calibration_counts or not assignment.round.has_calibration:
        return
    category_id = assignment.nomination.category_id
    if _left(assignment.round_id, assignment.judge_id, category_id):
        return
    reopened = 0
    for sheet in db.session.scalars(
        sa.select(ScoreSheet)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .join(CalibrationTotal, CalibrationTotal.assignment_id == Assignment.id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(
            Assignment.round_id == assignment.round_id,
            Assignment.judge_id == assignment.judge_id,
            Nomination.category_id == category_id,
            ScoreSheet.status == SheetStatus.SUBMITTED,
            # Reopened once only: a sheet submitted again after its calibration total was kept stays submitted.
            ScoreSheet.submitted_at <= CalibrationTotal.submitted_at,
        )
    ):
        sheet.status, sheet.submitted_at, sheet.version = SheetStatus.DRAFT, None, sheet.version + 1
        reopened += 1
    if reopened:
        record(
            "calibration.reopened",
            assignment.nomination,
            assignment.judge,
            f"calibration sheets of {assignment.judge.email} reopened: calibration scores do not count",
            {"round": assignment.round.name, "sheets": reopened},
        )


def settle_judge(judge_id: int, nomination_id: int) -> None:
    """:func:`settle` every round where ``judge_id`` holds ``nomination_id`` (a recusal reaches every round)."""
    for assignment in db.session.scalars(
        sa.select(Assignment).where(Assignment.judge_id == judge_id, Assignment.nomination_id == nomination_id)
    ):
        settle(assignment)


@dataclass(frozen=True)
class Leniency:
    """How far a judge's totals sit from the others': from the ranking's model, or the plain offset."""

    points: float
    low: float | None = None  # the model's 90% interval, when it is the model's
    high: float | None = None

    @property
    def from_model(self) -> bool:
        return self.low is not None


@dataclass(frozen=True)
class JudgeFeedback:
    """What one judge reads of their own calibration in one category, and only they."""

    category: Category
    left: int  # calibration nominations still to submit: nothing is shown before they are all in
    rows: list[tuple[Nomination, rules.FeedbackRow]]
    leniency: Leniency | None
    counts: bool

    @property
    def ready(self) -> bool:
        return self.left == 0 and bool(self.rows)


def judge_feedback(judge: User, round_: Round, category: Category) -> JudgeFeedback | None:
    """The judge's calibration of the category beside the panel's median, once their own is complete; None when the
    category has no calibration nomination for them."""
    nominations = {
        a.nomination_id: a.nomination
        for a in db.session.scalars(
            sa.select(Assignment)
            .join(CalibrationNomination, CalibrationNomination.nomination_id == Assignment.nomination_id)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .where(
                Assignment.round_id == round_.id,
                CalibrationNomination.round_id == round_.id,
                Assignment.judge_id == judge.id,
                Nomination.category_id == category.id,
                ~Assignment.recused_clause(),
            )
            .order_by(Nomination.reference)
        )
    }
    if not nominations:
        return None
    left = _left(round_.id, judge.id, category.id)
    if left:
        return JudgeFeedback(category, left, [], None, round_.calibration_counts)
    by_nomination = totals(round_, category)
    rows = rules.feedback_rows(judge.id, by_nomination, nominations)
    return JudgeFeedback(
        category,
        0,
        [(nominations[row.nomination_id], row) for row in rows],
        _leniency(judge, round_, category, by_nomination, rows),
        round_.calibration_counts,
    )


def _leniency(
    judge: User,
    round_: Round,
    category: Category,
    by_nomination: dict[int, dict[int, float]],
    rows: list[rules.FeedbackRow],
) -> Leniency | None:
    from . import uncertainty as uncertainty_service

    draws = uncertainty_service.usable_draws(round_)
    if category.id in draws:
        from .. import uncertainty as model

        summary = model.leniency_summary(draws[category.id])
        mine = summary[summary["judge_id"] == judge.id]
        if not mine.empty:
            row = mine.iloc[0]
            return Leniency(float(row["leniency"]), float(row["low"]), float(row["high"]))
    if any(row.median is None for row in rows):
        return None  # with a single other judge on a nomination, the offset would tell that judge's total
    offset = _offsets(category, by_nomination).get(judge.id)
    return Leniency(offset) if offset is not None else None


def _offsets(category: Category, by_nomination: dict[int, dict[int, float]]) -> dict[int, float]:
    """Each judge's offset against the other judges on the calibration nominations (``ranking.judge_diagnostics``)."""
    import pandas as pd  # loaded by the pages that compare, not with the app

    from .. import ranking

    frame = pd.DataFrame(
        [
            {"category_id": category.id, "nomination_id": nomination_id, "judge_id": judge_id, "total": total}
            for nomination_id, by_judge in by_nomination.items()
            for judge_id, total in by_judge.items()
        ],
        columns=["category_id", "nomination_id", "judge_id", "total"],
    )
    diagnostics = ranking.judge_diagnostics(frame)
    # At 6 decimals, as the ranking rounds, and never "-0.0": a judge exactly on the panel's line reads +0.0.
    return {
        int(row.judge_id): round(float(row.offset), ranking.DECIMALS) + 0.0
        for row in diagnostics.itertuples()
        if not pd.isna(row.offset)
    }


@dataclass(frozen=True)
class PanelCalibration:
    """The secretariat's side-by-side view of one category's calibration."""

    category: Category
    nominations: list[Nomination]
    judges: list[User]
    cells: dict[tuple[int, int], float | AssignmentStatus | None]  # (judge, nomination) → total, else status
    medians: dict[int, float]
    offsets: dict[int, float]

    def done(self, judge: User) -> int:
        return sum(1 for n in self.nominations if isinstance(self.cells.get((judge.id, n.id)), float))


def panel(round_: Round) -> list[PanelCalibration]:
    """Per category of the round: its calibration nominations and each judge's calibration total (or the state of
    their assignment while they have none), the median per nomination and each judge's offset."""
    calibration = marked(round_)
    out = []
    for category in round_.categories:
        nominations = calibration.get(category.id, [])
        if not nominations:
            out.append(PanelCalibration(category, [], category_judges(round_, category), {}, {}, {}))
            continue
        by_nomination = totals(round_, category)
        cells: dict[tuple[int, int], float | AssignmentStatus | None] = {}
        for assignment in db.session.scalars(
            sa.select(Assignment).where(
                Assignment.round_id == round_.id, Assignment.nomination_id.in_([n.id for n in nominations])
            )
        ):
            total = by_nomination.get(assignment.nomination_id, {}).get(assignment.judge_id)
            cells[(assignment.judge_id, assignment.nomination_id)] = total if total is not None else assignment.status
        out.append(
            PanelCalibration(
                category,
                nominations,
                category_judges(round_, category),
                cells,
                rules.panel_medians(by_nomination),
                _offsets(category, by_nomination),
            )
        )
    return out
