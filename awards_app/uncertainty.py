"""How sure the ranking is: a Bayesian model of the judges' totals, after the expected-rank method of the Swiss
National Science Foundation (Heyard et al. 2022, "Rethinking the funding line at the Swiss National Science
Foundation: Bayesian ranking and lottery", Statistics and Public Policy 9(1)).

A pure module: no Flask, no database. NumPyro and JAX are imported only when a fit runs (in the background job:
``awards_app.uncertainty_job``), never by the web application.

The model
=========
Per category, every counted judge total y (0–100, one per judge and nomination) is standardised with the
category's mean ȳ and standard deviation s_y, z = (y − ȳ)/s_y, and modelled as::

    z = μ + θ_nomination + λ_judge + ε,     ε ~ Normal(0, 0.02 + σ)
    θ ~ Normal(0, σ_θ),  λ ~ Normal(0, σ_λ)                       (a nomination's quality, a judge's leniency)
    μ ~ Normal(0, 1),  σ_θ, σ_λ, σ ~ HalfNormal(1)               (weakly informative on the standardised scale)

(the 0.02 keeps the noise off zero when judges agree exactly, as whole-point scores in small panels often do),
with θ and λ sampled non-centred (θ = σ_θ θ̃, θ̃ ~ Normal(0, 1)). The categories of a round with at least
``MIN_NOMINATIONS`` nominations (fewer say too little about how nominations differ) are fitted together in one run,
each with its own μ, σ_θ, σ_λ and σ and its own judge effects (a judge who scores two categories has a leniency in
each): the posterior is exactly that of separate fits, at the cost of one compilation.

Sampling: NUTS with a mass matrix dense over the intercepts, scales and judges and a target acceptance rate of
0.95, ``chains`` chains of ``warmup`` + ``samples`` iterations in single precision, from
``jax.random.PRNGKey(seed)``: the same data and settings give the same draws. Convergence is checked on every
parameter: split R-hat at most ``MAX_R_HAT`` and effective sample size at least ``MIN_ESS``; a fit that fails
either is reported and not used.

What is read from the draws (``rank_summary``, ``leniency_summary``)
===================================================================
In each draw, the nominations of a category are ranked by θ (1 = the highest). Per nomination: the **expected
rank** (the mean of its ranks over the draws; equal to 1 + Σ_k P(θ_k > θ_i), the SNSF's ER), the **90% rank
interval** (the 5th and 95th percentiles of its ranks), and **P(top N)**, the share of draws in which its rank is
at most N, for every watched cut N. The **uncertain zone** of a cut N is the nominations whose 90% rank interval
crosses it (low ≤ N < high): the draws do not place them on one side. Per judge: the **leniency** λ × s_y in
points of the 0–100 total (positive is lenient), with its 90% interval. ``p_ahead`` is the share of draws in which
one nomination's θ exceeds another's.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .rules import RANK_INTERVAL

#: A category with fewer nominations than this is not modelled: too few to learn how much nominations differ.
MIN_NOMINATIONS = 5
#: NUTS's target acceptance rate: higher than its default 0.8, for the funnel of a category with few judges.
TARGET_ACCEPT = 0.95
#: The least noise the model allows, in standard deviations of the category's totals.
NOISE_FLOOR = 0.02
#: Convergence: the largest split R-hat and the smallest effective sample size a usable fit may have.
MAX_R_HAT = 1.01
MIN_ESS = 200

PRIORS_IN_WORDS = (
    "z = (y − ȳ)/s_y per category; z = μ + θ_nomination + λ_judge + ε; θ ~ Normal(0, σ_θ), "
    "λ ~ Normal(0, σ_λ), ε ~ Normal(0, 0.02 + σ); μ ~ Normal(0, 1); σ_θ, σ_λ, σ ~ HalfNormal(1); "
    "θ and λ non-centred; each category its own μ, σ_θ, σ_λ, σ and judge effects."
)


@dataclass(frozen=True)
class FitSettings:
    """Two chains of 700 warm-up and 1,300 kept iterations (2,600 draws): enough for small panels (a few judges in a
    category) to converge, and about ten seconds at the prize's scale on two cores."""

    chains: int = 2
    warmup: int = 700
    samples: int = 1300
    seed: int = 2026

    @property
    def draws(self) -> int:
        return self.chains * self.samples


