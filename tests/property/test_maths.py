"""Property-based tests of the arithmetic: random score sheets against a plain-Python reading of the formulas."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from awards_app import ranking
from awards_app.scoring import Scale, ScoreError, parse_score, weighted_total

scales = st.builds(
    lambda cid, weight, low, span, half: Scale(
        cid, Decimal(weight), Decimal(low), Decimal(low + span), Decimal("0.5") if half else Decimal(1)
    ),
    st.integers(1, 6),
    st.integers(1, 30),
    st.integers(0, 5),
    st.integers(1, 10),
    st.booleans(),
)


@given(st.lists(scales, min_size=1, max_size=6, unique_by=lambda s: s.criterion_id), st.data())
def test_a_weighted_total_is_between_0_and_100_and_matches_the_formula(rubric, data):
    scores = {}
    for scale in rubric:
        if data.draw(st.booleans()):
            scores[scale.criterion_id] = data.draw(st.sampled_from(scale.choices()))
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
    assert math.isclose(total.value, expected, abs_tol=1e-9)
    assert total.scored == len(scores)


@given(scales, st.text(max_size=12))
def test_parse_score_accepts_exactly_the_scale_values(scale, text):
    try:
        value = parse_score(text, scale)
    except ScoreError:
        return
    assert value is None or value in scale.choices()


@st.composite
def rounds(draw):
    """A category's counted scores: judges × nominations × criteria on a 1–10 scale."""
    judges = draw(st.integers(1, 6))
    nominations = draw(st.integers(1, 7))
    weights = draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    rows = []
    for nomination in range(1, nominations + 1):
        panel = draw(st.lists(st.integers(1, judges), min_size=1, max_size=judges, unique=True))
        for judge in panel:
            for criterion, weight in enumerate(weights, start=1):
                rows.append(
                    (1, nomination, judge, criterion, float(draw(st.integers(1, 10))), float(weight), 1.0, 10.0)
                )
    return pd.DataFrame(
        rows, columns=["category_id", "nomination_id", "judge_id", "criterion_id", "score", "weight", "min", "max"]
    )


def reference(frame: pd.DataFrame) -> dict[int, dict[str, float]]:
    """The issue's formulas, read literally, in plain Python."""
    totals: dict[tuple[int, int], float] = {}
    for (nomination, judge), sheet in frame.groupby(["nomination_id", "judge_id"]):
        weight = sheet["weight"].sum()
        totals[(nomination, judge)] = (
            100
            * sum(
                w * (s - lo) / (hi - lo)
                for w, s, lo, hi in zip(sheet["weight"], sheet["score"], sheet["min"], sheet["max"], strict=True)
            )
            / weight
        )
    everything = list(totals.values())
    big_m, big_s = statistics.fmean(everything), statistics.pstdev(everything)
    by_judge: dict[int, list[float]] = {}
    for (_nomination, judge), total in totals.items():
        by_judge.setdefault(judge, []).append(total)
    out = {}
    for nomination in sorted({n for n, _j in totals}):
        mine = {j: p for (n, j), p in totals.items() if n == nomination}
        values = sorted(mine.values())
        mean = statistics.fmean(values)

        def norm(judge, p):
            own = by_judge[judge]
            sigma = statistics.pstdev(own)
            return p if len(own) < 3 or round(sigma, 6) == 0 else big_m + big_s * (p - statistics.fmean(own)) / sigma

        out[nomination] = {
            "judges": len(values),
            "mean": mean,
            "median": statistics.median(values),
            "sd": statistics.pstdev(values),
            "trimmed_mean": statistics.fmean(values[1:-1]) if len(values) >= 5 else mean,
            "normalised": statistics.fmean(norm(j, p) for j, p in mine.items()),
        }
    return out


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_the_ranking_statistics_match_the_formulas(frame):
    table = ranking.rank_nominations(frame)
    expected = reference(frame)
    assert set(table["nomination_id"]) == set(expected)
    for row in table.itertuples():
        want = expected[row.nomination_id]
        assert row.judges == want["judges"]
        for column in ("mean", "median", "sd", "trimmed_mean", "normalised"):
            assert math.isclose(getattr(row, column), want[column], abs_tol=1e-7), column
    # Ranks follow the Score: a higher Score never ranks below a lower one.
    for a in table.itertuples():
        for b in table.itertuples():
            if round(a.score, 6) > round(b.score, 6):
                assert a.rank < b.rank


@settings(max_examples=40, deadline=None)
@given(rounds(), st.randoms(use_true_random=False))
def test_the_order_of_the_rows_changes_nothing(frame, rng):
    shuffled = frame.sample(frac=1, random_state=rng.randint(0, 2**31)).reset_index(drop=True)
    first = ranking.rank_nominations(frame).sort_values("nomination_id").reset_index(drop=True)
    second = ranking.rank_nominations(shuffled).sort_values("nomination_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second, check_exact=False, atol=1e-9)
