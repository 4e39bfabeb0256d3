"""Judging use cases: rounds, rubrics, assignments, conflicts of interest, score sheets and committee votes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from .. import assignment as assignment_maths
from ..extensions import db
from ..models import (
    Assignment,
    AssignmentStatus,
    Category,
    CategoryKind,
    CommitteeVote,
    Conflict,
    Criterion,
    Edition,
    Nomination,
    NominationStatus,
    Round,
    RoundEntry,
    RoundMode,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
    Vote,
    utcnow,
)
from ..rules import DEFAULT_DISAGREEMENT
from ..scoring import Scale, ScoreError, Total, check_scale, parse_score, weight_shares, weighted_total
from ..urls import external_url
from . import NotAllowed, ServiceError
from .audit import record
from .mail import send_email

# --- rounds -----------------------------------------------------------------------------------------


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
    round_.name = data.name
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
    return db.session.scalar(sa.select(sa.exists(started))) or db.session.scalar(sa.select(sa.exists(voted)))


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


# --- rubrics ----------------------------------------------------------------------------------------

#: The six published criteria of the Seoul Smart City Prize; weights and scale were not published.
PUBLISHED_CRITERIA = [
    (
        "Problem-Centered Innovation",
        "문제 중심 혁신",
        "Importance of the problem, evidence of its causes, citizens engaged in defining it.",
        "문제의 중요성, 원인에 대한 근거, 문제 정의에 시민이 참여했는지",
    ),
    (
        "Rational Process of Project Development",
        "합리적인 사업 개발 과정",
        "Technology fit to the problem, innovation, evidence-based design.",
        "문제에 맞는 기술, 혁신성, 근거에 기반한 설계",
    ),
    (
        "Feasible Budgeting & Planning",
        "실현 가능한 예산과 계획",
        "Resources, organisation and staffing, contingency plan.",
        "재원, 조직과 인력, 비상 계획",
    ),
    (
        "Meticulous Project Implementation",
        "충실한 사업 실행",
        "Participatory mechanisms, barriers overcome.",
        "참여 방식, 극복한 장애 요인",
    ),
    ("Learning & Improvement", "학습과 개선", "Monitoring and evaluation feedback.", "모니터링과 평가 환류"),
    ("Value Generation", "가치 창출", "Outcomes and impact.", "성과와 영향"),
]


def criteria_of(round_: Round, category: Category) -> list[Criterion]:
    return list(
        db.session.scalars(
            sa.select(Criterion)
            .where(Criterion.round_id == round_.id, Criterion.category_id == category.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def _seed_rubric(round_: Round, category: Category) -> None:
    if category.kind not in (CategoryKind.PROJECT, CategoryKind.SPECIAL, CategoryKind.LEADERSHIP):
        return
    if category.kind is CategoryKind.LEADERSHIP:
        rows = [
            ("Leadership and vision", "리더십과 비전", "", ""),
            ("Innovation with technology and data", "기술과 데이터를 활용한 혁신", "", ""),
            ("Results for citizens", "시민을 위한 성과", "", ""),
        ]
    else:
        rows = PUBLISHED_CRITERIA
    for position, (name_en, name_ko, guidance_en, guidance_ko) in enumerate(rows):
        db.session.add(
            Criterion(
                round_id=round_.id,
                category_id=category.id,
                position=position,
                name_en=name_en,
                name_ko=name_ko,
                guidance_en=guidance_en,
                guidance_ko=guidance_ko,
                weight=Decimal(1),
                min_score=Decimal(1),
                max_score=Decimal(10),
                step=Decimal(1),
            )
        )


def rubric_locked(round_: Round, category: Category) -> bool:
    """A rubric is locked once any judge has submitted scores for that category in the round."""
    submitted = (
        sa.select(ScoreSheet.id)
        .join(ScoreSheet.assignment)
        .join(Assignment.nomination)
        .where(
            Assignment.round_id == round_.id,
            Nomination.category_id == category.id,
            ScoreSheet.status == SheetStatus.SUBMITTED,
        )
    )
    return bool(db.session.scalar(sa.select(sa.exists(submitted))))


@dataclass(frozen=True)
class CriterionInput:
    id: int | None
    name_en: str
    name_ko: str
    guidance_en: str
    guidance_ko: str
    weight: Decimal
    min_score: Decimal
    max_score: Decimal
    step: Decimal


SCALE_MESSAGES = {
    "weight": _l("The weight must be a positive number."),
    "range": _l("The highest score must be above the lowest."),
    "step": _l("The step must divide the range (whole or half points)."),
}


class StaleRubric(ServiceError):
    """Someone saved the rubric after the page that posted was opened."""


def rubric_fingerprint(criteria: list[Criterion]) -> str:
    """A short digest of a rubric as it stands: the page carries it, and a save from an older page is refused."""
    content = [
        {
            "id": c.id,
            **_criterion_snapshot(c),
            "name_ko": c.name_ko,
            "guidance_en": c.guidance_en,
            "guidance_ko": c.guidance_ko,
        }
        for c in criteria
    ]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def save_rubric(
    round_: Round,
    category: Category,
    rows: list[CriterionInput],
    actor: User,
    confirm_reopen: bool = False,
    opened: str | None = None,
) -> list[Criterion]:
    """Replace a rubric's criteria; once scores are submitted this needs an explicit, audited confirmation.

    ``opened``: the rubric's fingerprint when the page was opened; if someone saved it since, nothing is saved.
    """
    if category not in round_.categories:
        raise ServiceError(_l("This category is not judged in this round."))
    # Hold the round while comparing, so two saves at the same moment cannot both pass the check.
    db.session.execute(sa.update(Round).where(Round.id == round_.id).values(id=Round.id))
    if opened is not None and opened != rubric_fingerprint(criteria_of(round_, category)):
        db.session.rollback()
        raise StaleRubric(_l("Someone else saved this rubric after you opened the page, so nothing was saved."))
    if not rows:
        raise ServiceError(_l("A rubric needs at least one criterion."))
    for row in rows:
        problem = check_scale(row.min_score, row.max_score, row.step, row.weight)
        if problem:
            raise ServiceError(_l("%(name)s: %(problem)s", name=row.name_en, problem=SCALE_MESSAGES[problem]))
    locked = rubric_locked(round_, category)
    if locked and not confirm_reopen:
        raise ServiceError(
            _l("Judges have already submitted scores against this rubric: tick the confirmation to change it anyway.")
        )
    existing = {c.id: c for c in criteria_of(round_, category)}
    removed = set(existing) - {row.id for row in rows if row.id}
    drafted = removed and db.session.scalar(
        sa.select(sa.exists().where(Score.criterion_id.in_(removed), Score.value.is_not(None)))
    )
    if drafted and not confirm_reopen:
        raise ServiceError(
            _l(
                "Judges have draft scores on a criterion you are removing: tick the confirmation to "
                "remove it and those scores."
            )
        )
    before = [_criterion_snapshot(c) for c in existing.values()]
    kept: list[Criterion] = []
    for position, row in enumerate(rows):
        criterion = existing.pop(row.id, None) if row.id else None
        if criterion is None:
            criterion = Criterion(round_id=round_.id, category_id=category.id)
            db.session.add(criterion)
        criterion.position = position
        for name in ("name_en", "name_ko", "guidance_en", "guidance_ko", "weight", "min_score", "max_score", "step"):
            setattr(criterion, name, getattr(row, name))
        kept.append(criterion)
    for criterion in existing.values():
        db.session.delete(criterion)
    db.session.flush()
    after = [_criterion_snapshot(c) for c in kept]
    if before != after:
        # Pages open on the old rubric must reload before they save again.
        db.session.execute(
            sa.update(ScoreSheet)
            .where(
                ScoreSheet.assignment_id.in_(
                    sa.select(Assignment.id)
                    .join(Assignment.nomination)
                    .where(Assignment.round_id == round_.id, Nomination.category_id == category.id)
                )
            )
            .values(version=ScoreSheet.version + 1)
            .execution_options(synchronize_session=False)
        )
        action = "rubric.reopened_and_changed" if locked else "rubric.changed"
        record(
            action,
            round_,
            actor,
            f"rubric of {category.code} in {round_.name} changed",
            {"round": round_.name, "category": category.code, "before": before, "after": after},
        )
    db.session.commit()
    return kept


def _criterion_snapshot(c: Criterion) -> dict:
    return {
        "name": c.name_en,
        "weight": str(c.weight),
        "min": str(c.min_score),
        "max": str(c.max_score),
        "step": str(c.step),
    }


def scales_of(criteria: list[Criterion]) -> list[Scale]:
    return [
        Scale(c.id, Decimal(c.weight), Decimal(c.min_score), Decimal(c.max_score), Decimal(c.step)) for c in criteria
    ]


# --- assignments ------------------------------------------------------------------------------------


def judges() -> list[User]:
    from ..models import Role, UserRole

    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role_links.any(UserRole.role == Role.JUDGE), User.active.is_(True))
            .order_by(User.name)
        )
    )


def conflict_between(judge_id: int, nomination_id: int) -> Conflict | None:
    return db.session.scalar(
        sa.select(Conflict).where(Conflict.judge_id == judge_id, Conflict.nomination_id == nomination_id)
    )


def _judge_slot(judge: User) -> assignment_maths.JudgeSlot:
    return assignment_maths.JudgeSlot(judge.id, judge.affiliation or "", judge.country_code or "")


def _nomination_slot(nomination: Nomination) -> assignment_maths.NominationSlot:
    return assignment_maths.NominationSlot(
        nomination.id, nomination.organisation.name, nomination.organisation.country_code
    )


def conflict_refusal(judge: User, nomination: Nomination, round_: Round, declared: bool | None = None):
    """Why this judge may not judge this nomination in this round, in words, or None when nothing stands in the way.

    The same rules hold by hand and automatically: a declared conflict of interest, the judge's own organisation,
    and (when the round says so) the judge's own country. ``declared`` saves the lookup when the caller knows.
    """
    if declared is None:
        declared = conflict_between(judge.id, nomination.id) is not None
    if declared:
        return _l("a conflict of interest is recorded")
    rule = assignment_maths.conflict_rule(
        _judge_slot(judge), _nomination_slot(nomination), round_.same_country_conflict
    )
    if rule is assignment_maths.ConflictRule.SAME_ORGANISATION:
        return _l("the judge belongs to the nominating organisation (%(name)s)", name=nomination.organisation.name)
    if rule is assignment_maths.ConflictRule.SAME_COUNTRY:
        return _l(
            "the judge is from the nomination's country (%(country)s), and this round keeps judges off their "
            "own country's nominations",
            country=nomination.organisation.country_code,
        )
    return None


def judges_escaping_conflict_rules(panel: list[User] | None = None) -> list[User]:
    """Active judges without a country or an organisation: the automatic conflict rules cannot see them."""
    return [j for j in (judges() if panel is None else panel) if j.missing_conflict_details]


def assign_manually(
    round_: Round, nomination_ids: list[int], judge_ids: list[int], actor: User
) -> tuple[int, list[tuple[User, Nomination, str]]]:
    """Assign every chosen judge to every chosen nomination the conflict rules allow; return how many were added
    and each pair refused with the rule that refused it."""
    in_round = {n.id: n for n in round_nominations(round_)}
    panel = {j.id: j for j in judges()}
    nominations = [in_round[i] for i in dict.fromkeys(nomination_ids) if i in in_round]
    chosen_judges = [panel[i] for i in dict.fromkeys(judge_ids) if i in panel]
    if not nominations or not chosen_judges:
        raise ServiceError(_l("Choose at least one nomination of this round and one judge."))
    existing = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.nomination_id).where(Assignment.round_id == round_.id)
        )
    }
    conflicts = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    added, refused = 0, []
    for nomination in nominations:
        for judge in chosen_judges:
            if (judge.id, nomination.id) in existing:
                continue
            reason = conflict_refusal(judge, nomination, round_, declared=(judge.id, nomination.id) in conflicts)
            if reason is not None:
                refused.append((judge, nomination, reason))
                continue
            db.session.add(
                Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge.id, created_by_id=actor.id)
            )
            added += 1
    record(
        "assignment.added",
        round_,
        actor,
        f"{added} assignments added by hand in {round_.name}",
        {
            "round": round_.name,
            "count": added,
            "judges": [j.id for j in chosen_judges],
            "nominations": [n.id for n in nominations],
            "refused": [[j.id, n.id] for j, n, _reason in refused],
        },
    )
    db.session.commit()
    return added, refused


@dataclass
class AutoResult:
    added: int
    shortfalls: list[tuple[Nomination, int, str]] = field(default_factory=list)
    #: Judges the conflict rules could not check (no country or no organisation); they may have been assigned.
    unchecked_judges: list[User] = field(default_factory=list)


def assign_automatically(round_: Round, actor: User, seed: int = 0) -> AutoResult:
    """Fill each nomination up to the round's panel size, evenly, never with a conflicted judge."""
    if round_.is_closed():
        raise ServiceError(_l("This round has closed."))
    nominations = round_nominations(round_)
    panel = judges()
    existing = [
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.nomination_id).where(Assignment.round_id == round_.id)
        )
    ]
    blocked = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    known_judges = {j.id for j in panel}
    known_nominations = {n.id for n in nominations}
    plan = assignment_maths.plan_assignment(
        [_judge_slot(j) for j in panel],
        [_nomination_slot(n) for n in nominations],
        judges_per_nomination=round_.judges_per_nomination,
        max_load=round_.max_load,
        # A recused judge's assignment does not count: the nomination needs someone in their place.
        existing=[p for p in existing if p[0] in known_judges and p[1] in known_nominations and p not in blocked],
        blocked=sorted(p for p in blocked if p[0] in known_judges and p[1] in known_nominations),
        same_country=round_.same_country_conflict,
        seed=seed,
    )
    for judge_id, nomination_id in plan.added:
        db.session.add(
            Assignment(
                round_id=round_.id,
                nomination_id=nomination_id,
                judge_id=judge_id,
                automatic=True,
                created_by_id=actor.id,
            )
        )
    by_id = {n.id: n for n in nominations}
    shortfalls = [(by_id[s.nomination_id], s.missing, s.reason) for s in plan.shortfalls]
    unseen = judges_escaping_conflict_rules(panel)
    record(
        "assignment.automatic",
        round_,
        actor,
        f"{len(plan.added)} assignments added automatically",
        {
            "round": round_.name,
            "count": len(plan.added),
            "seed": seed,
            "short": {str(s.nomination_id): s.missing for s in plan.shortfalls},
            "judges_without_details": [j.id for j in unseen],
        },
    )
    db.session.commit()
    return AutoResult(len(plan.added), shortfalls, unseen)


