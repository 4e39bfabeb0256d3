"""Judging rounds: their window, categories and decision, which nominations they take, and advancing to the next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Assignment,
    Category,
    CategoryKind,
    CommitteeVote,
    Edition,
    Nomination,
    NominationStatus,
    Round,
    RoundEntry,
    RoundMode,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from ..rules import DEFAULT_DISAGREEMENT, LATE_WINDOW_HOURS
from . import ServiceError
from .audit import record
from .rubrics import _seed_rubric, criteria_of


@dataclass(frozen=True)
class RoundInput:
    name: str
    opens_at: datetime
    closes_at: datetime
    category_ids: list[int]
    judges_per_nomination: int
    mode: RoundMode
    same_country_conflict: bool
    quorum: Decimal
    max_load: int | None = None
    ranking_method: str = "mean"
    disagreement_threshold: Decimal = DEFAULT_DISAGREEMENT
    shortlist_count: int | None = None
    name_ko: str = ""


def rounds_of(edition: Edition) -> list[Round]:
    return list(db.session.scalars(sa.select(Round).where(Round.edition_id == edition.id).order_by(Round.position)))


def _apply_round(round_: Round, data: RoundInput) -> None:
    if data.closes_at <= data.opens_at:
        raise ServiceError(_l("The round must close after it opens."))
    categories = list(
        db.session.scalars(
            sa.select(Category).where(Category.id.in_(data.category_ids), Category.edition_id == round_.edition_id)
        )
    )
    if not categories:
        raise ServiceError(_l("Choose at least one category of this edition."))
    if data.mode is RoundMode.COMMITTEE and any(c.kind is not CategoryKind.COMMENDATION for c in categories):
        raise ServiceError(_l("A committee vote is for Mayor's commendation categories only."))
    round_.name, round_.name_ko = data.name, data.name_ko
    round_.opens_at, round_.closes_at = data.opens_at, data.closes_at
    round_.categories = categories
    round_.judges_per_nomination = data.judges_per_nomination
    round_.max_load = data.max_load
    round_.ranking_method = data.ranking_method
    round_.disagreement_threshold = data.disagreement_threshold
    round_.shortlist_count = data.shortlist_count
    round_.mode = data.mode
    round_.same_country_conflict = data.same_country_conflict
    round_.quorum = data.quorum


def create_round(edition: Edition, data: RoundInput, actor: User) -> Round:
    """Add a round after the edition's last one; project categories get the six published criteria."""
    position = (
        db.session.scalar(sa.select(sa.func.max(Round.position)).where(Round.edition_id == edition.id)) or 0
    ) + 1
    round_ = Round(edition_id=edition.id, position=position)
    _apply_round(round_, data)
    db.session.add(round_)
    db.session.flush()
    for category in round_.categories:
        if round_.mode is RoundMode.SCORING:
            _seed_rubric(round_, category)
    record("round.created", round_, actor, f"round {round_.name} created", {"round": round_.name})
    db.session.commit()
    return round_


#: What decides a round's outcome once scores are in: changed after the first sheet is submitted only with an
#: explicit, audited confirmation (as the rubric).
DECISION_FIELDS = ("ranking_method", "disagreement_threshold", "shortlist_count")


class DecisionLocked(ServiceError):
    """The round's method or cuts would change after scores were submitted; ``changes`` holds before and after."""

    def __init__(self, changes: dict[str, list[str]]) -> None:
        self.changes = changes
        super().__init__(
            _l(
                "Judges have already submitted scores in this round: changing how it ranks or where its "
                "cuts fall needs your confirmation below (it is recorded with the values before and "
                "after)."
            )
        )


def _round_snapshot(round_: Round) -> dict[str, str]:
    return {
        "name": round_.name,
        "name_ko": round_.name_ko,
        "opens_at": str(round_.opens_at),
        "closes_at": str(round_.closes_at),
        "categories": ", ".join(sorted(c.code for c in round_.categories)),
        "judges_per_nomination": str(round_.judges_per_nomination),
        "max_load": str(round_.max_load),
        "mode": str(round_.mode),
        "same_country_conflict": str(round_.same_country_conflict),
        "quorum": str(round_.quorum),
        "ranking_method": str(round_.ranking_method),
        "disagreement_threshold": str(round_.disagreement_threshold),
        "shortlist_count": str(round_.shortlist_count),
    }


def round_has_submitted_scores(round_: Round) -> bool:
    submitted = (
        sa.select(ScoreSheet.id)
        .join(ScoreSheet.assignment)
        .where(Assignment.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED)
    )
    return bool(db.session.scalar(sa.select(sa.exists(submitted))))


