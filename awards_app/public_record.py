"""The public record of an edition's winners: what the winners' pages and their JSON show, and nothing else.

PURE: no Flask, no SQLAlchemy. ``services.winners`` reads the published awards into :class:`AwardedEntry` rows;
:func:`public_record` turns them into :class:`PublicEdition`, which the HTML pages render and :func:`as_json`
serialises, so the two cannot say different things.

What goes public is chosen by name, never by leaving things out: a winner's name (the nomination's title, or the
nominee's name), the nominee's position and affiliation in the person categories, the applicant organisation's
name, city and country, the category and tier, and a short description taken from one summary-like answer. Every
other answer (the nominee's e-mail, declarations such as a disciplinary record, the budget, the links), the scores,
the judges, override reasons and the nominations that won nothing never reach the record. An applicant that is an
individual is a private person: only their country is shown, not their name or city. E-mail addresses and phone
numbers written inside the description are taken out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .regions import country_name

#: About how long a short description is: cut at the last word that fits, then an ellipsis.
DESCRIPTION_CHARS = 300

#: The answers a short description may come from, first found wins: a project's summary, a leader's achievements,
#: a commendation's merit statement (English; the Korean one from ``DESCRIPTION_FIELDS_KO``).
DESCRIPTION_FIELDS = ("summary", "achievements", "merit_en")
DESCRIPTION_FIELDS_KO = ("merit_ko",)
#: The nominee's position and affiliation in the person categories (leadership, commendation forms).
POSITION_FIELDS = ("nominee_position", "position")
AFFILIATION_FIELDS = ("nominee_organisation", "affiliation")
#: Category kinds whose winners are people (``entry_forms.PERSON_KINDS``, by value).
PERSON_KINDS = frozenset({"leadership", "commendation"})
#: An applicant of this type is a private person (``OrganisationType.INDIVIDUAL``).
INDIVIDUAL = "individual"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits written as phone numbers are (+45 65 51 12 34, 02-2133-1234, (555) 123 4567); ``_is_phone``
# tells them from dates (2024-07-01), years (2019 2020) and amounts (120 000 000).
_DIGITS = re.compile(r"\+?\(?\d[\d ().-]{6,}\d")
_AMOUNT = re.compile(r"\d{1,3}(?:[ .]\d{3})+")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}")
_YEARS = re.compile(r"(?:19|20)\d\d(?:[ -]+(?:19|20)\d\d)+")
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?。])\s+")
_SLUG_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Local:
    """A text in English and Korean; Korean readers get the English where there is no Korean."""

    en: str
    ko: str = ""

    def in_(self, locale: str | None) -> str:
        return self.ko if locale == "ko" and self.ko else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "ko": self.ko or self.en}


@dataclass(frozen=True)
class AwardedEntry:
    """One award of a published edition, as read from the database: the input of :func:`public_record`."""

    nomination_id: int
    title: str
    category_code: str
    category_name: Local
    category_kind: str
    category_position: int
    tier_id: int
    tier_name: Local
    tier_position: int
    rank: int | None
    organisation_name: str
    organisation_type: str
    city: str
    country_code: str
    answers: Mapping[str, str]  # the answers of the form the nomination was submitted on


@dataclass(frozen=True)
class PublicWinner:
    id: int
    slug: str
    name: str
    is_person: bool
    position: str
    affiliation: str
    organisation: str  # empty where the applicant is a private person
    city: str
    country_code: str
    country: Local
    category_code: str
    category_name: Local
    tier_name: Local
    description: Local

    def origin(self, locale: str | None) -> str:
        """Where the winner comes from, on one line: organisation, city, country (only what is shown)."""
        return ", ".join(part for part in (self.organisation, self.city, self.country.in_(locale)) if part)

    @property
    def role(self) -> str:
        """A person's position and affiliation, on one line."""
        return ", ".join(part for part in (self.position, self.affiliation) if part)


@dataclass(frozen=True)
class PublicTier:
    name: Local
    winners: tuple[PublicWinner, ...]


@dataclass(frozen=True)
class PublicCategory:
    code: str
    name: Local
    tiers: tuple[PublicTier, ...]


@dataclass(frozen=True)
class PublicEdition:
    slug: str
    year: int
    name: Local
    published_at: datetime
    categories: tuple[PublicCategory, ...] = ()
    winners_by_id: dict[int, PublicWinner] = field(default_factory=dict, compare=False)

    @property
    def winners(self) -> list[PublicWinner]:
        return [w for c in self.categories for t in c.tiers for w in t.winners]


def _is_phone(run: str) -> bool:
    run = run.strip()
    if run.startswith("+"):
        return True
    if _AMOUNT.fullmatch(run) or _DATE.fullmatch(run) or _YEARS.fullmatch(run):
        return False
    return sum(ch.isdigit() for ch in run) >= 9


def _private(sentence: str) -> bool:
    return bool(_EMAIL.search(sentence)) or any(_is_phone(m.group()) for m in _DIGITS.finditer(sentence))


