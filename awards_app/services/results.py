"""The results of a round: the database's scores handed to the pure ranking module, and its answers joined back.

A category's results and charts are worked out once for each state of the data they come from and the round's
settings, then reused (``results_cache``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa

from .. import charts
from ..extensions import db
from ..models import (
    Assignment,
    Category,
    Conflict,
    Criterion,
    Nomination,
    Organisation,
    Round,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
)
from ..rules import DEFAULT_DISAGREEMENT
from . import uncertainty
from .results_cache import data_key, keep, recall, unchanged

if TYPE_CHECKING:  # pandas and the ranking are imported where a ranking is made: the app starts without them
    import pandas as pd

    from .. import ranking


def counted_scores(round_: Round, category: Category) -> pd.DataFrame:
    """Every score that counts: submitted sheets only, and never a judge with a conflict of interest."""
    return _counted_scores(round_, [category.id])


def round_counted_scores(round_: Round) -> pd.DataFrame:
    """``counted_scores`` of every category of the round, in one query."""
    return _counted_scores(round_, [category.id for category in round_.categories])


def _counted_scores(round_: Round, category_ids: Sequence[int]) -> pd.DataFrame:
    """``counted_scores`` of several categories in one query, in a stated order (category, nomination, judge,
    criterion), so that a category's rows come in the same order whichever categories are read with it."""
    import pandas as pd

    recused = sa.exists().where(
        Conflict.judge_id == Assignment.judge_id, Conflict.nomination_id == Assignment.nomination_id
    )
    # Read as floats (a Decimal each would cost more than the ranking): exact for the scores and weights kept.
    rows = db.session.execute(
        sa.select(
            Nomination.category_id,
            Assignment.nomination_id,
            Assignment.judge_id,
            Score.criterion_id,
            sa.type_coerce(Score.value, sa.Float),
            sa.type_coerce(Criterion.weight, sa.Float),
            sa.type_coerce(Criterion.min_score, sa.Float),
            sa.type_coerce(Criterion.max_score, sa.Float),
        )
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(
            Assignment.round_id == round_.id,
            Nomination.category_id.in_(category_ids),
            ScoreSheet.status == SheetStatus.SUBMITTED,
            ~recused,
        )
        .order_by(Nomination.category_id, Assignment.nomination_id, Assignment.judge_id, Score.criterion_id)
    ).all()
    columns = ["category_id", "nomination_id", "judge_id", "criterion_id", "score", "weight", "min", "max"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    return frame.astype({"score": float, "weight": float, "min": float, "max": float})


def has_counted_scores(round_: Round) -> bool:
    """Whether any score of the round counts (a submitted sheet of a judge without a conflict)."""
    recused = sa.exists().where(
        Conflict.judge_id == Assignment.judge_id, Conflict.nomination_id == Assignment.nomination_id
    )
    counted = (
        sa.select(ScoreSheet.id)
        .join(ScoreSheet.assignment)
        .where(Assignment.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED, ~recused)
    )
    return bool(db.session.scalar(sa.select(sa.exists(counted))))


def criteria_order(round_: Round, category: Category) -> pd.DataFrame:
    return _criteria_order(round_, [category.id])


def _criteria_order(round_: Round, category_ids: Sequence[int]) -> pd.DataFrame:
    import pandas as pd

    rows = db.session.execute(
        sa.select(Criterion.category_id, Criterion.id, Criterion.position).where(
            Criterion.round_id == round_.id, Criterion.category_id.in_(category_ids)
        )
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["category_id", "criterion_id", "position"])


@dataclass
class CategoryResults:
    category: Category
    settings: ranking.RankingSettings
    ranking: pd.DataFrame  # ranking.rank_nominations, with reference, title, organisation, country, applicant_type
    agreement: pd.DataFrame  # Kendall's tau between the round's method and each other
    judges: pd.DataFrame  # diagnostics, with the judge's name
    alpha: float | None
    totals: pd.DataFrame  # ranking.judge_totals: one judge total per judge and nomination
    scores: pd.DataFrame  # counted_scores: every score that counts
    alpha_interval: tuple[float, float] = (float("nan"), float("nan"))  # the bootstrap 90% interval of alpha
    draws: dict = field(default_factory=dict)  # the usable fit's draws by category id ({} without one)
    uncertainty: uncertainty.CategoryUncertainty | None = None  # what the fit says of this category
    key: str = ""  # what the results were computed from, as the cache names it (``results_cache``)
    ranking_rows: tuple = ()  # the ranking's rows as named tuples (``ranking.itertuples()``), made once
    judge_rows: tuple = ()  # likewise the judges' rows


@dataclass(frozen=True)
class _Kept:
    """A category's results as the cache keeps them: without the category, a database object of its request."""

    settings: ranking.RankingSettings
    ranking: pd.DataFrame
    agreement: pd.DataFrame
    judges: pd.DataFrame
    alpha: float | None
    totals: pd.DataFrame
    scores: pd.DataFrame
    alpha_interval: tuple[float, float]
    draws: dict
    uncertainty: uncertainty.CategoryUncertainty | None
    ranking_rows: tuple
    judge_rows: tuple

    def results(self, category: Category, key: str) -> CategoryResults:
        # pandas copies on write: a caller that changes its frames changes its own copy, never the kept one.
        certainty = self.uncertainty
        if certainty is not None:
            certainty = replace(
                certainty,
                ranks=certainty.ranks.copy(deep=False),
                leniency=certainty.leniency.copy(deep=False),
                zones={cut: set(zone) for cut, zone in certainty.zones.items()},
            )
        return CategoryResults(
            category,
            self.settings,
            self.ranking.copy(deep=False),
            self.agreement.copy(deep=False),
            self.judges.copy(deep=False),
            self.alpha,
            self.totals.copy(deep=False),
            self.scores.copy(deep=False),
            self.alpha_interval,
            self.draws,
            certainty,
            key,
            self.ranking_rows,
            self.judge_rows,
        )


def watched_cuts(round_: Round, category: Category) -> tuple[int, ...]:
    """The places that decide something in a category of a round: the shortlist and each tier boundary."""
    cuts = {*category.tier_cuts}
    if round_.shortlist_count:
        cuts.add(round_.shortlist_count)
    return tuple(sorted(cut for cut in cuts if cut > 0))


def ranking_settings(round_: Round, category: Category) -> ranking.RankingSettings:
    from .. import ranking

    return ranking.RankingSettings(
        method=ranking.Method(round_.ranking_method or "mean"),
        judges_per_nomination=round_.judges_per_nomination,
        disagreement=float(round_.disagreement_threshold or DEFAULT_DISAGREEMENT),
        cuts=watched_cuts(round_, category),
    )


def category_results(round_: Round, category: Category) -> CategoryResults:
    """Rank one category of a round by the round's method, with robustness and judge diagnostics; worked out once
    for each state of the data (``data_key``), method, cuts and tiers, then reused."""
    return categories_results(round_, [category])[category.id]


def categories_results(round_: Round, categories: Sequence[Category]) -> dict[int, CategoryResults]:
    """``category_results`` of several categories of a round, by category id; the round's data key read once before
    and, when something had to be computed, once after (not once per category)."""
    data = data_key(round_)
    keys: dict[int, str] = {}
    settings_of: dict[int, ranking.RankingSettings] = {}
    for category in categories:
        settings_of[category.id] = ranking_settings(round_, category)
        inputs = (data, category.id, settings_of[category.id], tuple(category.tier_cuts))
        keys[category.id] = hashlib.sha256(repr(inputs).encode()).hexdigest()
    found: dict[int, tuple[_Kept, str]] = {}
    missing = []
    for category in categories:
        kept = recall(("category", keys[category.id]))
        if kept is None:
            missing.append(category)
        else:
            found[category.id] = (kept, keys[category.id])
    computed = [keys[category.id] for category in missing]
    if missing:
        for category_id, kept in _compute(round_, missing, settings_of).items():
            found[category_id] = (kept, keys[category_id])
    if computed and not unchanged(round_, data):
        # The data changed while it was read: what was computed (and its charts) is for this call only.
        found = {i: (kept, "" if key in computed else key) for i, (kept, key) in found.items()}
    else:
        for kept, key in found.values():
            if key in computed:
                keep(("category", key), kept)
    return {category.id: found[category.id][0].results(category, found[category.id][1]) for category in categories}


def _compute(
    round_: Round, categories: Sequence[Category], settings_of: dict[int, ranking.RankingSettings]
) -> dict[int, _Kept]:
    """The results of several categories of a round, by category id, worked out in one pass.

    The ranking module works per category within one frame, so one call over the categories gives each what a call
    over it alone gives, in the same order and to the last bit; a pandas call costs mostly what it costs to make,
    so four categories at once cost little more than one. Categories whose settings differ beyond their cuts (not
    of one round) are worked out one at a time."""
    from .. import ranking

    ids = [category.id for category in categories]
    shared = {replace(settings_of[i], cuts=()) for i in ids}
    if len(shared) > 1:
        return {i: kept for category in categories for i, kept in _compute(round_, [category], settings_of).items()}
    (settings,) = shared
    scores = _counted_scores(round_, ids)
    totals = ranking.judge_totals(scores)
    cuts = {i: settings_of[i].cuts for i in ids}
    table = ranking.rank_nominations(scores, _criteria_order(round_, ids), settings, totals, cuts)
    judges = ranking.judge_diagnostics(totals)
    agreement = ranking.method_agreement(table, settings.method)
    alpha_frame = ranking.panel_agreement(totals)
    draws = uncertainty.usable_draws(round_) if len(table) else {}

    nomination_ids = [int(i) for i in table["nomination_id"]]
    # The columns shown, not the nominations whole: their answers and documents are not what a ranking prints.
    info = (
        {
            row.id: row
            for row in db.session.execute(
                sa.select(
                    Nomination.id,
                    Nomination.reference,
                    Nomination.title,
                    Organisation.name,
                    Organisation.country_code,
                    Organisation.type,
                )
                .join(Nomination.organisation)
                .where(Nomination.id.in_(nomination_ids))
            )
        }
        if nomination_ids
        else {}
    )
    table = table.assign(
        reference=[info[i].reference for i in nomination_ids],
        title=[info[i].title for i in nomination_ids],
        organisation=[info[i].name for i in nomination_ids],
        country=[info[i].country_code for i in nomination_ids],
        applicant_type=[info[i].type.value for i in nomination_ids],
    )
    judge_ids = [int(i) for i in judges["judge_id"]]
    names = (
        dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(judge_ids))).all()) if judge_ids else {}
    )
    judges = judges.assign(name=[names.get(i, "") for i in judge_ids])
    return {
        category.id: _kept(
            round_,
            category,
            settings_of[category.id],
            _of(scores, category.id),
            _of(totals, category.id),
            _of(table, category.id),
            _of(judges, category.id),
            _of(agreement, category.id),
            _of(alpha_frame, category.id),
            draws,
        )
        for category in categories
    }


