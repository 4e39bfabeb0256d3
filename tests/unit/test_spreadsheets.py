"""The Excel-in module: templates people fill in, and the reader that checks them before anything is written."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from awards_app.spreadsheets import (
    Column,
    SheetSpec,
    UnreadableFile,
    build_template,
    cell_text,
    header_key,
    read_workbook,
    sort_problems,
)

SPEC = SheetSpec(
    "Judges",
    (
        Column("Name", required=True),
        Column("E-mail", required=True, aliases=("이메일",)),
        Column("Country", choices=("KR", "FR")),
        Column("Score", decimal_range=(1, 10)),
    ),
)


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_the_template_has_instructions_headers_drop_downs_and_prefilled_rows():
    spec = SheetSpec("Judges", SPEC.columns, rows=(("Ana", "ana@example.org", "FR", 7),), blank_rows=10)
    data = build_template([spec], [("What", "The panel"), ("Formula-looking", "=1+1")], title="Judges")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Instructions", "Judges"]
    sheet = book["Judges"]
    assert [c.value for c in sheet[1]] == ["Name *", "E-mail *", "Country", "Score"]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert (sheet.page_setup.orientation, sheet.print_title_rows) == ("landscape", "$1:$1")
    assert book["Instructions"].sheet_properties.pageSetUpPr.fitToPage
    assert [c.value for c in sheet[2]] == ["Ana", "ana@example.org", "FR", 7]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["C2:C12"].type == "list" and validations["C2:C12"].formula1 == '"KR,FR"'
    assert validations["D2:D12"].type == "decimal" and (
        validations["D2:D12"].formula1,
        validations["D2:D12"].formula2,
    ) == ("1", "10")
    instructions = book["Instructions"]
    cell = next(c for row in instructions.iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s"  # typed text, never a formula


def test_a_filled_file_reads_back_as_text_keyed_by_header():
    data = workbook_bytes(
        {
            "Instructions": [["ignored"]],
            "judges": [
                ["name", "이메일 ", "COUNTRY *", "Score"],
                ["Ana Ferreira", "ana@example.org", "FR", 7.0],
                [None, None, None, None],
                ["Budi", "budi@example.org", None, 7.5],
            ],
        }
    )
    rows, problems = read_workbook(data, [SPEC])
    assert problems == []
    assert [(r.sheet, r.number) for r in rows] == [("Judges", 2), ("Judges", 4)]
    assert rows[0].values == {"Name": "Ana Ferreira", "E-mail": "ana@example.org", "Country": "FR", "Score": "7"}
    assert rows[1].get("Score") == "7.5" and rows[1].get("Country") == ""


def test_missing_unknown_and_repeated_columns_are_named_on_row_one():
    data = workbook_bytes({"Judges": [["Name", "Nickname", "Name"], ["Ana", "A", "B"]]})
    rows, problems = read_workbook(data, [SPEC])
    assert rows == []
    found = {(p.row, p.column, p.message) for p in problems}
    assert (1, "Nickname", "This column is not in the template.") in found
    assert (1, "Name", "This column appears twice.") in found
    assert (1, "E-mail", "This column is missing.") in found


def test_a_missing_sheet_is_a_problem_only_when_required():
    data = workbook_bytes({"Other": [["x"]]})
    _rows, problems = read_workbook(data, [SPEC], require_all=True)
    assert [(p.sheet, p.message) for p in problems] == [("Judges", "The sheet is missing.")]
    _rows, problems = read_workbook(data, [SPEC])
    assert "none of the template's sheets" in problems[0].message


def test_rows_beyond_the_limit_are_refused():
    data = workbook_bytes({"Judges": [["Name", "E-mail"]] + [[f"J{i}", f"j{i}@x.org"] for i in range(5)]})
    rows, problems = read_workbook(data, [SPEC], max_rows=3)
    assert len(rows) == 3
    assert problems[0].row == 5 and "at most 3" in problems[0].message


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 not a workbook", b"PK\x03\x04broken zip"])
def test_what_is_not_a_workbook_is_refused_with_a_message(data):
    with pytest.raises(UnreadableFile):
        read_workbook(data, [SPEC])


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UnreadableFile):
        read_workbook(buffer.getvalue(), [SPEC])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (7, "7"),
        (7.0, "7"),
        (7.5, "7.5"),
        (0.1, "0.1"),
        (True, "yes"),
        (False, "no"),
        (date(2025, 3, 31), "2025-03-31"),
        (datetime(2025, 3, 31), "2025-03-31"),
        (datetime(2025, 3, 31, 9, 30), "2025-03-31 09:30"),
        ("  text \r\n more ", "text \n more"),
        (float("nan"), ""),
        (1e20, "100000000000000000000"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_headers_compare_without_case_spaces_or_star():
    assert header_key("  Contact   E-mail * ") == header_key("contact e-mail")


def test_problems_sort_by_sheet_then_row():
    from awards_app.spreadsheets import Problem

    problems = [Problem("B", 2, "x", ""), Problem("A", 9, "y", ""), Problem("A", 3, "z", "")]
    assert [(p.sheet, p.row) for p in sort_problems(problems)] == [("A", 3), ("A", 9), ("B", 2)]


def test_rows_are_tall_enough_for_their_wrapped_text():
    from awards_app.spreadsheets import row_height

    assert row_height([("short", 20)]) == 15
    assert row_height([("x" * 95, 20)]) == 15 * 5  # 19 characters a line
    assert row_height([("one\ntwo\nthree", 40), (7, 5)]) == 45
    assert row_height([("y" * 100_000, 10)]) == 409  # Excel's limit


def test_a_formula_whose_result_was_not_saved_is_named_not_dropped():
    book = Workbook()
    sheet = book.active
    sheet.title = "Judges"
    sheet.append(["Name", "E-mail"])
    sheet.append(['=CONCAT("A","na")', "ana@example.org"])  # written by a program: no cached result
    sheet.append(["=0", None])
    buffer = io.BytesIO()
    book.save(buffer)
    _rows, problems = read_workbook(buffer.getvalue(), [SPEC])
    assert {(p.row, p.column) for p in problems} == {(2, "Name"), (3, "Name")}
    assert "whose result is not saved" in problems[0].message