def _work_started(assignment: Assignment) -> bool:
    vote = db.session.scalar(sa.select(CommitteeVote.id).where(CommitteeVote.assignment_id == assignment.id))
    return assignment.sheet is not None or vote is not None


def remove_assignment(assignment: Assignment, actor: User) -> None:
    """Take a nomination away from a judge who has not started on it."""
    if _work_started(assignment):
        raise ServiceError(_l("The judge has already started on this nomination: reassign it instead."))
    record(
        "assignment.removed",
        assignment.round,
        actor,
        "assignment removed",
        {"round": assignment.round.name, "judge": assignment.judge.email, "reference": assignment.nomination.reference},
    )
    db.session.delete(assignment)
    db.session.commit()


def reassign(assignment: Assignment, new_judge: User, actor: User) -> Assignment:
    """Move a nomination from one judge to another; the first judge's draft (if any) is discarded."""
    if new_judge.id == assignment.judge_id or not new_judge.is_judge:
        raise ServiceError(_l("Choose another judge."))
    if assignment.sheet is not None and assignment.sheet.status is SheetStatus.SUBMITTED:
        raise ServiceError(_l("Submitted scores stay with their judge; reopen them first if they must go."))
    if db.session.scalar(sa.select(CommitteeVote.id).where(CommitteeVote.assignment_id == assignment.id)):
        raise ServiceError(_l("This member has voted: the vote stays with them."))
    refusal = conflict_refusal(new_judge, assignment.nomination, assignment.round)
    if refusal is not None:
        raise ServiceError(
            _l("%(name)s cannot judge this nomination: %(reason)s.", name=new_judge.name, reason=refusal)
        )
    clash = db.session.scalar(
        sa.select(Assignment).where(
            Assignment.round_id == assignment.round_id,
            Assignment.nomination_id == assignment.nomination_id,
            Assignment.judge_id == new_judge.id,
        )
    )
    if clash is not None:
        raise ServiceError(_l("%(name)s is already assigned this nomination.", name=new_judge.name))
    old_judge = assignment.judge
    replacement = Assignment(
        round_id=assignment.round_id,
        nomination_id=assignment.nomination_id,
        judge_id=new_judge.id,
        created_by_id=actor.id,
    )
    record(
        "assignment.reassigned",
        assignment.round,
        actor,
        f"{assignment.nomination.reference} moved from {old_judge.email} to {new_judge.email}",
        {
            "round": assignment.round.name,
            "reference": assignment.nomination.reference,
            "from": old_judge.email,
            "to": new_judge.email,
        },
    )
    db.session.delete(assignment)
    db.session.add(replacement)
    db.session.commit()
    return replacement


