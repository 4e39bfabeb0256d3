"""Results of a round: the database's scores handed to the pure ranking module, and its answers joined back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, selectinload

from .. import charts, ranking, tiers
from ..extensions import db
from ..models import (
    Assignment,
    Award,
    AwardTier,
    Category,
    Conflict,
    Criterion,
    Nomination,
    Round,
    RoundMode,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
    utcnow,
)
from ..rules import DEFAULT_DISAGREEMENT, REASON_CHARS, SHORT_TEXT_CHARS
from ..version import __version__
from . import ServiceError, uncertainty
from .audit import record

if TYPE_CHECKING:  # the workbook's module loads openpyxl: imported where a workbook is built
    from .. import workbook


def counted_scores(round_: Round, category: Category) -> pd.DataFrame:
    """Every score that counts: submitted sheets only, and never a judge with a conflict of interest."""
    recused = sa.exists().where(
        Conflict.judge_id == Assignment.judge_id, Conflict.nomination_id == Assignment.nomination_id
    )
    rows = db.session.execute(
        sa.select(
            Nomination.category_id,
            Assignment.nomination_id,
            Assignment.judge_id,
            Score.criterion_id,
            Score.value,
            Criterion.weight,
            Criterion.min_score,
            Criterion.max_score,
        )
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(
            Assignment.round_id == round_.id,
            Nomination.category_id == category.id,
            ScoreSheet.status == SheetStatus.SUBMITTED,
            ~recused,
        )
    ).all()
    columns = ["category_id", "nomination_id", "judge_id", "criterion_id", "score", "weight", "min", "max"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for column in ("score", "weight", "min", "max"):
        frame[column] = pd.to_numeric(frame[column].astype(object), errors="coerce").astype(float)
    return frame


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
    rows = db.session.execute(
        sa.select(Criterion.category_id, Criterion.id, Criterion.position).where(
            Criterion.round_id == round_.id, Criterion.category_id == category.id
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


def watched_cuts(round_: Round, category: Category) -> tuple[int, ...]:
    """The places that decide something in a category of a round: the shortlist and each tier boundary."""
    cuts = {*category.tier_cuts}
    if round_.shortlist_count:
        cuts.add(round_.shortlist_count)
    return tuple(sorted(cut for cut in cuts if cut > 0))


def ranking_settings(round_: Round, category: Category) -> ranking.RankingSettings:
    return ranking.RankingSettings(
        method=ranking.Method(round_.ranking_method or "mean"),
        judges_per_nomination=round_.judges_per_nomination,
        disagreement=float(round_.disagreement_threshold or DEFAULT_DISAGREEMENT),
        cuts=watched_cuts(round_, category),
    )


def category_results(round_: Round, category: Category) -> CategoryResults:
    """Rank one category of a round by the round's method, with robustness and judge diagnostics."""
    settings = ranking_settings(round_, category)
    scores = counted_scores(round_, category)
    table = ranking.rank_nominations(scores, criteria_order(round_, category), settings)
    draws = uncertainty.usable_draws(round_) if len(table) else {}
    certainty = uncertainty.category_uncertainty(round_, category, draws, settings.cuts) if draws else None
    if certainty is not None:
        table = table.assign(flags=_with_uncertain(table, certainty))
        ranked = set(table["nomination_id"].astype(int))
        certainty.ranks = certainty.ranks[certainty.ranks["nomination_id"].isin(ranked)].reset_index(drop=True)
    totals = ranking.judge_totals(scores)
    judges = ranking.judge_diagnostics(totals)
    agreement = ranking.method_agreement(table, settings.method)
    alpha_frame = ranking.panel_agreement(totals)
    alpha = float(alpha_frame["alpha"].iloc[0]) if len(alpha_frame) else None
    interval = (
        (float(alpha_frame["alpha_low"].iloc[0]), float(alpha_frame["alpha_high"].iloc[0]))
        if len(alpha_frame)
        else (float("nan"), float("nan"))
    )

    nomination_ids = [int(i) for i in table["nomination_id"]]
    info = (
        {
            n.id: n
            for n in db.session.scalars(
                sa.select(Nomination)
                .where(Nomination.id.in_(nomination_ids))
                .join(Nomination.organisation)
                .options(contains_eager(Nomination.organisation))
            )
        }
        if nomination_ids
        else {}
    )
    table = table.assign(
        reference=[info[i].reference for i in nomination_ids],
        title=[info[i].title for i in nomination_ids],
        organisation=[info[i].organisation.name for i in nomination_ids],
        country=[info[i].organisation.country_code for i in nomination_ids],
        applicant_type=[info[i].organisation.type.value for i in nomination_ids],
    )
    if certainty is not None:
        by_id = dict(zip(nomination_ids, table["reference"], strict=True))
        certainty.ranks = certainty.ranks.assign(reference=[by_id[int(i)] for i in certainty.ranks["nomination_id"]])
    judge_ids = [int(i) for i in judges["judge_id"]]
    names = (
        dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(judge_ids))).all()) if judge_ids else {}
    )
    judges = judges.assign(name=[names.get(i, "") for i in judge_ids])
    return CategoryResults(
        category, settings, table, agreement, judges, alpha, totals, scores, interval, draws, certainty
    )


