"""The results workbook, built from small frames and read back with openpyxl."""

import io
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart
from openpyxl.utils import get_column_letter

from awards_app import workbook
from awards_app.workbook import (
    CONFLICTS_COLUMNS,
    JUDGES_COLUMNS,
    NO_SCORES_YET,
    RANKINGS_COLUMNS,
    SCORES_COLUMNS,
    CategoryInfo,
    WorkbookData,
    build_workbook,
    category_sheet_names,
)

GENERATED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
SMART = CategoryInfo("SC", "Smart City", (("Gold", 1), ("Silver", 1)))
MAYOR = CategoryInfo("MC", "서울시장 표창")
HYPERLINK = '=HYPERLINK("http://evil.example","click")'


def ranking_row(category, rank, reference, nomination, score, tier="", flags="", **extra):
    return {
        "Category": category,
        "Rank": rank,
        "Reference": reference,
        "Nomination": nomination,
        "Organisation": "Org " + reference,
        "Country": "KR",
        "Judges": 3,
        "Score": score,
        "Mean": score,
        "Median": score,
        "Trimmed mean": score,
        "Normalised": score + 0.5,
        "SD": 1.25,
        "Tier": tier,
        "Flags": flags,
        **extra,
    }


def data(rankings=None, scores=None, judges=None, conflicts=None, categories=(SMART, MAYOR), notes=()):
    def empty(columns):
        return pd.DataFrame(columns=list(columns))

    return WorkbookData(
        edition="Seoul Smart City Prize 2025",
        round_name="Final",
        method="Mean",
        generated_at=GENERATED,
        categories=list(categories),
        rankings=rankings if rankings is not None else empty(RANKINGS_COLUMNS),
        scores=scores if scores is not None else empty(SCORES_COLUMNS),
        judges=judges if judges is not None else empty(JUDGES_COLUMNS),
        conflicts=conflicts if conflicts is not None else empty(CONFLICTS_COLUMNS),
        method_notes=list(notes),
    )


def full_data():
    rankings = pd.DataFrame(
        [
            ranking_row("SC", 1, "SC-001", "Digital twin", 91.256, rank_mean=1),
            ranking_row("SC", 2, "SC-002", HYPERLINK, 80.0, flags="tie", rank_mean=2),
            ranking_row("SC", 2, "SC-003", "스마트 버스정류장", 80.0, flags="tie", rank_mean=3),
            ranking_row("SC", 4, "SC-004", "-5 degrees", 60.0, rank_mean=4),
            ranking_row("MC", 1, "MC-001", "한강 공원", 70.0, rank_mean=1),
        ]
    )
    scores = pd.DataFrame(
        {
            "Category": ["SC", "SC"],
            "Reference": ["SC-001", "SC-002"],
            "Judge": ["Kim Minji", "Lee Jun (lee@x.kr)"],
            "Criterion": ["Impact", "Impact"],
            "Weight": [2, 2],
            "Min": [0, 0],
            "Max": [10, 10],
            "Score": [Decimal("8.5"), Decimal(7)],
            "Comment": ["훌륭합니다", "@mention +1"],
        }
    )
    judges = pd.DataFrame(
        {
            "Category": ["SC"],
            "Judge": ["Kim Minji"],
            "Nominations": [4],
            "Mean total": [77.5],
            "SD": [10.0],
            "Offset": [-2.5],
            "Spearman": [0.8],
        }
    )
    conflicts = pd.DataFrame(
        {
            "Judge": ["Lee Jun (lee@x.kr)"],
            "Reference": ["SC-004"],
            "Nomination": ["-5 degrees"],
            "Reason": ["=1+1"],
            "Recorded by": ["Secretariat"],
            "Recorded at": [datetime(2025, 2, 1, 18, 0, tzinfo=timezone(timedelta(hours=9)))],
        }
    )
    notes = [
        ("Disagreement threshold (SD)", 15.0),
        ("Kendall's tau, Median", 0.667),
        ("Formula", "P = 100 × Σ w (s − min)/(max − min) / Σ w"),
    ]
    return data(rankings, scores, judges, conflicts, notes=notes)


