"""A merit statement (``merit_statement.MeritStatement``) as an editable Word document. Pure: python-docx only.

The statement is one real Word table, four columns wide (label, value, label, value), the rows of the statement in
its order: labels on a grey ground, a wide value merged over the three columns after its label, a block (the
narrative) as a heading row over a text row, each merged over the whole width. Every line of a value is its own
paragraph, so the secretariat edits the document as if it had typed it. A4, 20 mm margins, 맑은 고딕 (the font
Korean Word documents use; a machine without it substitutes its own Korean font). Characters XML cannot carry are
dropped.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell

from .merit_statement import Cell, MeritStatement

FONT = "맑은 고딕"
LATIN_FONT = "Arial"
LABEL_FILL = "E7E6E6"
#: The widths of the four columns, in millimetres (170 mm: A4 less two 20 mm margins).
COLUMNS_MM = (32, 53, 32, 53)
#: The least height of a row, and of the narrative's text (lower on a bilingual statement, which has two).
ROW_MM = 9
NARRATIVE_MM = 75
NARRATIVE_BILINGUAL_MM = 34
#: The space inside each cell, in twentieths of a point (top and bottom, left and right).
CELL_MARGINS = (70, 110)

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _fonts(style_or_run, size: float) -> None:
    style_or_run.font.name = LATIN_FONT
    style_or_run.font.size = Pt(size)
    properties = style_or_run.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), FONT)


def _fill(cell: _Cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _write(cell: _Cell, text: str, *, bold: bool = False, centred: bool = False) -> None:
    """Put ``text`` in the cell, a paragraph per line."""
    lines = _clean(text).split("\n") or [""]
    first = cell.paragraphs[0]
    for number, line in enumerate(lines):
        paragraph = first if number == 0 else cell.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        if centred:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = bold
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _label(cell: _Cell, korean: str, english: str = "") -> None:
    """A label on a grey ground: the Korean in bold, the English (if any) under it, smaller."""
    _fill(cell, LABEL_FILL)  # first: the schema puts the shading before the alignment _write sets
    _write(cell, korean, bold=True, centred=True)
    if english:
        paragraph = cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(_clean(english)).font.size = Pt(8)


def _place(row_cells: list[_Cell], start: int, cell: Cell) -> None:
    _label(row_cells[start], cell.label_ko, cell.label_en)
    value = row_cells[start + 1].merge(row_cells[3]) if cell.wide else row_cells[start + 1]
    _write(value, cell.value)


def _row(table, least_mm: float = ROW_MM) -> list[_Cell]:
    """A new row at least ``least_mm`` high, each cell as wide as its column (before any merge: merged cells add
    their widths up)."""
    row = table.add_row()
    row.height = Mm(least_mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = list(row.cells)
    for cell, width in zip(cells, COLUMNS_MM, strict=True):
        cell.width = Mm(width)
    return cells


def _cell_margins(table) -> None:
    vertical, horizontal = CELL_MARGINS
    margins = OxmlElement("w:tblCellMar")
    for side, size in (("top", vertical), ("left", horizontal), ("bottom", vertical), ("right", horizontal)):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(size))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))  # the schema's order: the margins come before the look
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def build_docx(statement: MeritStatement, caption: str = "") -> bytes:
    """The statement as .docx bytes; ``caption`` (the commendation, edition and reference) is printed above it."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(20)
    _fonts(document.styles["Normal"], 10.5)
    document.styles["Normal"].paragraph_format.line_spacing = 1.15

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(statement.title)
    run.bold = True
    run.font.size = Pt(22)
    if statement.subtitle:
        title.paragraph_format.space_after = Pt(0)
        subtitle = document.add_paragraph()
        subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = subtitle.add_run(statement.subtitle)
        run.font.size = Pt(13)
    if caption:
        note = document.add_paragraph()
        note.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = note.add_run(_clean(caption))
        run.font.size = Pt(8.5)
        run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    table = document.add_table(rows=0, cols=4)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table)
    narrative_mm = NARRATIVE_BILINGUAL_MM if statement.bilingual else NARRATIVE_MM
    for column, width in zip(table.columns, COLUMNS_MM, strict=True):
        column.width = Mm(width)
    for line in statement.lines:
        if line.block:
            (cell,) = line.cells
            heading = _row(table)
            _label(heading[0].merge(heading[3]), cell.label)  # a heading: one line is wide enough
            body = _row(table, narrative_mm)
            text = body[0].merge(body[3])
            _write(text, cell.value)
            text.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            continue
        row = _row(table)
        for position, cell in enumerate(line.cells):
            _place(row, position * 2, cell)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
