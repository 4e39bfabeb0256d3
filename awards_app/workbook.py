"""The results workbook of one round: ready-made tables in, ``.xlsx`` bytes out. Pure: openpyxl and pandas only.

The caller (the results page, ``flask awards export``) turns the output of ``awards_app.ranking`` and the
database rows into display tables with the headers below; this module only lays them out. It never reads the
database and never imports Flask.

Input (``WorkbookData``)
========================
``edition``, ``round_name``, ``method`` (the round's method as the committee reads it, e.g. ``"Mean"``),
``generated_at`` (an aware datetime is converted to UTC; a naive one is taken as UTC).

``categories``: ``CategoryInfo(code, name, tiers)`` in display order; ``tiers`` is the category's award tiers in
rank order as ``(tier name, number of awards)``, e.g. ``(("Gold", 1), ("Silver", 2))``. A category code found in
``rankings`` but not listed here is added after the listed ones, named by its code alone.

The frames. Each must hold the listed columns (an empty frame may lack them); those come first, in this order,
and any other columns follow in the frame's own order. Numbers may be ints, floats or ``Decimal``; NaN, None and
NaT give empty cells; datetimes (aware ones are converted to UTC) are written as real Excel datetimes.

=========== ==========================================================================================
rankings    ``RANKINGS_COLUMNS``: one row per nomination and category. ``Category`` holds the category
            **code**; ``Tier`` is the assigned award tier or empty; ``Flags`` the ranking's flags as text.
scores      ``SCORES_COLUMNS``: one row per counted criterion score (``Judge`` already unambiguous).
judges      ``JUDGES_COLUMNS``: the judge diagnostics per category and judge.
conflicts   ``CONFLICTS_COLUMNS``: the declared and recorded conflicts.
criteria    ``CRITERIA_COLUMNS``: every criterion of every category's rubric, with its weight and scale.
uncertainty ``UNCERTAINTY_COLUMNS`` then ``P(top N)`` per watched cut: the uncertainty model's expected rank,
            90% rank interval and chances of the top places per nomination (no rows without a usable fit).
leniency    ``LENIENCY_COLUMNS``: each judge's leniency under the model, in points, with its 90% interval.
votes       ``VOTES_COLUMNS``: a committee round's sitting, one row per nomination (committee rounds only).
=========== ==========================================================================================

The Rankings sheet also carries ``RANKINGS_MORE_COLUMNS`` after the fixed ones (the caller passes them as extra
columns): the rank under each of the four methods and what decided the order (Score, criterion, median, shared).

``method_notes``: ``(label, value)`` rows for the ``Method`` sheet, after the edition, round, method and
generation time that this module writes itself: the thresholds, the formulas and tie-break in words, Kendall's
tau per method, Krippendorff's alpha per category, the application version, the SHA-256 of the score data.

Output (``build_workbook``)
===========================
Sheets, in this order: ``Summary``, ``Rankings``, one sheet per category (``category_sheet_names``), ``Scores``,
``Judges``, ``Conflicts``, ``Method``, ``Criteria``, ``Uncertainty``, ``Leniency``, and ``Votes`` for a committee
round (the sheets added later come after the earlier ones, so the earlier keep their places).

- ``Summary``: per category, the rows that carry a Tier, in tier order then rank (once tiers are assigned); else
  the current top places, every nomination ranked at or above N where N is the category's number of awards (3
  when it has no tiers), so a tie at the cut shows every tied nomination. Each category with places has a native
  bar chart of their Score.
- Data sheets: a bold, filled, frozen header row, an auto-filter over the data, column widths from the content
  (capped), a colour scale on ``Score``; scores and totals formatted with two decimals, correlations with three,
  counts and ranks as integers, weights and scales as entered. Numbers are stored as numbers.
- **No text becomes a formula**: text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is stored
  as a string cell with Excel's quote prefix, so neither opening nor editing the cell evaluates it. Characters
  that XML cannot carry (control characters other than tab, line feed and carriage return) are dropped, and text
  is cut at Excel's limit of 32,767 characters. Korean and every other script is kept as it is.

Sheets are written in openpyxl's write-only mode; the rows of the data sheets are written as sheet XML by this module
(cell for cell what openpyxl writes, with the styles openpyxl registered) and put in place after openpyxl has saved
the workbook, so a round of 150,000 scores costs a fraction of writing its cells one by one through openpyxl.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.properties import PageSetupProperties

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

RANKINGS_COLUMNS = (
    "Category",
    "Rank",
    "Reference",
    "Nomination",
    "Organisation",
    "Country",
    "Judges",
    "Score",
    "Mean",
    "Median",
    "Trimmed mean",
    "Normalised",
    "SD",
    "Tier",
    "Flags",
)
SCORES_COLUMNS = ("Category", "Reference", "Judge", "Criterion", "Weight", "Min", "Max", "Score", "Comment")
JUDGES_COLUMNS = ("Category", "Judge", "Nominations", "Mean total", "SD", "Offset", "Spearman")
CONFLICTS_COLUMNS = ("Judge", "Reference", "Nomination", "Reason", "Recorded by", "Recorded at")
#: Columns the Rankings sheet carries after RANKINGS_COLUMNS: the rank under each method and what ordered the
#: nomination against those with the same Score.
RANKINGS_MORE_COLUMNS = ("Rank by mean", "Rank by median", "Rank by trimmed mean", "Rank by normalised", "Decided by")
CRITERIA_COLUMNS = ("Category", "Criterion", "Position", "Weight", "Min", "Max", "Step")
#: The Uncertainty sheet: these, then one ``P(top N)`` column per watched cut N.
UNCERTAINTY_COLUMNS = ("Category", "Reference", "Expected rank", "Rank 5%", "Rank 95%")
LENIENCY_COLUMNS = ("Category", "Judge", "Leniency", "Low 5%", "High 95%")
VOTES_COLUMNS = (
    "Category",
    "Reference",
    "Nomination",
    "Members",
    "Present",
    "Approve",
    "Reject",
    "Abstain",
    "Did not vote",
    "Left out (conflict)",
    "Quorum met",
    "Outcome",
)
SUMMARY_COLUMNS = ("Tier", "Rank", "Reference", "Nomination", "Organisation", "Country", "Score", "Flags")
#: The sheets every workbook has; category sheets go between ``Rankings`` and ``Scores``.
FIXED_SHEETS = (
    "Summary",
    "Rankings",
    "Scores",
    "Judges",
    "Conflicts",
    "Method",
    "Criteria",
    "Uncertainty",
    "Leniency",
    "Votes",
)

#: Places shown on the Summary for a category without award tiers.
DEFAULT_PLACES = 3
#: Excel's limits.
SHEET_NAME_LENGTH = 31
CELL_TEXT_LENGTH = 32_767

TWO_DECIMALS = "0.00"
THREE_DECIMALS = "0.000"
INTEGER = "0"
DATETIME = "yyyy-mm-dd hh:mm:ss"
A4 = 9  # the paper size code of the OOXML page setup
#: Number formats by column header; other float columns get two decimals, other integer columns ``0``.
NUMBER_FORMATS = {
    "Rank": INTEGER,
    "Judges": INTEGER,
    "Nominations": INTEGER,
    "Score": TWO_DECIMALS,
    "Mean": TWO_DECIMALS,
    "Median": TWO_DECIMALS,
    "Trimmed mean": TWO_DECIMALS,
    "Normalised": TWO_DECIMALS,
    "SD": TWO_DECIMALS,
    "Mean total": TWO_DECIMALS,
    "Offset": TWO_DECIMALS,
    "Spearman": THREE_DECIMALS,
    "Weight": "General",
    "Min": "General",
    "Max": "General",
    "Step": "General",
    "Position": INTEGER,
    "Rank by mean": INTEGER,
    "Rank by median": INTEGER,
    "Rank by trimmed mean": INTEGER,
    "Rank by normalised": INTEGER,
    "Expected rank": TWO_DECIMALS,
    "Rank 5%": INTEGER,
    "Rank 95%": INTEGER,
    "Leniency": TWO_DECIMALS,
    "Low 5%": TWO_DECIMALS,
    "High 95%": TWO_DECIMALS,
    "Members": INTEGER,
    "Present": INTEGER,
    "Approve": INTEGER,
    "Reject": INTEGER,
    "Abstain": INTEGER,
    "Did not vote": INTEGER,
}

# Excel reads text starting with these as a formula (or, for tab and CR, strips them and then does); the same
# list guards the templates of awards_app.spreadsheets, which this pure module does not import (it brings Flask).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel forbids these in sheet names; a slash reads best as a dash, the others as a space.
_SHEET_NAME_DASH = re.compile(r"[/\\]")
_SHEET_NAME_SPACE = re.compile(r"[\[\]:*?\x00-\x1f]")
# Excel keeps this name for itself.
_RESERVED_SHEET_NAMES = ("history",)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="DCE6F1")
_TITLE_FONT = Font(bold=True, size=14)
_HEADING_FONT = Font(bold=True, size=12)
_NOTE_FONT = Font(italic=True, color="555555")

#: What a category sheet says when the category has no counted scores (no nomination ranked yet).
NO_SCORES_YET = "No counted scores in this category yet: its nominations appear here once judges have submitted scores."
_WRAP = Alignment(wrap_text=True, vertical="top")
_SCORE_SCALE = {
    "start_type": "min",
    "start_color": "F8696B",
    "mid_type": "percentile",
    "mid_value": 50,
    "mid_color": "FFEB84",
    "end_type": "max",
    "end_color": "63BE7B",
}
_MIN_WIDTH, _MAX_WIDTH, _NUMBER_WIDTH, _DATETIME_WIDTH = 6, 60, 10, 19
_SUMMARY_WIDTHS = (14, 7, 19, 40, 30, 14, 9, 24)
# Rows of default height per centimetre, to keep a chart from running into the next category's block.
_ROWS_PER_CM = 1 / 0.53


@dataclass(frozen=True)
class CategoryInfo:
    """A category as the workbook shows it: its code, its name, and its award tiers in rank order."""

    code: str
    name: str
    tiers: tuple[tuple[str, int], ...] = ()

    @property
    def award_places(self) -> int:
        """How many awards the category gives: the sum of its tiers' counts."""
        return sum(count for _, count in self.tiers)


