"""Rankings from judges' scores, their robustness, and how the judges behave: pure functions, no Flask, no database.

One call covers one round; every statistic is computed per category of that round, so a frame may hold one
category or several.

Input
=====
``scores``: one row per counted criterion score, with these columns (others are ignored):

=============== ==========================================================================================
category_id     the nomination's category
nomination_id   the nomination
judge_id        the judge
criterion_id    the criterion of the category's rubric
score           s_c, the judge's score (a number, a ``Decimal`` or NaN/None for "not scored")
weight          w_c > 0, the criterion's weight
min, max        min_c < max_c, the criterion's scale
=============== ==========================================================================================

**What counts is what the caller passes.** Only submitted sheets of judges who are not recused count: the caller
leaves out draft sheets and every row of a recused judge (a declared or recorded conflict) before calling, and
this module counts every row it is given. A submitted sheet has every criterion scored; should a score still be
missing (NaN) it adds nothing to the judge's total while its weight stays in the denominator, exactly as
``awards_app.scoring.weighted_total`` does, and it is left out of the tie-break mean below.

``criteria`` (optional): the rubric order, columns ``category_id``, ``criterion_id``, ``position``. It is only
needed to choose among criteria that share the top weight; without it (or for a criterion it does not list)
the order is by ``criterion_id``.

``RankingSettings``: the round's method (``Method``; Mean by default), its judges per nomination, the disagreement
threshold (15 points by default) and the cuts (shortlist size, number of award places) watched for instability.

The maths
=========
For one judge j and one nomination (``judge_totals``), over the criteria c of the sheet, the judge total is the
weighted total of ``awards_app.scoring``::

    P = 100 × Σ_c w_c (s_c − min_c) / (max_c − min_c) / Σ_c w_c          (0 to 100; 0 when Σ_c w_c ≤ 0)

Per nomination, over its n judges' totals P_1 … P_n (``rank_nominations``):

- **Judges** n.  **Mean** = Σ P_i / n.  **Median**: the middle P, or the average of the two middle ones.
- **SD** = √(Σ (P_i − Mean)² / n), the population standard deviation (0 for one judge).
- **Trimmed mean**: with n ≥ 5, (Σ P_i − max P − min P) / (n − 2), i.e. one highest and one lowest P dropped;
  with n < 5 it is the Mean.
- **Normalised** (``normalised_totals``): for each judge j, μ_j and σ_j are the mean and population SD of j's
  totals over the nominations j scored in the category, and M and S the mean and population SD of every counted
  total of the category (one per judge and nomination). If j scored at least 3 nominations and σ_j > 0, j's total
  becomes ``M + S × (P − μ_j) / σ_j``; otherwise it stays P. Normalised is the mean of these over the nomination's
  judges. (σ_j counts as 0 when it rounds to 0 at 6 decimals, so that rounding noise on a judge who gives
  everyone the same total never turns into a z-score.)
- **Score**: the Mean, Median, Trimmed mean or Normalised, as the round's method says.

**Rank** (the tie-break): highest Score first. Values are compared rounded to 6 decimals, so scores equal at
6 decimals are tied. A tie on Score is broken by the higher mean, over the nomination's judges, of
``(s − min) / (max − min)`` on the category's highest-weighted criterion (the first in rubric order when several
share the top weight), then by the higher Median (both also compared at 6 decimals). Nominations still tied
share the rank, and the next rank skips (1, 2, 2, 4). ``tie_break`` says what settled a tie on Score:
``"criterion"``, ``"median"``, or ``"shared"`` when nothing did (``""`` when there was no tie).

**Cuts** are the numbers of places that decide something (the shortlist, each tier boundary, the award places):
places 1..N are in. **Flags** (in this order, joined by ", "): ``few judges`` when n is below the round's judges
per nomination; ``disagreement`` when SD ≥ the threshold; ``tie`` when the rank is shared, written ``tie at N``
for each cut N the shared rank straddles (rank ≤ N < rank + nominations sharing it − 1); ``tie-break at N`` when
the nomination's Score equals (at 6 decimals) that of a nomination on the other side of cut N, so that the
tie-break, not the Score, put them on their sides; ``unstable at N`` when the nomination is in under the round's
method and out under another of the four methods, or the other way round, the rank under every method being
given by the same tie-break.

**Robustness**: the ranking carries the rank under each of the four methods (``rank_mean``, ``rank_median``,
``rank_trimmed``, ``rank_normalised``); ``method_agreement`` gives Kendall's tau-b between the round's method's
ranks and each other method's, per category.

**Judges** (``judge_diagnostics``), per judge and category: the number of nominations scored, the mean and
population SD of their totals, and, leaving the judge out, the offset (the mean over the nominations they share
with other judges of their total minus the other judges' mean) and the Spearman correlation of their totals with
those other judges' means. **Agreement** (``panel_agreement``): Krippendorff's alpha, interval metric, of the
judges × nominations matrix of totals, per category, with a seeded bootstrap 90% interval over the nominations.

Where a statistic is undefined (a correlation of fewer than two values or of constant values, alpha without
variation or without a nomination that has two judges) it is NaN. An empty input gives empty frames with the
documented columns, never an exception.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .rules import DEFAULT_DISAGREEMENT

#: Values equal when rounded to this many decimals are equal for ranking, ties and the σ_j > 0 test.
DECIMALS = 6
#: Elements per block of the pairwise comparison in ``kendall_tau_b``: bounds memory on large categories.
_TAU_BLOCK = 1_000_000

_SCORE_COLUMNS = ("category_id", "nomination_id", "judge_id", "criterion_id", "score", "weight", "min", "max")
_SHEET = ["category_id", "nomination_id", "judge_id"]
_NOMINATION = ["category_id", "nomination_id"]
_JUDGE = ["category_id", "judge_id"]


class Method(enum.StrEnum):
    """How a round turns its judges' totals into a nomination's Score."""

    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED = "trimmed"
    NORMALISED = "normalised"

    @property
    def column(self) -> str:
        """The ranking column holding this method's value."""
        return {"mean": "mean", "median": "median", "trimmed": "trimmed_mean", "normalised": "normalised"}[self]

    @property
    def rank_column(self) -> str:
        """The ranking column holding the rank under this method."""
        return f"rank_{self.value}"