@pytest.fixture(scope="module")
def book():
    return load_workbook(io.BytesIO(build_workbook(full_data())))


def header(sheet):
    return [cell.value for cell in next(sheet.iter_rows(min_row=1, max_row=1))]


def column(sheet, name):
    index = header(sheet).index(name)
    return [row[index] for row in sheet.iter_rows(min_row=2)]


def test_sheets_in_order(book):
    # The sheets added later (criteria, the uncertainty model) come after the earlier ones, which keep their places.
    assert book.sheetnames == [
        "Summary",
        "Rankings",
        "SC Smart City",
        "MC 서울시장 표창",
        "Scores",
        "Judges",
        "Conflicts",
        "Method",
        "Criteria",
        "Uncertainty",
        "Leniency",
    ]
    assert header(book["Uncertainty"]) == ["Category", "Reference", "Expected rank", "Rank 5%", "Rank 95%"]
    assert header(book["Criteria"]) == ["Category", "Criterion", "Position", "Weight", "Min", "Max", "Step"]


def test_rankings_columns_come_first_in_order_then_extras(book):
    assert header(book["Rankings"]) == [*RANKINGS_COLUMNS, "rank_mean"]
    assert header(book["SC Smart City"]) == [*RANKINGS_COLUMNS, "rank_mean"]
    assert header(book["Scores"]) == list(SCORES_COLUMNS)
    assert header(book["Judges"]) == list(JUDGES_COLUMNS)
    assert header(book["Conflicts"]) == list(CONFLICTS_COLUMNS)
    assert header(book["Method"]) == ["Item", "Value"]


def test_category_sheets_hold_their_own_rows(book):
    assert [cell.value for cell in column(book["SC Smart City"], "Reference")] == [
        "SC-001",
        "SC-002",
        "SC-003",
        "SC-004",
    ]
    assert [cell.value for cell in column(book["MC 서울시장 표창"], "Nomination")] == ["한강 공원"]
    assert book["Rankings"].max_row == 6


def test_numbers_are_numbers_with_formats(book):
    sheet = book["Rankings"]
    score = column(sheet, "Score")[0]
    assert score.value == pytest.approx(91.256)
    assert score.data_type == "n"
    assert score.number_format == "0.00"
    rank = column(sheet, "Rank")[0]
    assert rank.value == 1 and isinstance(rank.value, int) and rank.number_format == "0"
    assert column(sheet, "rank_mean")[3].value == 4
    scores = book["Scores"]
    assert [cell.value for cell in column(scores, "Score")] == [8.5, 7]
    assert all(cell.data_type == "n" for cell in column(scores, "Score"))
    assert column(book["Judges"], "Spearman")[0].number_format == "0.000"
    assert column(book["Judges"], "Nominations")[0].value == 4


def test_datetimes_are_real_utc_datetimes(book):
    recorded = column(book["Conflicts"], "Recorded at")[0]
    assert recorded.is_date
    assert recorded.value == datetime(2025, 2, 1, 9, 0)
    method = {row[0].value: row[1] for row in book["Method"].iter_rows(min_row=2)}
    assert method["Generated (UTC)"].value == datetime(2025, 3, 1, 9, 30)
    assert method["Round"].value == "Final"
    assert method["Disagreement threshold (SD)"].value == 15.0
    assert method["Formula"].value == "P = 100 × Σ w (s − min)/(max − min) / Σ w"


@pytest.mark.parametrize(
    ("sheet", "name", "row", "text"),
    [
        ("Rankings", "Nomination", 1, HYPERLINK),
        ("SC Smart City", "Nomination", 1, HYPERLINK),
        ("Rankings", "Nomination", 3, "-5 degrees"),
        ("Scores", "Comment", 1, "@mention +1"),
        ("Conflicts", "Reason", 0, "=1+1"),
    ],
)
def test_text_that_looks_like_a_formula_stays_text(book, sheet, name, row, text):
    cell = column(book[sheet], name)[row]
    assert cell.value == text
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_formula_text_is_not_written_as_a_formula():
    with zipfile.ZipFile(io.BytesIO(build_workbook(full_data()))) as archive:
        xml = "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    assert "HYPERLINK" in xml


