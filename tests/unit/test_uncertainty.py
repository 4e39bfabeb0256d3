"""The uncertainty model: what is read from the draws (by hand), the fit's repeatability, and a small simulation
study of the prize's shape (the full one is ``python -m benchmarks.uncertainty``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from awards_app import uncertainty as model
from awards_app.ranking import judge_totals, kendall_tau_b


def draws_of(theta: list[list[float]], ids=(11, 12, 13)) -> model.CategoryDraws:
    array = np.array(theta, dtype=float)
    return model.CategoryDraws(
        1, np.array(ids), np.array([7, 8]), array, np.array([[1.0, -1.0]] * len(theta)), scale=10.0
    )


# Four draws of three nominations (θ, higher is better):
#   draw 1: 11 > 12 > 13 → ranks 1 2 3      draw 3: 12 > 11 > 13 → 2 1 3
#   draw 2: 11 > 13 > 12 → ranks 1 3 2      draw 4: 11 > 12 > 13 → 1 2 3
FOUR = [[3, 2, 1], [3, 1, 2], [2, 3, 1], [3, 2, 1]]


def test_ranks_per_draw():
    assert model.draw_ranks(np.array(FOUR, dtype=float)).tolist() == [[1, 2, 3], [1, 3, 2], [2, 1, 3], [1, 2, 3]]


def test_expected_rank_interval_and_chance_of_the_top_places_by_hand():
    summary = model.rank_summary(draws_of(FOUR), cuts=(1, 2), level=0.5)
    # 11: ranks 1 1 2 1 → expected 1.25; 12: 2 3 1 2 → 2.0; 13: 3 2 3 3 → 2.75.
    # 50% interval: the 25th and 75th percentiles of the sorted ranks (positions 0.75 and 2.25 of 0–3), taken as
    # ranks that occur, outwards: 11 [1 1 1 2] → 1 to 2; 12 [1 2 2 3] → 1 to 3; 13 [2 3 3 3] → 2 to 3.
    # P(top 1): 11 in 3 of 4 draws, 12 in 1; P(top 2): 11 always, 12 in 3, 13 in 1.
    assert summary["nomination_id"].tolist() == [11, 12, 13]
    assert summary["expected_rank"].tolist() == pytest.approx([1.25, 2.0, 2.75])
    assert summary["rank_low"].tolist() == [1, 1, 2] and summary["rank_high"].tolist() == [2, 3, 3]
    assert summary["p_top_1"].tolist() == pytest.approx([0.75, 0.25, 0.0])
    assert summary["p_top_2"].tolist() == pytest.approx([1.0, 0.75, 0.25])


def test_the_uncertain_zone_of_a_cut_is_who_the_interval_puts_on_both_sides():
    summary = pd.DataFrame({"nomination_id": [1, 2, 3, 4], "rank_low": [1, 1, 2, 4], "rank_high": [2, 3, 4, 4]})
    assert model.uncertain_zone(summary, 1) == {1, 2}  # low ≤ 1 < high
    assert model.uncertain_zone(summary, 2) == {2, 3}
    assert model.uncertain_zone(summary, 3) == {3}
    assert model.uncertain_zone(summary, 4) == set()


def test_the_expected_rank_is_one_plus_the_chances_of_being_beaten():
    generator = np.random.default_rng(3)
    draws = model.CategoryDraws(1, np.arange(6), np.arange(2), generator.normal(size=(500, 6)), np.zeros((500, 2)), 1.0)
    summary = model.rank_summary(draws).set_index("nomination_id")
    for i in range(6):
        beaten = sum(model.p_ahead(draws, k, i) for k in range(6) if k != i)
        assert summary.loc[i, "expected_rank"] == pytest.approx(1 + beaten)


def test_leniency_and_p_ahead():
    draws = draws_of(FOUR)
    assert model.p_ahead(draws, 11, 12) == 0.75 and model.p_ahead(draws, 12, 11) == 0.25
    leniency = model.leniency_summary(draws)
    assert leniency["judge_id"].tolist() == [7, 8] and leniency["leniency"].tolist() == [1.0, -1.0]


def test_the_draws_are_stored_and_read_back():
    fit = model.Fit({1: draws_of(FOUR), 2: draws_of(FOUR, ids=(21, 22, 23))}, model.FitSettings(), 1.0, 900.0)
    back = model.from_bytes(model.to_bytes(fit))
    assert sorted(back) == [1, 2]
    assert back[2].nomination_ids.tolist() == [21, 22, 23]
    assert back[1].theta == pytest.approx(np.array(FOUR, dtype=float))
    assert back[1].scale == 10.0


def test_a_simulated_round_has_the_prize_s_shape():
    sim = model.simulate_round(seed=4)
    panels = sim.totals.groupby("nomination_id")["judge_id"].nunique()
    assert len(panels) == 20 and set(panels) == {3, 4, 5}
    assert sim.totals["judge_id"].nunique() <= 16 and sim.totals["total"].between(0, 100).all()


# --- fitting (a few seconds each) ----------------------------------------------------------------------------------

SMALL = model.FitSettings(seed=7)  # the application's own settings, another seed


@pytest.fixture(scope="module")
def fitted():
    sim = model.simulate_round(seed=21, harsh=-15.0)  # judge 1 takes 15 points off every total
    progress: list[tuple[int, str]] = []
    fit = model.fit_totals(sim.totals, SMALL, lambda p, s: progress.append((p, s)))
    return sim, fit, progress


def test_a_fit_reports_its_progress_and_converges(fitted):
    _sim, fit, progress = fitted
    assert [p for p, _ in progress] == sorted(p for p, _ in progress) and progress[-1] == (100, "done")
    assert [s for _, s in progress] == ["sampling", "checking", "done"]
    draws = fit.categories[1]
    assert draws.theta.shape == (SMALL.draws, 20)
    assert fit.converged, (fit.max_r_hat, fit.worst, fit.min_ess)


def test_the_same_data_and_seed_give_the_same_draws(fitted):
    sim, fit, _progress = fitted
    again = model.fit_totals(sim.totals, SMALL)
    assert np.array_equal(again.categories[1].theta, fit.categories[1].theta)


def test_the_model_finds_the_harsh_judge(fitted):
    sim, fit, _progress = fitted
    leniency = model.leniency_summary(fit.categories[1]).set_index("judge_id")
    assert leniency["leniency"].idxmin() == 1
    assert leniency.loc[1, "high"] < 0  # sure of it: the whole 90% interval is below zero
    assert np.corrcoef([sim.leniency[j] for j in leniency.index], leniency["leniency"])[0, 1] > 0.5


def test_categories_fitted_together_keep_to_themselves():
    first, second = (
        model.simulate_round(seed=31, nominations=8),
        model.simulate_round(seed=32, nominations=8, category_id=2),
    )
    second.totals["nomination_id"] += 100
    both = model.fit_totals(pd.concat([first.totals, second.totals]), SMALL)
    assert sorted(both.categories) == [1, 2]
    assert set(both.categories[2].nomination_ids) == {n + 100 for n in first.quality}
    assert both.categories[1].theta.shape == (SMALL.draws, 8)


def test_the_totals_a_round_gives_are_what_the_model_takes():
    scores = pd.DataFrame(
        {
            "category_id": [1] * 4,
            "nomination_id": [5, 5, 6, 6],
            "judge_id": [1, 2, 1, 2],
            "criterion_id": [1] * 4,
            "score": [7, 5, 3, 4],
            "weight": [1] * 4,
            "min": [0] * 4,
            "max": [10] * 4,
        }
    )
    design = model._design(judge_totals(scores))
    assert design.y.mean() == pytest.approx(0) and design.y.std() == pytest.approx(1)


def test_a_small_simulation_study_covers_the_true_ranks_and_beats_the_mean():
    """Four rounds of 20 nominations, 3 to 5 of 16 judges each, judges differing in leniency: the 90% rank
    intervals hold the true rank for about 90% of nominations, and the expected rank orders them at least as well
    as the Mean (Kendall's tau with the true order). The full study, 40 rounds, is the benchmark."""
    covered, taus_model, taus_mean = [], [], []
    for seed in range(4):
        sim = model.simulate_round(seed=500 + seed)
        draws = model.fit_totals(sim.totals, SMALL).categories[1]
        summary = model.rank_summary(draws).set_index("nomination_id")
        ids = list(draws.nomination_ids)
        truth = np.array([sim.quality[i] for i in ids])
        true_rank = {i: r for r, i in enumerate(sorted(ids, key=lambda i: -sim.quality[i]), start=1)}
        covered += [summary.loc[i, "rank_low"] <= true_rank[i] <= summary.loc[i, "rank_high"] for i in ids]
        means = sim.totals.groupby("nomination_id")["total"].mean()
        taus_model.append(kendall_tau_b(-summary.loc[ids, "expected_rank"].to_numpy(), truth))
        taus_mean.append(kendall_tau_b(means.loc[ids].to_numpy(), truth))
    coverage = float(np.mean(covered))
    assert 0.80 <= coverage <= 0.99, coverage  # 80 nominations: about ±6 points of sampling noise around 0.90
    assert np.mean(taus_model) >= np.mean(taus_mean), (np.mean(taus_model), np.mean(taus_mean))
