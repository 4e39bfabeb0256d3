"""Setting up the programme: editions and their categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Award, AwardTier, Category, CategoryKind, Edition, OrganisationType, User, utcnow
from ..rules import editions as editions_rules
from . import ServiceError
from .audit import record


@dataclass(frozen=True)
class TierInput:
    name_en: str
    name_ko: str
    count: int
    eligible_types: tuple[str, ...] = ()  # applicant types the tier is for; empty: every type
    fill_order: int = 0  # the order "give in rank order" fills tiers in; 0: the row's place on the page


@dataclass(frozen=True)
class EditionInput:
    name: str
    year: int
    slug: str
    reference_prefix: str
    time_zone: str
    opens_at: datetime  # aware
    closes_at: datetime  # aware
    name_ko: str = ""


@dataclass(frozen=True)
class CategoryInput:
    code: str
    name_en: str
    name_ko: str
    kind: CategoryKind
    eligible_types: list[OrganisationType]
    max_per_organisation: int
    position: int
    description_en: str
    description_ko: str
    tiers: list[TierInput]


def current_edition(now: datetime | None = None) -> Edition | None:
    """The edition people are working on: the one whose call is open, else the last one to have opened, else the
    next to open."""
    now = now or utcnow()
    open_call = db.session.scalar(
        sa.select(Edition).where(Edition.opens_at <= now, Edition.closes_at > now).order_by(Edition.closes_at).limit(1)
    )
    if open_call is not None:
        return open_call
    opened = db.session.scalar(
        sa.select(Edition).where(Edition.opens_at <= now).order_by(Edition.opens_at.desc()).limit(1)
    )
    return opened or db.session.scalar(sa.select(Edition).order_by(Edition.opens_at).limit(1))


def edition_by_slug(slug: str) -> Edition | None:
    """The edition with this short name, or None (also for text that cannot be one, which the database is not asked:
    PostgreSQL refuses a NUL byte in a parameter)."""
    if not editions_rules.is_slug(slug):
        return None
    return db.session.scalar(sa.select(Edition).where(Edition.slug == slug))


class EditionRefused(ServiceError):
    """An edition's details were refused; ``field`` names the one at fault, for the form to show the message by it."""

    def __init__(self, message, field: str) -> None:
        super().__init__(message)
        self.field = field


def proposed_year() -> int:
    """The year of the prize a new edition is proposed for (rules.editions)."""
    latest = db.session.scalar(sa.select(sa.func.max(Edition.year)))
    return editions_rules.proposed_year(latest, utcnow().astimezone(ZoneInfo(editions_rules.PRIZE_TIME_ZONE)).year)


def check_edition(data: EditionInput, edition: Edition | None) -> None:
    """Refuse an edition's details that clash with another edition's, or a call that closes before it opens."""
    if data.closes_at <= data.opens_at:
        raise EditionRefused(_l("The call must close after it opens."), "closes_at")
    clash = db.session.scalar(sa.select(Edition).where(Edition.slug == data.slug))
    if clash is not None and clash is not edition:
        raise EditionRefused(_l("Another edition already uses this short name."), "slug")
    same_references = db.session.scalar(
        sa.select(Edition).where(Edition.reference_prefix == data.reference_prefix, Edition.year == data.year)
    )
    if same_references is not None and same_references is not edition:
        raise EditionRefused(
            _l(
                "Another edition already gives references %(prefix)s-%(year)d-…: change the prefix or the year.",
                prefix=data.reference_prefix,
                year=data.year,
            ),
            "year",
        )


def apply_edition(edition: Edition, data: EditionInput) -> dict:
    changes = {}
    for name, value in data.__dict__.items():
        if getattr(edition, name) != value:
            old = getattr(edition, name)
            changes[name] = [str(old) if old is not None else None, str(value)]
            setattr(edition, name, value)
    return changes


def create_edition(data: EditionInput, actor: User) -> Edition:
    """Create an edition of the prize."""
    check_edition(data, None)
    edition = Edition()
    apply_edition(edition, data)
    db.session.add(edition)
    db.session.flush()
    record("edition.created", edition, actor, f"edition {edition.slug} created", {"slug": edition.slug})
    db.session.commit()
    return edition


def update_edition(edition: Edition, data: EditionInput, actor: User) -> Edition:
    """Change an edition's name, dates or time zone."""
    check_edition(data, edition)
    changes = apply_edition(edition, data)
    if changes:
        record(
            "edition.updated",
            edition,
            actor,
            f"edition {edition.slug} changed: {', '.join(changes)}",
            {"slug": edition.slug, "changes": changes},
        )
    db.session.commit()
    return edition


