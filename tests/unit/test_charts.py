"""The geometry of the results charts: scales, order, cut lines, and what happens with odd or missing data."""

from __future__ import annotations

import math

import pytest

from awards_app import charts


def _rows(scores, flags=None):
    return [
        {
            "nomination_id": i + 1,
            "rank": i + 1,
            "reference": f"R-{i + 1}",
            "title": f"T{i + 1}",
            "score": s,
            "flags": (flags or {}).get(i + 1, ""),
        }
        for i, s in enumerate(scores)
    ]


def test_spread_maps_0_to_100_onto_the_plot_and_keeps_rank_order():
    chart = charts.score_spread(_rows([80, 50, 0]), {1: [70, 90, 80], 2: [40, 60], 3: [0]}, cut=1)
    left, right = chart.plot_left, chart.plot_right
    assert [r.label for r in chart.rows] == ["R-1", "R-2", "R-3"]
    assert chart.rows[2].score_x == left and chart.rows[0].score_x == pytest.approx(left + 0.8 * (right - left))
    assert (chart.rows[0].low_x, chart.rows[0].high_x) == (
        pytest.approx(left + 0.7 * (right - left)),
        pytest.approx(left + 0.9 * (right - left)),
    )
    assert len(chart.rows[0].judge_xs) == 3 and chart.rows[0].judge_totals == (70, 80, 90)
    assert [t.label for t in chart.ticks] == [str(v) for v in range(0, 101, 10)]
    assert chart.rows[0].y < chart.rows[1].y < chart.rows[2].y
    # The cut runs between place 1 (in) and place 2 (out).
    assert chart.rows[0].y < chart.cut_y < chart.rows[1].y
    assert [r.inside_cut for r in chart.rows] == [True, False, False]


def test_spread_without_a_cut_or_with_a_cut_past_the_end_draws_no_line():
    assert charts.score_spread(_rows([60, 50]), {}, cut=0).cut_y is None
    assert charts.score_spread(_rows([60, 50]), {}, cut=5).cut_y is None


def test_spread_clamps_values_outside_the_scale_and_skips_missing_ones():
    chart = charts.score_spread(_rows([120, math.nan, -5]), {1: [150, None, "x"]})
    assert [r.label for r in chart.rows] == ["R-1", "R-3"]
    assert chart.rows[0].score_x == chart.plot_right and chart.rows[1].score_x == chart.plot_left
    assert chart.rows[0].judge_totals == (150.0,) and chart.rows[0].judge_xs == (chart.plot_right,)


def test_spread_of_nothing_is_no_chart():
    assert charts.score_spread([], {}) is None
    assert charts.score_spread(_rows([None]), {}) is None


def test_spread_marks_flags_and_a_single_nomination():
    chart = charts.score_spread(_rows([55], {1: "few judges, tie"}), {1: [55]})
    assert chart.rows[0].flags == ("few judges", "tie")
    assert chart.rows[0].low_x == chart.rows[0].high_x == chart.rows[0].score_x
    assert chart.height == charts.TOP + charts.ROW_HEIGHT + charts.BOTTOM


def test_severity_sorts_harshest_first_on_a_symmetric_round_axis():
    chart = charts.severity([("Lenient", 12.3, 8), ("Harsh", -28.8, 8), ("Middle", 0.0, 3), ("Unknown", None, 0)])
    assert [b.label for b in chart.bars] == ["Harsh", "Middle", "Lenient"]
    assert chart.limit == 30 and [t.label for t in chart.ticks] == ["-30", "-20", "-10", "0", "+10", "+20", "+30"]
    harsh, middle, lenient = chart.bars
    assert harsh.harsh and harsh.x < chart.zero_x and harsh.x + harsh.width == pytest.approx(chart.zero_x)
    assert middle.width == 0 and not lenient.harsh and lenient.x == chart.zero_x
    assert chart.zero_x == pytest.approx((chart.plot_left + chart.plot_right) / 2)


