"""The ranking maths against small frames computed by hand (the computation is in the comments)."""

import math
from decimal import Decimal as D

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from awards_app import ranking
from awards_app.ranking import (
    RANKING_COLUMNS,
    Method,
    RankingSettings,
    average_ranks,
    judge_diagnostics,
    judge_totals,
    kendall_tau_b,
    krippendorff_alpha_interval,
    method_agreement,
    normalised_totals,
    panel_agreement,
    rank_nominations,
    spearman,
)
from awards_app.scoring import Scale, weighted_total

COLUMNS = ["category_id", "nomination_id", "judge_id", "criterion_id", "score", "weight", "min", "max"]
# One criterion scored 0–100 with weight 1: the judge total P is the score itself.
PERCENT = {1: (1, 0, 100)}


def scores_of(sheets, rubric=PERCENT, category=1):
    """Score rows from sheets (nomination, judge, {criterion: score}) on a rubric {criterion: (weight, min, max)}."""
    rows = [
        (category, nomination, judge, criterion, score, *rubric[criterion])
        for nomination, judge, values in sheets
        for criterion, score in values.items()
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def panel(totals, category=1):
    """Score rows on the PERCENT rubric from {judge: {nomination: P}}."""
    return scores_of(
        [(nomination, judge, {1: p}) for judge, row in totals.items() for nomination, p in row.items()],
        category=category,
    )


def assert_close(actual, expected):
    assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True), check_exact=False, rtol=1e-9)


def frame(**columns):
    """An expected frame, ids and counts as int64 and text as str, like the module's."""
    out = pd.DataFrame(columns)
    for name in out.columns:
        if name in {"category_id", "nomination_id", "judge_id", "judges", "nominations"} or name.startswith("rank"):
            out[name] = out[name].astype("int64")
        elif name in {"flags", "tie_break", "method"}:
            out[name] = out[name].astype("str")
        else:
            out[name] = out[name].astype("float64")
    return out


# Three judges score four nominations; judge 3 gives everyone 50.
#            101  102  103  104    μ_j  σ_j
#   judge 1   90   70   90   70    80   10
#   judge 2   60   40   40   60    50   10
#   judge 3   50   50   50   50    50    0  (stays P when normalised)
PANEL = {
    1: {101: 90, 102: 70, 103: 90, 104: 70},
    2: {101: 60, 102: 40, 103: 40, 104: 60},
    3: {101: 50, 102: 50, 103: 50, 104: 50},
}
# All 12 totals: M = 720/12 = 60; squared deviations 900+100+900+100+0+400+400+0+4×100 = 3200, S = √(3200/12).
S = math.sqrt(800 / 3)


# --- judge totals -----------------------------------------------------------------------------------------------


def test_judge_totals_by_hand_and_as_the_score_sheet():
    rubric = {1: (3, 1, 10), 2: (1, 0, 5)}
    scores = scores_of(
        [
            (1, 1, {1: 7, 2: 2.5}),  # 100 × (3×6/9 + 1×2.5/5) / 4 = 100 × 2.5/4 = 62.5
            (1, 2, {1: 10, 2: 5}),  # the top of both scales: 100
            (2, 1, {1: 10, 2: np.nan}),  # not scored adds nothing, weight stays: 100 × 3/4 = 75
            (2, 2, {1: 1, 2: 0}),
        ],  # the bottom of both scales: 0
        rubric,
    )
    totals = judge_totals(scores)
    assert_close(
        totals,
        frame(
            category_id=[1, 1, 1, 1], nomination_id=[1, 1, 2, 2], judge_id=[1, 2, 1, 2], total=[62.5, 100.0, 75.0, 0.0]
        ),
    )
    scales = [Scale(c, D(w), D(lo), D(hi)) for c, (w, lo, hi) in rubric.items()]
    for (nomination, judge), rows in scores.groupby(["nomination_id", "judge_id"]):
        values = {
            c: (None if np.isnan(s) else D(str(s))) for c, s in zip(rows["criterion_id"], rows["score"], strict=True)
        }
        expected = weighted_total(scales, values).value
        got = totals.loc[(totals["nomination_id"] == nomination) & (totals["judge_id"] == judge), "total"].item()
        assert got == pytest.approx(expected, rel=1e-12)


def test_judge_totals_accept_decimals_from_the_database():
    scores = scores_of(
        [(1, 1, {1: D("7"), 2: D("2.5")})],
        {1: (D("3.000"), D("1.00"), D("10.00")), 2: (D("1.000"), D("0.00"), D("5.00"))},
    )
    assert_close(judge_totals(scores), frame(category_id=[1], nomination_id=[1], judge_id=[1], total=[62.5]))


def test_missing_columns_are_refused():
    with pytest.raises(ValueError, match="weight"):
        judge_totals(pd.DataFrame(columns=[c for c in COLUMNS if c != "weight"]))


