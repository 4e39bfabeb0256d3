"""Excel in: the templates people fill in outside the website, and the reader that checks them.

A pure module (openpyxl only, no Flask, no database). A template is a workbook of sheets, each a header row of
:class:`Column` and, optionally, rows already filled in (a judge's assignments). The reader gives back every row of
every sheet as text keyed by column, and a list of :class:`Problem` naming the sheet, the row and the column of
whatever it could not read. Callers check the values against the prize's rules and write nothing unless the whole
file is clean: an import is all or nothing.

What the reader accepts:

- the header row is the first row; headers are matched ignoring case, spaces and a trailing ``*``; each column
  may have aliases (its header in another language); a required column that is missing, a column the template
  does not have, or the same column twice is a problem on row 1;
- empty rows are skipped; at most ``max_rows`` rows per sheet are read;
- every value becomes text: whole numbers lose their ``.0``, dates become ``YYYY-MM-DD``, booleans ``yes``/``no``;
  formulas are read as the value Excel last computed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties

from .scoring import score_text

MAX_ROWS = 5_000
#: No template has more columns than this; cells to the right of it are not read.
MAX_COLUMNS = 200
#: What the parts of a workbook may add up to once unpacked (the application's MAX_WORKBOOK_UNPACKED_BYTES).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: How many times smaller than its contents a part (or the file) may be: Excel's XML packs about 5 to 20 times.
MAX_COMPRESSION_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # small parts of repeated markup may pack far better; they cannot hurt
MAX_PARTS = 10_000
#: Excel's own limit on the text of a cell.
MAX_CELL_TEXT = 32_767
#: A drop-down list in a data validation is limited to 255 characters in all.
_LIST_LIMIT = 255

_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill(fill_type="solid", fgColor="FCE4D6")
_OPTIONAL_FILL = PatternFill(fill_type="solid", fgColor="DCE6F1")
_LOCKED_FILL = PatternFill(fill_type="solid", fgColor="EDEDED")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
#: Excel reads text starting with these as a formula (or, for tab and CR, strips them and then does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Column:
    """One column of a template."""

    header: str
    required: bool = False
    note: str = ""  # shown as a comment on the header cell
    choices: tuple[str, ...] = ()  # a drop-down in the template
    decimal_range: tuple[float, float] | None = None  # a number check in the template
    width: float = 18
    wrap: bool = False
    locked: bool = False  # filled in by the website; shown grey
    hidden: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The header as written in the template: required columns are marked with a star."""
        return f"{self.header} *" if self.required else self.header


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of a template: its columns, and the rows filled in already."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...] = ()
    blank_rows: int = 0  # empty rows given the drop-downs and checks, for people to fill in

    def column(self, header: str) -> Column | None:
        key = header_key(header)
        return next((c for c in self.columns if key in _keys(c)), None)


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where it is (sheet, row as Excel numbers it, column header) and why."""

    sheet: str
    row: int
    column: str
    message: str


@dataclass
class Row:
    """One filled-in row: its number in Excel and its values as text, keyed by the template's header."""

    sheet: str
    number: int
    values: dict[str, str] = field(default_factory=dict)

    def get(self, header: str) -> str:
        return self.values.get(header, "")

    def problem(self, header: str, message: object) -> Problem:
        return Problem(self.sheet, self.number, header, str(message))


class UnreadableFile(ValueError):
    """The upload is not an Excel workbook at all (or a damaged one)."""


def header_key(text: object) -> str:
    """How headers are compared: case, spacing and the required-star do not matter."""
    return _SPACES.sub(" ", str(text or "")).strip().rstrip("*").strip().casefold()


def _keys(column: Column) -> set[str]:
    return {header_key(column.header), *(header_key(a) for a in column.aliases)}


# --- writing a template -----------------------------------------------------------------------------


def _cell_value(value: object) -> object:
    if isinstance(value, str):
        return value[:MAX_CELL_TEXT]
    if isinstance(value, Decimal):
        return float(value)
    return value


