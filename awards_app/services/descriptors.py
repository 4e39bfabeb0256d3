"""A rubric's level descriptors: what ranges of each criterion's scale mean, edited until the rubric locks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Criterion, LevelDescriptor, Round, User
from ..rules.descriptors import DESCRIPTOR_CHARS, MAX_DESCRIPTORS, overlapping, range_problem
from ..scoring import score_text
from . import ServiceError
from .audit import record
from .rubrics import descriptors_of, rubric_locked


@dataclass(frozen=True)
class DescriptorInput:
    lowest: Decimal
    highest: Decimal
    text_en: str
    text_ko: str = ""


def add_descriptor(criterion: Criterion, data: DescriptorInput, actor: User) -> LevelDescriptor:
    """Describe a new range of a criterion's scale."""
    _hold(criterion)
    others = descriptors_of([criterion])[criterion.id]
    if len(others) >= MAX_DESCRIPTORS:
        raise _refused(_l("A criterion has at most %(n)d level descriptors.", n=MAX_DESCRIPTORS))
    _check(criterion, data, others)
    descriptor = LevelDescriptor(
        criterion_id=criterion.id,
        lowest=data.lowest,
        highest=data.highest,
        text_en=data.text_en.strip(),
        text_ko=data.text_ko.strip(),
    )
    db.session.add(descriptor)
    db.session.flush()
    _record("rubric.descriptor_added", criterion, actor, None, descriptor)
    db.session.commit()
    return descriptor


def update_descriptor(descriptor: LevelDescriptor, data: DescriptorInput, actor: User) -> LevelDescriptor:
    """Change a descriptor's range or its texts."""
    criterion = descriptor.criterion
    _hold(criterion)
    others = [d for d in descriptors_of([criterion])[criterion.id] if d.id != descriptor.id]
    _check(criterion, data, others)
    before = _snapshot(descriptor)
    descriptor.lowest = data.lowest
    descriptor.highest = data.highest
    descriptor.text_en = data.text_en.strip()
    descriptor.text_ko = data.text_ko.strip()
    db.session.flush()
    if before != _snapshot(descriptor):
        _record("rubric.descriptor_changed", criterion, actor, before, descriptor)
    db.session.commit()
    return descriptor


def remove_descriptor(descriptor: LevelDescriptor, actor: User) -> None:
    """Remove a descriptor from its criterion."""
    criterion = descriptor.criterion
    _hold(criterion)
    before = _snapshot(descriptor)
    db.session.delete(descriptor)
    _record("rubric.descriptor_removed", criterion, actor, before, None)
    db.session.commit()


def _hold(criterion: Criterion) -> None:
    """Hold the round (as saving the rubric does) so a sheet submitted meanwhile cannot slip past the lock."""
    db.session.execute(sa.update(Round).where(Round.id == criterion.round_id).values(id=Round.id))
    if rubric_locked(criterion.round, criterion.category):
        raise _refused(
            _l(
                "Judges have already submitted scores against this rubric, so its level descriptors can no longer "
                "be changed. Nothing was saved."
            )
        )


def _refused(message) -> ServiceError:
    db.session.rollback()
    return ServiceError(message)


def _check(criterion: Criterion, data: DescriptorInput, others: list[LevelDescriptor]) -> None:
    if not all(v.is_finite() and v == v.quantize(Decimal("0.01")) for v in (data.lowest, data.highest)):
        raise _refused(_l("A range's scores are numbers with at most two decimals."))
    if not data.text_en.strip():
        raise _refused(_l("Write what this range means in English (the Korean is optional)."))
    if len(data.text_en.strip()) > DESCRIPTOR_CHARS or len(data.text_ko.strip()) > DESCRIPTOR_CHARS:
        raise _refused(_l("A descriptor has at most %(n)d characters in each language.", n=DESCRIPTOR_CHARS))
    scale = (Decimal(criterion.min_score), Decimal(criterion.max_score))
    ranges = [(Decimal(d.lowest), Decimal(d.highest)) for d in others]
    problem = range_problem(data.lowest, data.highest, scale, ranges)
    if problem == "order":
        raise _refused(_l("The lowest score of a range cannot be above its highest."))
    if problem == "scale":
        raise _refused(
            _l(
                "The range must lie within the criterion's scale, %(min)s to %(max)s.",
                min=score_text(scale[0]),
                max=score_text(scale[1]),
            )
        )
    if problem == "overlap":
        low, high = overlapping(data.lowest, data.highest, ranges) or scale
        raise _refused(
            _l(
                "This range overlaps the range %(low)s–%(high)s of the same criterion: each score can have only "
                "one meaning.",
                low=score_text(low),
                high=score_text(high),
            )
        )


def _snapshot(descriptor: LevelDescriptor) -> dict:
    return {
        "lowest": score_text(descriptor.lowest),
        "highest": score_text(descriptor.highest),
        "text_en": descriptor.text_en,
        "text_ko": descriptor.text_ko,
    }


def _record(
    action: str, criterion: Criterion, actor: User, before: dict | None, descriptor: LevelDescriptor | None
) -> None:
    round_, category = criterion.round, criterion.category
    record(
        action,
        round_,
        actor,
        f"level descriptors of {criterion.name_en} ({category.code}) in {round_.name} changed",
        {
            "round": round_.name,
            "category": category.code,
            "criterion": criterion.name_en,
            "before": before,
            "after": _snapshot(descriptor) if descriptor is not None else None,
        },
    )