# --- the ranking ------------------------------------------------------------------------------------------------


def test_ranking_by_hand():
    # Mean: 101 (90+60+50)/3 = 200/3; 102 160/3; 103 (90+40+50)/3 = 60; 104 (70+60+50)/3 = 60.
    # Median: 101 60, 102 50, 103 50, 104 60.  Trimmed mean = Mean (n = 3 < 5).
    # SD (population): 101 deviations 70/3, −20/3, −50/3 → (4900+400+2500)/27 = 7800/27 → 17.0 ≥ 15: disagreement;
    #   102 (2500+1600+100)/27 = 4200/27 → 12.5; 103 (900+400+100)/3 = 1400/3 → 21.6: disagreement; 104 200/3 → 8.2.
    # Normalised: judges 1 and 2 become 60 ± S (z = ±1), judge 3 (σ = 0) stays 50:
    #   101 (60+S + 60+S + 50)/3 = (170+2S)/3; 102 (170−2S)/3; 103 and 104 (60±S + 60∓S + 50)/3 = 170/3.
    # Only criterion, so the tie-break criterion mean is Mean/100.
    # Rank by Mean: 101, then 103 and 104 tie at 60 and at 0.6 on the criterion; 104 has the higher Median (60 > 50).
    # By Median: 101 and 104 tie at 60, 101 wins on the criterion (0.667 > 0.6); 103 and 102 tie at 50, 103 wins
    # (0.6 > 0.533). By Normalised: 101, then 104 over 103 on the Median as for the Mean, then 102.
    ranking = rank_nominations(panel(PANEL), settings=RankingSettings(judges_per_nomination=3))
    expected = frame(
        category_id=[1, 1, 1, 1],
        nomination_id=[101, 104, 103, 102],
        rank=[1, 2, 3, 4],
        score=[200 / 3, 60, 60, 160 / 3],
        judges=[3, 3, 3, 3],
        mean=[200 / 3, 60, 60, 160 / 3],
        median=[60, 60, 50, 50],
        sd=[math.sqrt(7800 / 27), math.sqrt(200 / 3), math.sqrt(1400 / 3), math.sqrt(4200 / 27)],
        trimmed_mean=[200 / 3, 60, 60, 160 / 3],
        normalised=[(170 + 2 * S) / 3, 170 / 3, 170 / 3, (170 - 2 * S) / 3],
        top_criterion=[2 / 3, 0.6, 0.6, 160 / 300],
        rank_mean=[1, 2, 3, 4],
        rank_median=[1, 2, 3, 4],
        rank_trimmed=[1, 2, 3, 4],
        rank_normalised=[1, 2, 3, 4],
        tie_break=["", "median", "median", ""],
        flags=["disagreement", "", "disagreement", ""],
    )
    assert list(ranking.columns) == list(RANKING_COLUMNS)
    assert_close(ranking, expected)


def test_normalised_totals_by_hand():
    # Judges 1 and 2 have μ ± σ totals (z = ±1) and become M ± S; judge 3 gave everyone 50 (σ = 0) and stays 50.
    totals = normalised_totals(judge_totals(panel(PANEL)))
    by_pair = totals.set_index(["judge_id", "nomination_id"])["normalised"]
    assert by_pair[1, 101] == pytest.approx(60 + S) and by_pair[1, 102] == pytest.approx(60 - S)
    assert by_pair[2, 103] == pytest.approx(60 - S) and by_pair[2, 104] == pytest.approx(60 + S)
    assert (totals.loc[totals["judge_id"] == 3, "normalised"] == 50).all()


def test_a_judge_with_one_nomination_keeps_their_total():
    # Judge 1: 80, 60, 80, 60 (μ 70, σ 10); judge 2 scored only 401, with 30.
    # All totals 80, 60, 80, 60, 30: M = 310/5 = 62; deviations 18, −2, 18, −2, −32 → (324+4+324+4+1024)/5 = 336.
    totals = judge_totals(panel({1: {401: 80, 402: 60, 403: 80, 404: 60}, 2: {401: 30}}))
    s = math.sqrt(336)
    assert_close(
        normalised_totals(totals),
        frame(
            category_id=[1] * 5,
            nomination_id=[401, 401, 402, 403, 404],
            judge_id=[1, 2, 1, 1, 1],
            total=[80, 30, 60, 80, 60],
            normalised=[62 + s, 30, 62 - s, 62 + s, 62 - s],
        ),
    )
    # Against the other judges only: 401 is the one nomination the two share.
    # Judge 1: mean 70, SD 10 over all four; offset on 401: 80 − 30 = +50; one shared nomination: no Spearman.
    # Judge 2: mean 30, SD 0; offset 30 − 80 = −50; Spearman undefined.
    assert_close(
        judge_diagnostics(totals),
        frame(
            category_id=[1, 1],
            judge_id=[1, 2],
            nominations=[4, 1],
            mean=[70, 30],
            sd=[10, 0],
            offset=[50, -50],
            spearman=[np.nan, np.nan],
        ),
    )


