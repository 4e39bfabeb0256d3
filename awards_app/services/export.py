"""The committee's workbook of a round and its rankings as CSV: every table it shows, gathered from the database, and
the SHA-256 that names the score data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Assignment,
    Award,
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
from ..regions import country_name
from ..rules import DEFAULT_DISAGREEMENT
from ..version import __version__
from . import uncertainty
from .awards import awards_of
from .results import categories_results, counted_scores, watched_cuts
from .results_cache import remember
from .rubrics import criteria_of

if TYPE_CHECKING:  # openpyxl, pandas and the ranking are imported where a workbook is built
    import pandas as pd

    from .. import workbook


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
    import pandas as pd

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
                "Country": country_name(line.nomination.organisation.country_code),
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
    import pandas as pd

    from .. import workbook

    counted = counted or {c.id: counted_scores(round_, c) for c in round_.categories}
    frames = [counted[c.id].assign(order=n, Category=c.code) for n, c in enumerate(round_.categories)]
    if not frames or all(frame.empty for frame in frames):
        return pd.DataFrame(columns=list(workbook.SCORES_COLUMNS))
    scores = pd.concat([frame for frame in frames if not frame.empty], ignore_index=True)
    comments = pd.DataFrame(
        db.session.execute(
            sa.select(Assignment.nomination_id, Assignment.judge_id, Score.criterion_id, Score.comment)
            .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(Assignment.round_id == round_.id, ScoreSheet.status == SheetStatus.SUBMITTED, Score.comment != "")
        ).all(),
        columns=["nomination_id", "judge_id", "criterion_id", "Comment"],
    )
    rubric = db.session.execute(
        sa.select(Criterion.id, Criterion.position, Criterion.name_en).where(Criterion.round_id == round_.id)
    ).all()
    references = dict(
        db.session.execute(
            sa.select(Nomination.id, Nomination.reference).where(
                Nomination.id.in_({int(n) for n in scores["nomination_id"]})
            )
        ).all()
    )
    labels = round_judge_labels(counted)
    rows = scores.assign(
        Reference=scores["nomination_id"].map(references).fillna(""),
        Judge=scores["judge_id"].map(labels).fillna(""),
        Criterion=scores["criterion_id"].map({i: name for i, _position, name in rubric}).fillna(""),
        position=scores["criterion_id"].map({i: position for i, position, _name in rubric}).fillna(0),
    ).merge(comments, on=["nomination_id", "judge_id", "criterion_id"], how="left")
    rows = rows.sort_values(["order", "Reference", "Judge", "position", "Criterion"], kind="stable")
    rows = rows.rename(columns={"weight": "Weight", "min": "Min", "max": "Max", "score": "Score"})
    return rows.assign(Comment=rows["Comment"].fillna("")).loc[:, list(workbook.SCORES_COLUMNS)].reset_index(drop=True)


def round_judge_labels(counted: dict[int, pd.DataFrame]) -> dict[int, str]:
    """The judges of a round as the workbook names them (the e-mail added where two share a name)."""
    return _judge_labels({int(j) for frame in counted.values() for j in frame["judge_id"]})


def score_data_sha256(round_: Round) -> str:
    """The SHA-256 of the round's counted scores, as the workbook's Method sheet states it (worked out once for each
    state of the data)."""
    from .. import workbook

    return remember(round_, "score data", lambda: workbook.score_data_sha256(score_rows(round_)))


DECIDED_BY = {"": "Score", "criterion": "criterion", "median": "median", "shared": "shared"}


def workbook_data(round_: Round):
    """Everything the workbook shows for one round, gathered from the database in a fixed number of queries."""
    import pandas as pd

    from .. import ranking, workbook
    from .. import uncertainty as model

    if round_.mode is RoundMode.COMMITTEE:
        return committee_workbook_data(round_)
    categories, rankings, judges, notes, criteria, certainty, leniency = [], [], [], [], [], [], []
    per_category = categories_results(round_, round_.categories)
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
                    "Country": country_name(row.country),
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
        for criterion in criteria_of(round_, category):
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
