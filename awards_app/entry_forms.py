"""The entry form of each category kind: its fields and the rules an entry must meet to be submitted.

Drafts keep whatever the applicant typed (nothing is lost to a validation error); the rules here are
applied at submission, and each broken rule is reported next to its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from .models import CategoryKind
from .rules import TITLE_CHARS

#: A hard cap on any one answer, so that a draft cannot grow without bound.
MAX_ANSWER_CHARS = 30_000


@dataclass(frozen=True)
class FieldSpec:
    """One field of an entry form."""

    name: str
    label: object
    widget: str = "text"  # text | textarea | date | choice | urls
    required: bool = True
    help: object = ""
    word_limit: int | None = None
    max_chars: int = 300
    choices: tuple[tuple[str, object], ...] = ()
    # Required only when another field has a given value, e.g. details of a disciplinary record.
    required_if: tuple[str, str] | None = None
    section: object = ""


YES_NO = (("no", _l("No")), ("yes", _l("Yes")))

STAGES = (
    ("pilot", _l("Pilot")),
    ("deployed", _l("Deployed in one city")),
    ("scaled", _l("Scaled to several sites or cities")),
    ("mature", _l("Mature, in service for several years")),
)


def _long(name: str, label, words: int, help="", required: bool = True, section="") -> FieldSpec:
    return FieldSpec(name, label, "textarea", required, help, words, MAX_ANSWER_CHARS, section=section)


PROJECT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", _l("Project title"), max_chars=200, section=_l("The project")),
    _long("summary", _l("Summary"), 300, _l("What the project is and what it achieved, in 300 words at most.")),
    FieldSpec("start_date", _l("Start date"), "date", help=_l("When the project started.")),
    FieldSpec("stage", _l("State of the technology"), "choice", choices=STAGES),
    _long(
        "problem",
        _l("Problem"),
        800,
        _l("The problem, the evidence of its causes, and how citizens were engaged in defining it."),
        section=_l("Evaluation"),
    ),
    _long(
        "solution",
        _l("Solution and technology"),
        800,
        _l("How the technology fits the problem, what is innovative, and the evidence behind the design."),
    ),
    _long(
        "funding",
        _l("Funding and planning"),
        600,
        _l("Budget and its sources, organisation and staffing, and the contingency plan."),
    ),
    _long(
        "implementation",
        _l("Implementation and participation"),
        800,
        _l("Participatory mechanisms, and the barriers met and overcome."),
    ),
    _long(
        "monitoring",
        _l("Monitoring and learning"),
        600,
        _l("How the project is monitored and evaluated, and what was changed as a result."),
    ),
    _long(
        "outcomes",
        _l("Outcomes and impact"),
        800,
        _l("Results with evidence: figures, evaluations, documents (attach them below)."),
    ),
    _long(
        "partners",
        _l("Partners"),
        300,
        _l("Partner organisations and their roles."),
        required=False,
        section=_l("Partners and links"),
    ),
    FieldSpec(
        "links",
        _l("Links"),
        "urls",
        required=False,
        max_chars=3000,
        help=_l("Web pages, videos or reports about the project: one address per line."),
    ),
)

LEADERSHIP_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("nominee_name", _l("Nominee's full name"), max_chars=200, section=_l("The nominee")),
    FieldSpec("nominee_position", _l("Position"), max_chars=200),
    FieldSpec("nominee_organisation", _l("City or organisation"), max_chars=200),
    FieldSpec("nominee_email", _l("Nominee's e-mail"), required=False, max_chars=254),
    FieldSpec("term_start", _l("Term started"), "date"),
    FieldSpec(
        "term_end", _l("Term ends or ended"), "date", required=False, help=_l("Leave empty if the term is open-ended.")
    ),
    _long(
        "achievements",
        _l("Achievements"),
        1000,
        _l("How the nominee led the innovative use of technology and data, with results."),
        section=_l("Achievements"),
    ),
    FieldSpec("links", _l("Links"), "urls", required=False, max_chars=3000, help=_l("One address per line.")),
)

COMMENDATION_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("nominee_name", _l("Name or group name"), max_chars=200, section=_l("Merit statement")),
    FieldSpec("affiliation", _l("Affiliation"), max_chars=200),
    FieldSpec("position", _l("Position"), max_chars=200),
    FieldSpec("merit_start", _l("Merit period from"), "date"),
    FieldSpec("merit_end", _l("Merit period to"), "date", required=False),
    _long("merit_ko", _l("Merit description (Korean)"), 2000, _l("Specific and quantified contributions, in Korean.")),
    _long("merit_en", _l("Merit description (English)"), 2000, _l("The same statement in English.")),
    _long(
        "past_awards",
        _l("Past awards"),
        300,
        _l("Awards and decorations received before, if any."),
        required=False,
        section=_l("Declarations"),
    ),
    FieldSpec("has_revoked_awards", _l("Has any award been revoked?"), "choice", choices=YES_NO),
    _long("revoked_awards", _l("Revoked awards: details"), 300, required=False),
    FieldSpec("has_disciplinary_record", _l("Any disciplinary record?"), "choice", choices=YES_NO),
    _long("disciplinary_record", _l("Disciplinary record: details"), 300, required=False),
    FieldSpec("has_controversies", _l("Any investigations or controversies?"), "choice", choices=YES_NO),
    _long("controversies", _l("Investigations or controversies: details"), 300, required=False),
)

# Declared details are required when the answer is "yes".
COMMENDATION_FIELDS = tuple(
    FieldSpec(**{**f.__dict__, "required_if": ("has_" + f.name, "yes")})
    if f.name in {"revoked_awards", "disciplinary_record", "controversies"}
    else f
    for f in COMMENDATION_FIELDS
)

FORMS: dict[CategoryKind, tuple[FieldSpec, ...]] = {
    CategoryKind.PROJECT: PROJECT_FIELDS,
    CategoryKind.SPECIAL: PROJECT_FIELDS,
    CategoryKind.LEADERSHIP: LEADERSHIP_FIELDS,
    CategoryKind.COMMENDATION: COMMENDATION_FIELDS,
}

#: The answer that names a nomination in lists, per kind.
TITLE_FIELD: dict[CategoryKind, str] = {
    CategoryKind.PROJECT: "title",
    CategoryKind.SPECIAL: "title",
    CategoryKind.LEADERSHIP: "nominee_name",
    CategoryKind.COMMENDATION: "nominee_name",
}

_WORD = re.compile(r"\S+")


@dataclass
class Problems:
    """Submission errors by field name."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message) -> None:
        self.by_field.setdefault(name, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.by_field)


