"""The merit statement's layout (공적조서): periods as YY.MM., "-" where nothing applies, Korean or both languages,
and the same rows in the Word document."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

from awards_app import merit_statement as ms
from awards_app.entry_forms import COMMENDATION_FIELDS
from awards_app.merit_docx import build_docx

FIELDS = [spec.name for spec in COMMENDATION_FIELDS]
KOREAN = {
    "nominee_name": "김서연",
    "affiliation": "서울디지털재단",
    "position": "선임연구원",
    "merit_start": "2023-03-15",
    "merit_end": "2025-10-02",
    "merit_ko": "12개 도시의 디지털 전환을 자문함. 정책 안내서를 3개 언어로 발간함.\n둘째 문단의 내용.",
    "merit_en": "Advised 12 cities. Published a guide in three languages.",
    "past_awards": "2022 행정안전부장관 표창",
    "has_revoked_awards": "no",
    "revoked_awards": "",
    "has_disciplinary_record": "no",
    "disciplinary_record": "",
    "has_controversies": "no",
    "controversies": "",
}


def statement(answers=None, fields=FIELDS, country="KR", written=date(2026, 5, 12)) -> ms.MeritStatement:
    return ms.build(
        KOREAN if answers is None else answers,
        fields,
        recommender="Seoul Metropolitan Government",
        recommender_country=country,
        written_on=written,
    )


def rows(statement: ms.MeritStatement) -> dict[str, str]:
    return {cell.label_ko: cell.value for cell in statement.cells()}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2023-03-15", "2025-10-02", "23.03. ~ 25.10."),
        ("2009-01-01", "2010-12-31", "09.01. ~ 10.12."),
        ("2023-03-01", "", "23.03. ~ 현재"),
        ("", "", "-"),
        ("", "2025-10-02", "~ 25.10."),
        ("2023년 봄", "", "2023년 봄 ~ 현재"),  # a field turned into free text: shown as typed
    ],
)
def test_the_merit_period_is_written_in_years_and_months(start, end, expected):
    assert ms.merit_period(start, end) == expected


def test_an_open_period_says_present_in_english_too_on_a_bilingual_statement():
    assert ms.merit_period("2023-03-01", "", bilingual=True) == "23.03. ~ 현재 (present)"


def test_a_korean_nominee_has_the_customary_rows_in_korean_only():
    result = statement()
    assert not result.bilingual
    assert result.title == "공 적 조 서" and result.subtitle == ""
    assert [[cell.label for cell in line.cells] for line in result.lines] == [
        ["소속", "직위"],
        ["성명"],
        ["공적기간"],
        ["공적요지"],
        ["공적 내용"],
        ["기서훈"],
        ["징계"],
        ["기타"],
        ["추천기관", "작성일"],
    ]
    assert rows(result) == {
        "소속": "서울디지털재단",
        "직위": "선임연구원",
        "성명": "김서연",
        "공적기간": "23.03. ~ 25.10.",
        "공적요지": "12개 도시의 디지털 전환을 자문함. 정책 안내서를 3개 언어로 발간함.",
        "공적 내용": KOREAN["merit_ko"],
        "기서훈": "2022 행정안전부장관 표창",
        "징계": "-",
        "기타": "-",
        "추천기관": "Seoul Metropolitan Government",
        "작성일": "2026. 5. 12.",
    }
    assert [line.block for line in result.lines].count(True) == 1  # the narrative under its own heading


def test_a_foreign_nominee_has_english_beside_every_label_and_the_narrative_in_both_languages():
    answers = {**KOREAN, "nominee_name": "Daniel Okafor", "merit_end": ""}
    result = statement(answers, country="GB")
    assert result.bilingual and result.subtitle == "Merit Statement"
    labels = [cell.label for cell in result.cells()]
    assert labels[:3] == ["소속 Affiliation", "직위 Position", "성명 Name"]
    assert "공적 내용 (영문) Description of merit (English)" in labels
    values = rows(result)
    assert values["공적 내용"] == KOREAN["merit_ko"]
    assert values["공적 내용 (영문)"] == KOREAN["merit_en"]
    assert values["공적기간"] == "23.03. ~ 현재 (present)"
    # The summary in Korean, then in English.
    assert values["공적요지"].split("\n") == [
        "12개 도시의 디지털 전환을 자문함. 정책 안내서를 3개 언어로 발간함.",
        "Advised 12 cities. Published a guide in three languages.",
    ]


@pytest.mark.parametrize(
    ("nationality", "country", "name", "foreign"),
    [
        ("", "KR", "김서연", False),
        ("", "GB", "김서연", True),  # entered from abroad
        ("", "KR", "Daniel Okafor", True),  # a name without Hangul, entered from Seoul
        ("KR", "GB", "Kim Seo-yeon", False),  # a nationality given decides
        ("대한민국", "GB", "Kim Seo-yeon", False),
        ("Republic of Korea", "GB", "Kim Seo-yeon", False),
        ("NG", "KR", "김다니엘", True),
        ("", "KR", "", False),  # no name yet: the organisation's country alone
    ],
)
def test_who_is_foreign(nationality, country, name, foreign):
    assert ms.is_foreign(nationality, country, name) is foreign


def test_a_nationality_field_on_the_form_is_read():
    fields = [*FIELDS, "nationality"]
    assert not statement({**KOREAN, "nominee_name": "Kim Seo-yeon", "nationality": "KR"}, fields).bilingual
    assert statement({**KOREAN, "nationality": "Japan"}, fields).bilingual
    # The same answer, without the field on the nominee's form, is not read.
    assert statement({**KOREAN, "nationality": "Japan"}).bilingual is False


def test_declarations_answered_yes_are_shown_and_those_answered_no_are_not():
    answers = {
        **KOREAN,
        "has_disciplinary_record": "yes",
        "disciplinary_record": "2019 견책 (말소)",
        "has_revoked_awards": "yes",
        "revoked_awards": "",
        "has_controversies": "no",
        "controversies": "typed, then answered no",
    }
    values = rows(statement(answers))
    assert values["징계"] == "2019 견책 (말소)"
    assert values["기타"] == "서훈 취소: 있음"  # declared without details; the controversy answered "no"
    answers["has_controversies"] = "yes"
    assert rows(statement(answers))["기타"] == "서훈 취소: 있음\n수사·물의 야기: typed, then answered no"


def test_fields_the_secretariat_removed_read_as_a_dash():
    kept = [name for name in FIELDS if name not in {"position", "past_awards", "merit_end", "has_disciplinary_record"}]
    answers = {**KOREAN, "disciplinary_record": "경고 1회 (2018)"}
    values = rows(statement(answers, kept))
    assert values["직위"] == "-"  # an answer left from the old form is not read
    assert values["기서훈"] == "-"
    assert values["공적기간"] == "23.03. ~ 현재"
    assert values["징계"] == "경고 1회 (2018)"  # its question removed, the details stand as they are


def test_an_empty_entry_is_all_dashes_and_makes_no_date_of_birth_up():
    values = rows(statement({}, written=None))
    assert set(values) == {
        "소속",
        "직위",
        "성명",
        "공적기간",
        "공적요지",
        "공적 내용",
        "기서훈",
        "징계",
        "기타",
        "추천기관",
        "작성일",
    }
    assert {label: value for label, value in values.items() if label != "추천기관"} == dict.fromkeys(
        set(values) - {"추천기관"}, "-"
    )


def test_a_date_of_birth_appears_when_the_form_asks_for_it():
    fields = [*FIELDS, "birth_date"]
    result = statement({**KOREAN, "birth_date": "1985-07-09"}, fields)
    assert [cell.label for cell in result.lines[1].cells] == ["성명", "생년월일"]
    assert rows(result)["생년월일"] == "1985. 7. 9."
    assert rows(statement(KOREAN, fields))["생년월일"] == "-"


def test_the_korean_narrative_gives_way_to_the_english_where_the_form_has_none():
    fields = [name for name in FIELDS if name != "merit_ko"]
    values = rows(statement(KOREAN, fields))
    assert values["공적 내용"] == KOREAN["merit_en"]
    assert "공적 내용 (영문)" not in values


def test_a_summary_field_of_its_own_is_preferred():
    fields = [*FIELDS, "merit_summary"]
    assert rows(statement({**KOREAN, "merit_summary": "디지털 전환 자문"}, fields))["공적요지"] == "디지털 전환 자문"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "-"),
        ("One sentence only", "One sentence only"),
        ("First. Second.", "First. Second."),
        ("First paragraph.\nSecond paragraph.", "First paragraph."),
        ("A" * 60 + ". " + "B" * 70 + ".", "A" * 60 + "."),  # the second would pass the target
    ],
)
def test_the_summary_is_the_first_sentences(text, expected):
    assert ms.summary_of(text) == expected


def test_a_first_sentence_too_long_for_a_summary_is_cut_at_a_word():
    summary = ms.summary_of("word " * 100)
    assert summary.endswith("…") and len(summary) <= ms.SUMMARY_MAX + 1
    assert "wor…" not in summary


def test_the_word_document_is_one_table_with_the_same_rows():
    result = statement({**KOREAN, "nominee_name": "Daniel Okafor"}, country="GB")
    document = Document(io.BytesIO(build_docx(result, "서울특별시장 표창 · SSCP-2026-MC-001")))
    text = [paragraph.text for paragraph in document.paragraphs]
    assert text[:3] == ["공 적 조 서", "Merit Statement", "서울특별시장 표창 · SSCP-2026-MC-001"]
    (table,) = document.tables
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == ["소속\nAffiliation", "서울디지털재단", "직위\nPosition", "선임연구원"]
    assert cells[1] == ["성명\nName"] + ["Daniel Okafor"] * 3  # merged over the three columns
    assert cells[2][:2] == ["공적기간\nMerit period", "23.03. ~ 25.10."]
    narrative = cells.index(["공적 내용 Description of merit"] * 4)
    assert cells[narrative + 1] == [KOREAN["merit_ko"]] * 4
    assert cells[narrative + 3] == [KOREAN["merit_en"]] * 4
    assert cells[-1] == ["추천기관\nRecommended by", "Seoul Metropolitan Government", "작성일\nDate", "2026. 5. 12."]
    # Every line of a value is a paragraph of its own: edited in Word as if typed there.
    merged = table.rows[narrative + 1].cells[0]
    assert [p.text for p in merged.paragraphs] == KOREAN["merit_ko"].split("\n")


def test_the_word_document_drops_what_xml_cannot_carry():
    answers = {**KOREAN, "position": "연구원\x0b\x01"}
    document = Document(io.BytesIO(build_docx(statement(answers))))
    assert document.tables[0].rows[0].cells[3].text == "연구원"