def test_a_judge_who_gives_everyone_the_same_total_stays_as_is_despite_rounding_noise():
    # Weights 1 and 2 on 0–10: (4, 4) and (6, 3) both total 40, but the floats differ in the last place, so the
    # judge's σ is about 4e-15 rather than 0: it must still count as 0, or the noise would become z-scores of ±1.
    rubric = {1: (1, 0, 10), 2: (2, 0, 10)}
    scores = scores_of(
        [
            (1, 1, {1: 4, 2: 4}),
            (2, 1, {1: 6, 2: 3}),
            (3, 1, {1: 0, 2: 6}),
            (1, 2, {1: 10, 2: 10}),
            (2, 2, {1: 0, 2: 0}),
            (3, 2, {1: 5, 2: 5}),
        ],
        rubric,
    )
    totals = normalised_totals(judge_totals(scores))
    judge_1 = totals[totals["judge_id"] == 1]
    assert judge_1["total"].nunique() > 1  # the noise is real
    assert (judge_1["normalised"] == judge_1["total"]).all()
    assert judge_1["normalised"].tolist() == pytest.approx([40, 40, 40])


def test_a_single_judge():
    # One judge, two nominations: SD 0, median = trimmed mean = mean = P; fewer than 3 nominations, so the
    # normalised total stays P; one judge is fewer than the 3 the round asks for.
    ranking = rank_nominations(panel({1: {701: 40, 702: 70}}), settings=RankingSettings(judges_per_nomination=3))
    assert_close(
        ranking,
        frame(
            category_id=[1, 1],
            nomination_id=[702, 701],
            rank=[1, 2],
            score=[70, 40],
            judges=[1, 1],
            mean=[70, 40],
            median=[70, 40],
            sd=[0, 0],
            trimmed_mean=[70, 40],
            normalised=[70, 40],
            top_criterion=[0.7, 0.4],
            rank_mean=[1, 2],
            rank_median=[1, 2],
            rank_trimmed=[1, 2],
            rank_normalised=[1, 2],
            tie_break=["", ""],
            flags=["few judges", "few judges"],
        ),
    )


def test_a_single_judge_with_many_nominations_is_normalised_onto_itself():
    # With one judge M = μ and S = σ, so M + S × (P − μ)/σ = P.
    ranking = rank_nominations(panel({1: {1: 20, 2: 45, 3: 70, 4: 95}}))
    assert ranking["normalised"].tolist() == pytest.approx(ranking["mean"].tolist(), rel=1e-12)


def test_trimmed_mean_needs_five_judges():
    # 901, five judges: drop 90 and 20 → (80+70+60)/3 = 70; mean 320/5 = 64; median 70.
    # 902, six judges: drop 100 and 10 → (20+30+40+50)/4 = 35; mean 250/6; median (30+40)/2 = 35.
    # 903, four judges: the mean 160/4 = 40; median (20+30)/2 = 25.
    totals = {
        1: {901: 90, 902: 10, 903: 10},
        2: {901: 80, 902: 20, 903: 20},
        3: {901: 70, 902: 30, 903: 30},
        4: {901: 60, 902: 40, 903: 100},
        5: {901: 20, 902: 50},
        6: {902: 100},
    }
    ranking = rank_nominations(panel(totals)).set_index("nomination_id")
    assert ranking.loc[[901, 902, 903], "judges"].tolist() == [5, 6, 4]
    assert ranking.loc[[901, 902, 903], "trimmed_mean"].tolist() == pytest.approx([70, 35, 40])
    assert ranking.loc[[901, 902, 903], "mean"].tolist() == pytest.approx([64, 250 / 6, 40])
    assert ranking.loc[[901, 902, 903], "median"].tolist() == pytest.approx([70, 35, 25])


# --- ties -------------------------------------------------------------------------------------------------------

# Criteria 21 and 22 share the top weight; 22 comes first in the rubric. P = 100 × (2 s21 + 2 s22 + s23)/(10 × 5).
TIED_RUBRIC = {21: (2, 0, 10), 22: (2, 0, 10), 23: (1, 0, 10)}
TIED_ORDER = pd.DataFrame({"category_id": [1, 1, 1], "criterion_id": [21, 22, 23], "position": [2, 1, 3]})
TIED = [
    (201, 1, {21: 8, 22: 6, 23: 5}),  # 2 × (16 + 12 + 5) = 66
    (202, 1, {21: 6, 22: 8, 23: 5}),  # 66
    (203, 1, {21: 7, 22: 7, 23: 5}),
]  # 66