#: A line of the Method sheet: its label and its value.
MethodNote = tuple[str, str | float | datetime]


# eq=False: frames have no single truth value, so field-wise equality would raise.
@dataclass(frozen=True, eq=False)
class WorkbookData:
    """Everything one round's workbook shows; the module docstring gives the columns of each frame."""

    edition: str
    round_name: str
    method: str
    generated_at: datetime
    categories: Sequence[CategoryInfo]
    rankings: pd.DataFrame
    scores: pd.DataFrame
    judges: pd.DataFrame
    conflicts: pd.DataFrame
    method_notes: Sequence[MethodNote] = ()
    criteria: pd.DataFrame | None = None  # CRITERIA_COLUMNS
    uncertainty: pd.DataFrame | None = None  # UNCERTAINTY_COLUMNS, then P(top N) columns; None or empty: no fit
    leniency: pd.DataFrame | None = None  # LENIENCY_COLUMNS
    votes: pd.DataFrame | None = None  # VOTES_COLUMNS: only for a committee round


# --- values -------------------------------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    """A naive UTC datetime, the only kind Excel holds."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


#: Characters XML 1.0 has no place for beyond openpyxl's control characters: surrogates and U+FFFE, U+FFFF.
_NOT_XML_RE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    """Text a cell can hold: without the characters XML cannot carry, at most Excel's length."""
    return _NOT_XML_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))[:CELL_TEXT_LENGTH]