def test_characters_xml_cannot_carry_are_dropped_and_the_workbook_stays_readable():
    full = full_data()
    odd = "a\uffffb\ufffec\ud800d\x01e"
    scores = full.scores.copy()
    scores.loc[scores.index[0], "Comment"] = odd
    conflicts = full.conflicts.copy()
    conflicts.loc[conflicts.index[0], "Reason"] = odd
    rankings = full.rankings.copy()
    rankings.loc[rankings.index[0], "Nomination"] = odd
    book = load_workbook(
        io.BytesIO(build_workbook(replace(full, scores=scores, conflicts=conflicts, rankings=rankings)))
    )
    assert column(book["Scores"], "Comment")[0].value == "abcde"
    assert column(book["Conflicts"], "Reason")[0].value == "abcde"
    assert column(book["Rankings"], "Nomination")[0].value == "abcde"


def test_korean_text_round_trips(book):
    assert column(book["Rankings"], "Nomination")[2].value == "스마트 버스정류장"
    assert column(book["Scores"], "Comment")[0].value == "훌륭합니다"


def test_header_is_bold_filled_frozen_and_filtered(book):
    for name in ("Rankings", "SC Smart City", "Scores", "Judges", "Conflicts"):
        sheet = book[name]
        first = sheet["A1"]
        assert first.font.bold
        assert first.fill.fill_type == "solid"
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        widths = [dimension.width for dimension in sheet.column_dimensions.values()]
        assert widths and all(6 <= width <= 60 for width in widths)


def test_colour_scale_on_score(book):
    ranges = [str(rule.sqref) for rule in book["Rankings"].conditional_formatting]
    assert ranges == ["H2:H6"]


def test_summary_shows_tiers_when_assigned_else_top_places_and_a_chart():
    rankings = pd.DataFrame(
        [
            ranking_row("SC", 1, "SC-001", "First", 90.0, tier="Gold"),
            ranking_row("SC", 2, "SC-002", "Second", 80.0, tier="Silver"),
            ranking_row("SC", 3, "SC-003", "Third", 70.0),
            *(ranking_row("MC", rank, f"MC-00{rank}", f"Place {rank}", 100.0 - rank) for rank in (1, 2, 3, 3, 5)),
        ]
    )
    summary = load_workbook(io.BytesIO(build_workbook(data(rankings))))["Summary"]
    values = [list(row) for row in summary.iter_rows(values_only=True)]
    references = [row[2] for row in values if row[2] and str(row[2])[:3] in ("SC-", "MC-")]
    assert references == ["SC-001", "SC-002", "MC-001", "MC-002", "MC-003", "MC-003"]  # tie at the cut: both
    assert [row[0] for row in values if row[2] in ("SC-001", "SC-002")] == ["Gold", "Silver"]
    assert any(row[0] == "Tiers not assigned yet: the current top 3 places." for row in values)
    charts = summary._charts
    assert len(charts) == 2
    assert all(isinstance(chart, BarChart) for chart in charts)
    series = charts[0].series[0]
    assert series.val.numRef.f == "'Summary'!$G$7:$G$8"
    assert series.cat.strRef.f == "'Summary'!$C$7:$C$8"


def test_summary_orders_winners_by_tier_then_rank():
    rankings = pd.DataFrame(
        [
            ranking_row("SC", 1, "SC-001", "A", 90.0, tier="Silver"),
            ranking_row("SC", 2, "SC-002", "B", 80.0, tier="Gold"),
        ]
    )
    summary = load_workbook(io.BytesIO(build_workbook(data(rankings))))["Summary"]
    tiers = [row[0] for row in summary.iter_rows(values_only=True) if row[2] in ("SC-001", "SC-002")]
    assert tiers == ["Gold", "Silver"]