def test_a_tie_is_broken_by_the_top_weighted_criterion_first_in_rubric_order():
    # All three total 66. Criterion 22 (first in the rubric among the weight-2 criteria): 202 0.8, 203 0.7, 201 0.6.
    ranking = rank_nominations(scores_of(TIED, TIED_RUBRIC), TIED_ORDER, RankingSettings(judges_per_nomination=1))
    assert ranking["score"].tolist() == pytest.approx([66, 66, 66])
    assert ranking["nomination_id"].tolist() == [202, 203, 201]
    assert ranking["rank"].tolist() == [1, 2, 3]
    assert ranking["top_criterion"].tolist() == pytest.approx([0.8, 0.7, 0.6])
    assert ranking["tie_break"].tolist() == ["criterion"] * 3
    assert ranking["flags"].tolist() == ["", "", ""]


def test_without_a_rubric_order_criteria_of_equal_weight_go_by_id():
    # Criterion 21 then decides: 201 0.8, 203 0.7, 202 0.6.
    ranking = rank_nominations(scores_of(TIED, TIED_RUBRIC), settings=RankingSettings(judges_per_nomination=1))
    assert ranking["nomination_id"].tolist() == [201, 203, 202]


def test_a_tie_is_then_broken_by_the_median_and_what_remains_shares_the_rank():
    # One criterion, so the criterion step cannot separate equal means.
    #   304: 90 90 90 → mean 90                    rank 1
    #   302: 40 70 70 → mean 60, median 70         rank 2 (wins the tie at 60 on the median)
    #   301: 50 60 70 → mean 60, median 60         rank 3, shared with 303: same mean, criterion and median
    #   303: 60 60 60 → mean 60, median 60         rank 3
    #   305: 10 20 30 → mean 20                    rank 5 (the rank after a shared 3 is 5)
    totals = {
        1: {301: 50, 302: 40, 303: 60, 304: 90, 305: 10},
        2: {301: 60, 302: 70, 303: 60, 304: 90, 305: 20},
        3: {301: 70, 302: 70, 303: 60, 304: 90, 305: 30},
    }
    ranking = rank_nominations(panel(totals))
    assert ranking["nomination_id"].tolist() == [304, 302, 301, 303, 305]
    assert ranking["rank"].tolist() == [1, 2, 3, 3, 5]
    assert ranking["tie_break"].tolist() == ["", "median", "shared", "shared", ""]
    assert ranking["flags"].tolist() == ["", "", "tie", "tie", ""]


def test_scores_are_compared_at_six_decimals():
    # 50.0000001 and 50 are equal at 6 decimals (and so are their criterion means and medians): a shared rank.
    # 50.000001 is not: it ranks first.
    ranking = rank_nominations(
        panel({1: {1001: 50.0000001, 1002: 50.0, 1003: 50.000001}}), settings=RankingSettings(judges_per_nomination=1)
    )
    assert ranking["nomination_id"].tolist() == [1003, 1001, 1002]
    assert ranking["rank"].tolist() == [1, 2, 2]
    assert ranking["flags"].tolist() == ["", "tie", "tie"]


def test_rounding_noise_does_not_break_a_tie():
    # Weights 1 and 2 on 0–10: (4, 4) totals 40.00000000000001 and (6, 3) and (2, 5) total 40.0 in floating point.
    # They tie; criterion 2 (weight 2) decides: 1103 0.5, 1101 0.4, 1102 0.3.
    rubric = {1: (1, 0, 10), 2: (2, 0, 10)}
    scores = scores_of([(1101, 1, {1: 4, 2: 4}), (1102, 1, {1: 6, 2: 3}), (1103, 1, {1: 2, 2: 5})], rubric)
    assert judge_totals(scores)["total"].nunique() > 1
    ranking = rank_nominations(scores, settings=RankingSettings(judges_per_nomination=1))
    assert ranking["nomination_id"].tolist() == [1103, 1101, 1102]
    assert ranking["tie_break"].tolist() == ["criterion"] * 3


# --- flags ------------------------------------------------------------------------------------------------------


def test_few_judges_and_disagreement_at_the_threshold():
    # 1201: 35 and 65 → SD exactly 15: at the threshold, flagged. 1202: 37 and 65 → mean 51, SD 14: not flagged.
    # 1203: one judge where the round asks for two.
    scores = panel({1: {1201: 35, 1202: 37, 1203: 20}, 2: {1201: 65, 1202: 65}})
    ranking = rank_nominations(scores, settings=RankingSettings(judges_per_nomination=2))
    assert ranking["nomination_id"].tolist() == [1202, 1201, 1203]
    assert ranking["sd"].tolist() == pytest.approx([14, 15, 0])
    assert ranking["flags"].tolist() == ["", "disagreement", "few judges"]
    stricter = rank_nominations(scores, settings=RankingSettings(judges_per_nomination=2, disagreement=14))
    assert stricter["flags"].tolist() == ["disagreement", "disagreement", "few judges"]