def _value(value: object) -> object:
    """One value as openpyxl should store it: None, bool, int, float, datetime, date or text."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, pd.Timestamp):
        return _utc(value.to_pydatetime())
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return value
    return _text(str(value))


def _column_values(series: pd.Series) -> list[object]:
    """The column's values as plain Python values, vectorised for the common dtypes."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return [_value(value) for value in series.tolist()]
    if pd.api.types.is_numeric_dtype(dtype):
        integer = pd.api.types.is_integer_dtype(dtype)
        return [
            (int(number) if integer else number) if math.isfinite(number) else None
            for number in series.astype("float64").tolist()
        ]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if isinstance(dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return [None if pd.isna(moment) else moment.to_pydatetime() for moment in series]
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        # All text (the usual case): clean a value once, however often it repeats (names, references, criteria).
        cleaned: dict[str, str] = {}
        return [cleaned[text] if text in cleaned else cleaned.setdefault(text, _text(text)) for text in series.tolist()]
    return [_value(value) for value in series.tolist()]


def _number_format(header: str, values: Sequence[object]) -> str:
    if header in NUMBER_FORMATS:
        return NUMBER_FORMATS[header]
    sample = next((value for value in values if value is not None and not isinstance(value, str)), None)
    return INTEGER if isinstance(sample, int) and not isinstance(sample, bool) else TWO_DECIMALS


def _display_width(text: str) -> int:
    """Characters as a monospaced screen shows them: East Asian wide characters take two columns."""
    line = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def _column_width(header: str, values: Iterable[object], cap: int) -> float:
    """The column's width: its widest value or header, at most ``cap``. Each distinct value is looked at once
    (names, references, criteria and scores repeat row after row), and only a text can be wider than a number."""
    width = _display_width(header) + 3  # room for the filter button
    distinct = set(values)
    kinds = set(map(type, distinct)) - {type(None)}
    if any(issubclass(kind, datetime) for kind in kinds):
        width = max(width, _DATETIME_WIDTH)
    if any(not issubclass(kind, str | datetime) for kind in kinds):
        width = max(width, _NUMBER_WIDTH)
    if any(issubclass(kind, str) for kind in kinds):
        for value in distinct:
            if width >= cap:
                break
            if isinstance(value, str) and 2 * len(value) > width:  # only a string this long can be wider
                width = max(width, _display_width(value) + 1)
    return float(min(max(width, _MIN_WIDTH), cap))


class _CellMaker:
    """Turns a column's values into what a write-only sheet appends, styled and never a formula.

    Write-only sheets serialise each row as it is appended, so one styled cell per kind can be reused row after row.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, number_format: str, wrap: bool = False) -> None:
        self.general = number_format == "General"  # a plain number needs no styled cell
        self.number = WriteOnlyCell(sheet)
        self.number.number_format = number_format
        self.moment = WriteOnlyCell(sheet)
        self.moment.number_format = DATETIME
        self.quoted = WriteOnlyCell(sheet)
        self.quoted.quotePrefix = True
        self.text: WriteOnlyCell | None = None
        if wrap:
            self.text = WriteOnlyCell(sheet)
            self.text.alignment = _WRAP
            self.quoted.alignment = _WRAP

    def __call__(self, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, str):
            if value.startswith(_FORMULA_STARTS):
                self.quoted.value = value
                self.quoted.data_type = "s"  # openpyxl took it for a formula: store the text itself
                return self.quoted
            if self.text is None:
                return value
            self.text.value = value
            return self.text
        if isinstance(value, date):
            self.moment.value = value
            return self.moment
        if self.general:
            return value
        self.number.value = value
        return self.number


class _ColumnXml:
    """Writes a column's cells as sheet XML, byte for byte as openpyxl writes what ``_CellMaker`` gives it: an inline
    string (escaped, ``xml:space="preserve"`` around outer spaces), a number as ``%.16g``, a date as its Excel
    serial; the styled kinds carry the style ids openpyxl registers for the maker's cells. ``None`` writes no cell.

    openpyxl numbers a style when it first writes a cell of it, row after row: ``_rows_xml`` asks for the styles in
    that order (``first_uses``), so the workbook's styles and their numbers are the same too.
    """

    def __init__(self, sheet: WriteOnlyWorksheet, letter: str, number_format: str, wrap: bool = False) -> None:
        maker = _CellMaker(sheet, number_format, wrap)
        self.letter = letter
        self.epoch = sheet.parent.epoch
        # The cell of each kind that openpyxl writes with a style; a kind without one is written unstyled.
        self.styled: dict[str, WriteOnlyCell] = {"moment": maker.moment, "quoted": maker.quoted}
        if not maker.general:
            self.styled["number"] = maker.number
        if maker.text is not None:
            self.styled["text"] = maker.text
        self.first_uses: dict[str, int] = {}  # each kind's first row, as ``parts`` met them
        self.keys: list[tuple[str, str] | None] = []

    def _part(self, value: object) -> tuple[str, str]:
        """The cell's kind and everything of it after its style."""
        if isinstance(value, str):
            kind = "quoted" if value.startswith(_FORMULA_STARTS) else "text"
            if value == "":
                return kind, ' t="inlineStr"></c>'
            space = ' xml:space="preserve"' if value != value.strip() else ""
            return kind, f' t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'
        if isinstance(value, bool):
            return "number", f' t="b"><v>{int(value)}</v></c>'
        if isinstance(value, date):
            return "moment", f' t="n"><v>{to_excel(value, self.epoch):.16g}</v></c>'
        return "number", f' t="n"><v>{value:.16g}</v></c>'

    def parts(self, values: Sequence[object], first_row: int) -> None:
        """Each value's kind and cell without its style (kept in ``keys``), and each kind's first row."""
        parts: dict[tuple[type, object], tuple[str, str]] = {}  # names, references and scores repeat: write each once
        keys = self.keys = []
        for row, value in enumerate(values, start=first_row):
            if value is None:
                keys.append(None)
                continue
            key = (value.__class__, value)
            part = parts.get(key)
            if part is None:
                part = parts[key] = self._part(value)
                self.first_uses.setdefault(part[0], row)  # a kind met for the first time is a value met so
            keys.append(part)

    def cells(self, first_row: int) -> list[str]:
        """Each cell of ``parts`` with its style ("" for ``None``), once ``_rows_xml`` registered the styles."""
        styles = {kind: f' s="{cell.style_id}"' for kind, cell in self.styled.items() if kind in self.first_uses}
        letter = self.letter
        return [
            "" if part is None else f'<c r="{letter}{row}"{styles.get(part[0], "")}{part[1]}'
            for row, part in enumerate(self.keys, start=first_row)
        ]


def _xml_text(text: str) -> str:
    """Text as lxml writes it in an element: ``&``, ``<``, ``>`` escaped, a carriage return and every character
    beyond ASCII as a character reference."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _rows_xml(columns: Sequence[Sequence[object]], writers: Sequence[_ColumnXml], first_row: int) -> str:
    """The ``<row>`` elements of a table's values (one list per column), from ``first_row`` on."""
    for writer, values in zip(writers, columns, strict=True):
        writer.parts(values, first_row)
    # Register the styles in the order openpyxl would meet them writing row after row, cell after cell.
    first_uses = sorted(
        (row, index, kind)
        for index, writer in enumerate(writers)
        for kind, row in writer.first_uses.items()
        if kind in writer.styled
    )
    for _row, index, kind in first_uses:
        _ = writers[index].styled[kind].style_id
    cells = [writer.cells(first_row) for writer in writers]
    return "".join(
        f'<row r="{row}">{"".join(line)}</row>' for row, line in enumerate(zip(*cells, strict=True), start=first_row)
    )


def _with_rows(xlsx: bytes, rows: dict[str, str]) -> bytes:
    """The saved workbook with each named sheet's rows (``_rows_xml``) put after the rows openpyxl wrote."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source:
        parts = _sheet_parts(source)
        by_part = {parts[name]: body for name, body in rows.items() if body}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                content = source.read(info)
                body = by_part.get(info.filename)
                if body is not None:
                    end = b"</sheetData>"
                    if content.count(end) != 1:
                        raise ValueError(f"{info.filename}: no single end of the sheet's data")
                    content = content.replace(end, body.encode("utf-8") + end)
                target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name and the part of the package that holds it (read from the workbook and its relations)."""
    from lxml import etree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    relation = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {
        link.get("Id"): link.get("Target") for link in etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    }
    parts = {}
    for sheet in etree.fromstring(archive.read("xl/workbook.xml")).iter(f"{main}sheet"):
        target = targets[sheet.get(relation)]
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


# --- sheet names --------------------------------------------------------------------------------------------------


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, length: int) -> str:
    """The text cut to at most ``length`` UTF-16 code units (Excel's unit), without trailing spaces or quotes."""
    while _utf16_length(text) > length:
        text = text[:-1]
    return text.rstrip(" '")