# --- conflicts of interest --------------------------------------------------------------------------


def status_of(
    assignment: Assignment, conflicts: set[tuple[int, int]] | None = None, voted: set[int] | None = None
) -> AssignmentStatus:
    """To do, draft, submitted or recused, from the judge's point of view.

    Pass the (judge id, nomination id) pairs in conflict and the ids of the assignments with a committee vote
    to work out many statuses without a query each.
    """
    pair = (assignment.judge_id, assignment.nomination_id)
    recused = pair in conflicts if conflicts is not None else conflict_between(*pair) is not None
    if recused:
        return AssignmentStatus.RECUSED
    if assignment.round.mode is RoundMode.COMMITTEE:
        if voted is not None:
            done = assignment.id in voted
        else:
            done = db.session.scalar(sa.select(CommitteeVote.id).where(CommitteeVote.assignment_id == assignment.id))
        status = AssignmentStatus.SUBMITTED if done else AssignmentStatus.TO_DO
    elif assignment.sheet is None:
        status = AssignmentStatus.TO_DO
    else:
        status = (
            AssignmentStatus.SUBMITTED if assignment.sheet.status is SheetStatus.SUBMITTED else AssignmentStatus.DRAFT
        )
    if status is not AssignmentStatus.SUBMITTED and assignment.waived_at is not None:
        return AssignmentStatus.WAIVED
    return status