@dataclass
class CategoryDraws:
    """The draws of one category: θ per nomination (standardised), λ per judge (in points), and the scale."""

    category_id: int
    nomination_ids: np.ndarray  # (n,)
    judge_ids: np.ndarray  # (j,)
    theta: np.ndarray  # (draws, n)
    leniency: np.ndarray  # (draws, j), points of the 0–100 total
    scale: float  # s_y


@dataclass
class Fit:
    """A fitted round: its categories' draws and how well the sampler converged."""

    categories: dict[int, CategoryDraws]
    settings: FitSettings
    max_r_hat: float
    min_ess: float
    seconds: float = 0.0
    worst: str = ""  # the parameter with the highest R-hat

    @property
    def converged(self) -> bool:
        return bool(self.max_r_hat <= MAX_R_HAT and self.min_ess >= MIN_ESS)


# --- fitting -------------------------------------------------------------------------------------------------------


@dataclass
class _Design:
    """The totals as index arrays: who scored what, in which category."""

    y: np.ndarray
    nomination: np.ndarray  # index into the round's nominations
    judge: np.ndarray  # index into the (category, judge) pairs
    nomination_category: np.ndarray  # category index of each nomination
    judge_category: np.ndarray  # category index of each (category, judge) pair
    categories: list[int]
    nomination_ids: list[np.ndarray] = field(default_factory=list)  # per category, in index order
    judge_ids: list[np.ndarray] = field(default_factory=list)
    means: np.ndarray = field(default_factory=lambda: np.empty(0))
    scales: np.ndarray = field(default_factory=lambda: np.empty(0))


def modelled(totals: pd.DataFrame) -> pd.DataFrame:
    """The totals of the categories with at least ``MIN_NOMINATIONS`` nominations: those the model is fitted to."""
    counts = totals.groupby("category_id")["nomination_id"].transform("nunique")
    return totals[counts >= MIN_NOMINATIONS]


def _design(totals: pd.DataFrame) -> _Design:
    frame = totals.loc[:, ["category_id", "nomination_id", "judge_id", "total"]].copy()
    frame = frame.sort_values(["category_id", "nomination_id", "judge_id"]).reset_index(drop=True)
    categories = sorted(int(c) for c in frame["category_id"].unique())
    category_index = {c: i for i, c in enumerate(categories)}
    nominations = frame[["category_id", "nomination_id"]].drop_duplicates().reset_index(drop=True)
    judges = (
        frame[["category_id", "judge_id"]]
        .drop_duplicates()
        .sort_values(["category_id", "judge_id"])
        .reset_index(drop=True)
    )
    n_index = {(int(c), int(n)): i for i, (c, n) in enumerate(nominations.itertuples(index=False))}
    j_index = {(int(c), int(j)): i for i, (c, j) in enumerate(judges.itertuples(index=False))}
    by_category = frame.groupby("category_id")["total"]
    means = by_category.mean().reindex(categories).to_numpy()
    scales = by_category.std(ddof=0).reindex(categories).to_numpy()
    scales = np.where(scales > 1e-9, scales, 1.0)
    category_of_row = frame["category_id"].map(category_index).to_numpy()
    y = (frame["total"].to_numpy() - means[category_of_row]) / scales[category_of_row]
    design = _Design(
        y=y.astype("float64"),
        nomination=np.array(
            [n_index[(int(c), int(n))] for c, n in zip(frame["category_id"], frame["nomination_id"], strict=True)]
        ),
        judge=np.array(
            [j_index[(int(c), int(j))] for c, j in zip(frame["category_id"], frame["judge_id"], strict=True)]
        ),
        nomination_category=nominations["category_id"].map(category_index).to_numpy(),
        judge_category=judges["category_id"].map(category_index).to_numpy(),
        categories=categories,
        means=means,
        scales=scales,
    )
    for c in categories:
        design.nomination_ids.append(nominations.loc[nominations["category_id"] == c, "nomination_id"].to_numpy())
        design.judge_ids.append(judges.loc[judges["category_id"] == c, "judge_id"].to_numpy())
    return design


