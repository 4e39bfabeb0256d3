"""Entry forms: the fields a nomination answers, and the rules an entry must meet to be submitted.

A form is a tuple of ``FieldSpec``. The secretariat shapes a category's forms (stored as lists of plain dicts, see
``spec_from_dict`` and ``spec_to_dict``); the forms below are the defaults every category starts with, one per
category kind. Everything here takes the field list, so a nomination is always checked, cleaned and shown against
the form it was written for.

Drafts keep whatever the applicant typed (nothing is lost to a validation error); the rules here are
applied at submission, and each broken rule is reported next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import wtforms
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from .models import CategoryKind
from .rules import TITLE_CHARS

#: A hard cap on any one answer, so that a draft cannot grow without bound.
MAX_ANSWER_CHARS = 30_000

#: What a field can be: short text, long text (with a word limit), a date, a choice among options, a yes/no
#: question (often with a follow-up required on "yes"), web addresses (one a line), an e-mail address, and a file
#: slot (a document the applicant attaches: its answer is the attachment, not text).
FIELD_KINDS = ("text", "textarea", "date", "choice", "yesno", "urls", "email", "file")
CHOICE_KINDS = ("choice", "yesno")
#: The longest a short answer may be allowed to grow.
MAX_SHORT_CHARS = 3000
#: The most words a long answer may be allowed (a long answer keeps MAX_ANSWER_CHARS characters anyway).
MAX_WORD_LIMIT = 5000
#: The most fields one form may have.
MAX_FIELDS = 80


@dataclass(frozen=True)
class LocalText:
    """A text the secretariat wrote in English and Korean; shown in the reader's language (English where there is
    no Korean). Rendered as plain text: the templates escape it like any other user input."""

    en: str
    ko: str = ""

    def __str__(self) -> str:
        try:
            korean = str(get_locale() or "") == "ko"
        except RuntimeError:  # no app: English
            korean = False
        return self.ko if korean and self.ko else self.en

    def __bool__(self) -> bool:
        return bool(self.en or self.ko)


@dataclass(frozen=True)
class FieldSpec:
    """One field of an entry form."""

    name: str
    label: object
    kind: str = "text"  # one of FIELD_KINDS
    required: bool = True
    help: object = ""
    word_limit: int | None = None
    max_chars: int = 300
    choices: tuple[tuple[str, object], ...] = ()
    # Required only when another field has a given value, e.g. details of a disciplinary record.
    required_if: tuple[str, str] | None = None
    # The heading of the section this field opens (empty: it continues the one above).
    section: object = ""

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def is_long(self) -> bool:
        return self.kind == "textarea"

    @property
    def is_file(self) -> bool:
        return self.kind == "file"

    @property
    def cap(self) -> int:
        """The most characters an answer keeps."""
        return MAX_ANSWER_CHARS if self.is_long else max(self.max_chars, 1)


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
    FieldSpec("nominee_email", _l("Nominee's e-mail"), "email", required=False, max_chars=254),
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
    FieldSpec("has_revoked_awards", _l("Has any award been revoked?"), "yesno", choices=YES_NO),
    _long("revoked_awards", _l("Revoked awards: details"), 300, required=False),
    FieldSpec("has_disciplinary_record", _l("Any disciplinary record?"), "yesno", choices=YES_NO),
    _long("disciplinary_record", _l("Disciplinary record: details"), 300, required=False),
    FieldSpec("has_controversies", _l("Any investigations or controversies?"), "yesno", choices=YES_NO),
    _long("controversies", _l("Investigations or controversies: details"), 300, required=False),
)

# Declared details are required when the answer is "yes".
COMMENDATION_FIELDS = tuple(
    FieldSpec(**{**f.__dict__, "required_if": ("has_" + f.name, "yes")})
    if f.name in {"revoked_awards", "disciplinary_record", "controversies"}
    else f
    for f in COMMENDATION_FIELDS
)


DEFAULT_FORMS: dict[CategoryKind, tuple[FieldSpec, ...]] = {
    CategoryKind.PROJECT: PROJECT_FIELDS,
    CategoryKind.SPECIAL: PROJECT_FIELDS,
    CategoryKind.LEADERSHIP: LEADERSHIP_FIELDS,
    CategoryKind.COMMENDATION: COMMENDATION_FIELDS,
}

#: Kinds whose nominations are named after a person (what erasure blanks out of the title).
PERSON_KINDS = frozenset({CategoryKind.LEADERSHIP, CategoryKind.COMMENDATION})

#: The answers that name a nomination in lists, in order of preference; else the first short text.
TITLE_FIELDS = ("title", "nominee_name")

#: Names the entry page's own controls (and WTForms') already have: a field named so would replace one of them.
RESERVED_NAMES = frozenset(
    {
        "answers",
        "chosen_files",
        "client_token",
        "csrf_token",
        "data",
        "document",
        "errors",
        "hidden_tag",
        "is_submitted",
        "meta",
        "opened_version",
        "reader_zone",
        "save",
        "show_problems",
        "specs",
        "submit_entry",
        "upload",
        "validate_on_submit",
        "version",
    }
    | {name for name in dir(wtforms.Form) if not name.startswith("_")}
)

_WORD = re.compile(r"\S+")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")


@dataclass
class Problems:
    """Submission errors by field name."""

    by_field: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message) -> None:
        self.by_field.setdefault(name, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.by_field)


def default_fields(kind: CategoryKind) -> tuple[FieldSpec, ...]:
    """The form a category of this kind has until the secretariat shapes its own."""
    return DEFAULT_FORMS[kind]


# --- stored forms: plain dicts, in both languages ------------------------------------------------------


def in_both_languages(text: object) -> tuple[str, str]:
    """A label in English and in Korean: as written, or (a default's lazy text) as the catalogue translates it."""
    if isinstance(text, LocalText):
        return text.en, text.ko
    if not text:
        return "", ""
    with force_locale("en"):
        english = str(text)
    with force_locale("ko"):
        korean = str(text)
    return english, korean


def _text(data: dict, key: str) -> LocalText | str:
    english, korean = str(data.get(key + "_en") or ""), str(data.get(key + "_ko") or "")
    return LocalText(english, korean) if english or korean else ""


def _number(value: object) -> int | None:
    try:
        return int(value) if value not in (None, "") else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def spec_from_dict(data: dict) -> FieldSpec:
    """Build a field from its stored form (see ``spec_to_dict``); a yes/no question always has Yes and No."""
    kind = str(data.get("kind") or "text")
    if kind == "yesno":
        choices: tuple[tuple[str, object], ...] = YES_NO
    else:
        choices = tuple(
            (str(c.get("value") or ""), LocalText(str(c.get("label_en") or ""), str(c.get("label_ko") or "")))
            for c in data.get("choices") or ()
            if isinstance(c, dict)
        )
    condition = data.get("required_if")
    required_if = (str(condition[0]), str(condition[1])) if isinstance(condition, list | tuple) and condition else None
    return FieldSpec(
        name=str(data.get("name") or ""),
        label=_text(data, "label"),
        kind=kind,
        required=bool(data.get("required")) and required_if is None,
        help=_text(data, "help"),
        word_limit=_number(data.get("word_limit")),
        max_chars=_number(data.get("max_chars")) or (MAX_ANSWER_CHARS if kind == "textarea" else 300),
        choices=choices,
        required_if=required_if,
        section=_text(data, "section"),
    )


def spec_to_dict(spec: FieldSpec) -> dict:
    """The stored form of a field: plain JSON, every text in English and Korean."""
    data: dict[str, object] = {"name": spec.name, "kind": spec.kind}
    for key in ("label", "help", "section"):
        data[key + "_en"], data[key + "_ko"] = in_both_languages(getattr(spec, key))
    data["required"] = spec.required
    data["required_if"] = list(spec.required_if) if spec.required_if else None
    data["word_limit"] = spec.word_limit
    data["max_chars"] = spec.max_chars
    data["choices"] = (
        []
        if spec.kind == "yesno"
        else [
            dict(zip(("label_en", "label_ko"), in_both_languages(label), strict=True), value=value)
            for value, label in spec.choices
        ]
    )
    return data


def specs_from_dicts(rows: Iterable[dict]) -> tuple[FieldSpec, ...]:
    return tuple(spec_from_dict(row) for row in rows)


def form_problems(rows: Sequence[dict]) -> list[str]:
    """Every reason a list of stored fields is not a usable form; empty when it is.

    A form needs at least one field and a short text to name the nomination by; names are unique lower-case
    identifiers; labels are given in both languages; a choice has options, each with a unique code and labels; a
    word limit and a length are positive; a condition names an earlier question and one of its answers.
    """
    problems: list[str] = []
    if not rows:
        return [str(_l("A form needs at least one field."))]
    if len(rows) > MAX_FIELDS:
        problems.append(str(_l("A form has at most %(max)d fields.", max=MAX_FIELDS)))
    seen: dict[str, dict] = {}
    for row in rows:
        name = str(row.get("name") or "")
        shown = name or "?"
        kind = row.get("kind")
        if not _NAME.fullmatch(name):
            problems.append(
                str(
                    _l(
                        "“%(name)s”: a field's name is 1 to 40 lower-case letters, digits or underscores, "
                        "starting with a letter.",
                        name=shown,
                    )
                )
            )
        elif name in RESERVED_NAMES:
            problems.append(str(_l("“%(name)s” is a name the page uses itself: choose another.", name=name)))
        elif name in seen:
            problems.append(str(_l("Two fields are named “%(name)s”: each name must be unique.", name=name)))
        if kind not in FIELD_KINDS:
            problems.append(str(_l("“%(name)s”: choose what kind of field it is.", name=shown)))
        if not str(row.get("label_en") or "").strip() or not str(row.get("label_ko") or "").strip():
            problems.append(str(_l("“%(name)s”: give the label in English and in Korean.", name=shown)))
        word_limit = row.get("word_limit")
        if word_limit is not None and (not isinstance(word_limit, int) or not 0 < word_limit <= MAX_WORD_LIMIT):
            problems.append(
                str(
                    _l(
                        "“%(name)s”: a word limit must be a positive number, at most %(max)d.",
                        name=shown,
                        max=MAX_WORD_LIMIT,
                    )
                )
            )
        max_chars = row.get("max_chars")
        if kind not in ("textarea", "file") and (
            not isinstance(max_chars, int) or not 0 < max_chars <= MAX_SHORT_CHARS
        ):
            problems.append(
                str(
                    _l(
                        "“%(name)s”: the length must be between 1 and %(max)d characters.",
                        name=shown,
                        max=MAX_SHORT_CHARS,
                    )
                )
            )
        if kind == "choice":
            problems.extend(_choice_problems(shown, row.get("choices") or []))
        condition = row.get("required_if")
        if condition:
            problems.extend(_condition_problems(shown, condition, seen))
        if name and name not in seen:
            seen[name] = row
    for language in ("en", "ko"):
        # The workbook's columns are the labels: each must name one field.
        labels: set[str] = set()
        for row in rows:
            label = str(row.get("label_" + language) or "").strip()
            if label and label.casefold() in labels:
                problems.append(
                    str(_l("Two fields have the label “%(label)s”: each label must be unique.", label=label))
                )
                break
            labels.add(label.casefold())
    if not any(row.get("kind") == "text" for row in rows):
        problems.append(str(_l("A form needs at least one short text field: its answer names the nomination.")))
    return problems


def _choice_problems(name: str, choices: list) -> list[str]:
    if not choices:
        return [str(_l("“%(name)s”: a choice needs at least one option.", name=name))]
    problems: list[str] = []
    codes = [str(c.get("value") or "") for c in choices if isinstance(c, dict)]
    if len(codes) != len(choices) or not all(_CODE.fullmatch(code) for code in codes):
        problems.append(
            str(_l("“%(name)s”: each option needs a code of letters, digits, - or _ (up to 40).", name=name))
        )
    if len(set(codes)) != len(codes):
        problems.append(str(_l("“%(name)s”: two options have the same code.", name=name)))
    if any(not str(c.get("label_en") or "").strip() or not str(c.get("label_ko") or "").strip() for c in choices):
        problems.append(str(_l("“%(name)s”: give each option's label in English and in Korean.", name=name)))
    return problems


def _condition_problems(name: str, condition: object, earlier: dict[str, dict]) -> list[str]:
    if not isinstance(condition, list | tuple) or len(condition) != 2:
        return [str(_l("“%(name)s”: the condition needs a question and an answer.", name=name))]
    other, value = str(condition[0]), str(condition[1])
    target = earlier.get(other)
    if target is None:
        return [
            str(
                _l(
                    "“%(name)s” is required when “%(other)s” is answered, but no field above is named “%(other)s”.",
                    name=name,
                    other=other,
                )
            )
        ]
    if target.get("kind") == "yesno":
        codes = [code for code, _label in YES_NO]
    elif target.get("kind") == "choice":
        codes = [str(c.get("value") or "") for c in target.get("choices") or [] if isinstance(c, dict)]
    else:
        return [str(_l("“%(name)s”: the condition must name a choice or a yes/no question.", name=name))]
    if value not in codes:
        return [
            str(
                _l(
                    "“%(name)s”: “%(value)s” is not one of the answers to “%(other)s”.",
                    name=name,
                    value=value,
                    other=other,
                )
            )
        ]
    return []


# --- answers ------------------------------------------------------------------------------------------


def word_count(text: str) -> int:
    return len(_WORD.findall(text or ""))


def clean_answers(fields: Sequence[FieldSpec], raw: dict[str, object]) -> dict[str, str]:
    """Keep the form's own fields, as stripped strings cut to the hard cap; ignore anything else (a file slot is
    answered by an attachment, not here)."""
    cleaned: dict[str, str] = {}
    for spec in fields:
        if spec.is_file:
            continue
        value = raw.get(spec.name)
        text = "" if value is None else str(value).replace("\r\n", "\n").strip()
        cleaned[spec.name] = text[: spec.cap]
    return cleaned


def title_field(fields: Sequence[FieldSpec]) -> FieldSpec | None:
    """The field whose answer names the nomination: a title or the nominee's name, else the first short text."""
    by_name = {spec.name: spec for spec in fields}
    for name in TITLE_FIELDS:
        if name in by_name:
            return by_name[name]
    return next((spec for spec in fields if spec.kind == "text"), None)


def title_of(fields: Sequence[FieldSpec], answers: dict[str, str]) -> str:
    spec = title_field(fields)
    return (answers.get(spec.name) or "").strip()[:TITLE_CHARS] if spec is not None else ""


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


def is_required(spec: FieldSpec, answers: dict[str, str]) -> bool:
    """Whether the field must be answered, given the other answers."""
    if spec.required_if:
        other, expected = spec.required_if
        return (answers.get(other) or "") == expected
    return spec.required


def check_answers(
    fields: Sequence[FieldSpec], answers: dict[str, str], documents: Collection[str] | None = None
) -> Problems:
    """Return every reason the answers cannot be submitted, by field; empty when they can.

    ``documents`` are the file slots that have a document attached; None leaves file slots unchecked (a workbook
    import brings no files).
    """
    problems = Problems()
    for spec in fields:
        if spec.is_file:
            if documents is not None and spec.name not in documents and is_required(spec, answers):
                problems.add(spec.name, _l("Attach this document."))
            continue
        value = (answers.get(spec.name) or "").strip()
        if not value:
            if is_required(spec, answers):
                problems.add(spec.name, _l("This field is required."))
            continue
        if spec.word_limit and word_count(value) > spec.word_limit:
            problems.add(
                spec.name,
                _l("%(count)d words: the limit is %(limit)d.", count=word_count(value), limit=spec.word_limit),
            )
        if not spec.is_long and len(value) > spec.max_chars:
            problems.add(spec.name, _l("At most %(max)d characters.", max=spec.max_chars))
        if spec.kind == "date":
            parsed = parse_date(value)
            if parsed is None:
                problems.add(spec.name, _l("Enter a valid date."))
            elif parsed.year < 1900:
                problems.add(spec.name, _l("Enter a real date."))
        if spec.is_choice and value not in {code for code, _ in spec.choices}:
            problems.add(spec.name, _l("Choose one of the options."))
        if spec.kind == "urls":
            bad = [line for line in value.splitlines() if line.strip() and not _is_web_address(line.strip())]
            if bad:
                problems.add(spec.name, _l("Not a web address (http:// or https://): %(url)s", url=bad[0][:80]))
        if spec.kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            problems.add(spec.name, _l("Enter a valid e-mail address."))
    _check_periods(fields, answers, problems)
    return problems


def periods(fields: Sequence[FieldSpec]) -> list[tuple[str, str]]:
    """The pairs of date fields named ``<x>_start`` and ``<x>_end``: the end must not be before the start."""
    dates = {spec.name for spec in fields if spec.kind == "date"}
    return [
        (name, name[: -len("_start")] + "_end")
        for name in sorted(dates)
        if name.endswith("_start") and name[: -len("_start")] + "_end" in dates
    ]


def _check_periods(fields: Sequence[FieldSpec], answers: dict[str, str], problems: Problems) -> None:
    for start_name, end_name in periods(fields):
        start, end = parse_date(answers.get(start_name, "")), parse_date(answers.get(end_name, ""))
        if start and end and end < start:
            problems.add(end_name, _l("The end must not be before the start."))