# Five judges, three nominations:
#            601  602  603
#   judge 1   90   66   10
#   judge 2   80   66   10
#   judge 3   70   66   10
#   judge 4   60   66   10
#   judge 5   20   66   10
# Mean: 601 320/5 = 64, 602 66, 603 10 → 602, 601, 603.
# Median: 601 70, 602 66 → 601, 602, 603.  Trimmed: 601 (80+70+60)/3 = 70, 602 66 → 601, 602, 603.
# Normalised: 601 − 602 = S × Σ_j (P_601 − P_602)/σ_j over the judges:
#   σ_1 = √(3370.67/3) = 33.5 → +24/33.5 = +0.716;  σ_2 = √(2744/3) = 30.2 → +14/30.2 = +0.463;
#   σ_3 = √(2250.67/3) = 27.4 → +4/27.4 = +0.146;   σ_4 = √(1890.67/3) = 25.1 → −6/25.1 = −0.239;
#   σ_5 = √(1784/3) = 24.4 → −46/24.4 = −1.886;      sum −0.80 < 0, so 602, 601, 603 as by the Mean.
#   603 is every judge's lowest total, so it is last by every method.
# SD of 601: deviations from 64: 26, 16, 6, −4, −44 → 2920/5 = 584 → 24.2: disagreement.
SPLIT = {j: {601: p, 602: 66, 603: 10} for j, p in zip(range(1, 6), [90, 80, 70, 60, 20], strict=True)}


def test_unstable_when_another_method_crosses_a_cut():
    # Cut 1: by the Mean 602 is in and 601 out; by the Median and the Trimmed mean the other way round.
    # Cut 2: 601 and 602 are in by every method, 603 out by every method.
    ranking = rank_nominations(panel(SPLIT), settings=RankingSettings(judges_per_nomination=5, cuts=(1, 2)))
    assert_close(
        ranking[["nomination_id", "rank", "rank_mean", "rank_median", "rank_trimmed", "rank_normalised", "flags"]],
        frame(
            nomination_id=[602, 601, 603],
            rank=[1, 2, 3],
            rank_mean=[1, 2, 3],
            rank_median=[2, 1, 3],
            rank_trimmed=[2, 1, 3],
            rank_normalised=[1, 2, 3],
            flags=["unstable at 1", "disagreement, unstable at 1", ""],
        ),
    )
    only_cut_2 = rank_nominations(panel(SPLIT), settings=RankingSettings(judges_per_nomination=5, cuts=(2,)))
    assert only_cut_2["flags"].tolist() == ["", "disagreement", ""]
    no_cut = rank_nominations(panel(SPLIT), settings=RankingSettings(judges_per_nomination=5))
    assert no_cut["flags"].tolist() == ["", "disagreement", ""]


def test_the_round_method_decides_score_and_rank():
    ranking = rank_nominations(
        panel(SPLIT), settings=RankingSettings(method="median", judges_per_nomination=5, cuts=(1,))
    )
    assert ranking["nomination_id"].tolist() == [601, 602, 603]
    assert ranking["score"].tolist() == pytest.approx([70, 66, 10])
    assert (ranking["rank"] == ranking["rank_median"]).all()
    assert ranking["flags"].tolist() == ["disagreement, unstable at 1", "unstable at 1", ""]
    trimmed = rank_nominations(panel(SPLIT), settings=RankingSettings(method=Method.TRIMMED))
    assert trimmed["score"].tolist() == pytest.approx([70, 66, 10])


def test_settings_are_checked():
    with pytest.raises(ValueError):
        RankingSettings(method="average")
    with pytest.raises(ValueError):
        RankingSettings(cuts=(0,))
    with pytest.raises(ValueError):
        RankingSettings(judges_per_nomination=-1)


def test_a_recused_judge_counts_only_if_the_caller_passes_their_scores():
    # Judge 9 has a conflict with 801 and is recused: the caller leaves out their rows before ranking.
    #   801: judges 1–3 give 70, 80, 60 → mean 70;   802: 60, 60, 75 → mean 65.   801 first.
    # Had judge 9's 10 on 801 been passed, 801 would fall to (70+80+60+10)/4 = 55, below 802.
    scores = panel({1: {801: 70, 802: 60}, 2: {801: 80, 802: 60}, 3: {801: 60, 802: 75}, 9: {801: 10}})
    recused = {(9, 801)}
    counted = scores[[(j, n) not in recused for j, n in zip(scores["judge_id"], scores["nomination_id"], strict=True)]]
    ranking = rank_nominations(counted)
    assert ranking["nomination_id"].tolist() == [801, 802]
    assert ranking["judges"].tolist() == [3, 3]
    assert ranking["mean"].tolist() == pytest.approx([70, 65])
    assert rank_nominations(scores)["nomination_id"].tolist() == [802, 801]
    assert 9 not in judge_diagnostics(judge_totals(counted))["judge_id"].tolist()


