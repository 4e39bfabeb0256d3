"""Copying an edition: next year's edition set up from an earlier one, for the secretariat to review.

What is copied is the programme and how it is judged: categories (their codes, names, descriptions, kind, who may
enter, the per-organisation limit), award tiers, the entry forms the secretariat shaped (the newest version for each
applicant type, as version 1 of the new category's), rounds with all their settings and categories, rubrics and level
descriptors; a category with no form of its own keeps its kind's default. Nothing about people or what they
did is copied: no nominations, references, assignments, conflicts, scores, votes, calibration marks, awards,
publications, feedback or consents.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import AwardTier, Category, Criterion, Edition, EntryForm, LevelDescriptor, Round, User
from ..rules.editions import SLUG_CHARS, next_year_slug, next_year_text, window_a_year_later
from .audit import record
from .programs import EditionInput, EditionRefused, apply_edition, check_edition
from .rubrics import descriptors_of


@dataclass(frozen=True)
class CopyContents:
    """How much of an edition a copy takes (or took)."""

    categories: int
    tiers: int
    rounds: int
    criteria: int
    descriptors: int
    entry_forms: int = 0


@dataclass(frozen=True)
class EditionCopy:
    """A copy made: the new edition, what it took, and the edition it came from."""

    edition: Edition
    source: Edition
    contents: CopyContents


def propose_copy(source: Edition) -> EditionInput:
    """The new edition a copy of ``source`` proposes: the next year, the names and short name with the year moved on
    (a name without the year is left empty, for the secretariat to type), the same references and time zone, and
    the call a year later."""
    year = source.year
    opens_at, closes_at = window_a_year_later(source.opens_at, source.closes_at, source.tz)
    return EditionInput(
        name=next_year_text(source.name, year) or "",
        name_ko=next_year_text(source.name_ko, year) or "",
        year=year + 1,
        slug=next_year_slug(source.slug, year, SLUG_CHARS),
        reference_prefix=source.reference_prefix,
        time_zone=source.time_zone,
        opens_at=opens_at,
        closes_at=closes_at,
    )


def rounds_a_year_later(source: Edition) -> list[tuple[Round, datetime, datetime]]:
    """Each round of ``source`` with the window its copy will have, a year later."""
    return [
        (round_, *window_a_year_later(round_.opens_at, round_.closes_at, source.tz))
        for round_ in db.session.scalars(sa.select(Round).where(Round.edition_id == source.id).order_by(Round.position))
    ]


def copy_contents(source: Edition) -> CopyContents:
    """Count what a copy of ``source`` takes."""
    category_ids = sa.select(Category.id).where(Category.edition_id == source.id).scalar_subquery()
    round_ids = sa.select(Round.id).where(Round.edition_id == source.id).scalar_subquery()
    criterion_ids = sa.select(Criterion.id).where(Criterion.round_id.in_(round_ids)).scalar_subquery()

    def counted(model, where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) or 0

    return CopyContents(
        categories=counted(Category, Category.edition_id == source.id),
        tiers=counted(AwardTier, AwardTier.category_id.in_(category_ids)),
        rounds=counted(Round, Round.edition_id == source.id),
        criteria=counted(Criterion, Criterion.id.in_(criterion_ids)),
        descriptors=counted(LevelDescriptor, LevelDescriptor.criterion_id.in_(criterion_ids)),
        entry_forms=db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(EntryForm.category_id, EntryForm.applicant_type)
                .where(EntryForm.category_id.in_(category_ids))
                .distinct()
                .subquery()
            )
        )
        or 0,
    )


def copy_edition(source: Edition, actor: User, data: EditionInput | None = None) -> EditionCopy:
    """Create a new edition from ``source``: its programme, rounds and rubrics, every date a year later; ``data``
    (by default ``propose_copy``) names it and sets its call. All of it or nothing."""
    data = data or propose_copy(source)
    if not data.name.strip():
        raise EditionRefused(_l("Give the new edition a name."), "name")
    if data.time_zone != source.time_zone:
        raise EditionRefused(_l("A copy keeps the time zone of the edition it copies."), "time_zone")
    check_edition(data, None)
    try:
        edition = Edition()
        apply_edition(edition, data)
        db.session.add(edition)
        categories = _copy_categories(source, edition)
        db.session.flush()
        rounds = _copy_rounds(source, edition, categories)
        db.session.flush()
        criteria, descriptors = _copy_rubrics(rounds, categories)
        entry_forms = _copy_entry_forms(categories, actor)
        db.session.flush()
        contents = CopyContents(
            entry_forms=entry_forms,
            categories=len(categories),
            tiers=sum(len(c.tiers) for c in categories.values()),
            rounds=len(rounds),
            criteria=criteria,
            descriptors=descriptors,
        )
        record(
            "edition.copied",
            edition,
            actor,
            f"edition {edition.slug} copied from {source.slug}",
            {
                "slug": edition.slug,
                "source": source.slug,
                "categories": [c.code for c in categories.values()],
                "rounds": [
                    {"name": r.name, "opens_at": r.opens_at.isoformat(), "closes_at": r.closes_at.isoformat()}
                    for r in rounds.values()
                ],
                "tiers": contents.tiers,
                "criteria": contents.criteria,
                "descriptors": contents.descriptors,
                "entry_forms": contents.entry_forms,
                "call": [edition.opens_at.isoformat(), edition.closes_at.isoformat()],
                "dates_moved_by": "1 year",
            },
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return EditionCopy(edition=edition, source=source, contents=contents)


def _copy_categories(source: Edition, edition: Edition) -> dict[int, Category]:
    """The new edition's categories by the id of the category each copies (references start again from 1)."""
    copies = {}
    for category in source.categories:
        copies[category.id] = copy = Category(
            code=category.code,
            name_en=category.name_en,
            name_ko=category.name_ko,
            description_en=category.description_en,
            description_ko=category.description_ko,
            kind=category.kind,
            eligible_types=list(category.eligible_types or []),
            max_per_organisation=category.max_per_organisation,
            position=category.position,
            last_sequence=0,
            tiers=[
                AwardTier(
                    name_en=tier.name_en,
                    name_ko=tier.name_ko,
                    count=tier.count,
                    position=tier.position,
                    fill_order=tier.fill_order,
                    eligible_types=list(tier.eligible_types or []),
                )
                for tier in category.tiers
            ],
        )
        edition.categories.append(copy)
    return copies