def declare(assignment: Assignment, judge: User, has_conflict: bool, reason: str = "") -> None:
    """The judge's declaration before seeing the scoring form: no conflict, or a conflict with its reason."""
    write_declaration(assignment, judge, has_conflict, reason)
    db.session.commit()


def write_declaration(assignment: Assignment, judge: User, has_conflict: bool, reason: str = "") -> None:
    """:func:`declare` without the commit, for a use case that writes several things in one transaction."""
    if not assignment.belongs_to(judge):
        raise NotAllowed(_l("This is not your assignment."))
    if conflict_between(judge.id, assignment.nomination_id) is not None:
        raise ServiceError(_l("You are already recused from this nomination."))
    if has_conflict:
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(_l("Say briefly what the conflict is."))
        db.session.add(
            Conflict(
                judge_id=judge.id, nomination_id=assignment.nomination_id, reason=reason[:2000], recorded_by_id=judge.id
            )
        )
        record(
            "conflict.declared",
            assignment.nomination,
            judge,
            f"{judge.email} declared a conflict",
            {"judge": judge.email, "reason": reason[:500]},
        )
    else:
        if assignment.no_conflict_declared_at is None:
            assignment.no_conflict_declared_at = utcnow()
            record(
                "conflict.none_declared",
                assignment.nomination,
                judge,
                f"{judge.email} declared no conflict",
                {"judge": judge.email},
            )


