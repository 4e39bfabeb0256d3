"""A judge's details that the conflict rules and the pages depend on (organisation, country, time zone, languages
and declared ties), checked by one set of rules wherever they come in: the invitation, its acceptance and the judge
list import."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..i18n import current_language
from ..regions import COUNTRY_CODES, country_name
from ..rules import LONG_NAME_CHARS, REASON_CHARS
from ..time_zones import country_time_zone, time_zone_named
from . import ServiceError


@dataclass(frozen=True)
class JudgeDetails:
    """A judge's details as typed; ``None`` for what the form or the row does not ask."""

    affiliation: str = ""
    country_code: str = ""
    time_zone: str = ""
    languages: str | None = None
    declared_ties: str | None = None


class DetailsRefused(ServiceError):
    """Some details are missing or wrong; nothing was saved. ``problems`` says which field and why."""

    def __init__(self, problems: dict[str, object]) -> None:
        self.problems = problems
        super().__init__(_l("Some details are missing or wrong: correct the fields marked."))


def normalise_ties(text: str | None) -> str:
    """Declared ties as kept: one a line, trimmed, blank lines and repeats dropped."""
    lines = [line.strip() for line in (text or "").splitlines()]
    return "\n".join(dict.fromkeys(line for line in lines if line))


def details_problems(details: JudgeDetails, *, required: bool) -> tuple[JudgeDetails, dict[str, object]]:
    """The details cleaned (trimmed, the country in capitals, the time zone spelled as the IANA spells it, or the
    country's own zone when none is given and the country has only one), and what is wrong with each field.

    With ``required`` (a judge's invitation and its acceptance), the organisation and the country must be given, and
    a time zone unless the country's is known: the conflict rules never run on a blank. Languages and ties are
    checked only when asked (not ``None``); languages are then required with the rest.
    """
    problems: dict[str, object] = {}
    affiliation = (details.affiliation or "").strip()
    if len(affiliation) > LONG_NAME_CHARS:
        problems["affiliation"] = _l("At most %(n)d characters.", n=LONG_NAME_CHARS)
    elif required and not affiliation:
        problems["affiliation"] = _l(
            "Give the organisation: the conflict rules keep a judge off the nominations of their own organisation."
        )
    country = (details.country_code or "").strip().upper()
    if country and country not in COUNTRY_CODES:
        problems["country_code"] = _l("Give a country code such as KR, or a country's name.")
    elif required and not country:
        problems["country_code"] = _l(
            "Choose the country: a round may keep judges off the nominations of their own country."
        )
    zone_text = (details.time_zone or "").strip()
    zone = time_zone_named(zone_text) if zone_text else country_time_zone(country)
    if zone_text and zone is None:
        problems["time_zone"] = _l("Give a time zone such as Asia/Seoul or Europe/Paris.")
    elif required and zone is None:
        problems["time_zone"] = (
            _l("Choose the time zone: %(country)s has several.", country=country_name(country, current_language()))
            if country in COUNTRY_CODES
            else _l("Choose the time zone: deadlines are shown in it.")
        )
    languages = None if details.languages is None else details.languages.strip()
    if languages is not None:
        if len(languages) > LONG_NAME_CHARS:
            problems["languages"] = _l("At most %(n)d characters.", n=LONG_NAME_CHARS)
        elif required and not languages:
            problems["languages"] = _l("Say which languages you read: nominations come in English or Korean.")
    ties = None if details.declared_ties is None else normalise_ties(details.declared_ties)
    if ties is not None and len(ties) > REASON_CHARS:
        problems["declared_ties"] = _l("At most %(n)d characters.", n=REASON_CHARS)
    return JudgeDetails(affiliation, country, zone or "", languages, ties), problems


def check_details(details: JudgeDetails, *, required: bool) -> JudgeDetails:
    """The details cleaned (see ``details_problems``), or ``DetailsRefused`` naming each field that is wrong."""
    cleaned, problems = details_problems(details, required=required)
    if problems:
        raise DetailsRefused(problems)
    return cleaned


def apply_details(user, details: JudgeDetails, *, only_blanks: bool = False) -> list[str]:
    """Copy checked details onto an account; return the names of the fields that changed. With ``only_blanks``, an
    account's own organisation and country are kept (an existing account gaining the judge role), and its time zone
    too."""
    changed = []
    values = {
        "affiliation": details.affiliation,
        "country_code": details.country_code,
        "time_zone": details.time_zone,
        "languages": details.languages,
        "declared_ties": details.declared_ties,
    }
    for name, value in values.items():
        if value is None or (not value and name != "declared_ties"):
            continue
        if only_blanks and (name == "time_zone" or (getattr(user, name) or "").strip()):
            continue
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    return changed