def _with_uncertain(table: pd.DataFrame, certainty: uncertainty.CategoryUncertainty) -> list[str]:
    """The ranking's flags with "uncertain at N" for each cut whose uncertain zone holds the nomination."""
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
    of the uncertainty model, the expected ranks with their intervals."""
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
        for r in table.itertuples()
    ]
    methods = list(ranking.Method)
    intervals = None
    if results.uncertainty is not None:
        info = {int(r.nomination_id): r for r in table.itertuples()}
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
        severity=charts.severity([(r.name, r.offset, int(r.nominations)) for r in results.judges.itertuples()]),
        robustness=charts.robustness(
            [(r.reference, [getattr(r, m.rank_column) for m in methods]) for r in table.itertuples()],
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


def awards_of(round_: Round, category: Category) -> dict[int, Award]:
    """The awards given in a category of a round, by nomination id."""
    return {
        a.nomination_id: a
        for a in db.session.scalars(
            sa.select(Award)
            .join(Award.nomination)
            .where(Award.round_id == round_.id, Nomination.category_id == category.id)
        )
    }


def tier_plan(round_: Round, category: Category, results: CategoryResults | None = None) -> tiers.TierPlan:
    """How the category's tiers fill by the rule of ``awards_app.tiers``, around the awards given by hand.

    An award given by hand (it has a reason) keeps its place: its nomination is not a candidate and its tier has
    one place fewer to fill.
    """
    results = results or category_results(round_, category)
    by_hand = {a.nomination_id: a for a in awards_of(round_, category).values() if a.override_reason}
    used: dict[int, int] = {}
    for award in by_hand.values():
        used[award.tier_id] = used.get(award.tier_id, 0) + 1
    candidates = [
        tiers.Candidate(
            int(r.nomination_id),
            int(r.rank),
            float(r.score),
            r.applicant_type,
            few_judges=ranking.Flag.FEW_JUDGES.value in r.flags.split(", "),
        )
        for r in results.ranking.itertuples()
        if int(r.nomination_id) not in by_hand
    ]
    specs = [
        tiers.Tier(t.id, t.count - used.get(t.id, 0), frozenset(t.eligible_types or ()))
        for t in category.tiers_in_fill_order
    ]
    return tiers.fill_tiers(candidates, specs, uncertainty.boundary_uncertainty(round_, category, results.draws))


@dataclass
class HeldPlaces:
    """Places of a tier for the committee to decide, and who contends for them (for the results page)."""

    tier: AwardTier
    places: int
    contenders: list[tuple[object, tuple[str, ...]]]  # (ranking row, reasons)


@dataclass
class TierView:
    held: list[HeldPlaces]
    out_of_date: bool  # the awards given in rank order differ from what the ranking gives now
    with_uncertainty: bool  # the uncertainty model took part (a usable fit of the current scores)


def tier_view(round_: Round, category: Category, results: CategoryResults) -> TierView:
    """What the committee must decide about the tiers, from the ranking as it is now."""
    plan = tier_plan(round_, category, results)
    rows = {int(r.nomination_id): r for r in results.ranking.itertuples()}
    tiers_by_id = {t.id: t for t in category.tiers}
    held = [
        HeldPlaces(
            tiers_by_id[h.tier_id],
            h.places,
            [(rows[c.nomination_id], c.reasons) for c in h.contenders if c.nomination_id in rows],
        )
        for h in plan.held
    ]
    given = {(a.tier_id, a.nomination_id) for a in awards_of(round_, category).values() if not a.override_reason}
    planned = {(g.tier_id, g.nomination_id) for g in plan.given}
    return TierView(held, bool(given) and given != planned, bool(results.draws))


def assign_tiers(round_: Round, category: Category, actor: User) -> tuple[int, int]:
    """Give the category's tiers by ``awards_app.tiers``: each tier, in its fill order, to the best-ranked eligible
    nominations not yet awarded, every doubtful place left to the committee; awards given by hand stay. Returns how
    many awards were given and how many places are left to the committee."""
    if category not in round_.categories:
        raise ServiceError(_l("This category is not judged in this round."))
    if round_.edition.results_published_at is not None:
        raise ServiceError(_l("The results are published: awards can no longer change."))
    results = category_results(round_, category)
    plan = tier_plan(round_, category, results)
    for award in awards_of(round_, category).values():
        if not award.override_reason:
            db.session.delete(award)
    db.session.flush()
    for given in plan.given:
        db.session.add(
            Award(
                round_id=round_.id,
                nomination_id=given.nomination_id,
                tier_id=given.tier_id,
                rank=given.rank,
                decided_by_id=actor.id,
            )
        )
    held = sum(h.places for h in plan.held)
    record(
        "awards.assigned",
        round_,
        actor,
        f"{len(plan.given)} awards given in rank order in {category.code}, {held} places left to the committee",
        {"round": round_.name, "category": category.code, "count": len(plan.given), "held": held},
    )
    db.session.commit()
    return len(plan.given), held


def override_award(round_: Round, nomination: Nomination, tier: AwardTier | None, reason: str, actor: User) -> None:
    """Give a nomination another tier (or none) than the rank order gave it, with a written reason."""
    if round_.edition.results_published_at is not None:
        raise ServiceError(_l("The results are published: awards can no longer change."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say why the rank order is overridden."))
    if tier is not None and tier.category_id != nomination.category_id:
        raise ServiceError(_l("Choose a tier of the nomination's category."))
    award = db.session.scalar(sa.select(Award).where(Award.nomination_id == nomination.id))
    before = award.tier.name_en if award else None
    if tier is None:
        if award is not None:
            db.session.delete(award)
    else:
        if award is None:
            award = Award(round_id=round_.id, nomination_id=nomination.id, decided_by_id=actor.id)
            db.session.add(award)
        award.tier_id, award.override_reason, award.decided_by_id = tier.id, reason[:REASON_CHARS], actor.id
        award.decided_at = utcnow()
    record(
        "awards.overridden",
        nomination,
        actor,
        f"{nomination.reference}: {before} → {tier.name_en if tier else None}",
        {
            "reference": nomination.reference,
            "from": before,
            "to": tier.name_en if tier else None,
            "reason": reason[:SHORT_TEXT_CHARS],
        },
    )
    db.session.commit()


def published_award(nomination: Nomination) -> Award | None:
    """The award an applicant may see: only once the edition's results are published."""
    if nomination.edition.results_published_at is None:
        return None
    return db.session.scalar(sa.select(Award).where(Award.nomination_id == nomination.id))