def build_template(sheets: Sequence[SheetSpec], instructions: Sequence[tuple[str, str]] = (), title: str = "") -> bytes:
    """A workbook to fill in: an ``Instructions`` sheet (when given), then one sheet per spec.

    Header cells are bold, frozen, coloured (orange for required) and carry the column's note; drop-downs and
    number checks cover the filled rows and ``blank_rows`` more; text is always stored as text, so a value that
    starts with ``=`` never becomes a formula.
    """
    book = Workbook()
    first = book.active
    if instructions:
        first.title = "Instructions"
        first.column_dimensions["A"].width = 28
        first.column_dimensions["B"].width = 100
        if title:
            first.append([title])
            first["A1"].font = Font(bold=True, size=14)
            first.append([])
        for key, text in instructions:
            first.append([_cell_value(key), _cell_value(text)])
            row = first.max_row
            first.cell(row, 1).font = _HEADER_FONT
            first.cell(row, 1).alignment = _WRAP_TOP
            first.cell(row, 2).alignment = _WRAP_TOP
            first.row_dimensions[row].height = row_height([(key, 28), (text, 100)])
        _as_text(first)
        _print_setup(first, repeat_header=False)
    else:
        book.remove(first)
    for spec in sheets:
        _write_sheet(book.create_sheet(spec.name), spec)
    if title:
        book.properties.title = title[:255]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_LINE_HEIGHT = 15  # points per line of 11-point text
_MAX_ROW_HEIGHT = 409  # Excel's limit


def row_height(cells: Iterable[tuple[object, float]]) -> float:
    """A row tall enough for its wrapped text: Excel and LibreOffice do not grow rows written by a program.

    ``cells``: (value, column width in characters). Each line of text takes ceil(length / width) lines.
    """
    lines = 1
    for value, width in cells:
        if not isinstance(value, str) or not value:
            continue
        per_line = max(int(width) - 1, 1)
        lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in value.split("\n")))
    return float(min(lines * _LINE_HEIGHT, _MAX_ROW_HEIGHT))