class Flag(enum.StrEnum):
    """What the committee should look at twice, in the order the flags are listed.

    ``tie``, ``tie-break`` and ``unstable`` name the cut they concern when they concern one: ``"tie at 8"`` (the
    shared rank straddles the cut), ``"tie-break at 3"``, ``"unstable at 3"``.
    """

    FEW_JUDGES = "few judges"
    DISAGREEMENT = "disagreement"
    TIE = "tie"
    TIE_BREAK = "tie-break"
    UNSTABLE = "unstable"
    UNCERTAIN = "uncertain"  # added by the uncertainty model (awards_app.uncertainty), never by this module

    def at(self, cut: int) -> str:
        """The flag as written for one cut: ``"unstable at 3"``."""
        return f"{self.value} at {cut}"


def parse_flags(text: str) -> list[tuple[Flag, int | None]]:
    """The flags of a ``flags`` string, each with the cut it names (None when it names none)."""
    parsed: list[tuple[Flag, int | None]] = []
    for part in (text or "").split(", "):
        if not part:
            continue
        name, _, cut = part.partition(" at ")
        parsed.append((Flag(name), int(cut) if cut else None))
    return parsed


@dataclass(frozen=True)
class RankingSettings:
    """A round's choices: method, panel size, disagreement threshold (points of SD), and cuts (top-N places)."""

    method: Method = Method.MEAN
    judges_per_nomination: int = 3
    disagreement: float = float(DEFAULT_DISAGREEMENT)
    cuts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", Method(self.method))
        object.__setattr__(self, "cuts", tuple(int(cut) for cut in self.cuts))
        if self.judges_per_nomination < 0:
            raise ValueError("judges_per_nomination must not be negative")
        if any(cut < 1 for cut in self.cuts):
            raise ValueError("a cut is a number of places, at least 1")


#: The columns of ``rank_nominations``, in order.
RANKING_COLUMNS = (
    "category_id",
    "nomination_id",
    "rank",
    "score",
    "judges",
    "mean",
    "median",
    "sd",
    "trimmed_mean",
    "normalised",
    "top_criterion",
    "rank_mean",
    "rank_median",
    "rank_trimmed",
    "rank_normalised",
    "tie_break",
    "flags",
)


# --- inputs -----------------------------------------------------------------------------------------------------