# --- the workbook -----------------------------------------------------------------------------------


def _judge_labels(judge_ids: set[int]) -> dict[int, str]:
    """Judge names, with the e-mail added where two judges share a name."""
    people = (
        db.session.execute(sa.select(User.id, User.name, User.email).where(User.id.in_(judge_ids))).all()
        if judge_ids
        else []
    )
    counts: dict[str, int] = {}
    for _id, name, _email in people:
        counts[name] = counts.get(name, 0) + 1
    return {i: (f"{name} <{email}>" if counts[name] > 1 else name) for i, name, email in people}


def round_workbook(round_: Round) -> bytes:
    """The committee's Excel workbook for one round: rankings, scores, judges, conflicts, the method and how sure
    (or, for a committee round, its sitting's votes)."""
    from .. import workbook

    return workbook.build_workbook(workbook_data(round_))


def rankings_csv(round_: Round) -> bytes:
    """The workbook's ``Rankings`` sheet as CSV (a committee round's ``Votes`` sheet)."""
    from .. import workbook

    data = workbook_data(round_)
    if data.votes is not None:
        return workbook.table_csv(data.votes, workbook.VOTES_COLUMNS)
    return workbook.rankings_csv(data.rankings)


def committee_workbook_data(round_: Round):
    """A committee round's workbook: its commendations in the Summary, the Votes sheet, conflicts and the rules."""
    from .. import workbook
    from . import committee

    categories, rankings = [], []
    awards = {a.nomination_id: a for a in db.session.scalars(sa.select(Award).where(Award.round_id == round_.id))}
    votes = committee.votes_frame(round_)
    lines = committee.sitting(round_)
    for category in round_.categories:
        categories.append(
            workbook.CategoryInfo(category.code, category.name_en, tuple((t.name_en, t.count) for t in category.tiers))
        )
    for line in lines:
        count, award = line.count, awards.get(line.nomination.id)
        share = 100 * count.approve / count.present if count.present else None
        rankings.append(
            {
                "Category": line.nomination.category.code,
                "Rank": None,
                "Reference": line.nomination.reference,
                "Nomination": line.nomination.title,
                "Organisation": line.nomination.organisation.name,
                "Country": line.nomination.organisation.country_code,
                "Judges": count.present,
                "Score": share,
                "Mean": None,
                "Median": None,
                "Trimmed mean": None,
                "Normalised": None,
                "SD": None,
                "Tier": award.tier.name_en if award else "",
                "Flags": line.outcome(round_.quorum),
            }
        )
    conflicts = [
        {
            "Judge": c.judge.name,
            "Reference": c.nomination.reference,
            "Nomination": c.nomination.title,
            "Reason": c.reason,
            "Recorded by": c.recorded_by.name,
            "Recorded at": c.recorded_at,
        }
        for c in db.session.scalars(
            sa.select(Conflict)
            .join(Conflict.nomination)
            .where(Nomination.category_id.in_([c.id for c in round_.categories]))
        )
    ]
    closed = round_.sitting_closed_at.replace(tzinfo=None) if round_.sitting_closed_at else "not yet: provisional"
    notes: list[workbook.MethodNote] = [
        *committee.RULES_IN_WORDS,
        ("Quorum share", float(round_.quorum)),
        ("Sitting closed (UTC)", closed),
        ("Score (this workbook)", "The share of approvals among the members present, in %."),
        ("Application version", __version__),
    ]
    return workbook.WorkbookData(
        edition=round_.edition.name,
        round_name=round_.name,
        method="committee vote",
        generated_at=utcnow(),
        categories=categories,
        rankings=pd.DataFrame(rankings, columns=list(workbook.RANKINGS_COLUMNS)),
        scores=pd.DataFrame(columns=list(workbook.SCORES_COLUMNS)),
        judges=pd.DataFrame(columns=list(workbook.JUDGES_COLUMNS)),
        conflicts=pd.DataFrame(conflicts, columns=list(workbook.CONFLICTS_COLUMNS)),
        method_notes=notes,
        votes=votes,
    )