def fields_for(kind: CategoryKind) -> tuple[FieldSpec, ...]:
    return FORMS[kind]


def word_count(text: str) -> int:
    return len(_WORD.findall(text or ""))


def clean_answers(kind: CategoryKind, raw: dict[str, object]) -> dict[str, str]:
    """Keep the form's own fields, as stripped strings cut to the hard cap; ignore anything else."""
    cleaned: dict[str, str] = {}
    for spec in fields_for(kind):
        value = raw.get(spec.name)
        text = "" if value is None else str(value).replace("\r\n", "\n").strip()
        cleaned[spec.name] = text[: max(spec.max_chars, 1) if spec.widget != "textarea" else MAX_ANSWER_CHARS]
    return cleaned


def title_of(kind: CategoryKind, answers: dict[str, str]) -> str:
    return (answers.get(TITLE_FIELD[kind]) or "").strip()[:TITLE_CHARS]


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _is_web_address(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


def check_answers(kind: CategoryKind, answers: dict[str, str]) -> Problems:
    """Return every reason the answers cannot be submitted, by field; empty when they can."""
    problems = Problems()
    for spec in fields_for(kind):
        value = (answers.get(spec.name) or "").strip()
        required = spec.required
        if spec.required_if:
            other, expected = spec.required_if
            required = (answers.get(other) or "") == expected
        if not value:
            if required:
                problems.add(spec.name, _l("This field is required."))
            continue
        if spec.word_limit and word_count(value) > spec.word_limit:
            problems.add(
                spec.name,
                _l("%(count)d words: the limit is %(limit)d.", count=word_count(value), limit=spec.word_limit),
            )
        if spec.widget != "textarea" and len(value) > spec.max_chars:
            problems.add(spec.name, _l("At most %(max)d characters.", max=spec.max_chars))
        if spec.widget == "date":
            parsed = parse_date(value)
            if parsed is None:
                problems.add(spec.name, _l("Enter a valid date."))
            elif parsed.year < 1900:
                problems.add(spec.name, _l("Enter a real date."))
        if spec.widget == "choice" and value not in {code for code, _ in spec.choices}:
            problems.add(spec.name, _l("Choose one of the options."))
        if spec.widget == "urls":
            bad = [line for line in value.splitlines() if line.strip() and not _is_web_address(line.strip())]
            if bad:
                problems.add(spec.name, _l("Not a web address (http:// or https://): %(url)s", url=bad[0][:80]))
        if spec.name.endswith("email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            problems.add(spec.name, _l("Enter a valid e-mail address."))
    _check_periods(kind, answers, problems)
    return problems


_PERIODS = {
    CategoryKind.LEADERSHIP: ("term_start", "term_end"),
    CategoryKind.COMMENDATION: ("merit_start", "merit_end"),
}


def _check_periods(kind: CategoryKind, answers: dict[str, str], problems: Problems) -> None:
    if kind not in _PERIODS:
        return
    start_name, end_name = _PERIODS[kind]
    start, end = parse_date(answers.get(start_name, "")), parse_date(answers.get(end_name, ""))
    if start and end and end < start:
        problems.add(end_name, _l("The end must not be before the start."))