def _scores_frame(scores: pd.DataFrame) -> pd.DataFrame:
    """The needed columns, with the numbers as floats (a database hands over Decimals)."""
    missing = [column for column in _SCORE_COLUMNS if column not in scores.columns]
    if missing:
        raise ValueError(f"scores lacks the columns: {', '.join(missing)}")
    frame = scores.loc[:, list(_SCORE_COLUMNS)].copy()
    for column in ("score", "weight", "min", "max"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


# --- judge totals -----------------------------------------------------------------------------------------------


def judge_totals(scores: pd.DataFrame) -> pd.DataFrame:
    """Each judge's total P per nomination: ``100 × Σ_c w_c (s_c − min_c)/(max_c − min_c) / Σ_c w_c``.

    The formula of ``awards_app.scoring.weighted_total``, vectorised: a NaN score adds nothing to the numerator
    and its weight stays in the denominator; a sheet whose weights sum to 0 or less totals 0.
    Returns ``category_id, nomination_id, judge_id, total``, one row per sheet, sorted by those ids.
    """
    frame = _scores_frame(scores)
    if frame.empty:
        return _empty({"category_id": "int64", "nomination_id": "int64", "judge_id": "int64", "total": "float64"})
    frame["share"] = frame["weight"] * (frame["score"] - frame["min"]) / (frame["max"] - frame["min"])
    sheets = frame.groupby(_SHEET, sort=True).agg(share=("share", "sum"), weight=("weight", "sum")).reset_index()
    positive = sheets["weight"] > 0
    total = (100 * sheets["share"]).div(sheets["weight"].where(positive)).where(positive, 0.0)
    return sheets[_SHEET].assign(total=total.astype("float64"))


def normalised_totals(totals: pd.DataFrame) -> pd.DataFrame:
    """``totals`` with a ``normalised`` column: each judge's totals put on the category's scale.

    With μ_j, σ_j the mean and population SD of judge j's totals in the category, and M, S the mean and population
    SD of all totals of the category: ``M + S × (P − μ_j) / σ_j`` when j has at least 3 totals there and σ_j > 0
    (at 6 decimals), else P unchanged (a judge with one or two nominations, or who gives everyone the same total).
    """
    out = totals.copy()
    if out.empty:
        return out.assign(normalised=pd.Series([], dtype="float64"))
    by_judge = out.groupby(_JUDGE, sort=False)["total"]
    by_category = out.groupby("category_id", sort=False)["total"]
    mu = by_judge.transform("mean")
    sigma = by_judge.transform("std", ddof=0)
    count = by_judge.transform("size")
    centre = by_category.transform("mean")
    spread = by_category.transform("std", ddof=0)
    usable = (count >= 3) & (sigma.round(DECIMALS) > 0)
    rescaled = centre + spread * (out["total"] - mu) / sigma.where(usable)
    out["normalised"] = rescaled.where(usable, out["total"]).astype("float64")
    return out


# --- the ranking ------------------------------------------------------------------------------------------------


def _top_criteria(frame: pd.DataFrame, criteria: pd.DataFrame | None) -> pd.DataFrame:
    """Per category, the highest-weighted criterion; among equal weights, the first in rubric order."""
    weights = frame.groupby(["category_id", "criterion_id"], as_index=False)["weight"].max()
    if criteria is not None and not criteria.empty:
        positions = criteria.loc[:, ["category_id", "criterion_id", "position"]].drop_duplicates(
            ["category_id", "criterion_id"]
        )
        weights = weights.merge(positions, on=["category_id", "criterion_id"], how="left")
    else:
        weights["position"] = np.nan
    weights["weight"] = weights["weight"].round(DECIMALS)
    weights = weights.sort_values(
        ["category_id", "weight", "position", "criterion_id"], ascending=[True, False, True, True], na_position="last"
    )
    return weights.drop_duplicates("category_id")[["category_id", "criterion_id"]]


def _rank_keys(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The sort keys of the tie-break, rounded; a missing key sorts lowest and equals another missing key."""
    return pd.DataFrame(
        {
            "category_id": table["category_id"],
            "k0": table[column].round(DECIMALS).fillna(-np.inf),
            "k1": table["top_criterion"].round(DECIMALS).fillna(-np.inf),
            "k2": table["median"].round(DECIMALS).fillna(-np.inf),
            "nomination_id": table["nomination_id"],
        },
        index=table.index,
    )


def _ranks(table: pd.DataFrame, column: str) -> pd.Series:
    """Competition ranks (1, 2, 2, 4) per category by ``column``, then the criterion, then the Median."""
    keys = _rank_keys(table, column)
    ordered = keys.sort_values(
        ["category_id", "k0", "k1", "k2", "nomination_id"], ascending=[True, False, False, False, True]
    )
    compared = ordered[["category_id", "k0", "k1", "k2"]]
    starts = (compared != compared.shift()).any(axis=1)
    position = ordered.groupby("category_id", sort=False).cumcount() + 1
    ranks = position.where(starts).ffill().astype("int64")
    return ranks.reindex(table.index)


def _tie_breaks(table: pd.DataFrame, column: str) -> pd.Series:
    """What settled a tie on the Score: "", "criterion", "median" or "shared" (nothing did)."""
    keys = _rank_keys(table, column)
    on_score = keys.groupby(["category_id", "k0"])["k0"].transform("size")
    on_criterion = keys.groupby(["category_id", "k0", "k1"])["k0"].transform("size")
    on_median = keys.groupby(["category_id", "k0", "k1", "k2"])["k0"].transform("size")
    labels = np.select([on_score == 1, on_criterion == 1, on_median == 1], ["", "criterion", "median"], "shared")
    return pd.Series(labels, index=table.index, dtype="str")


def rank_nominations(
    scores: pd.DataFrame,
    criteria: pd.DataFrame | None = None,
    settings: RankingSettings | None = None,
    totals: pd.DataFrame | None = None,
    cuts: Mapping[int, Sequence[int]] | None = None,
) -> pd.DataFrame:
    """The ranking of each category of one round: statistics, Score, rank, ranks by method, tie-break and flags.

    ``scores`` and ``criteria`` as in the module docstring (only what counts: submitted sheets, no recused judge).
    Returns the columns of ``RANKING_COLUMNS``, one row per nomination, sorted by category, rank and nomination id:
    ``judges`` (n), ``mean``, ``median``, ``sd`` (population), ``trimmed_mean``, ``normalised``, ``score`` (the
    method's), ``top_criterion`` (the tie-break mean of (s − min)/(max − min) on the top-weighted criterion, 0 to 1),
    ``rank`` and ``rank_<method>`` for the four methods (by the tie-break of the module docstring), ``tie_break``,
    and ``flags`` (a string such as ``"few judges, tie"``, ``""`` when none). ``totals``: ``judge_totals(scores)``,
    when the caller has worked them out already. ``cuts``: each category's own cuts, by category id, where the
    categories of one call watch different places (their tiers differ); a category it does not list has
    ``settings.cuts``. One call over several categories gives each the ranking a call over it alone would give.
    """
    settings = settings or RankingSettings()
    frame = _scores_frame(scores)
    totals = normalised_totals(judge_totals(frame) if totals is None else totals)
    if totals.empty:
        return _empty(
            {
                "category_id": "int64",
                "nomination_id": "int64",
                "rank": "int64",
                "score": "float64",
                "judges": "int64",
                "mean": "float64",
                "median": "float64",
                "sd": "float64",
                "trimmed_mean": "float64",
                "normalised": "float64",
                "top_criterion": "float64",
                "rank_mean": "int64",
                "rank_median": "int64",
                "rank_trimmed": "int64",
                "rank_normalised": "int64",
                "tie_break": "str",
                "flags": "str",
            }
        )

    by_nomination = totals.groupby(_NOMINATION, sort=True)
    table = by_nomination["total"].agg(["size", "mean", "median", "sum", "max", "min"])
    table["sd"] = by_nomination["total"].std(ddof=0)
    table["normalised"] = by_nomination["normalised"].mean()
    table = table.rename(columns={"size": "judges"}).reset_index()
    trimmed = (table["sum"] - table["max"] - table["min"]) / (table["judges"] - 2).where(table["judges"] >= 5)
    table["trimmed_mean"] = trimmed.where(table["judges"] >= 5, table["mean"])

    top = frame.merge(_top_criteria(frame, criteria), on=["category_id", "criterion_id"])
    top["fraction"] = (top["score"] - top["min"]) / (top["max"] - top["min"])
    fractions = top.groupby(_NOMINATION)["fraction"].mean().rename("top_criterion").reset_index()
    table = table.merge(fractions, on=_NOMINATION, how="left")

    for method in Method:
        table[method.rank_column] = _ranks(table, method.column)
    chosen = settings.method
    table["score"] = table[chosen.column]
    table["rank"] = table[chosen.rank_column]
    table["tie_break"] = _tie_breaks(table, chosen.column)

    if cuts:
        flags = pd.Series("", index=table.index, dtype="str")
        for category_id, rows in table.groupby("category_id", sort=False).groups.items():
            own = replace(settings, cuts=tuple(cuts.get(int(category_id), settings.cuts)))
            flags.loc[rows] = _flags(table.loc[rows], own)
        table["flags"] = flags
    else:
        table["flags"] = _flags(table, settings)

    table = table.sort_values(["category_id", "rank", "nomination_id"]).reset_index(drop=True)
    return table.loc[:, list(RANKING_COLUMNS)]


def _flags(table: pd.DataFrame, settings: RankingSettings) -> pd.Series:
    """The ``flags`` string of each row of a ranked table (see the module docstring)."""
    few = (table["judges"] < settings.judges_per_nomination).to_numpy()
    disagreement = (table["sd"].round(DECIMALS) >= settings.disagreement).to_numpy()
    shared = (table["tie_break"] == "shared").to_numpy()
    rank = table["rank"].to_numpy()
    sharing = table.groupby(["category_id", "rank"])["rank"].transform("size").to_numpy()
    score = table["score"].round(DECIMALS).fillna(-np.inf).to_numpy()
    category = table["category_id"].to_numpy()
    cuts = sorted(set(settings.cuts))
    labels: list[list[str]] = [[] for _ in range(len(table))]
    for i in range(len(table)):
        if few[i]:
            labels[i].append(Flag.FEW_JUDGES.value)
        if disagreement[i]:
            labels[i].append(Flag.DISAGREEMENT.value)
        straddled = [cut for cut in cuts if shared[i] and rank[i] <= cut < rank[i] + sharing[i] - 1]
        if straddled:
            labels[i].extend(Flag.TIE.at(cut) for cut in straddled)
        elif shared[i]:
            labels[i].append(Flag.TIE.value)
    groups = pd.DataFrame({"category": category, "score": score})
    for cut in cuts:
        inside = pd.Series(rank <= cut, index=groups.index)
        by_score = inside.groupby([groups["category"], groups["score"]])
        split = (by_score.transform("max") & ~by_score.transform("min")).to_numpy()  # some in, some out
        for position in np.flatnonzero(split):
            labels[int(position)].append(Flag.TIE_BREAK.at(cut))
    for cut in cuts:
        inside = rank <= cut
        crosses = np.zeros(len(table), dtype=bool)
        for method in Method:
            crosses |= (table[method.rank_column].to_numpy() <= cut) != inside
        for position in np.flatnonzero(crosses):
            labels[int(position)].append(Flag.UNSTABLE.at(cut))
    return pd.Series([", ".join(parts) for parts in labels], index=table.index, dtype="str")


# --- robustness -------------------------------------------------------------------------------------------------


def kendall_tau_b(x: Sequence[float] | np.ndarray | pd.Series, y: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Kendall's tau-b of two paired samples, ties allowed.

    Over the n(n−1)/2 pairs i < j, with C concordant pairs (x and y move the same way) and D discordant ones::

        τ_b = (C − D) / √((n₀ − n₁)(n₀ − n₂)),   n₀ = n(n−1)/2,  n₁ = Σ t(t−1)/2 over the groups of t tied x,
                                                                   n₂ = Σ u(u−1)/2 over the groups of u tied y

    A pair tied in x or in y is neither concordant nor discordant. NaN when n < 2 or when x or y is constant.
    Values are compared exactly: round them first if they carry noise.
    """
    a = np.asarray(x, dtype="float64")
    b = np.asarray(y, dtype="float64")
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("kendall_tau_b needs two samples of the same length")
    n = a.size
    if n < 2:
        return math.nan
    # Σ over i ≠ j of sign(x_i − x_j) sign(y_i − y_j) counts every pair twice: 2(C − D).
    twice, block = 0, max(1, _TAU_BLOCK // n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        signs_a = np.sign(a[start:stop, None] - a[None, :])
        signs_b = np.sign(b[start:stop, None] - b[None, :])
        twice += int((signs_a * signs_b).sum())
    pairs = n * (n - 1) / 2

    def tied_pairs(values: np.ndarray) -> float:
        counts = np.unique(values, return_counts=True)[1]
        return float((counts * (counts - 1) / 2).sum())

    denominator = math.sqrt((pairs - tied_pairs(a)) * (pairs - tied_pairs(b)))
    return (twice / 2) / denominator if denominator > 0 else math.nan


def method_agreement(ranking: pd.DataFrame, method: Method | str = Method.MEAN) -> pd.DataFrame:
    """Kendall's tau-b between the ranks of ``method`` and those of each other method, per category.

    ``ranking`` as returned by ``rank_nominations``. Returns ``category_id, method, tau`` (three rows per category,
    in the order of ``Method``); tau is NaN for a category of fewer than two nominations.
    """
    chosen = Method(method)
    rows: list[dict[str, object]] = []
    for category_id, group in ranking.groupby("category_id", sort=True):
        for other in Method:
            if other is chosen:
                continue
            tau = kendall_tau_b(group[chosen.rank_column].to_numpy(), group[other.rank_column].to_numpy())
            rows.append({"category_id": category_id, "method": other.value, "tau": tau})
    if not rows:
        return _empty({"category_id": "int64", "method": "str", "tau": "float64"})
    return pd.DataFrame(rows).astype({"method": "str", "tau": "float64"})


# --- judges -----------------------------------------------------------------------------------------------------


def average_ranks(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Ranks 1..n from lowest to highest, equal values sharing the average of their positions (1, 2.5, 2.5, 4)."""
    a = np.asarray(values, dtype="float64")
    n = a.size
    if n == 0:
        return np.empty(0)
    order = np.argsort(a, kind="mergesort")
    ordered = a[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    first = np.flatnonzero(starts)
    counts = np.diff(np.r_[first, n])
    ranks = np.empty(n)
    ranks[order] = (first + (counts + 1) / 2)[np.cumsum(starts) - 1]
    return ranks


def spearman(x: Sequence[float] | np.ndarray | pd.Series, y: Sequence[float] | np.ndarray | pd.Series) -> float:
    """Spearman's rank correlation: Pearson's r of the average ranks (``average_ranks``), so ties are handled.

    ``ρ = Σ (a_i − ā)(b_i − b̄) / √(Σ (a_i − ā)² × Σ (b_i − b̄)²)`` with a, b the ranks of x, y.
    NaN when n < 2 or when x or y is constant. Values are compared exactly: round them first if they carry noise.
    """
    a = average_ranks(x)
    b = average_ranks(y)
    if a.shape != b.shape:
        raise ValueError("spearman needs two samples of the same length")
    if a.size < 2:
        return math.nan
    da, db = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((da * da).sum()) * float((db * db).sum()))
    return float((da * db).sum()) / denominator if denominator > 0 else math.nan


def judge_diagnostics(totals: pd.DataFrame) -> pd.DataFrame:
    """How each judge scores, per category, from ``judge_totals``, against the other judges only.

    Returns ``category_id, judge_id, nominations, mean, sd, offset, spearman``: the judge's number of nominations,
    the mean and population SD of their totals, and, over the nominations the judge shares with at least one other
    judge, ``offset`` = the mean of (their total − the mean of the other judges' totals on that nomination)
    (negative is a severe judge, positive a lenient one) and the Spearman correlation of their totals with those
    other judges' means (both rounded to 6 decimals first, so equal totals tie). Leaving the judge out of the
    comparison keeps a judge from being compared with themselves: with three judges a harsh judge's own totals
    would pull the panel's Means a third of the way towards them. NaN where the judge shares no nomination (offset)
    or fewer than 2, or values are constant (Spearman).
    """
    columns = {
        "category_id": "int64",
        "judge_id": "int64",
        "nominations": "int64",
        "mean": "float64",
        "sd": "float64",
        "offset": "float64",
        "spearman": "float64",
    }
    if totals.empty:
        return _empty(columns)
    frame = totals.loc[:, [*_SHEET, "total"]].copy()
    by_nomination = frame.groupby(_NOMINATION, sort=False)["total"]
    others = by_nomination.transform("size") - 1
    frame["others"] = ((by_nomination.transform("sum") - frame["total"]) / others.where(others > 0)).astype(float)
    frame["difference"] = frame["total"] - frame["others"]
    by_judge = frame.groupby(_JUDGE, sort=True)
    out = by_judge.agg(nominations=("total", "size"), mean=("total", "mean"), offset=("difference", "mean"))
    out["sd"] = by_judge["total"].std(ddof=0)
    shared = frame.dropna(subset=["others"])
    rho = {
        key: spearman(group["total"].round(DECIMALS), group["others"].round(DECIMALS))
        for key, group in shared.groupby(_JUDGE, sort=True)
    }
    out["spearman"] = [rho.get(key, math.nan) for key in out.index]
    return out.reset_index().loc[:, list(columns)]


def krippendorff_alpha_interval(matrix: pd.DataFrame | np.ndarray) -> float:
    """Krippendorff's alpha with the interval metric δ(a, b) = (a − b)², missing values allowed.

    ``matrix``: one row per coder (judge), one column per unit (nomination), NaN where a coder gave no value.
    Only units with at least two values are pairable; n is the number of their values, m_u the number in unit u::

        D_o = (1/n) Σ_u 1/(m_u − 1) Σ_{i≠j in u} (v_i − v_j)²        (observed disagreement)
        D_e = 1/(n(n − 1)) Σ_{i≠j over all n values} (v_i − v_j)²     (expected disagreement)
        α   = 1 − D_o / D_e

    computed through Σ_{i≠j} (v_i − v_j)² = 2 m Σ_i (v_i − v̄)² over any m values. α = 1 is perfect agreement,
    0 agreement no better than chance. NaN when fewer than two values are pairable or when they do not vary.
    """
    values = np.asarray(matrix, dtype="float64")
    if values.ndim != 2 or values.size == 0:
        return math.nan
    present = ~np.isnan(values)
    m = present.sum(axis=0)
    pairable = m >= 2
    units = np.where(present[:, pairable], values[:, pairable], np.nan)
    m = m[pairable]
    n = int(m.sum())
    if n < 2:
        return math.nan
    unit_means = np.nansum(units, axis=0) / m
    within = np.nansum((units - unit_means) ** 2, axis=0)  # Σ (v − v̄_u)² per unit
    pooled = units[~np.isnan(units)]
    total = float(((pooled - pooled.mean()) ** 2).sum())
    if total / n < 10.0 ** (-2 * DECIMALS):  # no variation beyond rounding noise: alpha is undefined
        return math.nan
    observed = 2 * float((m * within / (m - 1)).sum()) / n
    expected = 2 * total / (n - 1)
    return 1 - observed / expected


def alpha_interval(
    matrix: pd.DataFrame | np.ndarray, *, seed: int = 2026, resamples: int = 1000, level: float = 0.9
) -> tuple[float, float]:
    """A bootstrap interval for ``krippendorff_alpha_interval``: the nominations (columns) resampled with
    replacement ``resamples`` times with a seeded generator, alpha computed on each, and the central ``level`` share
    of the values that are defined (the 5% and 95% percentiles for 0.9). The same matrix and seed give the same
    interval. (NaN, NaN) when fewer than 10 resamples give a value.
    """
    values = np.asarray(matrix, dtype="float64")
    if values.ndim != 2 or values.shape[1] < 2:
        return math.nan, math.nan
    # Alpha depends on the units only through four sums each (see krippendorff_alpha_interval), so a resample is a
    # vector of how many times each unit was drawn, and every resample's alpha comes from one matrix product.
    present = ~np.isnan(values)
    m = present.sum(axis=0).astype("float64")
    filled = np.where(present, values, 0.0)
    sums, squares = filled.sum(axis=0), (filled * filled).sum(axis=0)
    pairable = m >= 2
    within = np.where(pairable, squares - np.where(m > 0, sums * sums / np.maximum(m, 1), 0), 0.0)
    observed_part = np.where(pairable, m * within / np.maximum(m - 1, 1), 0.0)
    m, sums, squares = np.where(pairable, m, 0), np.where(pairable, sums, 0), np.where(pairable, squares, 0)
    generator = np.random.default_rng(seed)
    units = values.shape[1]
    draws = generator.integers(0, units, size=(resamples, units))
    counts = np.zeros((resamples, units))
    np.add.at(counts, (np.arange(resamples)[:, None], draws), 1.0)
    n = counts @ m
    with np.errstate(divide="ignore", invalid="ignore"):
        total = counts @ squares - (counts @ sums) ** 2 / n
        alphas = 1 - (2 * (counts @ observed_part) / n) / (2 * total / (n - 1))
        defined = (n >= 2) & (total / n >= 10.0 ** (-2 * DECIMALS))
    alphas = alphas[defined & np.isfinite(alphas)]
    if alphas.size < 10:
        return math.nan, math.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(alphas, [tail, 100 - tail])
    return float(low), float(high)


def panel_agreement(totals: pd.DataFrame, *, seed: int = 2026, resamples: int = 1000) -> pd.DataFrame:
    """Krippendorff's alpha (interval) of the totals per category, from ``judge_totals``, with its bootstrap 90%
    interval (``alpha_interval``): ``category_id, alpha, alpha_low, alpha_high``."""
    rows = []
    for category_id, group in totals.groupby("category_id", sort=True):
        matrix = group.pivot(index="judge_id", columns="nomination_id", values="total")
        low, high = alpha_interval(matrix, seed=seed, resamples=resamples)
        rows.append(
            {
                "category_id": category_id,
                "alpha": krippendorff_alpha_interval(matrix),
                "alpha_low": low,
                "alpha_high": high,
            }
        )
    if not rows:
        return _empty({"category_id": "int64", "alpha": "float64", "alpha_low": "float64", "alpha_high": "float64"})
    return pd.DataFrame(rows).astype({"alpha": "float64", "alpha_low": "float64", "alpha_high": "float64"})


#: The rules above in words, for the committee: the workbook's ``Method`` sheet prints them as they are here.
RULES_IN_WORDS: tuple[tuple[str, str], ...] = (
    (
        "Judge total",
        "100 × Σ w (s − min)/(max − min) / Σ w over the rubric's criteria: 0 to 100 per judge and nomination.",
    ),
    (
        "Counted",
        "Submitted score sheets only; every score of a judge with a declared or recorded conflict of "
        "interest on the nomination is left out.",
    ),
    ("Mean", "The average of the nomination's judge totals."),
    ("Median", "The middle judge total, or the average of the two middle ones."),
    ("SD", "The population standard deviation of the judge totals (0 for one judge)."),
    (
        "Trimmed mean",
        "With 5 judges or more, the average after dropping one highest and one lowest total; otherwise the Mean.",
    ),
    (
        "Normalised",
        "Each judge's total becomes M + S × (P − μj)/σj, where μj and σj are the mean and population "
        "SD of that judge's totals in the category and M and S those of every counted total in the "
        "category; a judge with fewer than 3 nominations or σj = 0 keeps P. Normalised is the average "
        "of these over the nomination's judges.",
    ),
    (
        "Rank",
        "By Score, highest first; scores equal at 6 decimals are tied. A tie is broken by the higher mean "
        "(s − min)/(max − min) on the category's highest-weighted criterion (the first in rubric order when "
        "several share the top weight), then by the higher Median; what is still tied shares the rank "
        "(1, 2, 2, 4) and is flagged.",
    ),
    (
        "Cuts",
        "The numbers of places that decide something: the shortlist, each tier boundary and the award "
        "places; places 1 to N are in.",
    ),
    (
        "Flags",
        "few judges: fewer judges than the round asks for; disagreement: SD at or above the threshold; tie: "
        "the rank is shared (tie at N: the shared rank straddles cut N); tie-break at N: the Score equals "
        "that of a nomination on the other side of cut N, so the tie-break put them on their sides; "
        "unstable at N: under another of the four methods the nomination falls on the other side of cut N.",
    ),
    (
        "Decided by",
        "What ordered a nomination against those with the same Score: Score (no tie), criterion, "
        "median, or shared (nothing: the rank is shared).",
    ),
    (
        "Robustness",
        "The rank under each method side by side, and Kendall's tau-b between the round's method and each other.",
    ),
    (
        "Judges",
        "Per judge: nominations scored, mean and SD of their totals; leaving the judge out, offset (the "
        "mean over the nominations shared with other judges of their total minus the other judges' mean) "
        "and Spearman's correlation of their totals with those other judges' means; per category, "
        "Krippendorff's alpha (interval) of the judges × nominations totals with a bootstrap 90% interval "
        "(1,000 resamples of the nominations, seed 2026).",
    ),
)
