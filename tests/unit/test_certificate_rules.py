"""The certificate rules: codes that cannot be guessed and read back however they are typed, and the words printed."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from awards_app.rules import certificates as rules


def test_a_code_is_twelve_characters_of_the_unambiguous_alphabet():
    codes = {rules.new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == rules.CODE_LENGTH
        assert set(code) <= set(rules.CODE_ALPHABET)
    assert not set("01OILU") & set(rules.CODE_ALPHABET)
    assert len(rules.CODE_ALPHABET) ** rules.CODE_LENGTH > 2**58


def test_a_code_is_drawn_from_the_choice_given():
    letters = itertools.cycle("ABC")
    assert rules.new_code(lambda alphabet: next(letters)) == "ABCABCABCABC"


def test_a_code_is_printed_in_groups_of_four():
    assert rules.format_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


@pytest.mark.parametrize(
    "typed",
    ["ABCD-EFGH-JKMN", "abcd-efgh-jkmn", "ABCDEFGHJKMN", " abcd efgh jkmn ", "ABCD–EFGH–JKMN", "abcd.efgh.jkmn"],
)
def test_a_code_is_read_back_whatever_its_case_and_separators(typed):
    assert rules.normalise_code(typed) == "ABCDEFGHJKMN"


@pytest.mark.parametrize(
    "typed", ["", "ABCD-EFGH-JKM", "ABCD-EFGH-JKMNP", "ABCD-EFGH-JKM0", "ABCD-EFGH-JKMO", "ABCD/EFGH/JKMN"]
)
def test_what_cannot_be_a_code_is_none(typed):
    assert rules.normalise_code(typed) is None


@pytest.mark.parametrize(
    ("word", "expected"),
    [("금상", "을"), ("리더십상", "을"), ("우수", "를"), ("대상 ", "을"), ("Gold", "을(를)"), ("", "을(를)")],
)
def test_the_korean_object_particle_follows_the_last_syllable(word, expected):
    assert rules.particle(word, "을", "를") == expected


def test_dates_in_both_languages():
    assert rules.date_en(date(2026, 10, 6)) == "6 October 2026"
    assert rules.date_ko(date(2026, 10, 6)) == "2026년 10월 6일"


def _honour(**changes) -> rules.Honour:
    values = {
        "winner": "City of Odense",
        "project": "Robot-assisted care",
        "person": False,
        "edition_en": "4th Seoul Smart City Prize",
        "edition_ko": "제4회 서울스마트도시상",
        "category_en": "Tech-InnovaCity",
        "category_ko": "기술혁신",
        "tier_en": "Gold",
        "tier_ko": "금상",
        "day": date(2026, 10, 6),
    }
    return rules.Honour(**{**values, **changes})


def test_an_organisations_citation():
    honour = _honour()
    assert honour.body_en == (
        "is awarded Gold in the Tech-InnovaCity category of the 4th Seoul Smart City Prize for the project named "
        "above, in recognition of its outstanding contribution to smart and sustainable cities."
    )
    assert honour.body_ko == (
        "귀 기관은 제4회 서울스마트도시상 기술혁신 부문에서 위 사업으로 탁월한 성과를 거두어 금상을 수상하였으므로 "
        "이 상장을 수여합니다."
    )


def test_a_persons_citation_and_the_english_where_there_is_no_korean():
    honour = _honour(
        winner="Kim Ji-won", project="", person=True, tier_en="Leadership Award", tier_ko="", edition_ko=""
    )
    assert "outstanding leadership" in honour.body_en and "project" not in honour.body_en
    assert honour.body_ko.startswith("귀하는 4th Seoul Smart City Prize 기술혁신 부문에서 탁월한")
    assert "Leadership Award을(를) 수상하였으므로" in honour.body_ko


def test_signatories_need_an_english_name_and_title_and_empty_rows_are_none():
    rows = [
        rules.Signatory("Kim Do-yun", "Mayor of Seoul", "김도윤", "서울특별시장"),
        rules.Signatory("", "", "", ""),
        rules.Signatory("", "", "이서연", ""),
        rules.Signatory("Jane Doe", ""),
    ]
    assert rules.incomplete(rows) == [3, 4]
    assert [r.name_en for r in rules.signing(rows)] == ["Kim Do-yun", "", "Jane Doe"]
    assert rules.Signatory.from_dict({"name_en": " A ", "title_en": "B", "extra": "x"}) == rules.Signatory("A", "B")