def category_sheet_names(categories: Sequence[CategoryInfo]) -> list[str]:
    """A valid, unique sheet name for each category, in order: ``"<code> <name>"`` made fit for Excel.

    ``/`` and ``\\`` become ``-``; ``[ ] : * ?`` and control characters become spaces; runs of spaces collapse;
    a name may not start or end with an apostrophe; it is cut to 31 characters. A name that is empty, reserved
    (``History``) or already taken, compared without regard to case and including the fixed sheets, gets
    `` (2)``, `` (3)`` ... within the 31 characters.
    """
    taken = {name.casefold() for name in (*FIXED_SHEETS, *_RESERVED_SHEET_NAMES)}
    names = []
    for category in categories:
        raw = f"{category.code} {category.name}"
        cleaned = _SHEET_NAME_SPACE.sub(" ", _SHEET_NAME_DASH.sub("-", raw))
        base = _cut(" ".join(cleaned.split()).strip(" '"), SHEET_NAME_LENGTH) or "Category"
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = _cut(base, SHEET_NAME_LENGTH - len(suffix)) + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


# --- tables -------------------------------------------------------------------------------------------------------


def _table(frame: pd.DataFrame, required: Sequence[str], what: str) -> pd.DataFrame:
    """The frame with the required columns first, then the others; an empty frame may lack columns."""
    missing = [column for column in required if column not in frame.columns]
    if missing and not frame.empty:
        raise ValueError(f"{what} lacks the columns: {', '.join(missing)}")
    extra = [column for column in frame.columns if column not in required]
    table = frame.reindex(columns=[*required, *extra]).reset_index(drop=True)
    return table.rename(columns=str)