def score_rows(round_: Round, counted: dict[int, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every counted score of the round as the workbook's Scores sheet holds it, in a stated order: by category
    (the round's order), reference, judge and the criterion's place in the rubric. Its SHA-256 (``workbook.
    score_data_sha256``) names the score data: the workbook states it, and the uncertainty model's fits are kept
    under it. ``counted``: each category's ``counted_scores``, when the caller has them already."""
    from .. import workbook

    counted = counted or {c.id: counted_scores(round_, c) for c in round_.categories}
    comment_of = {
        (n, j, c): text
        for n, j, c, text in db.session.execute(
            sa.select(Assignment.nomination_id, Assignment.judge_id, Score.criterion_id, Score.comment)
            .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(Assignment.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED, Score.comment != "")
        )
    }
    rubric = {c.id: c for c in db.session.scalars(sa.select(Criterion).where(Criterion.round_id == round_.id))}
    nomination_ids = {int(n) for frame in counted.values() for n in frame["nomination_id"]}
    references = (
        dict(
            db.session.execute(
                sa.select(Nomination.id, Nomination.reference).where(Nomination.id.in_(nomination_ids))
            ).all()
        )
        if nomination_ids
        else {}
    )
    labels = round_judge_labels(counted)
    rows = []
    for order, category in enumerate(round_.categories):
        for row in counted[category.id].itertuples():
            criterion = rubric.get(int(row.criterion_id))
            rows.append(
                (
                    order,
                    criterion.position if criterion else 0,
                    {
                        "Category": category.code,
                        "Reference": references.get(int(row.nomination_id)) or "",
                        "Judge": labels.get(int(row.judge_id), ""),
                        "Criterion": criterion.name_en if criterion else "",
                        "Weight": row.weight,
                        "Min": row.min,
                        "Max": row.max,
                        "Score": row.score,
                        "Comment": comment_of.get(
                            (int(row.nomination_id), int(row.judge_id), int(row.criterion_id)), ""
                        ),
                    },
                )
            )
    rows.sort(key=lambda r: (r[0], r[2]["Reference"], r[2]["Judge"], r[1], r[2]["Criterion"]))
    return pd.DataFrame([r[2] for r in rows], columns=list(workbook.SCORES_COLUMNS))


def round_judge_labels(counted: dict[int, pd.DataFrame]) -> dict[int, str]:
    """The judges of a round as the workbook names them (the e-mail added where two share a name)."""
    return _judge_labels({int(j) for frame in counted.values() for j in frame["judge_id"]})


def score_data_sha256(round_: Round) -> str:
    """The SHA-256 of the round's counted scores, as the workbook's Method sheet states it."""
    from .. import workbook

    return workbook.score_data_sha256(score_rows(round_))


DECIDED_BY = {"": "Score", "criterion": "criterion", "median": "median", "shared": "shared"}


def workbook_data(round_: Round):
    """Everything the workbook shows for one round, gathered from the database in a fixed number of queries."""
    from .. import uncertainty as model
    from .. import workbook

    if round_.mode is RoundMode.COMMITTEE:
        return committee_workbook_data(round_)
    categories, rankings, judges, notes, criteria, certainty, leniency = [], [], [], [], [], [], []
    per_category = {c.id: category_results(round_, c) for c in round_.categories}
    labels = round_judge_labels({c: results.scores for c, results in per_category.items()})
    for category in round_.categories:
        categories.append(
            workbook.CategoryInfo(category.code, category.name_en, tuple((t.name_en, t.count) for t in category.tiers))
        )
        results = per_category[category.id]
        awards = awards_of(round_, category)
        for row in results.ranking.itertuples():
            award = awards.get(int(row.nomination_id))
            rankings.append(
                {
                    "Category": category.code,
                    "Rank": int(row.rank),
                    "Reference": row.reference,
                    "Nomination": row.title,
                    "Organisation": row.organisation,
                    "Country": row.country,
                    "Judges": int(row.judges),
                    "Score": row.score,
                    "Mean": row.mean,
                    "Median": row.median,
                    "Trimmed mean": row.trimmed_mean,
                    "Normalised": row.normalised,
                    "SD": row.sd,
                    "Tier": award.tier.name_en if award else "",
                    "Flags": row.flags,
                    "Rank by mean": int(row.rank_mean),
                    "Rank by median": int(row.rank_median),
                    "Rank by trimmed mean": int(row.rank_trimmed),
                    "Rank by normalised": int(row.rank_normalised),
                    "Decided by": DECIDED_BY.get(row.tie_break or "", row.tie_break),
                }
            )
        for row in results.judges.itertuples():
            judges.append(
                {
                    "Category": category.code,
                    "Judge": labels.get(int(row.judge_id), row.name),
                    "Nominations": int(row.nominations),
                    "Mean total": row.mean,
                    "SD": row.sd,
                    "Offset": row.offset,
                    "Spearman": row.spearman,
                }
            )
        for criterion in criteria_of_round(round_, category):
            criteria.append(
                {
                    "Category": category.code,
                    "Criterion": criterion.name_en,
                    "Position": criterion.position,
                    "Weight": criterion.weight,
                    "Min": criterion.min_score,
                    "Max": criterion.max_score,
                    "Step": criterion.step,
                }
            )
        for agreement in results.agreement.itertuples():
            notes.append(
                (
                    f"{category.code}: Kendall's tau, {results.settings.method.value} vs {agreement.method}",
                    agreement.tau,
                )
            )
        notes.append((f"{category.code}: Krippendorff's alpha (interval)", results.alpha))
        notes.append(
            (
                f"{category.code}: Krippendorff's alpha, bootstrap 90% interval",
                ""
                if results.alpha_interval[0] != results.alpha_interval[0]
                else f"{results.alpha_interval[0]:.3f} to {results.alpha_interval[1]:.3f}",
            )
        )
        if results.uncertainty is not None:
            for r in results.uncertainty.ranks.itertuples():
                line = {
                    "Category": category.code,
                    "Reference": r.reference,
                    "Expected rank": r.expected_rank,
                    "Rank 5%": int(r.rank_low),
                    "Rank 95%": int(r.rank_high),
                }
                for cut in results.uncertainty.cuts:
                    line[f"P(top {cut})"] = getattr(r, f"p_top_{cut}")
                certainty.append(line)
            for j in results.uncertainty.leniency.itertuples():
                leniency.append(
                    {
                        "Category": category.code,
                        "Judge": labels.get(int(j.judge_id), j.name),
                        "Leniency": j.leniency,
                        "Low 5%": j.low,
                        "High 95%": j.high,
                    }
                )
    conflicts = [
        {
            "Judge": c.judge.name,
            "Reference": c.nomination.reference,
            "Nomination": c.nomination.title,
            "Reason": c.reason,
            "Recorded by": c.recorded_by.name,
            "Recorded at": c.recorded_at,
        }
        for c in db.session.scalars(
            sa.select(Conflict)
            .join(Conflict.nomination)
            .where(Nomination.category_id.in_([c.id for c in round_.categories]))
            .options(
                selectinload(Conflict.judge), selectinload(Conflict.nomination), selectinload(Conflict.recorded_by)
            )
        )
    ]
    score_frame = score_rows(round_, {c: results.scores for c, results in per_category.items()})
    digest = workbook.score_data_sha256(score_frame)
    state = uncertainty.fit_state(round_, digest=digest)
    notes = [
        *ranking.RULES_IN_WORDS,
        ("Judges per nomination", round_.judges_per_nomination),
        ("Disagreement threshold (SD, points)", float(round_.disagreement_threshold or DEFAULT_DISAGREEMENT)),
        (
            "Cuts watched",
            "; ".join(
                f"{c.code}: " + (", ".join(str(n) for n in watched_cuts(round_, c)) or "none")
                for c in round_.categories
            )
            + " (the shortlist and the place where each tier open to every applicant ends)",
        ),
        *notes,
        *_uncertainty_notes(state, model),
        ("Application version", __version__),
        ("Score data SHA-256", digest),
        (
            "How to check the SHA-256",
            "The first eight columns of the Scores sheet (Category to Score), row by "
            "row in the sheet's order (category, reference, judge, criterion); numbers "
            "with up to six decimals and no trailing zeros; values joined by a tab, "
            "each row ended by a line feed; UTF-8.",
        ),
    ]
    uncertainty_frame = pd.DataFrame(certainty) if certainty else None
    return workbook.WorkbookData(
        edition=round_.edition.name,
        round_name=round_.name,
        method=round_.ranking_method,
        generated_at=utcnow(),
        categories=categories,
        rankings=pd.DataFrame(rankings, columns=[*workbook.RANKINGS_COLUMNS, *workbook.RANKINGS_MORE_COLUMNS]),
        scores=score_frame,
        judges=pd.DataFrame(judges, columns=list(workbook.JUDGES_COLUMNS)),
        conflicts=pd.DataFrame(conflicts, columns=list(workbook.CONFLICTS_COLUMNS)),
        method_notes=notes,
        criteria=pd.DataFrame(criteria, columns=list(workbook.CRITERIA_COLUMNS)),
        uncertainty=uncertainty_frame,
        leniency=pd.DataFrame(leniency, columns=list(workbook.LENIENCY_COLUMNS)),
    )


def criteria_of_round(round_: Round, category: Category) -> list[Criterion]:
    return list(
        db.session.scalars(
            sa.select(Criterion)
            .where(Criterion.round_id == round_.id, Criterion.category_id == category.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def _uncertainty_notes(state, model) -> list[workbook.MethodNote]:
    """The Method sheet's lines on the uncertainty model: what it is, how it was run, and how well."""
    fit = state.fit
    lines: list[workbook.MethodNote] = [
        (
            "Uncertainty model",
            "Per category, after the expected-rank method of the Swiss National Science Foundation "
            "(Heyard et al. 2022): " + model.PRIORS_IN_WORDS,
        ),
        (
            "Uncertainty: what is read",
            "Per nomination, its rank in each posterior draw (1 = the highest θ): the "
            "expected rank (mean), the 90% interval (5th and 95th percentiles) and "
            "P(top N), the share of draws in which it is in the top N, per watched cut. "
            "Per judge, the leniency λ in points of the 0–100 total with its 90% interval.",
        ),
    ]
    if not state.usable:
        why = (
            "no fit yet"
            if fit is None
            else "the scores changed since the last fit"
            if not state.current
            else fit.message or f"the last fit {fit.status.value}"
        )
        lines.append(("Uncertainty fit", f"Not used: {why}. The Uncertainty and Leniency sheets are empty."))
        return lines
    chains, warmup, samples = (fit.settings.get(k, 0) for k in ("chains", "warmup", "samples"))
    lines += [
        (
            "Uncertainty fit",
            f"NUTS (NumPyro), {chains} chains of {warmup} warm-up and {samples} kept iterations "
            f"({chains * samples} draws), seed {fit.settings.get('seed')}, target acceptance "
            f"{model.TARGET_ACCEPT}, mass matrix dense over the intercepts, scales and judges.",
        ),
        (
            "Uncertainty diagnostics",
            f"Largest split R-hat {fit.max_r_hat:.4f} (at most {model.MAX_R_HAT}); smallest "
            f"effective sample size {fit.min_ess:.0f} (at least {model.MIN_ESS}): converged.",
        ),
        ("Uncertainty fit of score data SHA-256", fit.data_sha256),
        ("Uncertainty fitted (UTC)", fit.finished_at.replace(tzinfo=None) if fit.finished_at else ""),
    ]
    return lines