def test_empty_input_gives_a_valid_workbook_with_headers():
    book = load_workbook(io.BytesIO(build_workbook(data())))
    assert book.sheetnames == [
        "Summary",
        "Rankings",
        "SC Smart City",
        "MC 서울시장 표창",
        "Scores",
        "Judges",
        "Conflicts",
        "Method",
        "Criteria",
        "Uncertainty",
        "Leniency",
    ]
    assert header(book["Rankings"]) == list(RANKINGS_COLUMNS)
    assert header(book["SC Smart City"]) == list(RANKINGS_COLUMNS)
    assert header(book["Scores"]) == list(SCORES_COLUMNS)
    assert book["Rankings"].max_row == 1
    assert book["Summary"]._charts == []
    # A category sheet without rows says why, under its header.
    assert book["SC Smart City"]["A2"].value == NO_SCORES_YET
    assert book["SC Smart City"]["A2"].font.italic


def test_no_categories_and_frames_without_columns():
    empty = pd.DataFrame()
    built = build_workbook(data(empty, empty, empty, empty, categories=()))
    book = load_workbook(io.BytesIO(built))
    assert book.sheetnames == [
        "Summary",
        "Rankings",
        "Scores",
        "Judges",
        "Conflicts",
        "Method",
        "Criteria",
        "Uncertainty",
        "Leniency",
    ]
    assert header(book["Conflicts"]) == list(CONFLICTS_COLUMNS)


def test_a_frame_missing_columns_is_refused():
    with pytest.raises(ValueError, match="rankings lacks the columns: Flags"):
        build_workbook(data(pd.DataFrame([ranking_row("SC", 1, "SC-001", "A", 1.0)]).drop(columns="Flags")))


def test_category_missing_from_the_list_gets_a_sheet():
    rankings = pd.DataFrame([ranking_row("XY", 1, "XY-001", "Stray", 50.0)])
    book = load_workbook(io.BytesIO(build_workbook(data(rankings, categories=[SMART]))))
    assert book.sheetnames[2:4] == ["SC Smart City", "XY"]


def test_missing_numbers_give_empty_cells():
    row = ranking_row("SC", 1, "SC-001", "A", 50.0)
    row["Normalised"] = float("nan")
    book = load_workbook(io.BytesIO(build_workbook(data(pd.DataFrame([row])))))
    assert column(book["Rankings"], "Normalised")[0].value is None


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ([CategoryInfo("A1", "Roads / Bridges: [new]?")], ["A1 Roads - Bridges new"]),
        ([CategoryInfo("A1", "x" * 40)], ["A1 " + "x" * 28]),
        (
            [CategoryInfo("A1", "Same"), CategoryInfo("A1", "Same*"), CategoryInfo("a1", "same")],
            ["A1 Same", "A1 Same (2)", "a1 same (3)"],
        ),
        ([CategoryInfo("A1", "y" * 40), CategoryInfo("A1", "y" * 41)], ["A1 " + "y" * 28, "A1 " + "y" * 24 + " (2)"]),
        (
            [CategoryInfo("", "Summary"), CategoryInfo("", "History"), CategoryInfo("", "??")],
            ["Summary (2)", "History (2)", "Category"],
        ),
        ([CategoryInfo("'Q'", "")], ["Q"]),
        ([CategoryInfo("K", "스마트 도시 부문 " * 5)], ["K 스마트 도시 부문 스마트 도시 부문 스마트 도시 부문"]),
    ],
)
def test_category_sheet_names_are_valid_and_unique(categories, expected):
    names = category_sheet_names(categories)
    assert names == expected
    assert all(len(name) <= 31 for name in names)
    assert len({name.casefold() for name in names}) == len(names)