def _of(frame: pd.DataFrame, category_id: int) -> pd.DataFrame:
    """One category's rows of a frame of several, numbered from 0 as a frame of that category alone."""
    return frame[frame["category_id"] == category_id].reset_index(drop=True)


def _kept(
    round_: Round,
    category: Category,
    settings: ranking.RankingSettings,
    scores: pd.DataFrame,
    totals: pd.DataFrame,
    table: pd.DataFrame,
    judges: pd.DataFrame,
    agreement: pd.DataFrame,
    alpha_frame: pd.DataFrame,
    draws: dict,
) -> _Kept:
    """One category's share of ``_compute``, with what the uncertainty model says of it."""
    draws = draws if len(table) else {}
    certainty = uncertainty.category_uncertainty(round_, category, draws, settings.cuts) if draws else None
    if certainty is not None:
        table = table.assign(flags=_with_uncertain(table, certainty))
        ranked = set(table["nomination_id"].astype(int))
        certainty.ranks = certainty.ranks[certainty.ranks["nomination_id"].isin(ranked)].reset_index(drop=True)
        by_id = dict(zip(table["nomination_id"].astype(int), table["reference"], strict=True))
        certainty.ranks = certainty.ranks.assign(reference=[by_id[int(i)] for i in certainty.ranks["nomination_id"]])
    alpha = float(alpha_frame["alpha"].iloc[0]) if len(alpha_frame) else None
    interval = (
        (float(alpha_frame["alpha_low"].iloc[0]), float(alpha_frame["alpha_high"].iloc[0]))
        if len(alpha_frame)
        else (float("nan"), float("nan"))
    )
    return _Kept(
        settings,
        table,
        agreement,
        judges,
        alpha,
        totals,
        scores,
        interval,
        draws,
        certainty,
        tuple(table.itertuples()),
        tuple(judges.itertuples()),
    )


