from decimal import Decimal as D

import pytest

from awards_app.scoring import Scale, ScoreError, check_scale, parse_score, weight_shares, weighted_total

SCALES = [Scale(1, D(3)), Scale(2, D(1), D(0), D(5), D("0.5"))]


def test_weighted_total_by_hand():
    # criterion 1: (7−1)/9 × 3 = 2;  criterion 2: (2.5−0)/5 × 1 = 0.5;  100 × 2.5 / 4 = 62.5
    total = weighted_total(SCALES, {1: D(7), 2: D("2.5")})
    assert total.value == pytest.approx(62.5)
    assert total.complete


def test_extremes_are_0_and_100():
    assert weighted_total(SCALES, {1: D(1), 2: D(0)}).value == 0
    assert weighted_total(SCALES, {1: D(10), 2: D(5)}).value == 100


def test_a_partial_sheet_counts_what_is_scored():
    total = weighted_total(SCALES, {1: D(10), 2: None})
    assert total.value == pytest.approx(75.0)
    assert (total.scored, total.criteria, total.complete) == (1, 2, False)


def test_no_criteria_gives_zero():
    assert weighted_total([], {}).value == 0


def test_weight_shares():
    assert weight_shares(SCALES) == {1: 75.0, 2: 25.0}


@pytest.mark.parametrize(
    ("text", "expected"), [("7", D(7)), (" 2.5 ", D("2.5")), ("2,5", D("2.5")), ("", None), (None, None)]
)
def test_parse_valid_scores(text, expected):
    scale = Scale(1, D(1), D(0), D(10), D("0.5"))
    assert parse_score(text, scale) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("eleven", "not-a-number"),
        ("NaN", "not-a-number"),
        ("Infinity", "not-a-number"),
        ("11", "out-of-range"),
        ("-1", "out-of-range"),
        ("7.5", "off-step"),
        ("1e1", None),
    ],
)
def test_parse_invalid_scores(text, code):
    scale = Scale(1, D(1))
    if code is None:
        assert parse_score(text, scale) == D(10)
        return
    with pytest.raises(ScoreError) as error:
        parse_score(text, scale)
    assert error.value.code == code


def test_scales_are_checked():
    assert check_scale(D(1), D(10), D(1), D(2)) is None
    assert check_scale(D(1), D(10), D("0.5"), D(1)) is None
    assert check_scale(D(1), D(10), D(1), D(0)) == "weight"
    assert check_scale(D(5), D(5), D(1), D(1)) == "range"
    assert check_scale(D(1), D(10), D(2), D(1)) == "step"
    assert check_scale(D(1), D(10), D(0), D(1)) == "step"


def test_choices():
    assert Scale(1, D(1), D(1), D(3), D("0.5")).choices() == [D(1), D("1.5"), D(2), D("2.5"), D(3)]