def test_categories_are_ranked_independently():
    # Category 2 holds a copy of PANEL plus a nomination of its own; judges 1–3 judge in both categories. Each
    # category must give what it gives alone (its own μ_j, σ_j, M and S for the normalised totals).
    first = panel(PANEL, category=1)
    second = pd.concat([panel(PANEL, category=2), panel({1: {105: 0}, 2: {105: 100}}, category=2)], ignore_index=True)
    both = pd.concat([second, first], ignore_index=True)
    assert_close(rank_nominations(both), pd.concat([rank_nominations(first), rank_nominations(second)]))
    totals = judge_totals(both)
    assert_close(
        judge_diagnostics(totals),
        pd.concat([judge_diagnostics(judge_totals(first)), judge_diagnostics(judge_totals(second))]),
    )
    assert_close(
        panel_agreement(totals),
        pd.concat([panel_agreement(judge_totals(first)), panel_agreement(judge_totals(second))]),
    )


def test_categories_of_one_call_keep_their_own_cuts():
    # SPLIT twice, in two categories that watch different places: category 1 none, category 2 the first place,
    # where the methods disagree. One call over both flags each as a call over it alone with its own cuts.
    first, second = panel(SPLIT, category=1), panel(SPLIT, category=2)
    both = pd.concat([second, first], ignore_index=True)
    settings = RankingSettings(judges_per_nomination=5)
    together = rank_nominations(both, settings=settings, cuts={2: (1,)})
    alone = pd.concat(
        [
            rank_nominations(first, settings=settings),
            rank_nominations(second, settings=RankingSettings(judges_per_nomination=5, cuts=(1,))),
        ],
        ignore_index=True,
    )
    assert_frame_equal(together, alone)
    keys = zip(together["category_id"], together["nomination_id"], strict=True)
    flags = dict(zip(keys, together["flags"], strict=True))
    assert (flags[(1, 601)], flags[(2, 601)]) == ("disagreement", "disagreement, unstable at 1")
    assert (flags[(1, 602)], flags[(2, 602)]) == ("", "unstable at 1")


def test_empty_input_gives_empty_frames():
    empty = pd.DataFrame(columns=COLUMNS)
    ranking = rank_nominations(empty)
    assert ranking.empty and list(ranking.columns) == list(RANKING_COLUMNS)
    totals = judge_totals(empty)
    assert totals.empty and list(totals.columns) == ["category_id", "nomination_id", "judge_id", "total"]
    assert normalised_totals(totals).empty
    assert method_agreement(ranking).empty
    assert list(judge_diagnostics(totals).columns) == [
        "category_id",
        "judge_id",
        "nominations",
        "mean",
        "sd",
        "offset",
        "spearman",
    ]
    assert judge_diagnostics(totals).empty
    assert panel_agreement(totals).empty


# --- robustness -------------------------------------------------------------------------------------------------


def test_method_agreement_by_hand():
    # Ranks of 601, 602, 603 — Mean 2 1 3; Median 1 2 3; Trimmed 1 2 3; Normalised 2 1 3.
    # Mean vs Median: (601, 602) discordant, (601, 603) and (602, 603) concordant → (2 − 1)/3 = 1/3.
    ranking = rank_nominations(panel(SPLIT))
    assert_close(
        method_agreement(ranking, Method.MEAN),
        frame(category_id=[1, 1, 1], method=["median", "trimmed", "normalised"], tau=[1 / 3, 1 / 3, 1.0]),
    )
    assert_close(
        method_agreement(ranking, "median"),
        frame(category_id=[1, 1, 1], method=["mean", "trimmed", "normalised"], tau=[1 / 3, 1.0, 1 / 3]),
    )


def test_method_agreement_of_a_single_nomination_is_undefined():
    result = method_agreement(rank_nominations(panel({1: {1: 50}})))
    assert result["tau"].isna().all() and len(result) == 3