def _with_uncertain(table: pd.DataFrame, certainty: uncertainty.CategoryUncertainty) -> list[str]:
    """The ranking's flags with "uncertain at N" for each cut whose uncertain zone holds the nomination."""
    from .. import ranking

    flags = []
    for nomination_id, text in zip(table["nomination_id"], table["flags"], strict=True):
        extra = [ranking.Flag.UNCERTAIN.at(cut) for cut, zone in certainty.zones.items() if int(nomination_id) in zone]
        flags.append(", ".join(part for part in [text, *extra] if part))
    return flags


def award_cut(category: Category) -> int:
    """The number of places the tiers open to every applicant take (the charts' cut line); 0 without tiers."""
    cuts = category.tier_cuts
    return cuts[-1] if cuts else 0


def charts_of(results: CategoryResults) -> charts.ResultCharts:
    """The results page's charts for one category: score spread, judge severity, robustness and, with a usable fit
    of the uncertainty model, the expected ranks with their intervals (drawn once for the results' ``key``)."""
    if not results.key:
        return _draw(results)
    drawn = recall(("charts", results.key))
    if drawn is None:
        drawn = _draw(results)
        keep(("charts", results.key), drawn)
    return drawn


def _draw(results: CategoryResults) -> charts.ResultCharts:
    from .. import ranking

    table = results.ranking
    cut = award_cut(results.category)
    by_nomination: dict[int, list[float]] = {}
    for nomination_id, total in zip(results.totals["nomination_id"], results.totals["total"], strict=True):
        by_nomination.setdefault(int(nomination_id), []).append(float(total))
    rows = [
        {
            "nomination_id": int(r.nomination_id),
            "rank": int(r.rank),
            "reference": r.reference,
            "title": r.title,
            "score": r.score,
            "flags": r.flags,
        }
        for r in results.ranking_rows
    ]
    methods = list(ranking.Method)
    intervals = None
    if results.uncertainty is not None:
        info = {int(r.nomination_id): r for r in results.ranking_rows}
        interval_rows = [
            {
                "nomination_id": int(r.nomination_id),
                "reference": info[int(r.nomination_id)].reference,
                "title": info[int(r.nomination_id)].title,
                "expected_rank": r.expected_rank,
                "rank_low": r.rank_low,
                "rank_high": r.rank_high,
            }
            for r in results.uncertainty.ranks.itertuples()
            if int(r.nomination_id) in info
        ]
        intervals = charts.rank_intervals(interval_rows, len(table), results.uncertainty.zones)
    return charts.ResultCharts(
        spread=charts.score_spread(rows, by_nomination, cut),
        severity=charts.severity([(r.name, r.offset, int(r.nominations)) for r in results.judge_rows]),
        robustness=charts.robustness(
            [(r.reference, [getattr(r, m.rank_column) for m in methods]) for r in results.ranking_rows],
            [m.value for m in methods],
            methods.index(results.settings.method),
            cut,
        ),
        methods=[m.value for m in methods],
        intervals=intervals,
    )


def advance_top(from_round: Round, to_round: Round, places: int, actor: User) -> int:
    """Take the top places of each category of a round into a later round; nominations tied at the cut all go."""
    from . import rounds

    chosen: list[int] = []
    for category in from_round.categories:
        if category not in to_round.categories:
            continue
        table = category_results(from_round, category).ranking
        chosen += [int(i) for i in table.loc[table["rank"] <= places, "nomination_id"]]
    return rounds.advance(from_round, to_round, chosen, actor)
