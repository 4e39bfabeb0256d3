"""The merit statement (공적조서) of a Seoul Mayor's commendation: the entry's answers laid out as the customary form.
Pure: no Flask, no database; the PDF template and the Word writer (``merit_docx``) draw what this returns.

The form
========
A bordered table headed "공 적 조 서", four columns wide (label, value, label, value), one ``Line`` per row:

====================  ================================================================================
소속 | 직위             the nominee's affiliation and position (``affiliation``, ``position``)
성명 | 생년월일         the name (``nominee_name``); the date of birth only where the form asks for it
                      (``BIRTH_DATE_FIELDS``): nothing is made up, the name spans the row otherwise
공적기간               ``merit_start`` ~ ``merit_end`` as YY.MM. ("23.03. ~ 25.10."); no end: "~ 현재"
공적요지               the short summary: a field of its own where the form has one (``SUMMARY_FIELDS``),
                      else the first sentence(s) of the narrative (``summary_of``)
공적 내용              the narrative (``merit_ko``), a block under its own heading
기서훈                 past awards (``past_awards``)
징계                   the disciplinary record, when declared (``has_disciplinary_record`` = yes)
기타                   revoked awards (서훈 취소) and investigations or controversies (수사·물의 야기),
                      when declared, each on its own line
추천기관 | 작성일       the organisation that entered the nomination, and the day it was submitted
====================  ================================================================================

"-" fills every value that does not apply or is not there: an empty answer, a declaration answered "no", a field
the secretariat removed from its version of the form. Only the answers to the fields of the nomination's own form
are read (a draft may still carry answers to fields since removed). A yes/no declaration answered "yes" with no
details reads "있음"; details typed under a "no" are not shown (the applicant's answer is "no"); details without
their yes/no question (removed from the form) are shown as they are. A date that is not a calendar date (a field
the secretariat turned into free text) is shown as typed.

Korean or both languages
========================
The statement is always in Korean. A foreign nominee's statement is bilingual (the government asks foreign
nominees' statements in Korean and English): each label carries its English beside it ("소속 Affiliation"), the
title "Merit Statement" under "공 적 조 서", the summary in both languages, and the narrative twice, the Korean
(``merit_ko``) then the English (``merit_en``) under "공적 내용 (영문)". A Korean nominee's statement holds the
Korean narrative only; where it has none (a form without ``merit_ko``), the English one takes its place rather
than a blank.

Who is foreign (``is_foreign``): the nominee's nationality where the form asks it (``NATIONALITY_FIELDS``, an ISO
code or a country's name), else the country of the organisation that entered the nomination — and, entered from
Korea, a nominee whose name holds no Hangul at all. A doubt goes to the bilingual statement: English labels on a
Korean nominee's statement cost nothing, their absence on a foreign nominee's costs the committee a statement it
must ask again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

TITLE_KO = "공 적 조 서"
TITLE_EN = "Merit Statement"
#: What an empty value reads.
NONE = "-"
PRESENT_KO = "현재"
PRESENT_EN = "present"
DECLARED_KO = "있음"
DECLARED_EN = "yes"

#: Fields of a secretariat's own form that, where present, the statement reads too.
BIRTH_DATE_FIELDS = ("birth_date", "date_of_birth", "nominee_birth_date")
SUMMARY_FIELDS = ("merit_summary", "merit_summary_ko")
SUMMARY_EN_FIELDS = ("merit_summary_en",)
NATIONALITY_FIELDS = ("nationality", "nominee_nationality", "nominee_country")

#: How a nationality answer names Korea.
KOREA = frozenset({"kr", "kor", "korea", "south korea", "republic of korea", "korea, republic of", "대한민국", "한국"})

#: The summary taken from the narrative: whole sentences up to this many characters (at least one sentence, cut
#: at a word at ``SUMMARY_MAX`` when the first alone is longer).
SUMMARY_TARGET = 120
SUMMARY_MAX = 250

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
# A sentence ends at . ! ? or 。 followed by a space or the end (Korean sentences end "…함." or "…다." alike).
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


@dataclass(frozen=True)
class Label:
    """A label of the form, in Korean and English."""

    ko: str
    en: str

    def text(self, bilingual: bool) -> str:
        return f"{self.ko} {self.en}" if bilingual else self.ko


AFFILIATION = Label("소속", "Affiliation")
POSITION = Label("직위", "Position")
NAME = Label("성명", "Name")
BIRTH_DATE = Label("생년월일", "Date of birth")
PERIOD = Label("공적기간", "Merit period")
SUMMARY = Label("공적요지", "Summary of merit")
NARRATIVE = Label("공적 내용", "Description of merit")
NARRATIVE_EN = Label("공적 내용 (영문)", "Description of merit (English)")
PAST_AWARDS = Label("기서훈", "Past awards")
DISCIPLINE = Label("징계", "Disciplinary record")
OTHER = Label("기타", "Other")
REVOKED = Label("서훈 취소", "Revoked awards")
CONTROVERSIES = Label("수사·물의 야기", "Investigations or controversies")
RECOMMENDER = Label("추천기관", "Recommended by")
WRITTEN_ON = Label("작성일", "Date")


@dataclass(frozen=True)
class Cell:
    """A label (its English empty on a Korean statement) and its value; ``wide`` values span the three columns
    after the label."""

    label_ko: str
    label_en: str
    value: str
    wide: bool = False

    @property
    def label(self) -> str:
        """The label as one line: "소속 Affiliation", or "소속"."""
        return f"{self.label_ko} {self.label_en}" if self.label_en else self.label_ko


@dataclass(frozen=True)
class Line:
    """One row of the form: one wide cell, two side by side, or (a ``block``) a heading over a full-width text."""

    cells: tuple[Cell, ...]
    block: bool = False


@dataclass(frozen=True)
class MeritStatement:
    title: str
    subtitle: str  # the English title of a bilingual statement; empty otherwise
    lines: tuple[Line, ...]
    bilingual: bool
    nominee: str

    def cells(self) -> list[Cell]:
        return [cell for line in self.lines for cell in line.cells]

    def value_of(self, label: Label) -> str | None:
        """The value under a label; None where the statement has no such row."""
        return next((cell.value for cell in self.cells() if cell.label_ko == label.ko), None)


def yymm(day: date) -> str:
    """A month as the form writes it: 2023-03-15 -> "23.03."."""
    return f"{day.year % 100:02d}.{day.month:02d}."


def _as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _month(text: str) -> str:
    day = _as_date(text)
    return yymm(day) if day else text.strip()


def merit_period(start: str, end: str, bilingual: bool = False) -> str:
    """ "23.03. ~ 25.10.", or "23.03. ~ 현재" with no end ("현재 (present)" on a bilingual statement); "-" without a
    start or an end; a value that is not a date is kept as typed."""
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return NONE
    if not end:
        return f"{_month(start)} ~ {PRESENT_KO}" + (f" ({PRESENT_EN})" if bilingual else "")
    return f"{_month(start)} ~ {_month(end)}" if start else f"~ {_month(end)}"


def full_date(day: date) -> str:
    """A day as Korean documents write it: "2026. 5. 12."."""
    return f"{day.year}. {day.month}. {day.day}."


def summary_of(text: str) -> str:
    """The first sentence(s) of a narrative: whole sentences of its first paragraph while they stay within
    ``SUMMARY_TARGET`` characters (always at least one), a first sentence longer than ``SUMMARY_MAX`` cut at a word
    with "…"; "-" for no text."""
    paragraph = next((p.strip() for p in (text or "").splitlines() if p.strip()), "")
    if not paragraph:
        return NONE
    summary = ""
    for sentence in _SENTENCE_END.split(paragraph):
        candidate = f"{summary} {sentence}".strip()
        if summary and len(candidate) > SUMMARY_TARGET:
            break
        summary = candidate
    if len(summary) <= SUMMARY_MAX:
        return summary
    cut = summary[:SUMMARY_MAX].rsplit(" ", 1)[0] if " " in summary[:SUMMARY_MAX] else summary[:SUMMARY_MAX]
    return cut.rstrip(" ,.;:") + "…"


def is_foreign(nationality: str, organisation_country: str, nominee_name: str) -> bool:
    """Whether the nominee is foreign (see the module's docstring): a nationality given decides; else an organisation
    outside Korea; else a name without Hangul."""
    nationality = (nationality or "").strip().casefold()
    if nationality:
        return nationality not in KOREA
    if (organisation_country or "").strip().upper() != "KR":
        return True
    return bool(nominee_name.strip()) and not _HANGUL.search(nominee_name)


def _or_none(text: str) -> str:
    return text.strip() or NONE


def _declared(answers: Mapping[str, str], names: Collection[str], question: str, details: str, bilingual: bool) -> str:
    """The details of a yes/no declaration: "" when there is nothing to declare."""
    text = answers.get(details, "").strip()
    if question in names:
        if answers.get(question, "") != "yes":
            return ""
        return text or (f"{DECLARED_KO} ({DECLARED_EN})" if bilingual else DECLARED_KO)
    return text


def _first(answers: Mapping[str, str], candidates: tuple[str, ...]) -> str:
    return next((answers[name].strip() for name in candidates if answers.get(name, "").strip()), "")


def build(
    answers: Mapping[str, object],
    field_names: Collection[str],
    *,
    recommender: str,
    recommender_country: str,
    written_on: date | None,
) -> MeritStatement:
    """Lay out a commendation entry's answers as its merit statement.

    ``answers`` are the nomination's answers, ``field_names`` the names of the fields of its form (answers to other
    fields are ignored); ``recommender`` and ``recommender_country`` the organisation that entered it and its ISO
    country code; ``written_on`` the day it was submitted (None for a draft: "-").
    """
    names = frozenset(field_names)
    given = {name: str(value or "").strip() for name, value in answers.items() if name in names}
    name = given.get("nominee_name", "")
    bilingual = is_foreign(_first(given, NATIONALITY_FIELDS), recommender_country, name)

    def cell(which: Label, value: str, wide: bool = False) -> Cell:
        return Cell(which.ko, which.en if bilingual else "", value, wide)

    merit_ko, merit_en = given.get("merit_ko", ""), given.get("merit_en", "")
    narrative = merit_ko or merit_en
    summary = _first(given, SUMMARY_FIELDS) or summary_of(narrative)
    if bilingual:
        summary_en = _first(given, SUMMARY_EN_FIELDS) or (summary_of(merit_en) if merit_en and merit_ko else "")
        if summary_en and summary_en != NONE:
            summary = f"{summary}\n{summary_en}"

    def declared(question: str, details: str) -> str:
        return _declared(given, names, question, details, bilingual)

    period = merit_period(given.get("merit_start", ""), given.get("merit_end", ""), bilingual)
    lines = [
        Line(
            (
                cell(AFFILIATION, _or_none(given.get("affiliation", ""))),
                cell(POSITION, _or_none(given.get("position", ""))),
            )
        )
    ]
    birth_field = next((field for field in BIRTH_DATE_FIELDS if field in names), None)
    if birth_field is not None:
        born = given.get(birth_field, "")
        born_day = _as_date(born)
        lines.append(
            Line((cell(NAME, _or_none(name)), cell(BIRTH_DATE, full_date(born_day) if born_day else _or_none(born))))
        )
    else:
        lines.append(Line((cell(NAME, _or_none(name), wide=True),)))
    lines.append(Line((cell(PERIOD, period, wide=True),)))
    lines.append(Line((cell(SUMMARY, summary, wide=True),)))
    lines.append(Line((cell(NARRATIVE, _or_none(narrative), wide=True),), block=True))
    if bilingual and merit_ko:
        lines.append(Line((cell(NARRATIVE_EN, _or_none(merit_en), wide=True),), block=True))
    others = [
        f"{which.text(bilingual)}: {text}"
        for which, text in (
            (REVOKED, declared("has_revoked_awards", "revoked_awards")),
            (CONTROVERSIES, declared("has_controversies", "controversies")),
        )
        if text
    ]
    lines.append(Line((cell(PAST_AWARDS, _or_none(given.get("past_awards", "")), wide=True),)))
    lines.append(
        Line((cell(DISCIPLINE, _or_none(declared("has_disciplinary_record", "disciplinary_record")), wide=True),))
    )
    lines.append(Line((cell(OTHER, "\n".join(others) or NONE, wide=True),)))
    lines.append(
        Line(
            (cell(RECOMMENDER, _or_none(recommender)), cell(WRITTEN_ON, full_date(written_on) if written_on else NONE))
        )
    )
    return MeritStatement(
        title=TITLE_KO,
        subtitle=TITLE_EN if bilingual else "",
        lines=tuple(lines),
        bilingual=bilingual,
        nominee=name,
    )