def test_kendall_tau_b_with_ties():
    # Pairs of (1, 2, 2, 3) and (1, 3, 2, 2): (1,2) C, (1,3) C, (1,4) C, (2,3) tied in x, (2,4) D, (3,4) tied in y.
    # n₀ = 6, one tied pair in x, one in y: τ_b = (3 − 1)/√((6 − 1)(6 − 1)) = 0.4.
    assert kendall_tau_b([1, 2, 2, 3], [1, 3, 2, 2]) == pytest.approx(0.4)
    # (1, 1, 2) against (1, 2, 3): C = 2, D = 0, n₁ = 1, n₂ = 0 → 2/√(2 × 3).
    assert kendall_tau_b([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / math.sqrt(6))
    assert kendall_tau_b([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    assert kendall_tau_b([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(kendall_tau_b([1, 2, 3], [5, 5, 5]))
    assert math.isnan(kendall_tau_b([1], [1]))


def test_kendall_tau_b_in_blocks_equals_the_pair_by_pair_count(monkeypatch):
    rng = np.random.default_rng(7)
    x, y = rng.integers(0, 8, 60), rng.integers(0, 8, 60)
    concordant = discordant = tied_x = tied_y = 0
    for i in range(60):
        for j in range(i + 1, 60):
            product = np.sign(x[i] - x[j]) * np.sign(y[i] - y[j])
            concordant += product > 0
            discordant += product < 0
            tied_x += x[i] == x[j]
            tied_y += y[i] == y[j]
    pairs = 60 * 59 / 2
    expected = (concordant - discordant) / math.sqrt((pairs - tied_x) * (pairs - tied_y))
    monkeypatch.setattr(ranking, "_TAU_BLOCK", 100)  # one or two rows per block
    assert kendall_tau_b(x, y) == pytest.approx(expected, rel=1e-12)


# --- judges -----------------------------------------------------------------------------------------------------


def test_average_ranks_share_ties():
    assert average_ranks([10, 20, 20, 5]).tolist() == [2, 3.5, 3.5, 1]
    assert average_ranks([]).tolist() == []


def test_spearman_with_ties():
    # Ranks (1, 2.5, 2.5, 4) and (1, 4, 2.5, 2.5), mean 2.5: deviations (−1.5, 0, 0, 1.5) and (−1.5, 1.5, 0, 0);
    # Σ products 2.25, Σ squares 4.5 and 4.5 → ρ = 2.25/4.5 = 0.5.
    assert spearman([1, 2, 2, 3], [1, 3, 2, 2]) == pytest.approx(0.5)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 2, 3], [4, 4, 4]))
    assert math.isnan(spearman([1], [2]))


def test_judge_diagnostics_by_hand():
    # Totals of 101..104: judge 1 90 70 90 70, judge 2 60 40 40 60, judge 3 50 50 50 50. Each judge is compared with
    # the mean of the two others on each nomination.
    # Judge 1: others 55 45 45 55 (mean 50) → offset 80 − 50 = +30; ranks (3.5, 1.5, 3.5, 1.5) against (3.5, 1.5,
    #   1.5, 3.5): deviations (1, −1, 1, −1)·(1, −1, −1, 1) = 0 → ρ = 0.
    # Judge 2: others 70 60 70 60 (mean 65) → offset 50 − 65 = −15; (1, −1, −1, 1)·(1, −1, 1, −1) = 0 → ρ = 0.
    # Judge 3: others 75 55 65 65 (mean 65) → offset −15; constant totals: Spearman undefined.
    # (Against panel Means that include the judge, as before, judge 1's offset was +20: a judge pulls the Means a
    # third of the way towards themselves.)
    assert_close(
        judge_diagnostics(judge_totals(panel(PANEL))),
        frame(
            category_id=[1, 1, 1],
            judge_id=[1, 2, 3],
            nominations=[4, 4, 4],
            mean=[80, 50, 50],
            sd=[10, 10, 0],
            offset=[30, -15, -15],
            spearman=[0.0, 0.0, np.nan],
        ),
    )


def test_krippendorff_alpha_on_krippendorffs_own_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", four observers, twelve units, missing
    # values; the published interval alpha is 0.849. Unit 12 has a single value and is not pairable, which leaves
    # n = 40 values. D_o = (1/40) Σ_u Σ_{i≠j} (v_i − v_j)²/(m_u − 1) = 13/30, D_e = Σ_{i≠j} (v_i − v_j)²/(40 × 39)
    # = 112/39, α = 1 − (13/30)/(112/39) = 951/1120 = 0.84911.
    nan = np.nan
    matrix = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
        ]
    )
    alpha = krippendorff_alpha_interval(matrix)
    assert alpha == pytest.approx(951 / 1120, rel=1e-12)
    assert round(alpha, 3) == 0.849
    assert krippendorff_alpha_interval(pd.DataFrame(matrix)) == pytest.approx(alpha, rel=1e-12)


def test_krippendorff_alpha_edge_cases():
    assert krippendorff_alpha_interval(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])) == pytest.approx(1.0)
    assert math.isnan(krippendorff_alpha_interval(np.array([[1.0, np.nan], [np.nan, 2.0]])))  # nothing pairable
    assert math.isnan(krippendorff_alpha_interval(np.array([[4.0, 4.0], [4.0, 4.0]])))  # no variation
    assert math.isnan(krippendorff_alpha_interval(np.empty((0, 0))))


def test_panel_agreement_by_hand():
    # PANEL: units 101 (90, 60, 50), 102 (70, 40, 50), 103 (90, 40, 50), 104 (70, 60, 50); n = 12.
    # Within-unit sums of squares: 7800/9, 4200/9, 1400, 200 → Σ m_u SS_u/(m_u − 1) = 3/2 × 26400/9 = 4400,
    # D_o = 2 × 4400/12; all 12 values: SS = 3200, D_e = 2 × 3200/11; α = 1 − (8800 × 11)/(12 × 6400) = −25/96.
    agreement = panel_agreement(judge_totals(panel(PANEL)))
    assert_close(agreement[["category_id", "alpha"]], frame(category_id=[1], alpha=[-25 / 96]))
    assert agreement["alpha_low"].iloc[0] <= agreement["alpha_high"].iloc[0]