def short_description(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The text on one line without the sentences that give an e-mail address or a phone number, cut at the last
    whole word within ``limit`` characters with an ellipsis (a text without spaces, such as Korean written solid, is
    cut at ``limit``)."""
    sentences = _SENTENCE.split(_SPACE.sub(" ", text or "").strip())
    text = " ".join(sentence for sentence in sentences if not _private(sentence))
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    kept = cut[:space] if space > limit // 2 else text[:limit]
    return kept.rstrip(" ,;:.-–—(") + "…"


def winner_slug(nomination_id: int, name: str) -> str:
    """The stable address of a winner's page: the nomination's id, then its name's ASCII words (names can repeat
    across categories and years; the id cannot)."""
    words = _SLUG_WORD.findall(name.lower())
    slug = "-".join(words)[:60].strip("-")
    return f"{nomination_id}-{slug}" if slug else str(nomination_id)


def _first(answers: Mapping[str, str], names: Iterable[str]) -> str:
    return next((str(answers[n]).strip() for n in names if str(answers.get(n) or "").strip()), "")


def public_winner(entry: AwardedEntry) -> PublicWinner:
    """What may be shown of one award (see the module's docstring for what is chosen and why)."""
    is_person = entry.category_kind in PERSON_KINDS
    private_applicant = entry.organisation_type == INDIVIDUAL
    description_en = short_description(_first(entry.answers, DESCRIPTION_FIELDS))
    description_ko = short_description(_first(entry.answers, DESCRIPTION_FIELDS_KO))
    name = _SPACE.sub(" ", entry.title).strip()
    return PublicWinner(
        id=entry.nomination_id,
        slug=winner_slug(entry.nomination_id, name),
        name=name,
        is_person=is_person,
        position=_first(entry.answers, POSITION_FIELDS) if is_person else "",
        affiliation=_first(entry.answers, AFFILIATION_FIELDS) if is_person else "",
        organisation="" if private_applicant else entry.organisation_name,
        city="" if private_applicant else entry.city,
        country_code=entry.country_code.upper(),
        country=Local(country_name(entry.country_code, "en"), country_name(entry.country_code, "ko")),
        category_code=entry.category_code,
        category_name=entry.category_name,
        tier_name=entry.tier_name,
        description=Local(description_en or description_ko, description_ko),
    )


def public_record(
    slug: str, year: int, name: Local, published_at: datetime, entries: Iterable[AwardedEntry]
) -> PublicEdition:
    """The edition's winners by category (in the categories' order), then by tier (in the tiers' order), then by
    the rank the award was given at (awards given without a rank last), then by name."""
    entries = sorted(
        entries,
        key=lambda e: (
            e.category_position,
            e.category_code,
            e.tier_position,
            e.tier_id,
            e.rank is None,
            e.rank or 0,
            e.title.casefold(),
            e.nomination_id,
        ),
    )
    grouped: dict[str, tuple[AwardedEntry, dict[int, list[PublicWinner]]]] = {}
    by_id: dict[int, PublicWinner] = {}
    for entry in entries:
        winner = by_id[entry.nomination_id] = public_winner(entry)
        tiers = grouped.setdefault(entry.category_code, (entry, {}))[1]
        tiers.setdefault(entry.tier_id, []).append(winner)
    categories = tuple(
        PublicCategory(
            first.category_code,
            first.category_name,
            tuple(PublicTier(winners[0].tier_name, tuple(winners)) for winners in tiers.values()),
        )
        for first, tiers in grouped.values()
    )
    return PublicEdition(slug, year, name, published_at, categories, by_id)


def winner_json(winner: PublicWinner, url: str) -> dict:
    return {
        "id": winner.id,
        "slug": winner.slug,
        "url": url,
        "name": winner.name,
        "is_person": winner.is_person,
        "position": winner.position,
        "affiliation": winner.affiliation,
        "organisation": winner.organisation,
        "city": winner.city,
        "country": {"code": winner.country_code, **winner.country.as_dict()},
        "category": {"code": winner.category_code, **winner.category_name.as_dict()},
        "tier": winner.tier_name.as_dict(),
        "description": winner.description.as_dict(),
    }


def as_json(record: PublicEdition, edition_url: str, winner_url) -> dict:
    """The record as WeGO's website reads it (the shape is documented on the winners' page)::

        {"edition": {"slug", "year", "name": {"en", "ko"}, "published_at": ISO 8601 UTC, "url"},
         "categories": [{"code", "name": {"en", "ko"},
                         "tiers": [{"name": {"en", "ko"}, "winners": [winner, ...]}]}]}

    where a winner is ``{"id", "slug", "url", "name", "is_person", "position", "affiliation", "organisation",
    "city", "country": {"code", "en", "ko"}, "category": {"code", "en", "ko"}, "tier": {"en", "ko"},
    "description": {"en", "ko"}}``; ``winner_url(winner)`` gives each page's full address. Empty strings, never
    nulls, where a value is not shown."""
    return {
        "edition": {
            "slug": record.slug,
            "year": record.year,
            "name": record.name.as_dict(),
            "published_at": record.published_at.isoformat(),
            "url": edition_url,
        },
        "categories": [
            {
                "code": category.code,
                "name": category.name.as_dict(),
                "tiers": [
                    {"name": tier.name.as_dict(), "winners": [winner_json(w, winner_url(w)) for w in tier.winners]}
                    for tier in category.tiers
                ],
            }
            for category in record.categories
        ],
    }