def fit_totals(
    totals: pd.DataFrame,
    settings: FitSettings | None = None,
    progress: Callable[[int, str], None] | None = None,
    compile_cache: str | None = None,
) -> Fit:
    """Fit the model of the module docstring to ``totals`` (``category_id, nomination_id, judge_id, total``, as
    ``ranking.judge_totals`` gives them) and return the draws.

    ``progress(percent, stage)`` is called as the work goes: sampling (compiling, warming up and drawing, as one
    compiled loop), checking, done. ``compile_cache``: a folder where JAX keeps what it compiles, so that the next
    fit of data of the same shape, in any process, starts at once (it halves the time of a small round).
    """
    settings = settings or FitSettings()
    report = progress or (lambda _percent, _stage: None)
    started = time.perf_counter()
    totals = modelled(totals)
    if totals.empty:
        raise ValueError(f"no category has {MIN_NOMINATIONS} nominations with scores: there is nothing to model")
    import numpyro

    numpyro.set_host_device_count(max(2, settings.chains))  # one device per chain, if jax has not started yet
    import jax
    from numpyro.diagnostics import summary

    if compile_cache:
        jax.config.update("jax_compilation_cache_dir", compile_cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)

    design = _design(totals)
    shape = (len(design.categories), len(design.nomination_category), len(design.judge_category), len(design.y))
    mcmc = _sampler(shape, settings)
    arguments = tuple(
        jax.numpy.asarray(a)
        for a in (design.nomination, design.judge, design.nomination_category, design.judge_category)
    )
    observed = jax.numpy.asarray(design.y)
    report(5, "sampling")
    # Warm-up and sampling in one compiled loop: splitting them (to report more often) costs a second compilation.
    mcmc.post_warmup_state = None
    mcmc.run(jax.random.PRNGKey(settings.seed), *arguments, y=observed)
    report(90, "checking")
    grouped = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    stats = summary({k: v for k, v in grouped.items() if k not in ("theta", "lambda")}, group_by_chain=True)
    r_hats = {name: float(np.nanmax(np.asarray(s["r_hat"]))) for name, s in stats.items()}
    worst = max(r_hats, key=lambda k: r_hats[k])
    min_ess = min(float(np.nanmin(np.asarray(s["n_eff"]))) for s in stats.values())
    flat = {k: v.reshape(-1, *v.shape[2:]) for k, v in grouped.items()}
    fit = Fit({}, settings, r_hats[worst], min_ess, worst=worst)
    for index, category_id in enumerate(design.categories):
        n_mask = design.nomination_category == index
        j_mask = design.judge_category == index
        fit.categories[category_id] = CategoryDraws(
            category_id,
            design.nomination_ids[index],
            design.judge_ids[index],
            flat["theta"][:, n_mask],
            flat["lambda"][:, j_mask] * design.scales[index],
            float(design.scales[index]),
        )
    fit.seconds = time.perf_counter() - started
    report(100, "done")
    return fit


#: Samplers by the shape of the data they were compiled for: a second fit of the same shape (the simulation
#: study's rounds, a fit asked for again in the same process) runs without compiling again.
_SAMPLERS: dict[tuple, object] = {}


