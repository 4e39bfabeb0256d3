"""What an applicant reads of the feedback on their nomination (``rules.feedback``): for each round whose feedback
is released, once the results are published, the comments shown to them by criterion, from judges numbered and
never named, and where the nomination's Score sits in the distribution of its category's Scores in that round."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from .. import charts
from ..extensions import db
from ..models import Assignment, Criterion, Nomination, Round, RoundMode, ScoreSheet, SheetStatus, User
from ..rules import feedback as rules
from . import feedback


@dataclass(frozen=True)
class Remark:
    """A comment as the applicant reads it: its text, and the number of its judge for this nomination."""

    judge: int
    text: str


@dataclass
class CriterionRemarks:
    """The comments on one criterion, or the overall comments (``criterion`` None), by judge number."""

    criterion: Criterion | None
    remarks: list[Remark] = field(default_factory=list)


@dataclass(frozen=True)
class Standing:
    """Where the nomination's Score sits among its category's in a round: the Score of the round's ranking, how many
    nominations of the category were scored, and the distribution's chart when the category is large enough."""

    score: float | None
    scored: int
    method: str
    chart: charts.DistributionChart | None

    @property
    def minimum(self) -> int:
        """The fewest scored nominations a category needs for its chart."""
        return rules.MIN_SCORED_NOMINATIONS


@dataclass
class RoundFeedback:
    """The feedback on one nomination in one round."""

    round: Round
    released_at: datetime | None  # None in the secretariat's preview of a round not released
    criteria: list[CriterionRemarks]
    standing: Standing


def _scored_in(nomination: Nomination) -> sa.ColumnElement[bool]:
    """True for a round in which the nomination has a sheet that counts (submitted, its judge not recused)."""
    return sa.exists(
        sa.select(ScoreSheet.id)
        .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
        .where(
            Assignment.round_id == Round.id,
            Assignment.nomination_id == nomination.id,
            ScoreSheet.status == SheetStatus.SUBMITTED,
            ~Assignment.recused_clause(),
        )
    )


def standing(round_: Round, nomination: Nomination) -> Standing:
    """The nomination's Score in the round's ranking beside its category's: the same ranking the results use."""
    from . import results as results_service

    results = results_service.category_results(round_, nomination.category)
    scores = {
        int(nomination_id): float(score)
        for nomination_id, score in zip(results.ranking["nomination_id"], results.ranking["score"], strict=True)
        if score == score  # not NaN
    }
    own = scores.get(nomination.id)
    shown = own is not None and rules.distribution_shown(len(scores))
    chart = charts.score_distribution(list(scores.values()), own, rules.BAND_POINTS) if shown else None
    return Standing(own, len(scores), results.settings.method.value, chart)


def round_feedback(round_: Round, nomination: Nomination, released_at: datetime | None = None) -> RoundFeedback:
    """The feedback on a nomination in a round as its applicant reads it, whether or not it is released (the
    secretariat's preview): the comments shown, by criterion, their judges numbered for this nomination."""
    shown = [c for c in feedback.shared_comments([round_.id], Assignment.nomination_id == nomination.id) if c.shown]
    numbers = rules.judge_numbers(c.sheet_id for c in shown)  # ``shown`` is in reading order
    groups: dict[int | None, CriterionRemarks] = {}
    for comment in shown:  # in rubric order, the overall comments last
        group = groups.setdefault(comment.criterion_id, CriterionRemarks(comment.criterion))
        group.remarks.append(Remark(numbers[comment.sheet_id], comment.text))
    for group in groups.values():
        group.remarks.sort(key=lambda remark: remark.judge)
    return RoundFeedback(round_, released_at, list(groups.values()), standing(round_, nomination))


def for_applicant(nomination: Nomination, user: User) -> list[RoundFeedback]:
    """The feedback the user reads on the nomination: nothing unless it is their organisation's and the edition's
    results are published; then each released round in which it was scored, in the rounds' order."""
    edition = nomination.edition
    if not nomination.belongs_to(user) or edition.results_published_at is None:
        return []
    released = feedback.released_rounds(edition.id)
    if not released:
        return []
    rounds = db.session.scalars(
        sa.select(Round)
        .where(Round.id.in_(list(released)), Round.mode == RoundMode.SCORING, _scored_in(nomination))
        .order_by(Round.position)
    ).all()
    return [
        round_feedback(round_, nomination, released[round_.id])
        for round_ in rounds
        if rules.visible(released=round_.id in released, results_published=edition.results_published_at is not None)
    ]
