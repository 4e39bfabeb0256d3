"""Results of a round: the database's scores handed to the pure ranking module, and its answers joined back."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from .. import ranking
from ..extensions import db
from ..models import (
    Assignment,
    Category,
    Conflict,
    Criterion,
    Nomination,
    Round,
    Score,
    ScoreSheet,
    SheetStatus,
    User,
)


def counted_scores(round_: Round, category: Category) -> pd.DataFrame:
    """Every score that counts: submitted sheets only, and never a judge with a conflict of interest."""
    recused = sa.exists().where(Conflict.judge_id == Assignment.judge_id,
                                Conflict.nomination_id == Assignment.nomination_id)
    rows = db.session.execute(
        sa.select(Nomination.category_id, Assignment.nomination_id, Assignment.judge_id, Score.criterion_id,
                  Score.value, Criterion.weight, Criterion.min_score, Criterion.max_score)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Assignment.round_id == round_.id, Nomination.category_id == category.id,
               ScoreSheet.status == SheetStatus.SUBMITTED, ~recused)
    ).all()
    columns = ["category_id", "nomination_id", "judge_id", "criterion_id", "score", "weight", "min", "max"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for column in ("score", "weight", "min", "max"):
        frame[column] = pd.to_numeric(frame[column].astype(object), errors="coerce").astype(float)
    return frame


def criteria_order(round_: Round, category: Category) -> pd.DataFrame:
    rows = db.session.execute(sa.select(Criterion.category_id, Criterion.id, Criterion.position)
                              .where(Criterion.round_id == round_.id, Criterion.category_id == category.id)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["category_id", "criterion_id", "position"])


@dataclass
class CategoryResults:
    category: Category
    settings: ranking.RankingSettings
    ranking: pd.DataFrame  # ranking.rank_nominations, with reference, title, organisation, country
    agreement: pd.DataFrame  # Kendall's tau between the round's method and each other
    judges: pd.DataFrame  # diagnostics, with the judge's name
    alpha: float | None


def category_results(round_: Round, category: Category) -> CategoryResults:
    """Rank one category of a round by the round's method, with robustness and judge diagnostics."""
    settings = ranking.RankingSettings(
        method=ranking.Method(round_.ranking_method or "mean"),
        judges_per_nomination=round_.judges_per_nomination,
        disagreement=float(round_.disagreement_threshold or 15),
        cuts=tuple(n for n in {category.award_count} if n),
    )
    scores = counted_scores(round_, category)
    table = ranking.rank_nominations(scores, criteria_order(round_, category), settings)
    totals = ranking.judge_totals(scores)
    judges = ranking.judge_diagnostics(totals)
    agreement = ranking.method_agreement(table, settings.method)
    alpha_frame = ranking.panel_agreement(totals)
    alpha = float(alpha_frame["alpha"].iloc[0]) if len(alpha_frame) else None

    nomination_ids = [int(i) for i in table["nomination_id"]]
    info = {n.id: n for n in db.session.scalars(
        sa.select(Nomination).where(Nomination.id.in_(nomination_ids)).join(Nomination.organisation)
        .options(contains_eager(Nomination.organisation)))} if nomination_ids else {}
    table = table.assign(
        reference=[info[i].reference for i in nomination_ids],
        title=[info[i].title for i in nomination_ids],
        organisation=[info[i].organisation.name for i in nomination_ids],
        country=[info[i].organisation.country_code for i in nomination_ids],
    )
    judge_ids = [int(i) for i in judges["judge_id"]]
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(judge_ids))).all()) \
        if judge_ids else {}
    judges = judges.assign(name=[names.get(i, "") for i in judge_ids])
    return CategoryResults(category, settings, table, agreement, judges, alpha)



def advance_top(from_round: Round, to_round: Round, places: int, actor: User) -> int:
    """Take the top places of each category of a round into a later round; nominations tied at the cut all go."""
    from . import judging

    chosen: list[int] = []
    for category in from_round.categories:
        if category not in to_round.categories:
            continue
        table = category_results(from_round, category).ranking
        chosen += [int(i) for i in table.loc[table["rank"] <= places, "nomination_id"]]
    return judging.advance(from_round, to_round, chosen, actor)