def _sampler(shape: tuple[int, int, int, int], settings: FitSettings):
    """The NUTS sampler for data of this shape (categories, nominations, judges, totals), compiled once."""
    key = (shape, settings.chains, settings.warmup, settings.samples)
    if key in _SAMPLERS:
        return _SAMPLERS[key]
    import jax
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    categories, nominations, judges, _totals = shape

    def model(nomination, judge, nomination_category, judge_category, y=None):
        with numpyro.plate("categories", categories):
            mu = numpyro.sample("mu", dist.Normal(0.0, 1.0))
            sigma_theta = numpyro.sample("sigma_nomination", dist.HalfNormal(1.0))
            sigma_lambda = numpyro.sample("sigma_judge", dist.HalfNormal(1.0))
            # A small floor under the noise: when judges agree exactly (whole points, small panels) the noise would
            # otherwise be driven to zero, a funnel no sampler crosses.
            sigma = NOISE_FLOOR + numpyro.sample("sigma", dist.HalfNormal(1.0))
        with numpyro.plate("nominations", nominations):
            theta_raw = numpyro.sample("theta_raw", dist.Normal(0.0, 1.0))
        with numpyro.plate("judges", judges):
            lambda_raw = numpyro.sample("lambda_raw", dist.Normal(0.0, 1.0))
        theta = numpyro.deterministic("theta", sigma_theta[nomination_category] * theta_raw)
        leniency = numpyro.deterministic("lambda", sigma_lambda[judge_category] * lambda_raw)
        category = nomination_category[nomination]
        numpyro.sample("y", dist.Normal(mu[category] + theta[nomination] + leniency[judge], sigma[category]), obs=y)

    parallel = jax.local_device_count() >= settings.chains
    # A dense mass matrix over the intercepts, the scales and the judges (strongly correlated, which a diagonal one
    # mixes slowly; the nominations, the many, keep a diagonal one, or a round of 250 would cost minutes), and small
    # steps (a category with few judges makes their variance a narrow funnel).
    dense = [("mu", "sigma_nomination", "sigma_judge", "sigma", "lambda_raw")]
    sampler = MCMC(
        NUTS(model, dense_mass=dense, target_accept_prob=TARGET_ACCEPT),
        num_warmup=settings.warmup,
        num_samples=settings.samples,
        num_chains=settings.chains,
        chain_method="parallel" if parallel else "sequential",
        progress_bar=False,
        jit_model_args=True,
    )
    _SAMPLERS[key] = sampler
    return sampler


# --- reading the draws ----------------------------------------------------------------------------------------