def _print_setup(sheet, *, repeat_header: bool) -> None:
    """A4 landscape, one page wide; the header row on every printed page of a data sheet."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if repeat_header:
        sheet.print_title_rows = "1:1"


def _as_text(sheet) -> None:
    """Keep every text cell that looks like a formula a text: stored as a string, and marked with Excel's quote
    prefix so that it stays text when somebody edits the cell (as the results workbook does)."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def _write_sheet(sheet, spec: SheetSpec) -> None:
    sheet.append([c.label for c in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(1, index)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else (_LOCKED_FILL if column.locked else _OPTIONAL_FILL)
        cell.alignment = _WRAP_TOP
        if column.note:
            cell.comment = Comment(column.note[:2000], "Seoul Smart City Prize", width=320, height=140)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].hidden = column.hidden
    sheet.row_dimensions[1].height = row_height((c.label, c.width) for c in spec.columns)
    for values in spec.rows:
        sheet.append([_cell_value(v) for v in values])
        sheet.row_dimensions[sheet.max_row].height = row_height(
            (value, column.width) for value, column in zip(values, spec.columns, strict=False) if column.wrap
        )
    last_row = 1 + len(spec.rows) + spec.blank_rows
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        if column.wrap or column.locked:
            for row in range(2, 2 + len(spec.rows)):
                cell = sheet.cell(row, index)
                if column.wrap:
                    cell.alignment = _WRAP_TOP
                if column.locked:
                    cell.fill = _LOCKED_FILL
        if last_row < 2:
            continue
        area = f"{letter}2:{letter}{last_row}"
        validation = _validation(column)
        if validation is not None:
            sheet.add_data_validation(validation)
            validation.add(area)
    _as_text(sheet)
    _print_setup(sheet, repeat_header=True)
    sheet.freeze_panes = "A2"
    if spec.columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{max(last_row, 2)}"


def _validation(column: Column) -> DataValidation | None:
    if column.choices:
        listed = ",".join(c.replace(",", " ") for c in column.choices)
        if len(listed) + 2 > _LIST_LIMIT:
            return None
        return DataValidation(
            type="list",
            formula1=f'"{listed}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header[:32],
            error=f"Choose one of: {listed}"[:255],
        )
    if column.decimal_range is not None:
        low, high = column.decimal_range
        return DataValidation(
            type="decimal",
            operator="between",
            formula1=score_text(low),
            formula2=score_text(high),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.header[:32],
            error=f"Enter a number from {score_text(low)} to {score_text(high)}."[:255],
        )
    return None


# --- reading a filled-in file -----------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell's value as the text a person typed: ``7`` not ``7.0``, dates as ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        try:
            number = Decimal(repr(value))
        except InvalidOperation:
            return ""
        return format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    return str(value).replace("\r\n", "\n").replace("\x00", "").strip()


_UNREADABLE = _l("The workbook could not be read; it may be damaged. Save it again in Excel and upload it.")


def _check_archive(data: bytes, max_unpacked: int) -> None:
    """Refuse, before anything is parsed, a file that is not a workbook or would unpack into too much.

    An .xlsx is a zip archive of XML parts. A few megabytes can unpack into gigabytes (a "zip bomb"), so the sizes
    the archive declares are added up first; they are also what reading may produce, since Python's zip reader
    stops at a part's declared size and fails its checksum if the part holds more.
    """
    if not data:
        raise UnreadableFile(_l("The file is empty."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise UnreadableFile(
            _l("This is not an Excel workbook (.xlsx). Save the file as an Excel workbook and upload it again.")
        ) from error
    unpacked = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts)
    too_dense = any(
        part.file_size > _RATIO_FLOOR and part.file_size > MAX_COMPRESSION_RATIO * max(part.compress_size, 1)
        for part in parts
    )
    if (
        len(parts) > MAX_PARTS
        or unpacked > max_unpacked
        or too_dense
        or (unpacked > _RATIO_FLOOR and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1))
    ):
        raise UnreadableFile(
            _l(
                "%(message)s It would unpack into more than %(mb)d MB, more than any filled-in template holds.",
                message=_UNREADABLE,
                mb=max_unpacked // (1024 * 1024),
            )
        )


def read_workbook(
    data: bytes,
    specs: Sequence[SheetSpec],
    *,
    max_rows: int = MAX_ROWS,
    max_unpacked: int = MAX_UNPACKED_BYTES,
    require_all: bool = False,
) -> tuple[list[Row], list[Problem]]:
    """Read the sheets of ``specs`` that the file has; return their filled rows and the problems found.

    With ``require_all`` a missing sheet is a problem; otherwise sheets not in the file are simply absent (a
    nominations file may carry only the categories it has entries for). Sheets the specs do not name are ignored
    (the ``Instructions`` sheet, a person's own notes).

    The file is checked before it is parsed (:func:`_check_archive`) and opened once. A sheet is read up to row
    ``2 * max_rows + 1`` and column ``MAX_COLUMNS``, empty ones included, whatever size the sheet claims. Anything
    that goes wrong inside the file (broken or hostile XML, a damaged part) is the one :class:`UnreadableFile`.
    """
    _check_archive(data, max_unpacked)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a damaged or hostile file can fail openpyxl anywhere: all of it is "unreadable"
        raise UnreadableFile(_UNREADABLE) from error
    try:
        by_key = {header_key(name): name for name in book.sheetnames}
        rows: list[Row] = []
        problems: list[Problem] = []
        found = 0
        for spec in specs:
            name = by_key.get(header_key(spec.name))
            if name is None:
                if require_all:
                    problems.append(Problem(spec.name, 0, "", str(_l("The sheet is missing."))))
                continue
            found += 1
            sheet_rows, sheet_problems = _read_sheet(book, name, spec, max_rows)
            rows.extend(sheet_rows)
            problems.extend(sheet_problems)
        if not found and not require_all:
            problems.append(
                Problem(
                    "",
                    0,
                    "",
                    str(
                        _l(
                            "The workbook has none of the template's sheets (%(names)s).",
                            names=", ".join(s.name for s in specs),
                        )
                    ),
                )
            )
        return rows, problems
    except UnreadableFile:
        raise
    except Exception as error:  # as above: broken XML, entities, a part that fails its checksum
        raise UnreadableFile(_UNREADABLE) from error
    finally:
        book.close()


def _rows_of(book, name: str, *, formulas: bool, last_row: int):
    """The values of a sheet row by row, or (``formulas``) what is written in each cell: a formula's text.

    A read-only workbook takes ``data_only`` when a sheet's rows start being read, so one opened workbook gives
    both: its parts are unpacked and its shared strings read once.
    """
    book._data_only = formulas is False  # openpyxl reads the flag as each iteration starts; it has no setter
    rows = book[name].iter_rows(max_row=last_row, max_col=MAX_COLUMNS, values_only=True)
    first = next(rows, None)
    return first, rows


def _read_sheet(book, name: str, spec: SheetSpec, max_rows: int) -> tuple[list[Row], list[Problem]]:
    problems: list[Problem] = []
    last_row = 2 * max_rows + 1
    header, values = _rows_of(book, name, formulas=False, last_row=last_row)
    # Started after the values, so it reads what is written (to tell an empty cell from a formula not computed).
    _first, formula_rows = _rows_of(book, name, formulas=True, last_row=last_row)
    if header is None:
        return [], [Problem(spec.name, 1, "", str(_l("The header row is missing.")))]
    declared = book[name].max_row
    if declared is not None and declared > last_row:
        problems.append(
            Problem(
                spec.name,
                last_row + 1,
                "",
                str(
                    _l(
                        "The sheet goes on past row %(n)d, and rows after it are not read. "
                        "Delete the rows below your data, or split the file.",
                        n=last_row,
                    )
                ),
            )
        )
    positions: dict[int, Column] = {}
    seen: set[str] = set()
    for index, text in enumerate(header):
        label = cell_text(text)
        if not label:
            continue
        column = spec.column(label)
        if column is None:
            problems.append(Problem(spec.name, 1, label[:100], str(_l("This column is not in the template."))))
        elif column.header in seen:
            problems.append(Problem(spec.name, 1, column.header, str(_l("This column appears twice."))))
        else:
            positions[index] = column
            seen.add(column.header)
    for column in spec.columns:
        if column.required and column.header not in seen:
            problems.append(Problem(spec.name, 1, column.header, str(_l("This column is missing."))))
    if problems:
        return [], problems
    rows: list[Row] = []
    for number, cells in enumerate(values, start=2):
        texts = {positions[i].header: cell_text(v) for i, v in enumerate(cells) if i in positions}
        written = next(formula_rows, None) or ()
        unsaved = {
            positions[i].header: f
            for i, f in enumerate(written)
            if i in positions
            and (cells[i] if i < len(cells) else None) is None
            and isinstance(f, str)
            and f.startswith("=")
        }
        if not any(texts.values()) and not unsaved:
            continue
        for header_text, formula in unsaved.items():
            problems.append(
                Problem(
                    spec.name,
                    number,
                    header_text,
                    str(
                        _l(
                            "This cell holds a formula (%(formula)s) whose result is not saved in the file. "
                            "Open the file in Excel or LibreOffice and save it, or type the value itself.",
                            formula=formula[:50],
                        )
                    ),
                )
            )
        if len(rows) >= max_rows:
            problems.append(
                Problem(
                    spec.name, number, "", str(_l("Too many rows: at most %(n)d are read from a sheet.", n=max_rows))
                )
            )
            break
        row = Row(spec.name, number, {c.header: texts.get(c.header, "") for c in spec.columns})
        for header_text, text in row.values.items():
            if len(text) > MAX_CELL_TEXT:
                problems.append(row.problem(header_text, _l("The text is too long.")))
        rows.append(row)
    return rows, problems


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in the order a person fixes them: sheet by sheet, row by row."""
    return sorted(problems, key=lambda p: (p.sheet, p.row, p.column))
