"""A round's rubric per category: the criteria, their weights and scales, locked once a judge submits."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Assignment,
    Category,
    CategoryKind,
    Criterion,
    LevelDescriptor,
    Nomination,
    Round,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
)
from ..rules.criteria import DEFAULT_SCALE, DEFAULT_WEIGHT, LEADERSHIP_CRITERIA, PUBLISHED_CRITERIA
from ..rules.descriptors import default_descriptors, outside_scale
from ..scoring import Scale, check_scale, weight_shares
from . import ServiceError
from .audit import record


#: The six published criteria of the Seoul Smart City Prize; weights and scale were not published.
def criteria_of(round_: Round, category: Category) -> list[Criterion]:
    return list(
        db.session.scalars(
            sa.select(Criterion)
            .where(Criterion.round_id == round_.id, Criterion.category_id == category.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def descriptors_of(criteria: list[Criterion]) -> dict[int, list[LevelDescriptor]]:
    """The descriptors of each of ``criteria`` by criterion id, lowest range first: one query for them all."""
    found: dict[int, list[LevelDescriptor]] = defaultdict(list)
    if not criteria:
        return found
    for descriptor in db.session.scalars(
        sa.select(LevelDescriptor)
        .where(LevelDescriptor.criterion_id.in_([c.id for c in criteria]))
        .order_by(LevelDescriptor.criterion_id, LevelDescriptor.lowest, LevelDescriptor.id)
    ):
        found[descriptor.criterion_id].append(descriptor)
    return found


def _seed_rubric(round_: Round, category: Category) -> None:
    if category.kind not in (CategoryKind.PROJECT, CategoryKind.SPECIAL, CategoryKind.LEADERSHIP):
        return
    rows = LEADERSHIP_CRITERIA if category.kind is CategoryKind.LEADERSHIP else PUBLISHED_CRITERIA
    for position, (name_en, name_ko, guidance_en, guidance_ko) in enumerate(rows):
        criterion = Criterion(
            round_id=round_.id,
            category_id=category.id,
            position=position,
            name_en=name_en,
            name_ko=name_ko,
            guidance_en=guidance_en,
            guidance_ko=guidance_ko,
            weight=DEFAULT_WEIGHT,
            min_score=DEFAULT_SCALE.minimum,
            max_score=DEFAULT_SCALE.maximum,
            step=DEFAULT_SCALE.step,
        )
        criterion.descriptors = [
            LevelDescriptor(lowest=low, highest=high, text_en=en, text_ko=ko)
            for low, high, en, ko in default_descriptors(name_en)
        ]
        db.session.add(criterion)


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
    described = descriptors_of(list(existing.values()))
    for row in rows:
        ranges = [(d.lowest, d.highest) for d in described.get(row.id, [])] if row.id else []
        if outside_scale(ranges, (row.min_score, row.max_score)):
            db.session.rollback()
            if locked:  # descriptors are locked with the rubric, with no confirmation to override
                raise ServiceError(
                    _l(
                        "%(name)s: its level descriptors reach outside the new scale, and they can no longer be "
                        "changed: keep a scale that holds them.",
                        name=row.name_en,
                    )
                )
            raise ServiceError(
                _l(
                    "%(name)s: its level descriptors reach outside the new scale; change or remove them first.",
                    name=row.name_en,
                )
            )
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


def weight_shares_of(criteria: list[Criterion]) -> dict[int, float]:
    """Each criterion's share of the rubric's total weight, in percent."""
    return weight_shares(scales_of(criteria))