def _header(sheet: WriteOnlyWorksheet, headers: Iterable[str]) -> list[WriteOnlyCell]:
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=_text(header))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        if header.startswith(_FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
        cells.append(cell)
    return cells


def _print_setup(sheet: WriteOnlyWorksheet, *, repeat_header: bool = True) -> None:
    """Printed on A4 landscape, one page wide, the header row on every page, the sheet and page in the footer."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if repeat_header:
        sheet.print_title_rows = "1:1"
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.right.text = "&P / &N"


def _write_table(
    sheet: WriteOnlyWorksheet,
    table: pd.DataFrame,
    *,
    cap: int = _MAX_WIDTH,
    wrap: Sequence[str] = (),
    when_empty: str | None = None,
) -> str:
    """Header, widths, frozen header, filter, print setup and (with a ``Score`` column) a colour scale; returns the
    rows below the header as sheet XML, which ``build_workbook`` puts in place. A table without rows says
    ``when_empty`` under its header, if given."""
    _print_setup(sheet)
    headers = [str(column) for column in table.columns]
    columns = [_column_values(table[column]) for column in table.columns]
    writers = [
        _ColumnXml(sheet, get_column_letter(index), _number_format(header, values), wrap=header in wrap)
        for index, (header, values) in enumerate(zip(headers, columns, strict=True), start=1)
    ]
    for index, (header, values) in enumerate(zip(headers, columns, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _column_width(header, values, cap)
    sheet.freeze_panes = "A2"  # before the first row: a write-only sheet writes its views first
    sheet.append(_header(sheet, headers))
    last_row = len(table) + 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    if "Score" in headers and len(table):
        letter = get_column_letter(headers.index("Score") + 1)
        sheet.conditional_formatting.add(f"{letter}2:{letter}{last_row}", ColorScaleRule(**_SCORE_SCALE))
    if when_empty and not len(table):
        note = WriteOnlyCell(sheet, value=when_empty)
        note.font = _NOTE_FONT
        sheet.append([note])
    return _rows_xml(columns, writers, first_row=2)


# --- summary ------------------------------------------------------------------------------------------------------


def _places(rows: pd.DataFrame, category: CategoryInfo) -> tuple[pd.DataFrame, str]:
    """The category's winners in tier order, or else its current top places; and a line saying which."""
    tier = rows["Tier"].map(lambda value: "" if _value(value) is None else str(value).strip())
    rank = pd.to_numeric(rows["Rank"], errors="coerce")
    if (tier != "").any():
        order = {name: position for position, (name, _) in enumerate(category.tiers)}
        key = pd.DataFrame({"tier": tier.map(lambda name: order.get(name, len(order))), "rank": rank})
        chosen = key[tier != ""].sort_values(["tier", "rank"], kind="stable", na_position="last").index
        return rows.loc[chosen], "Award tiers as assigned."
    places = category.award_places or DEFAULT_PLACES
    chosen = rank[rank <= places].sort_values(kind="stable").index
    return rows.loc[chosen], f"Tiers not assigned yet: the current top {places} places."


def _bar_chart(sheet: WriteOnlyWorksheet, category: CategoryInfo, header_row: int, last_row: int) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = f"{category.code}: Score"
    chart.legend = None
    chart.y_axis.title = "Score"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100  # scores are 0–100: every category's chart on the same scale
    chart.y_axis.majorUnit = 20
    chart.y_axis.number_format = "0"
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # first place at the top
    chart.x_axis.delete = False  # openpyxl 3.1 hides axes unless told otherwise
    chart.y_axis.delete = False
    score = SUMMARY_COLUMNS.index("Score") + 1
    reference = SUMMARY_COLUMNS.index("Reference") + 1
    chart.add_data(Reference(sheet, min_col=score, min_row=header_row, max_row=last_row), titles_from_data=True)
    # References are text: a string reference, where set_categories would declare numbers.
    places = Reference(sheet, min_col=reference, min_row=header_row + 1, max_row=last_row)
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(places)))
    chart.width = 16
    chart.height = max(5.0, 0.8 * (last_row - header_row) + 2.5)
    return chart