def record_conflict(judge: User, nomination: Nomination, reason: str, actor: User) -> Conflict:
    """The secretariat records a conflict it knows of; the judge is recused from the nomination."""
    if not judge.is_judge:
        raise ServiceError(_l("Choose a judge."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say briefly what the conflict is."))
    if conflict_between(judge.id, nomination.id) is not None:
        raise ServiceError(_l("This conflict is already recorded."))
    conflict = Conflict(judge_id=judge.id, nomination_id=nomination.id, reason=reason[:2000], recorded_by_id=actor.id)
    db.session.add(conflict)
    record(
        "conflict.recorded",
        nomination,
        actor,
        f"conflict of {judge.email} recorded",
        {"judge": judge.email, "reason": reason[:500]},
    )
    db.session.commit()
    return conflict


# --- scoring ----------------------------------------------------------------------------------------


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
        "min": _plain(scale.minimum),
        "max": _plain(scale.maximum),
        "step": _plain(scale.step),
    }


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def scoring_refusal(assignment: Assignment, judge: User):
    """Why this judge cannot score this assignment now, or None."""
    if not assignment.belongs_to(judge):
        return _l("This is not your assignment.")
    if conflict_between(judge.id, assignment.nomination_id) is not None:
        return _l("You are recused from this nomination.")
    if assignment.no_conflict_declared_at is None:
        return _l("Declare whether you have a conflict of interest first.")
    if assignment.round.mode is RoundMode.COMMITTEE:
        return _l("This round is decided by a committee vote, not by scores.")
    if not assignment.round.is_open():
        return (
            _l("This round is closed: scores can no longer change.")
            if assignment.round.is_closed()
            else _l("This round has not opened yet.")
        )
    if assignment.sheet is not None and assignment.sheet.status is SheetStatus.SUBMITTED:
        return _l("These scores have been submitted; only the secretariat can reopen them.")
    return None


@dataclass(frozen=True)
class SheetInput:
    scores: dict[int, str]  # criterion id -> the score as typed
    comments: dict[int, str]
    overall_comment: str
    version: int | None = None  # the version the page was loaded with (autosave)


def save_sheet(assignment: Assignment, judge: User, data: SheetInput, *, submit: bool = False) -> ScoreSheet:
    """Save a judge's scores as a draft (or submit them): every score is checked against its scale first."""
    sheet = write_sheet(assignment, judge, data, submit=submit)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as error:  # another window created the sheet at the same moment
        db.session.rollback()
        raise StaleSheet(STALE_SHEET) from error
    return sheet


def write_sheet(assignment: Assignment, judge: User, data: SheetInput, *, submit: bool = False) -> ScoreSheet:
    """:func:`save_sheet` without the commit, for a use case that saves several sheets in one transaction."""
    refusal = scoring_refusal(assignment, judge)
    if refusal:
        raise NotAllowed(refusal)
    criteria = criteria_of(assignment.round, assignment.nomination.category)
    if not criteria:
        raise ServiceError(_l("The rubric of this category is not ready yet: the secretariat is preparing it."))
    by_id = {s.criterion_id: s for s in scales_of(criteria)}
    values: dict[int, Decimal | None] = {}
    errors: dict[int, str] = {}
    for criterion_id, scale in by_id.items():
        try:
            values[criterion_id] = parse_score(data.scores.get(criterion_id), scale)
        except ScoreError as error:
            errors[criterion_id] = score_message(error)
    if submit:
        for criterion_id, value in values.items():
            if value is None and criterion_id not in errors:
                errors[criterion_id] = str(_l("Score every criterion before submitting."))
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
        claimed = db.session.execute(
            sa.update(ScoreSheet)
            .where(ScoreSheet.id == sheet.id, ScoreSheet.version == expected, ScoreSheet.status == SheetStatus.DRAFT)
            .values(version=expected + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            db.session.rollback()
            if not submit and _already_holds(sheet, values, data):
                return sheet  # a replay of the save that made this version (its answer was lost): the same result
            raise StaleSheet(STALE_SHEET)
        sheet.version = expected + 1
    current = {s.criterion_id: s for s in sheet.scores}
    changed = []
    for criterion_id, value in values.items():
        comment = (data.comments.get(criterion_id) or "").strip()[:5000]
        score = current.get(criterion_id)
        if score is None:
            score = Score(criterion_id=criterion_id)
            sheet.scores.append(score)
        if score.value != value or score.comment != comment:
            changed.append(criterion_id)
        score.value, score.comment = value, comment
    overall_comment = (data.overall_comment or "").strip()[:10000]
    if overall_comment != (sheet.overall_comment or ""):
        changed.append("overall")
    sheet.overall_comment = overall_comment
    sheet.saved_at = utcnow()
    total = weighted_total(list(by_id.values()), values)
    details = {
        "reference": assignment.nomination.reference,
        "round": assignment.round.name,
        "scores": {str(k): (str(v) if v is not None else None) for k, v in values.items()},
        "total": round(total.value, 2),
    }
    if submit:
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = utcnow()
        record("scores.submitted", assignment.nomination, judge, f"scores submitted by {judge.email}", details)
    elif changed:
        record("scores.saved", assignment.nomination, judge, f"scores saved by {judge.email}", details)
    return sheet


def _already_holds(sheet: ScoreSheet, values: dict[int, Decimal | None], data: SheetInput) -> bool:
    """Whether the draft as saved already says exactly this: then a save from an older page overwrites nothing."""
    if sheet.status is not SheetStatus.DRAFT:
        return False
    stored = {s.criterion_id: s for s in sheet.scores}
    for criterion_id, value in values.items():
        score = stored.get(criterion_id)
        if (
            score is None
            or score.value != value
            or score.comment != (data.comments.get(criterion_id) or "").strip()[:5000]
        ):
            return False
    return (sheet.overall_comment or "") == (data.overall_comment or "").strip()[:10000]


def waive_assignment(assignment: Assignment, actor: User, reason: str) -> None:
    """Let a sheet go unfinished, with the reason: it no longer holds up publication, and its scores (a draft, if
    any) count for nothing. The judge may still submit while the round is open."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say why this sheet may stay unfinished."))
    if status_of(assignment) in (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED):
        raise ServiceError(_l("This sheet is submitted or its judge recused: there is nothing to waive."))
    assignment.waived_at, assignment.waived_by_id, assignment.waived_reason = utcnow(), actor.id, reason[:2000]
    record(
        "assignment.waived",
        assignment.round,
        actor,
        f"{assignment.nomination.reference}: sheet of {assignment.judge.email} waived",
        {
            "round": assignment.round.name,
            "reference": assignment.nomination.reference,
            "judge": assignment.judge.email,
            "reason": reason[:500],
        },
    )
    db.session.commit()


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


def sheet_summary(assignment: Assignment) -> Total:
    """The judge's weighted total on this assignment and how many criteria they scored (0 of n before any)."""
    criteria = criteria_of(assignment.round, assignment.nomination.category)
    scores = assignment.sheet.scores if assignment.sheet is not None else []
    values = {s.criterion_id: (Decimal(s.value) if s.value is not None else None) for s in scores}
    return weighted_total(scales_of(criteria), values)


def sheet_total(assignment: Assignment) -> float | None:
    """The judge's weighted total on this assignment (None before any score)."""
    if assignment.sheet is None:
        return None
    return sheet_summary(assignment).value


# --- the judge's own view ---------------------------------------------------------------------------


@dataclass
class RoundWork:
    """One judge's assignments in one round, by category, each with its status."""

    round: Round
    by_category: list[tuple[Category, list[tuple[Assignment, AssignmentStatus]]]]

    @property
    def items(self) -> list[tuple[Assignment, AssignmentStatus]]:
        return [item for _category, items in self.by_category for item in items]

    @property
    def assigned(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        """Submitted (or voted) and recused assignments: nothing more to do on them."""
        return sum(1 for _a, s in self.items if s in (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED))

    @property
    def next(self) -> Assignment | None:
        """The first assignment still to do (or in draft), while the round is open."""
        if not self.round.is_open():
            return None
        return next((a for a, s in self.items if s in (AssignmentStatus.TO_DO, AssignmentStatus.DRAFT)), None)


def judge_work(judge: User) -> list[RoundWork]:
    """A judge's assignments by round then category, with their statuses, in a fixed number of queries."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .join(Assignment.round)
        .join(Round.edition)
        .join(Assignment.nomination)
        .join(Nomination.category)
        .where(Assignment.judge_id == judge.id)
        .options(
            joinedload(Assignment.round).joinedload(Round.edition),
            joinedload(Assignment.sheet).lazyload(ScoreSheet.scores),
            joinedload(Assignment.nomination).joinedload(Nomination.organisation),
            joinedload(Assignment.nomination).joinedload(Nomination.category),
        )
        .order_by(
            Edition.year.desc(), Round.position, Category.position, Category.id, Nomination.reference, Assignment.id
        )
    ).all()
    conflicts = {
        (judge_id, nomination_id)
        for judge_id, nomination_id in db.session.execute(
            sa.select(Conflict.judge_id, Conflict.nomination_id).where(Conflict.judge_id == judge.id)
        )
    }
    voted = set(
        db.session.scalars(
            sa.select(CommitteeVote.assignment_id).join(CommitteeVote.assignment).where(Assignment.judge_id == judge.id)
        )
    )
    work: dict[int, RoundWork] = {}
    for a in assignments:
        round_work = work.setdefault(a.round_id, RoundWork(a.round, []))
        category = a.nomination.category
        if not round_work.by_category or round_work.by_category[-1][0].id != category.id:
            round_work.by_category.append((category, []))
        round_work.by_category[-1][1].append((a, status_of(a, conflicts, voted)))
    return list(work.values())


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


# --- committee votes --------------------------------------------------------------------------------


def vote_of(assignment: Assignment) -> CommitteeVote | None:
    """The member's own vote on this assignment, if cast."""
    return db.session.scalar(sa.select(CommitteeVote).where(CommitteeVote.assignment_id == assignment.id))


def cast_vote(assignment: Assignment, member: User, vote: Vote) -> CommitteeVote:
    """A committee member votes approve, reject or abstain; the vote can change while the round is open."""
    if not assignment.belongs_to(member):
        raise NotAllowed(_l("This is not your assignment."))
    if assignment.round.mode is not RoundMode.COMMITTEE:
        raise ServiceError(_l("This round is scored, not voted."))
    if conflict_between(member.id, assignment.nomination_id) is not None:
        raise NotAllowed(_l("You are recused from this nomination."))
    if assignment.no_conflict_declared_at is None:
        raise NotAllowed(_l("Declare whether you have a conflict of interest first."))
    if not assignment.round.is_open():
        raise NotAllowed(
            _l("This round is closed: votes can no longer change.")
            if assignment.round.is_closed()
            else _l("This round has not opened yet.")
        )
    existing = vote_of(assignment)
    if existing is None:
        existing = CommitteeVote(assignment_id=assignment.id, vote=vote)
        db.session.add(existing)
    existing.vote, existing.voted_at = vote, utcnow()
    record(
        "vote.cast",
        assignment.nomination,
        member,
        f"{member.email} voted {vote}",
        {"vote": str(vote), "round": assignment.round.name},
    )
    db.session.commit()
    return existing


@dataclass(frozen=True)
class VoteCount:
    committee: int  # members without a conflict
    approve: int
    reject: int
    abstain: int

    @property
    def present(self) -> int:
        return self.approve + self.reject + self.abstain

    def quorate(self, quorum: Decimal) -> bool:
        """More than the quorum share of the committee took part."""
        return self.committee > 0 and Decimal(self.present) > Decimal(quorum) * self.committee

    def passes(self, quorum: Decimal) -> bool:
        """A majority of the members present approve, with a quorum present."""
        return self.quorate(quorum) and self.approve * 2 > self.present


def vote_counts(round_: Round) -> dict[int, VoteCount]:
    """Per nomination of a committee round: committee size and the votes."""
    conflicts = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    assignments = db.session.scalars(sa.select(Assignment).where(Assignment.round_id == round_.id)).all()
    votes = {
        row[0]: row[1]
        for row in db.session.execute(
            sa.select(CommitteeVote.assignment_id, CommitteeVote.vote)
            .join(CommitteeVote.assignment)
            .where(Assignment.round_id == round_.id)
        )
    }
    tallies: dict[int, dict[str, int]] = {}
    for a in assignments:
        if (a.judge_id, a.nomination_id) in conflicts:
            continue
        tally = tallies.setdefault(a.nomination_id, {"committee": 0, "approve": 0, "reject": 0, "abstain": 0})
        tally["committee"] += 1
        if a.id in votes:
            tally[str(votes[a.id])] += 1
    return {n: VoteCount(**t) for n, t in tallies.items()}


# --- progress and reminders -------------------------------------------------------------------------


@dataclass
class JudgeProgress:
    judge: User
    counts: dict[AssignmentStatus, int]

    @property
    def assigned(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(
            self.counts.get(s, 0)
            for s in (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED, AssignmentStatus.WAIVED)
        )

    @property
    def unfinished(self) -> int:
        return self.assigned - self.done


@dataclass
class NominationProgress:
    nomination: Nomination
    by_judge: list[tuple[Assignment, AssignmentStatus]]
    wanted: int

    @property
    def submitted(self) -> int:
        return sum(1 for _a, s in self.by_judge if s is AssignmentStatus.SUBMITTED)

    @property
    def active(self) -> int:
        return sum(1 for _a, s in self.by_judge if s is not AssignmentStatus.RECUSED)

    @property
    def missing(self) -> int:
        return max(0, self.wanted - self.submitted)


def round_assignments(round_: Round) -> list[Assignment]:
    """A round's assignments with their judge, sheet (without its scores) and nomination, in one query."""
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.round_id == round_.id)
            .options(
                joinedload(Assignment.judge),
                joinedload(Assignment.sheet).lazyload(ScoreSheet.scores),
                joinedload(Assignment.nomination).joinedload(Nomination.organisation),
            )
            .order_by(Assignment.id)
        )
    )


def panel_progress(round_: Round) -> tuple[list[JudgeProgress], list[NominationProgress]]:
    """Progress per judge and per nomination in one round."""
    conflicts = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    assignments = round_assignments(round_)
    voted = set(
        db.session.scalars(
            sa.select(CommitteeVote.assignment_id)
            .join(CommitteeVote.assignment)
            .where(Assignment.round_id == round_.id)
        )
    )
    per_judge: dict[int, JudgeProgress] = {}
    per_nomination: dict[int, NominationProgress] = {
        n.id: NominationProgress(n, [], round_.judges_per_nomination) for n in round_nominations(round_)
    }
    for a in assignments:
        status = status_of(a, conflicts, voted)
        progress = per_judge.setdefault(a.judge_id, JudgeProgress(a.judge, {}))
        progress.counts[status] = progress.counts.get(status, 0) + 1
        if a.nomination_id in per_nomination:
            per_nomination[a.nomination_id].by_judge.append((a, status))
    judges_sorted = sorted(per_judge.values(), key=lambda p: (-p.unfinished, p.judge.name))
    return judges_sorted, list(per_nomination.values())


def send_reminders(round_: Round, actor: User) -> int:
    """E-mail every judge with unfinished work in the round; return how many were reminded."""
    if round_.is_closed():
        raise ServiceError(_l("This round has closed."))
    judges_progress, _ = panel_progress(round_)
    reminded = 0
    for progress in judges_progress:
        if progress.unfinished <= 0:
            continue
        judge = progress.judge
        send_email(
            judge.email,
            _l("Reminder: nominations are waiting for your scores"),
            "reminder",
            locale=judge.locale,
            judge=judge,
            round=round_,
            unfinished=progress.unfinished,
            assigned=progress.assigned,
            link=external_url("judging.index"),
        )
        reminded += 1
    record("reminders.sent", round_, actor, f"{reminded} judges reminded", {"round": round_.name, "count": reminded})
    db.session.commit()
    return reminded


def weight_shares_of(criteria: list[Criterion]) -> dict[int, float]:
    """Each criterion's share of the rubric's total weight, in percent."""
    return weight_shares(scales_of(criteria))


def judge_totals(round_: Round) -> dict[int, float]:
    """Each assignment's weighted total (the secretariat sees it per judge), computed without a query per sheet."""
    criteria = db.session.scalars(sa.select(Criterion).where(Criterion.round_id == round_.id)).all()
    by_category: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        by_category.setdefault(criterion.category_id, []).append(criterion)
    scales = {category_id: scales_of(items) for category_id, items in by_category.items()}
    values: dict[int, dict[int, Decimal | None]] = {}
    category_of: dict[int, int] = {}
    for assignment_id, category_id, criterion_id, value in db.session.execute(
        sa.select(Assignment.id, Nomination.category_id, Score.criterion_id, Score.value)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Assignment.round_id == round_.id)
    ):
        values.setdefault(assignment_id, {})[criterion_id] = Decimal(value) if value is not None else None
        category_of[assignment_id] = category_id
    return {
        assignment_id: weighted_total(scales.get(category_of[assignment_id], []), scores).value
        for assignment_id, scores in values.items()
    }


#: A judge with unfinished work this close to the deadline (or after it) is late.
LATE_WINDOW_HOURS = 48


def is_late(round_: Round) -> bool:
    """Whether unfinished work now counts as late: the round closes within two days, or has closed."""
    return utcnow() >= round_.closes_at - timedelta(hours=LATE_WINDOW_HOURS)