def _copy_entry_forms(categories: dict[int, Category], actor: User) -> int:
    """Each copied category gets the newest version of each of its forms, as version 1: the new edition's
    nominations start on the form as the secretariat left it. Returns how many forms were copied."""
    copied = 0
    for source_id, category in categories.items():
        newest: dict[str, EntryForm] = {}
        for form in db.session.scalars(
            sa.select(EntryForm).where(EntryForm.category_id == source_id).order_by(EntryForm.version)
        ):
            newest[form.applicant_type] = form
        for applicant_type, form in newest.items():
            category.entry_forms.append(
                EntryForm(applicant_type=applicant_type, version=1, fields=deepcopy(form.fields), created_by=actor)
            )
            copied += 1
    return copied


def _copy_rounds(source: Edition, edition: Edition, categories: dict[int, Category]) -> dict[int, Round]:
    """The new edition's rounds by the id of the round each copies, with their settings, a year later; a committee
    sitting, closed or not, is the new round's own business."""
    copies = {}
    for round_, opens_at, closes_at in rounds_a_year_later(source):
        copies[round_.id] = copy = Round(
            edition_id=edition.id,
            name=round_.name,
            name_ko=round_.name_ko,
            position=round_.position,
            opens_at=opens_at,
            closes_at=closes_at,
            mode=round_.mode,
            judges_per_nomination=round_.judges_per_nomination,
            max_load=round_.max_load,
            same_country_conflict=round_.same_country_conflict,
            quorum=round_.quorum,
            ranking_method=round_.ranking_method,
            disagreement_threshold=round_.disagreement_threshold,
            shortlist_count=round_.shortlist_count,
            calibration_counts=round_.calibration_counts,
            categories=[categories[c.id] for c in round_.categories],
        )
        db.session.add(copy)
    return copies


def _copy_rubrics(rounds: dict[int, Round], categories: dict[int, Category]) -> tuple[int, int]:
    """Copy every criterion of the source's rounds, with its level descriptors; return how many of each."""
    criteria = list(
        db.session.scalars(
            sa.select(Criterion)
            .where(Criterion.round_id.in_(list(rounds)))
            .order_by(Criterion.round_id, Criterion.category_id, Criterion.position, Criterion.id)
        )
    )
    described = descriptors_of(criteria)
    descriptors = 0
    for criterion in criteria:
        copy = Criterion(
            round_id=rounds[criterion.round_id].id,
            category_id=categories[criterion.category_id].id,
            position=criterion.position,
            name_en=criterion.name_en,
            name_ko=criterion.name_ko,
            guidance_en=criterion.guidance_en,
            guidance_ko=criterion.guidance_ko,
            weight=criterion.weight,
            min_score=criterion.min_score,
            max_score=criterion.max_score,
            step=criterion.step,
        )
        copy.descriptors = [
            LevelDescriptor(lowest=d.lowest, highest=d.highest, text_en=d.text_en, text_ko=d.text_ko)
            for d in described[criterion.id]
        ]
        descriptors += len(copy.descriptors)
        db.session.add(copy)
    return len(criteria), descriptors