def _write_summary(
    sheet: WriteOnlyWorksheet, data: WorkbookData, categories: Sequence[CategoryInfo], rankings: pd.DataFrame
) -> None:
    _print_setup(sheet, repeat_header=False)
    for index, width in enumerate(_SUMMARY_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    text = _CellMaker(sheet, "General")
    title = WriteOnlyCell(sheet, value=_text(f"Results: {data.edition}, {data.round_name}"))
    title.font = _TITLE_FONT
    title.data_type = "s"
    title.quotePrefix = title.value.startswith(_FORMULA_STARTS)
    sheet.append([title])
    generated = f"{_utc(data.generated_at):%Y-%m-%d %H:%M} UTC"
    sheet.append([text(_text(f"Method: {data.method}. Generated {generated}."))])
    row = 2
    if not categories:
        sheet.append([])
        sheet.append(["No categories in this round."])
        return
    makers = [_CellMaker(sheet, NUMBER_FORMATS.get(header, "General")) for header in SUMMARY_COLUMNS]
    for category in categories:
        rows = rankings[rankings["Category"].astype("str") == category.code]
        heading = WriteOnlyCell(sheet, value=_text(" — ".join(part for part in (category.code, category.name) if part)))
        heading.font = _HEADING_FONT
        heading.data_type = "s"
        heading.quotePrefix = str(heading.value).startswith(_FORMULA_STARTS)
        sheet.append([])
        sheet.append([heading])
        row += 2
        if rows.empty:
            sheet.append(["No ranking yet."])
            row += 1
            continue
        chosen, note = _places(rows, category)
        sheet.append([note])
        sheet.append(_header(sheet, SUMMARY_COLUMNS))
        row += 2
        header_row = row
        values = [_column_values(chosen[column]) for column in SUMMARY_COLUMNS]
        for line in zip(*values, strict=True):
            sheet.append([make(value) for make, value in zip(makers, line, strict=True)])
            row += 1
        if chosen.empty:
            continue
        chart = _bar_chart(sheet, category, header_row, row)
        sheet.add_chart(chart, f"{get_column_letter(len(SUMMARY_COLUMNS) + 2)}{header_row - 2}")
        # Pad the block so that the chart ends before the next category's heading.
        chart_rows = math.ceil(chart.height * _ROWS_PER_CM)
        for _ in range(max(0, header_row - 2 + chart_rows - row)):
            sheet.append([])
            row += 1


# --- the workbook -------------------------------------------------------------------------------------------------


def _all_categories(categories: Sequence[CategoryInfo], rankings: pd.DataFrame) -> list[CategoryInfo]:
    listed = list(categories)
    known = {category.code for category in listed}
    for code in rankings["Category"].dropna().astype("str").unique():
        if code not in known:
            known.add(code)
            listed.append(CategoryInfo(code=code, name=""))
    return listed


def _method_table(data: WorkbookData) -> pd.DataFrame:
    rows: list[tuple[str, object]] = [
        ("Edition", data.edition),
        ("Round", data.round_name),
        ("Method", data.method),
        ("Generated (UTC)", _utc(data.generated_at)),
        *((str(label), value) for label, value in data.method_notes),
    ]
    return pd.DataFrame(
        {"Item": [label for label, _ in rows], "Value": pd.Series([value for _, value in rows], dtype="object")}
    )


def _or_empty(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    return frame if frame is not None else pd.DataFrame(columns=list(columns))


def build_workbook(data: WorkbookData) -> bytes:
    """The round's workbook as ``.xlsx`` bytes; see the module docstring for the input and the sheets."""
    rankings = _table(data.rankings, RANKINGS_COLUMNS, "rankings")
    scores = _table(data.scores, SCORES_COLUMNS, "scores")
    judges = _table(data.judges, JUDGES_COLUMNS, "judges")
    conflicts = _table(data.conflicts, CONFLICTS_COLUMNS, "conflicts")
    categories = _all_categories(data.categories, rankings)
    by_code = rankings["Category"].astype("str")

    book = Workbook(write_only=True)
    book.properties.title = _text(f"{data.edition}, {data.round_name}: results")
    book.properties.created = _utc(data.generated_at)
    rows: dict[str, str] = {}  # each data sheet's rows, by sheet name

    def write(name: str, table: pd.DataFrame, **options) -> None:
        rows[name] = _write_table(book.create_sheet(name), table, **options)

    _write_summary(book.create_sheet("Summary"), data, categories, rankings)
    write("Rankings", rankings)
    for category, name in zip(categories, category_sheet_names(categories), strict=True):
        write(name, rankings[by_code == category.code], when_empty=NO_SCORES_YET)
    write("Scores", scores)
    write("Judges", judges)
    write("Conflicts", conflicts)
    write("Method", _method_table(data), cap=100, wrap=("Value",))
    write("Criteria", _table(_or_empty(data.criteria, CRITERIA_COLUMNS), CRITERIA_COLUMNS, "criteria"))
    write("Uncertainty", _table(_or_empty(data.uncertainty, UNCERTAINTY_COLUMNS), UNCERTAINTY_COLUMNS, "uncertainty"))
    write("Leniency", _table(_or_empty(data.leniency, LENIENCY_COLUMNS), LENIENCY_COLUMNS, "leniency"))
    if data.votes is not None:
        write("Votes", _table(data.votes, VOTES_COLUMNS, "votes"))
    buffer = io.BytesIO()
    book.save(buffer)
    return _with_rows(buffer.getvalue(), rows)


def rankings_csv(rankings: pd.DataFrame) -> bytes:
    """The ``Rankings`` sheet as CSV: UTF-8 with a byte-order mark (so Excel reads Korean), numbers to six decimals.

    A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return) is written with a leading apostrophe, the usual guard against formula injection in CSV.
    """
    return table_csv(rankings, RANKINGS_COLUMNS)


def table_csv(frame: pd.DataFrame, columns: Sequence[str]) -> bytes:
    """Any of the workbook's tables as CSV, written as ``rankings_csv`` writes the Rankings sheet."""
    table = _table(frame, columns, "rankings" if columns == RANKINGS_COLUMNS else "table")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for values in zip(*[_column_values(table[name]) for name in table.columns], strict=True):
        writer.writerow([_csv_value(value) for value in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


SCORE_DATA_COLUMNS = SCORES_COLUMNS[:8]


def score_data_sha256(scores: pd.DataFrame) -> str:
    """The SHA-256 of the score data a workbook was computed from, as anyone can recompute it from ``Scores``.

    Take the first eight columns of the ``Scores`` sheet (Category … Score), row by row in sheet order; write each
    number with up to six decimals and no trailing zeros (``7``, ``0.15``, ``7.5``) and each text as it is; join a
    row's values with a tab and end each row with a line feed; hash the UTF-8 bytes.
    """
    table = _table(scores, SCORES_COLUMNS, "scores")
    columns = [_canonical_column(_column_values(table[name])) for name in SCORE_DATA_COLUMNS]
    text = "".join("\t".join(values) + "\n" for values in zip(*columns, strict=True))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_column(values: list[object]) -> list[str]:
    """``_canonical`` of each value, worked out once per distinct value (scores, weights and names repeat)."""
    texts: dict[tuple[type, object], str] = {}
    canonical = []
    for value in values:
        key = (value.__class__, value)
        text = texts.get(key)
        if text is None:
            text = texts[key] = _canonical(value)
        canonical.append(text)
    return canonical


def _canonical(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(value)