def update_round(round_: Round, data: RoundInput, actor: User, *, confirm_decision: bool = False) -> Round:
    """Change a round; its method, disagreement threshold and shortlist are fixed once a sheet is submitted, unless
    the change is confirmed (and audited with the values before and after)."""
    before = _round_snapshot(round_)
    if round_.mode is not data.mode and _has_work(round_):
        raise ServiceError(_l("The decision mode cannot change once judges have started."))
    wanted = {
        "ranking_method": str(data.ranking_method),
        "disagreement_threshold": str(data.disagreement_threshold),
        "shortlist_count": str(data.shortlist_count),
    }
    decisive = {
        k: [before[k], wanted[k]]
        for k in DECISION_FIELDS
        if before[k] != wanted[k] and not (k == "disagreement_threshold" and Decimal(before[k]) == Decimal(wanted[k]))
    }
    locked = bool(decisive) and round_has_submitted_scores(round_)
    if locked and not confirm_decision:
        raise DecisionLocked(decisive)
    _apply_round(round_, data)
    for category in round_.categories:
        if round_.mode is RoundMode.SCORING and not criteria_of(round_, category):
            _seed_rubric(round_, category)
    db.session.flush()
    after = _round_snapshot(round_)
    changes = {
        k: [before[k], after[k]]
        for k in before
        if before[k] != after[k] and not (k == "disagreement_threshold" and Decimal(before[k]) == Decimal(after[k]))
    }
    action = "round.decision_changed" if locked else "round.updated"
    record(
        action,
        round_,
        actor,
        f"round {round_.name} changed: {', '.join(changes) or 'nothing'}",
        {"round": round_.name, "changes": changes, "confirmed_after_scores": locked},
    )
    db.session.commit()
    return round_


def _has_work(round_: Round) -> bool:
    started = sa.select(ScoreSheet.id).join(ScoreSheet.assignment).where(Assignment.round_id == round_.id)
    voted = sa.select(CommitteeVote.id).join(CommitteeVote.assignment).where(Assignment.round_id == round_.id)
    return bool(db.session.scalar(sa.select(sa.exists(started))) or db.session.scalar(sa.select(sa.exists(voted))))


def _categories_judged_earlier(round_: Round) -> set[int]:
    from ..models.judging import round_category

    return set(
        db.session.scalars(
            sa.select(round_category.c.category_id)
            .join(Round, Round.id == round_category.c.round_id)
            .where(Round.edition_id == round_.edition_id, Round.position < round_.position)
        )
    )


def is_first_round(round_: Round) -> bool:
    """Whether this round is the first to judge each of its categories (it then takes the eligible nominations)."""
    return not ({c.id for c in round_.categories} & _categories_judged_earlier(round_))


def round_nominations_query(round_: Round) -> sa.Select:
    """The nominations a round judges: for a category it is the first to judge, the eligible ones; for a category
    an earlier round judged, those advanced into this round."""
    earlier = _categories_judged_earlier(round_)
    fresh = [c.id for c in round_.categories if c.id not in earlier]
    advanced = [c.id for c in round_.categories if c.id in earlier]
    advanced_ids = sa.select(RoundEntry.nomination_id).where(RoundEntry.round_id == round_.id)
    return (
        sa.select(Nomination)
        .where(
            Nomination.status == NominationStatus.ELIGIBLE,
            sa.or_(
                Nomination.category_id.in_(fresh),
                sa.and_(Nomination.category_id.in_(advanced), Nomination.id.in_(advanced_ids)),
            ),
        )
        .order_by(Nomination.category_id, Nomination.reference)
    )


def round_nominations(round_: Round) -> list[Nomination]:
    # Joined, not selectin, loading: one query however many nominations (selectin batches its IN lists by 500).
    return list(
        db.session.scalars(
            round_nominations_query(round_).options(
                joinedload(Nomination.organisation), joinedload(Nomination.category)
            )
        )
    )


def round_nomination_choices(round_: Round) -> list[tuple[int, str]]:
    """Every nomination of the round as a form's choice, "reference · title", without loading the nominations."""
    rows = db.session.execute(
        round_nominations_query(round_).with_only_columns(Nomination.id, Nomination.reference, Nomination.title)
    )
    return [(id_, f"{reference} · {(title or '')[:60]}") for id_, reference, title in rows]


def advance(from_round: Round, to_round: Round, nomination_ids: list[int], actor: User) -> int:
    """Take the chosen nominations of one round into a later round of the same edition."""
    if to_round.edition_id != from_round.edition_id or to_round.position <= from_round.position:
        raise ServiceError(_l("Nominations move forward to a later round of the same edition."))
    in_from = {n.id for n in round_nominations(from_round)}
    chosen = [i for i in dict.fromkeys(nomination_ids) if i in in_from]
    if not chosen:
        raise ServiceError(_l("Choose the nominations to advance."))
    allowed_categories = {c.id for c in to_round.categories}
    existing = set(db.session.scalars(sa.select(RoundEntry.nomination_id).where(RoundEntry.round_id == to_round.id)))
    added = 0
    for nomination in db.session.scalars(sa.select(Nomination).where(Nomination.id.in_(chosen))):
        if nomination.id in existing or nomination.category_id not in allowed_categories:
            continue
        db.session.add(RoundEntry(round_id=to_round.id, nomination_id=nomination.id, added_by_id=actor.id))
        added += 1
    record(
        "round.advanced",
        to_round,
        actor,
        f"{added} nominations advanced from {from_round.name}",
        {"round": to_round.name, "from": from_round.name, "count": added},
    )
    db.session.commit()
    return added


def is_late(round_: Round) -> bool:
    """Whether unfinished work now counts as late: the round closes within two days, or has closed."""
    return utcnow() >= round_.closes_at - timedelta(hours=LATE_WINDOW_HOURS)


def round_with_details(round_id: int) -> Round | None:
    """A round with what every one of its pages shows (its edition and categories), in two queries."""
    return db.session.scalar(
        sa.select(Round).where(Round.id == round_id).options(joinedload(Round.edition), selectinload(Round.categories))
    )