def test_severity_axis_is_at_least_five_points_and_empty_input_is_no_chart():
    chart = charts.severity([("Only", 0.4, 1)])
    assert chart.limit == 6
    assert [t.label for t in chart.ticks] == ["-6", "-4", "-2", "0", "+2", "+4", "+6"]
    assert charts.severity([]) is None
    assert charts.severity([("NaN", math.nan, 2)]) is None


def test_robustness_draws_one_line_per_nomination_and_marks_those_crossing_the_cut():
    rows = [("A", [1, 1, 2, 1]), ("B", [2, 3, 1, 2]), ("C", [3, 2, 3, 3]), ("D", [4, 4, 4, None])]
    chart = charts.robustness(rows, ["mean", "median", "trimmed", "normalised"], chosen=0, cut=1)
    assert [column.label for column in chart.columns] == ["mean", "median", "trimmed", "normalised"]
    assert [line.label for line in chart.lines] == ["A", "B", "C", "D"]
    assert [line.crosses_cut for line in chart.lines] == [True, True, False, False]
    assert len(chart.lines[3].points) == 3  # a missing rank is left out, not drawn at the top
    ys = {rank: y for y, rank in chart.rank_ticks}
    assert chart.lines[0].points[0] == (chart.columns[0].x, ys[1])
    assert ys[1] < chart.cut_y < ys[2]
    assert chart.lines[1].chosen_rank == 2


def test_robustness_with_shared_ranks_and_without_data():
    chart = charts.robustness([("A", [1, 1]), ("B", [1, 1])], ["mean", "median"], cut=1)
    assert chart.lines[0].points == chart.lines[1].points and chart.cut_y is None
    assert not any(line.crosses_cut for line in chart.lines)
    assert charts.robustness([], ["mean"]) is None
    assert charts.robustness([("A", [None])], ["mean"]) is None


# --- the applicant's distribution ------------------------------------------------------------------------------


def test_the_distribution_counts_scores_in_bands_and_marks_the_nomination():
    chart = charts.score_distribution([33.3, 48.1, 74.1, 88.9, 71.0, 100, 0], 74.1, 10)
    assert [b.count for b in chart.bands] == [1, 0, 0, 1, 1, 0, 0, 2, 1, 1]  # 100 in the last band, 0 in the first
    assert [(b.low, b.high) for b in chart.bands][:2] == [(0, 10), (10, 20)] and chart.bands[-1].high == 100
    assert [b.own for b in chart.bands] == [i == 7 for i in range(10)] and chart.own_band.low == 70
    assert chart.total == 7 and chart.tallest == 2 and chart.own_score == 74.1
    # The tallest bar reaches the top; empty bands have no height; bars stand on the baseline.
    tallest = chart.bands[7]
    assert tallest.y == chart.top and tallest.y + tallest.height == pytest.approx(chart.baseline)
    assert chart.bands[1].height == 0 and chart.bands[0].height == pytest.approx((chart.baseline - chart.top) / 2)
    assert chart.plot_left <= chart.bands[0].x < chart.bands[1].x and chart.bands[-1].x + chart.bands[-1].width <= (
        chart.plot_right
    )
    assert chart.own_x == pytest.approx(chart.plot_left + 0.741 * (chart.plot_right - chart.plot_left))
    assert chart.own_label_anchor == "end"  # right of the middle: the label reads leftwards, inside the chart
    assert [t.label for t in chart.ticks] == [str(v) for v in range(0, 101, 10)]


def test_the_distribution_puts_scores_outside_0_to_100_in_the_end_bands_and_skips_missing_ones():
    chart = charts.score_distribution([-4.0, 104.5, math.nan, None, "x", 20], -4.0, 25)
    assert [b.count for b in chart.bands] == [2, 0, 0, 1] and chart.total == 3  # 20 shares the first band
    assert chart.bands[0].own and chart.own_x == chart.plot_left and chart.own_label_anchor == "start"


def test_no_distribution_without_scores_or_a_marked_score():
    assert charts.score_distribution([], 50) is None
    assert charts.score_distribution([50, 60], None) is None
    assert charts.score_distribution([math.nan], math.nan) is None
