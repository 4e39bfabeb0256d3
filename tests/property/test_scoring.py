"""Property-based tests of a judge's score sheet arithmetic: reading typed scores and the weighted total."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from awards_app.scoring import Scale, ScoreError, check_scale, parse_score, weighted_total


@st.composite
def scales(draw, criterion_id: int | None = None) -> Scale:
    """A usable scale: positive weight, max above min, a step that fits (as check_scale demands)."""
    step = draw(st.sampled_from([Decimal(1), Decimal("0.5"), Decimal("0.25"), Decimal(2)]))
    low = Decimal(draw(st.integers(-5, 5)))
    high = low + step * draw(st.integers(1, 20))
    weight = Decimal(draw(st.integers(1, 3000))) / 100
    scale = Scale(criterion_id or draw(st.integers(1, 50)), weight, low, high, step)
    assert check_scale(scale.minimum, scale.maximum, scale.step, scale.weight) is None
    return scale


rubrics = st.integers(1, 8).flatmap(lambda n: st.tuples(*(scales(i) for i in range(1, n + 1))).map(list))

TYPED = st.one_of(
    st.text(max_size=20),
    st.from_regex(r"\A[ +-]?[0-9]{0,3}([.,][0-9]{0,30})?([eE][+-]?[0-9]{1,20})?\s?\Z"),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(str),
    st.sampled_from(
        [
            "NaN",
            "sNaN",
            "-nan",
            "Infinity",
            "-inf",
            "1e999999999999999999",
            "1E-999999999999999999",
            "7",
            "7.0",
            "7,5",
            " 7 ",
            "+7",
            "7e0",
            "0.7E1",
            "٧",
            "１０",
            "1_0",
            "0x7",
            "7 points",
            "½",
        ]
    ),
)


ONE_TO_TEN = Scale(1, Decimal(1))


@settings(max_examples=150)
@given(scales(), TYPED)
# Found by this test: 28-digit arithmetic rounded 1 + 1E-30 to 1 and 7.000…01 − 1 to 6, so these passed as on the
# step (and a stored 7.00 then differed from the 7.000…01 of the live total).
@example(Scale(1, Decimal(1), Decimal(-1), Decimal(1)), "1E-30")
@example(ONE_TO_TEN, "7.00000000000000000000000000001")
def test_a_typed_score_is_a_value_of_the_scale_or_refused_with_a_reason(scale, text):
    try:
        value = parse_score(text, scale)
    except ScoreError as error:
        assert error.code in {"not-a-number", "out-of-range", "off-step"}
        return
    assert value is None or value in scale.choices()
    assert (value is None) == (not text.strip())


def test_a_score_written_with_many_zeros_is_still_the_score():
    assert parse_score("7.000000000000000000000000000000000", ONE_TO_TEN) == 7
    for typed in ("7.00000000000000000000000000001", "6.99999999999999999999999999999", "1E-30"):
        try:
            parse_score(typed, ONE_TO_TEN)
        except ScoreError as error:
            assert error.code in ("off-step", "out-of-range")
        else:
            raise AssertionError(f"{typed} was accepted")


@settings(max_examples=100)
@given(scales(), st.data())
def test_every_value_of_the_scale_is_read_back_however_it_is_written(scale, data):
    value = data.draw(st.sampled_from(scale.choices()))
    written = data.draw(
        st.sampled_from(
            [str(value), f"{value:f}", f" {value} ", f"{value:.3f}", f"{value:f}".replace(".", ","), f"{value:E}"]
        )
    )
    assert parse_score(written, scale) == value


@settings(max_examples=100)
@given(scales(), st.data())
def test_a_value_off_the_scale_or_between_steps_is_refused_with_the_rule_it_breaks(scale, data):
    below = scale.minimum - scale.step * data.draw(st.integers(1, 10**6))
    above = scale.maximum + data.draw(st.sampled_from([Decimal("0.01"), scale.step, Decimal(10) ** 40]))
    between = (
        scale.minimum + scale.step * data.draw(st.integers(0, len(scale.choices()) - 2)) + scale.step / 3
        if len(scale.choices()) > 1
        else None
    )
    for typed, code in ((below, "out-of-range"), (above, "out-of-range"), (between, "off-step")):
        if typed is None:
            continue
        try:
            parse_score(str(typed), scale)
        except ScoreError as error:
            assert error.code == code, (typed, error.code)
        else:
            raise AssertionError(f"{typed} was accepted on {scale}")


@settings(max_examples=150)
@given(rubrics, st.data())
def test_the_weighted_total_is_between_0_and_100_and_is_the_formula(rubric, data):
    scores = {s.criterion_id: data.draw(st.sampled_from(s.choices())) for s in rubric if data.draw(st.booleans())}
    total = weighted_total(rubric, scores)
    assert 0 <= total.value <= 100
    expected = (
        100
        * sum(
            float(s.weight) * float(scores[s.criterion_id] - s.minimum) / float(s.maximum - s.minimum)
            for s in rubric
            if s.criterion_id in scores
        )
        / sum(float(s.weight) for s in rubric)
    )
    assert math.isclose(total.value, expected, rel_tol=1e-9, abs_tol=1e-9)
    assert total.scored == len(scores) and total.criteria == len(rubric)
    assert total.complete == (len(scores) == len(rubric))
    if total.complete:
        lowest = weighted_total(rubric, {s.criterion_id: s.minimum for s in rubric}).value
        highest = weighted_total(rubric, {s.criterion_id: s.maximum for s in rubric}).value
        assert lowest == 0 and math.isclose(highest, 100, rel_tol=1e-12)


@settings(max_examples=100)
@given(rubrics, st.data())
def test_a_higher_score_never_lowers_the_total_and_equal_weights_scale_away(rubric, data):
    scores = {s.criterion_id: data.draw(st.sampled_from(s.choices())) for s in rubric}
    raised_on = data.draw(st.sampled_from(rubric))
    raised = {
        **scores,
        raised_on.criterion_id: data.draw(
            st.sampled_from([v for v in raised_on.choices() if v >= scores[raised_on.criterion_id]])
        ),
    }
    assert weighted_total(rubric, raised).value >= weighted_total(rubric, scores).value
    factor = Decimal(data.draw(st.integers(1, 1000))) / 10
    rescaled = [Scale(s.criterion_id, s.weight * factor, s.minimum, s.maximum, s.step) for s in rubric]
    assert math.isclose(
        weighted_total(rescaled, scores).value, weighted_total(rubric, scores).value, rel_tol=1e-12, abs_tol=1e-12
    )
