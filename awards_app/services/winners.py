"""The winners' pages: the editions whose results are published, and each one's public record (``public_record``).

An edition whose results are not published answers as if it did not exist; one whose publication was withdrawn
says so, and shows no winner, until it is published again.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..models import Category, Edition, Publication
from ..public_record import AwardedEntry, Local, PublicEdition, public_record
from .awards import edition_awards
from .entry_forms import fields_of
from .programs import edition_by_slug


@dataclass(frozen=True)
class Withdrawn:
    """An edition whose published results were taken back for a correction: nothing of them is shown."""

    slug: str
    name: Local


def published_editions() -> list[Edition]:
    """The editions whose results are public, newest first."""
    return list(
        db.session.scalars(
            sa.select(Edition)
            .where(Edition.results_published_at.is_not(None))
            .order_by(Edition.year.desc(), Edition.results_published_at.desc())
        )
    )


def any_published() -> bool:
    """Whether there is anything to show on the winners' pages (the footer links to them only then). Every page
    asks, the page that says the database is away too: then there is no link, rather than no page."""
    try:
        return bool(db.session.scalar(sa.select(sa.exists().where(Edition.results_published_at.is_not(None)))))
    except DBAPIError:
        db.session.rollback()
        return False


def _entries(edition: Edition) -> list[AwardedEntry]:
    entries = []
    for award in edition_awards(edition, eligible_only=True):
        nomination, tier = award.nomination, award.tier
        category: Category = nomination.category
        if tier.category_id != category.id:  # a tier of another category: not an award of this one
            continue
        pinned = {spec.name for spec in fields_of(nomination) if not spec.is_file}
        entries.append(
            AwardedEntry(
                nomination_id=nomination.id,
                title=nomination.title,
                category_code=category.code,
                category_name=Local(category.name_en, category.name_ko),
                category_kind=str(category.kind),
                category_position=category.position,
                tier_id=tier.id,
                tier_name=Local(tier.name_en, tier.name_ko),
                tier_position=tier.position,
                rank=award.rank,
                organisation_name=nomination.organisation.name,
                organisation_type=str(nomination.organisation.type),
                city=nomination.organisation.city,
                country_code=nomination.organisation.country_code,
                answers={k: str(v) for k, v in (nomination.answers or {}).items() if k in pinned},
            )
        )
    return entries


def edition_record(slug: str) -> PublicEdition | Withdrawn | None:
    """The public record of a published edition; Withdrawn if its publication was taken back; None if it was never
    published (or does not exist): the caller answers the same for both."""
    edition = edition_by_slug(slug)
    if edition is None:
        return None
    name = Local(edition.name, edition.name_ko)
    if edition.results_published_at is None:
        withdrawn = db.session.scalar(
            sa.select(sa.exists().where(Publication.edition_id == edition.id, Publication.withdrawn_at.is_not(None)))
        )
        return Withdrawn(edition.slug, name) if withdrawn else None
    return public_record(edition.slug, edition.year, name, edition.results_published_at, _entries(edition))