def test_ranking_accepts_decimals():
    scores = panel(PANEL)
    scores["score"] = [D(str(v)) for v in scores["score"]]
    scores[["weight", "min", "max"]] = scores[["weight", "min", "max"]].map(lambda v: D(str(v)))
    assert_close(rank_nominations(scores), rank_nominations(panel(PANEL)))


# --- cuts: ties, tie-breaks and instability, each naming its cut ------------------------------------------------


def test_a_tie_break_across_a_cut_is_flagged_at_that_cut():
    # Two judges on one criterion each (weight 2, top-weighted) and a second one (weight 1):
    #   701: criterion 1 at 80 and 80, criterion 2 at 40 and 40 → P = (2×80 + 40)/3 = 66.67 for both judges.
    #   702: criterion 1 at 60 and 60, criterion 2 at 80 and 80 → P = (120 + 80)/3 = 66.67: the same Score.
    # The tie-break (top-weighted criterion: 0.8 against 0.6) puts 701 first: across cut 1 only the tie-break
    # separates them. 703 is far below.
    rubric = {1: (2, 0, 100), 2: (1, 0, 100)}
    sheets = (
        [(701, j, {1: 80, 2: 40}) for j in (1, 2)]
        + [(702, j, {1: 60, 2: 80}) for j in (1, 2)]
        + [(703, j, {1: 10, 2: 10}) for j in (1, 2)]
    )
    table = rank_nominations(scores_of(sheets, rubric), settings=RankingSettings(judges_per_nomination=2, cuts=(1, 2)))
    assert table["nomination_id"].tolist() == [701, 702, 703]
    assert table["tie_break"].tolist() == ["criterion", "criterion", ""]
    assert table["flags"].tolist() == ["tie-break at 1", "tie-break at 1", ""]  # cut 2: both are in


def test_a_shared_rank_straddling_a_cut_names_it():
    # 801 and 802 identical: they share rank 1; cut 1 falls inside the shared rank, cut 2 after it.
    sheets = {1: {801: 70, 802: 70, 803: 50}, 2: {801: 70, 802: 70, 803: 50}}
    table = rank_nominations(panel(sheets), settings=RankingSettings(judges_per_nomination=2, cuts=(1, 2)))
    assert table["rank"].tolist() == [1, 1, 3]
    assert table["flags"].tolist() == ["tie at 1", "tie at 1", ""]
    no_cut = rank_nominations(panel(sheets), settings=RankingSettings(judges_per_nomination=2))
    assert no_cut["flags"].tolist() == ["tie", "tie", ""]


def test_flags_parse_back_with_their_cuts():
    assert ranking.parse_flags("few judges, tie at 8, tie-break at 3, unstable at 3") == [
        (ranking.Flag.FEW_JUDGES, None),
        (ranking.Flag.TIE, 8),
        (ranking.Flag.TIE_BREAK, 3),
        (ranking.Flag.UNSTABLE, 3),
    ]
    assert ranking.parse_flags("") == []


# --- the bootstrap interval of alpha --------------------------------------------------------------------------


def test_the_alpha_interval_is_the_percentiles_of_alphas_of_resampled_nominations():
    generator = np.random.default_rng(5)
    matrix = generator.normal(60, 8, (6, 15)) + generator.normal(0, 10, (1, 15))
    matrix[generator.random(matrix.shape) < 0.4] = np.nan
    low, high = ranking.alpha_interval(matrix, seed=11, resamples=400)
    # The same by the plain definition: resample the columns, compute alpha, take the 5th and 95th percentiles.
    draws = np.random.default_rng(11).integers(0, 15, size=(400, 15))
    alphas = np.array([krippendorff_alpha_interval(matrix[:, row]) for row in draws])
    alphas = alphas[~np.isnan(alphas)]
    assert (low, high) == pytest.approx(tuple(np.percentile(alphas, [5, 95])), rel=1e-9)
    assert low <= krippendorff_alpha_interval(matrix) <= high
    assert ranking.alpha_interval(matrix, seed=11, resamples=400) == (low, high)  # seeded: the same every time


def test_the_alpha_interval_is_undefined_without_variation_or_units():
    assert all(math.isnan(v) for v in ranking.alpha_interval(np.full((3, 4), 50.0)))
    assert all(math.isnan(v) for v in ranking.alpha_interval(np.array([[1.0], [2.0]])))


def test_totals_worked_out_by_the_caller_give_the_same_ranking():
    scores = panel(PANEL)
    settings = RankingSettings(judges_per_nomination=3)
    assert_close(
        rank_nominations(scores, settings=settings, totals=judge_totals(scores)),
        rank_nominations(scores, settings=settings),
    )