def test_colliding_category_names_build():
    categories = [CategoryInfo("A1", "Same:"), CategoryInfo("A1", "Same?"), CategoryInfo("R", "Rankings")]
    rankings = pd.DataFrame([ranking_row("A1", 1, "A1-001", "A", 50.0)])
    built = load_workbook(io.BytesIO(build_workbook(data(rankings, categories=categories))))
    assert built.sheetnames[2:5] == ["A1 Same", "A1 Same (2)", "R Rankings"]
    assert built["A1 Same (2)"].max_row == 2  # both sheets of the shared code hold its rows


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_each_page(book):
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert int(sheet.page_setup.paperSize) == 9, sheet.title  # A4
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.oddFooter.right.text == "&P / &N", sheet.title
        expected = None if sheet.title == "Summary" else "$1:$1"
        assert sheet.print_title_rows == expected, sheet.title


def _write_table_cell_by_cell(sheet, table, *, cap=workbook._MAX_WIDTH, wrap=(), when_empty=None):
    """``_write_table`` as it was before the rows were written as XML: every cell appended through openpyxl."""
    workbook._print_setup(sheet)
    headers = [str(column) for column in table.columns]
    columns = [workbook._column_values(table[column]) for column in table.columns]
    makers = [
        workbook._CellMaker(sheet, workbook._number_format(header, values), wrap=header in wrap)
        for header, values in zip(headers, columns, strict=True)
    ]
    for index, (header, values) in enumerate(zip(headers, columns, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = workbook._column_width(header, values, cap)
    sheet.freeze_panes = "A2"
    sheet.append(workbook._header(sheet, headers))
    for row in zip(*columns, strict=True):
        sheet.append([make(value) for make, value in zip(makers, row, strict=True)])
    last_row = len(table) + 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last_row}"
    if "Score" in headers and len(table):
        letter = get_column_letter(headers.index("Score") + 1)
        sheet.conditional_formatting.add(
            f"{letter}2:{letter}{last_row}", workbook.ColorScaleRule(**workbook._SCORE_SCALE)
        )
    if when_empty and not len(table):
        note = workbook.WriteOnlyCell(sheet, value=when_empty)
        note.font = workbook._NOTE_FONT
        sheet.append([note])
    return ""


def _parts(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    # openpyxl stamps the time of saving: the only part that may differ between two saves.
    parts["docProps/core.xml"] = re.sub(rb"<dcterms:modified[^<]*</dcterms:modified>", b"", parts["docProps/core.xml"])
    return parts


def test_rows_written_as_xml_are_byte_for_byte_what_openpyxl_writes(monkeypatch):
    tricky = [
        "  leading and trailing  ",
        "a & b < c > d",
        "line\r\nbreak\tand tab",
        "",
        "=SUM(A1:A2)",
        "+82 2 120",
        "서울 스마트시티",
        "control\x07dropped",
        "x" * 40_000,
    ]
    n = len(tricky)
    base = full_data()
    scores = pd.DataFrame(
        {
            "Category": ["SC"] * n,
            "Reference": [f"SC-{i:03}" for i in range(n)],
            "Judge": ["Kim Minji", "Lee Jun"] * (n // 2) + ["Kim Minji"] * (n % 2),
            "Criterion": tricky,
            "Weight": [2, 2.5, 1 / 3, 10**15, -1, 0, 7, 1e-7, 3],
            "Min": [0] * n,
            "Max": [10] * n,
            "Score": [Decimal("8.5"), 7, None, float("nan"), 0.1 + 0.2, 10, True, 5, 2],
            "Comment": tricky[::-1],
        }
    )
    conflicts = pd.DataFrame(
        {
            "Judge": tricky,
            "Reference": ["SC-001"] * n,
            "Nomination": tricky,
            "Reason": tricky,
            "Recorded by": ["Secretariat"] * n,
            "Recorded at": [datetime(2025, 2, 1, 18, i, 30, 250_000, tzinfo=UTC) for i in range(n)],
        }
    )
    chosen = data(base.rankings, scores, base.judges, conflicts, notes=base.method_notes)
    as_xml = _parts(build_workbook(chosen))
    monkeypatch.setattr(workbook, "_write_table", _write_table_cell_by_cell)
    cell_by_cell = _parts(build_workbook(chosen))
    assert as_xml.keys() == cell_by_cell.keys()
    for name in cell_by_cell:
        assert as_xml[name] == cell_by_cell[name], name
