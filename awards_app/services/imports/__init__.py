"""Excel in: nominations received by e-mail, the judge list, and a judge's offline score sheet.

Each import reads the whole file, checks every row against the same rules as the web forms, and writes nothing
unless every row is right; then it writes everything in one transaction. Problems name the sheet, the row and the
column. The templates come from here too, so a template and its import can never disagree.

- ``imports.nominations``: the template of nominations received by e-mail, and their import;
- ``imports.judges``: the judge list (new judges are invited);
- ``imports.scores``: a judge's offline score sheet, checked by the score sheet's own rules (``services.sheets``).

This module holds what they share: the result, the refusal, and reading a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ... import spreadsheets
from ...models import Category
from ...regions import COUNTRY_CODES, country_name
from ...spreadsheets import Column, Problem, Row, SheetSpec
from .. import ServiceError
from ..accounts import normalise_email

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportRefused(ServiceError):
    """The file has problems; nothing was written. ``problems`` says where and why."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = spreadsheets.sort_problems(problems)
        super().__init__(_l("Nothing was saved: correct the rows listed below and upload the file again."))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    details: list[str] = field(default_factory=list)


def _read(data: bytes, specs: list[SheetSpec], require_all: bool = False) -> list[Row]:
    try:
        rows, problems = spreadsheets.read_workbook(
            data, specs, require_all=require_all, max_unpacked=current_app.config["MAX_WORKBOOK_UNPACKED_BYTES"]
        )
    except spreadsheets.UnreadableFile as error:
        raise ImportRefused([Problem("", 0, "", str(error))]) from error
    if problems:
        raise ImportRefused(problems)
    return rows


def _both_languages(text) -> tuple[str, tuple[str, ...]]:
    """A lazy text in English (the header) and in Korean (accepted as well)."""
    with force_locale("en"):
        english = str(text)
    with force_locale("ko"):
        korean = str(text)
    return english, ((korean,) if korean != english else ())


def _spellings(text) -> tuple[str, ...]:
    """Every accepted spelling of a lazy text: English first, then Korean."""
    english, others = _both_languages(text)
    return (english, *others)


def _column(text, **options) -> Column:
    header, aliases = _both_languages(text)
    return Column(header, aliases=aliases, **options)


def _lookup(pairs: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """A map from every accepted spelling (casefolded) to its stored value."""
    found: dict[str, str] = {}
    for value, spellings in pairs:
        for spelling in (value, *spellings):
            found.setdefault(spreadsheets.header_key(spelling), value)
    return found


def _country_lookup() -> dict[str, str]:
    return _lookup((code, (country_name(code, "en"), country_name(code, "ko"))) for code in COUNTRY_CODES)


def _email(text: str) -> str | None:
    try:
        return normalise_email(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


COUNTRY = _l("Country")


def _category_sheet_names(categories: list[Category]) -> dict[int, str]:
    from ...workbook import CategoryInfo, category_sheet_names

    infos = [CategoryInfo(c.code, c.name_en, ()) for c in categories]
    return dict(zip((c.id for c in categories), category_sheet_names(infos), strict=True))


def str_header(text) -> str:
    """The English header of a column, as the reader keys the row's values."""
    return _both_languages(text)[0]