def _apply_category(category: Category, data: CategoryInput) -> dict:
    before = _category_snapshot(category) if category.id else {}
    category.code = data.code
    category.name_en = data.name_en
    category.name_ko = data.name_ko
    category.kind = data.kind
    category.eligible_types = [t.value for t in data.eligible_types]
    category.max_per_organisation = data.max_per_organisation
    category.position = data.position
    category.description_en = data.description_en
    category.description_ko = data.description_ko
    _apply_tiers(category, data.tiers)
    after = _category_snapshot(category)
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _apply_tiers(category: Category, tiers: list[TierInput]) -> None:
    """Update the tiers row by row, so that awards already given keep their tier; a tier with awards given cannot
    be removed."""
    existing = list(category.tiers)
    for index, data in enumerate(tiers):
        tier = existing[index] if index < len(existing) else AwardTier()
        tier.name_en, tier.name_ko, tier.count, tier.position = data.name_en, data.name_ko, data.count, index
        tier.eligible_types = sorted(set(data.eligible_types))
        tier.fill_order = data.fill_order or index + 1
        if index >= len(existing):
            category.tiers.append(tier)
    removed = existing[len(tiers) :]
    if removed and any(t.id for t in removed):
        given = db.session.scalar(
            sa.select(sa.func.count(Award.id)).where(Award.tier_id.in_([t.id for t in removed if t.id]))
        )
        if given:
            raise ServiceError(_l("A tier with awards given cannot be removed: take the awards back first."))
    for tier in removed:
        category.tiers.remove(tier)


def _category_snapshot(category: Category) -> dict:
    return {
        "code": category.code,
        "name_en": category.name_en,
        "name_ko": category.name_ko,
        "kind": str(category.kind) if category.kind else None,
        "eligible_types": list(category.eligible_types or []),
        "max_per_organisation": category.max_per_organisation,
        "tiers": [
            f"{t.name_en} {t.count}"
            + (f" ({', '.join(t.eligible_types)})" if t.eligible_types else "")
            + f" #{t.fill_order}"
            for t in category.tiers
        ],
    }


def _check_category(edition: Edition, data: CategoryInput, category: Category | None) -> None:
    clash = db.session.scalar(sa.select(Category).where(Category.edition_id == edition.id, Category.code == data.code))
    if clash is not None and clash is not category:
        raise ServiceError(_l("This edition already has a category with code %(code)s.", code=data.code))
    if category is not None and category.kind != data.kind and category.nominations:
        raise ServiceError(_l("The kind cannot change once nominations have been entered."))
    if category is not None and category.code != data.code and category.last_sequence:
        raise ServiceError(_l("The code cannot change once references have been given in this category."))


def create_category(edition: Edition, data: CategoryInput, actor: User) -> Category:
    """Add a category, with its award tiers, to an edition."""
    _check_category(edition, data, None)
    category = Category(edition=edition)
    _apply_category(category, data)
    db.session.add(category)
    db.session.flush()
    record(
        "category.created",
        category,
        actor,
        f"category {category.code} created in {edition.slug}",
        {"code": category.code, "edition": edition.slug},
    )
    db.session.commit()
    return category


class TiersLocked(ServiceError):
    """The tiers (the cuts of the ranking) would change after scores were submitted in the category."""

    def __init__(self, before: list[str], after: list[str]) -> None:
        self.before, self.after = before, after
        super().__init__(
            _l(
                "Judges have already submitted scores in this category: changing its tiers moves the "
                "cuts of its ranking, and needs your confirmation below (it is recorded with the tiers "
                "before and after)."
            )
        )


def category_has_submitted_scores(category: Category) -> bool:
    from ..models import Assignment, Nomination, ScoreSheet, SheetStatus

    submitted = (
        sa.select(ScoreSheet.id)
        .join(ScoreSheet.assignment)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Nomination.category_id == category.id, ScoreSheet.status == SheetStatus.SUBMITTED)
    )
    return bool(db.session.scalar(sa.select(sa.exists(submitted))))


def update_category(category: Category, data: CategoryInput, actor: User, *, confirm_tiers: bool = False) -> Category:
    """Change a category's names, eligibility, limits or award tiers; once scores are submitted in it, its tiers
    change only with an explicit, audited confirmation."""
    _check_category(category.edition, data, category)
    before = _category_snapshot(category)["tiers"]
    try:
        changes = _apply_category(category, data)
    except ServiceError:
        db.session.rollback()
        raise
    after = _category_snapshot(category)["tiers"]
    locked = before != after and category_has_submitted_scores(category)
    if locked and not confirm_tiers:
        db.session.rollback()
        raise TiersLocked(before, after)
    if changes:
        action = "category.tiers_changed_after_scores" if locked else "category.updated"
        record(
            action,
            category,
            actor,
            f"category {category.code} changed: {', '.join(changes)}",
            {"code": category.code, "changes": changes, "confirmed_after_scores": locked},
        )
    db.session.commit()
    return category