def draw_ranks(theta: np.ndarray) -> np.ndarray:
    """The rank of each nomination in each draw: 1 for the highest θ (draws × nominations)."""
    order = np.argsort(-theta, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(theta.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, theta.shape[1] + 1)[None, :]
    return ranks


def rank_summary(draws: CategoryDraws, cuts: Sequence[int] = (), level: float = RANK_INTERVAL) -> pd.DataFrame:
    """Per nomination: ``nomination_id, expected_rank, rank_low, rank_high`` and ``p_top_<N>`` for every cut N,
    sorted by expected rank (see the module docstring)."""
    ranks = draw_ranks(draws.theta)
    tail = (1 - level) / 2 * 100
    frame = pd.DataFrame(
        {
            "nomination_id": draws.nomination_ids.astype("int64"),
            "expected_rank": ranks.mean(axis=0),
            "rank_low": np.percentile(ranks, tail, axis=0, method="lower"),
            "rank_high": np.percentile(ranks, 100 - tail, axis=0, method="higher"),
        }
    )
    for cut in sorted(set(cuts)):
        frame[f"p_top_{cut}"] = (ranks <= cut).mean(axis=0)
    return frame.sort_values(["expected_rank", "nomination_id"]).reset_index(drop=True)


def uncertain_zone(summary: pd.DataFrame, cut: int) -> set[int]:
    """The nominations whose rank interval crosses cut N (places 1..N in): low ≤ N < high."""
    crosses = (summary["rank_low"] <= cut) & (summary["rank_high"] > cut)
    return {int(i) for i in summary.loc[crosses, "nomination_id"]}


def leniency_summary(draws: CategoryDraws, level: float = RANK_INTERVAL) -> pd.DataFrame:
    """Per judge: ``judge_id, leniency, low, high`` in points of the 0–100 total (positive: lenient)."""
    tail = (1 - level) / 2 * 100
    return pd.DataFrame(
        {
            "judge_id": draws.judge_ids.astype("int64"),
            "leniency": draws.leniency.mean(axis=0),
            "low": np.percentile(draws.leniency, tail, axis=0),
            "high": np.percentile(draws.leniency, 100 - tail, axis=0),
        }
    )


def p_ahead(draws: CategoryDraws, first: int, second: int) -> float:
    """The share of draws in which nomination ``first`` has the higher θ than ``second``."""
    ids = list(draws.nomination_ids)
    return float((draws.theta[:, ids.index(first)] > draws.theta[:, ids.index(second)]).mean())


# --- storing --------------------------------------------------------------------------------------------------------


def to_bytes(fit: Fit) -> bytes:
    """The draws, compressed (``numpy.savez_compressed``), in single precision: enough for ranks and shares."""
    arrays = {}
    for category_id, d in fit.categories.items():
        arrays[f"{category_id}_nominations"] = d.nomination_ids
        arrays[f"{category_id}_judges"] = d.judge_ids
        arrays[f"{category_id}_theta"] = d.theta.astype("float32")
        arrays[f"{category_id}_leniency"] = d.leniency.astype("float32")
        arrays[f"{category_id}_scale"] = np.array([d.scale])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy types the keywords as bool
    return buffer.getvalue()


def from_bytes(data: bytes) -> dict[int, CategoryDraws]:
    """The draws stored by ``to_bytes``, by category id."""
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        categories = sorted({int(name.split("_", 1)[0]) for name in stored.files})
        return {
            c: CategoryDraws(
                c,
                stored[f"{c}_nominations"],
                stored[f"{c}_judges"],
                stored[f"{c}_theta"].astype("float64"),
                stored[f"{c}_leniency"].astype("float64"),
                float(stored[f"{c}_scale"][0]),
            )
            for c in categories
        }


# --- simulation ------------------------------------------------------------------------------------------------------


@dataclass
class SimulatedRound:
    totals: pd.DataFrame  # category_id, nomination_id, judge_id, total
    quality: dict[int, float]  # the true quality of each nomination (higher is better)
    leniency: dict[int, float]  # each judge's true leniency, in points


def simulate_round(
    seed: int,
    nominations: int = 20,
    judges: int = 16,
    per_nomination: Sequence[int] = (3, 4, 5),
    quality_sd: float = 10.0,
    leniency_sd: float = 6.0,
    noise_sd: float = 7.0,
    centre: float = 60.0,
    category_id: int = 1,
    harsh: float | None = None,
) -> SimulatedRound:
    """A round at the prize's shape: each nomination judged by 3 to 5 of the judges (cycling through
    ``per_nomination``, so that every round of the same size has the same number of totals), judges differing in
    leniency (judge 1's set to ``harsh`` when given), totals = centre + quality + leniency + noise, kept within
    0–100."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(0, quality_sd, nominations)
    leniency = rng.normal(0, leniency_sd, judges)
    if harsh is not None:
        leniency[0] = harsh
    rows = []
    for n in range(nominations):
        k = per_nomination[n % len(per_nomination)]
        for j in rng.choice(judges, size=k, replace=False):
            total = centre + quality[n] + leniency[j] + rng.normal(0, noise_sd)
            rows.append((category_id, 1000 + n, 1 + int(j), float(np.clip(total, 0, 100))))
    totals = pd.DataFrame(rows, columns=["category_id", "nomination_id", "judge_id", "total"])
    return SimulatedRound(
        totals, {1000 + n: float(q) for n, q in enumerate(quality)}, {1 + j: float(v) for j, v in enumerate(leniency)}
    )
