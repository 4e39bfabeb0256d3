"""A round's progress: per judge and per nomination, reminders, and each sheet's weighted total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, defer, joinedload, selectinload

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentStatus,
    CommitteeVote,
    Criterion,
    Nomination,
    Organisation,
    Round,
    Score,
    ScoreSheet,
    User,
    assignment_status,
)
from ..models.judging import UNFINISHED_STATUSES
from ..scoring import weighted_total
from ..urls import external_url
from . import ServiceError
from .audit import record
from .mail import send_email
from .nominations import text_matches
from .rounds import round_nominations_query
from .rubrics import scales_of


@dataclass
class JudgeProgress:
    judge: User
    counts: dict[AssignmentStatus, int]

    @property
    def assigned(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(
            self.counts.get(s, 0)
            for s in (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED, AssignmentStatus.WAIVED)
        )

    @property
    def unfinished(self) -> int:
        return sum(self.counts.get(s, 0) for s in UNFINISHED_STATUSES)


@dataclass
class NominationProgress:
    nomination: Nomination
    by_judge: list[tuple[Assignment, AssignmentStatus]]
    wanted: int

    @property
    def submitted(self) -> int:
        return sum(1 for _a, s in self.by_judge if s is AssignmentStatus.SUBMITTED)

    @property
    def active(self) -> int:
        return sum(1 for _a, s in self.by_judge if s is not AssignmentStatus.RECUSED)

    @property
    def missing(self) -> int:
        """The scores (or votes) its judges still owe: what a reminder asks for."""
        return sum(1 for _a, s in self.by_judge if s in UNFINISHED_STATUSES)

    @property
    def short(self) -> int:
        """The judges it lacks: fewer without a conflict than the round wants (a judge recused, or was removed)."""
        return max(0, self.wanted - self.active)


def round_assignments(round_: Round, nomination_ids: list[int] | None = None) -> list[Assignment]:
    """A round's assignments (or those of some of its nominations, loaded already) with their judge, sheet (without
    its scores), nomination, conflict and vote, in a fixed number of queries."""
    query = sa.select(Assignment).where(Assignment.round_id == round_.id)
    if nomination_ids is not None:
        # A page's nominations are in the session already: their assignments find them there.
        query = query.where(Assignment.nomination_id.in_(nomination_ids))
    else:
        query = query.options(joinedload(Assignment.nomination).joinedload(Nomination.organisation))
    return list(
        db.session.scalars(
            query.options(
                joinedload(Assignment.judge),
                joinedload(Assignment.sheet).lazyload(ScoreSheet.scores),
                selectinload(Assignment.conflict),
                selectinload(Assignment.vote),
            ).order_by(Assignment.id)
        )
    )


def judge_progress(round_: Round) -> list[JudgeProgress]:
    """Progress per judge over the whole round, counted by the database (two queries however large the round),
    the judges with the most unfinished work first."""
    voted = sa.exists().where(CommitteeVote.assignment_id == Assignment.id)
    each = (
        sa.select(
            Assignment.judge_id,
            Assignment.recused_clause().label("recused"),
            ScoreSheet.status.label("sheet"),
            Assignment.waived_at.is_not(None).label("waived"),
            voted.label("voted"),
        )
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(each.c.judge_id, each.c.recused, each.c.sheet, each.c.waived, each.c.voted, sa.func.count()).group_by(
            each.c.judge_id, each.c.recused, each.c.sheet, each.c.waived, each.c.voted
        )
    ).all()
    judges = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({row.judge_id for row in rows})))}
    per_judge: dict[int, JudgeProgress] = {}
    for judge_id, recused, sheet, waived, has_vote, count in rows:
        status = assignment_status(
            recused=bool(recused), mode=round_.mode, voted=bool(has_vote), sheet=sheet, waived=bool(waived)
        )
        progress = per_judge.setdefault(judge_id, JudgeProgress(judges[judge_id], {}))
        progress.counts[status] = progress.counts.get(status, 0) + count
    return sorted(per_judge.values(), key=lambda p: (-p.unfinished, p.judge.name))


def nominations_progress(round_: Round, nominations: list[Nomination]) -> list[NominationProgress]:
    """Progress of some of a round's nominations (a page of them), judge by judge, in the order given."""
    per_nomination = {n.id: NominationProgress(n, [], round_.judges_per_nomination) for n in nominations}
    for a in round_assignments(round_, list(per_nomination)):
        per_nomination[a.nomination_id].by_judge.append((a, a.status))
    return list(per_nomination.values())


@dataclass(frozen=True)
class RoundFilter:
    """What a round's lists of nominations are narrowed to."""

    text: str = ""
    category_id: int | None = None
    #: "missing": its judges still owe scores (or votes); "short": fewer judges without a conflict than wanted.
    state: str = ""


ROUND_FILTER_STATES = ("missing", "short")


#: The orders a round's lists of nominations offer; a leading "-" reverses one. The reference breaks ties.
ROUND_SORTS = (
    "reference",
    "-reference",
    "title",
    "-title",
    "organisation",
    "-organisation",
    "submitted",
    "-submitted",
    "missing",
    "-missing",
)


def _per_nomination(round_: Round) -> sa.Subquery:
    """Per nomination with assignments in the round, in one grouped pass: ``done``, the assignments whose status is
    SUBMITTED; ``owed``, those still unfinished (``UNFINISHED_STATUSES``: what "missing" counts); and ``active``,
    those whose judge is not recused."""
    counted = ~Assignment.recused_clause()
    return (
        sa.select(
            Assignment.nomination_id,
            sa.func.sum(sa.case((sa.and_(counted, Assignment.done_clause(round_.mode)), 1), else_=0)).label("done"),
            sa.func.sum(sa.case((Assignment.unfinished_clause(round_.mode), 1), else_=0)).label("owed"),
            sa.func.sum(sa.case((counted, 1), else_=0)).label("active"),
        )
        .where(Assignment.round_id == round_.id)
        .group_by(Assignment.nomination_id)
        .subquery()
    )


def round_nomination_search(round_: Round, filters: RoundFilter, sort: str = "reference") -> sa.Select:
    """The query of a round's nominations that match the filters, with their organisation and category, in one of
    the ROUND_SORTS (by category and reference otherwise)."""
    query = (
        round_nominations_query(round_)
        .join(Nomination.organisation)
        .options(
            contains_eager(Nomination.organisation),
            joinedload(Nomination.category),
            defer(Nomination.answers, raiseload=True),  # the entry itself is for the nomination's own page
        )
    )
    if filters.text.strip():
        query = query.where(text_matches(filters.text))
    if filters.category_id is not None:
        query = query.where(Nomination.category_id == filters.category_id)
    if filters.state or sort.lstrip("-") in ("submitted", "missing"):
        counts = _per_nomination(round_)
        query = query.outerjoin(counts, counts.c.nomination_id == Nomination.id)
        done, active = sa.func.coalesce(counts.c.done, 0), sa.func.coalesce(counts.c.active, 0)
        owed = sa.func.coalesce(counts.c.owed, 0)
        if filters.state == "missing":
            query = query.where(owed > 0)
        elif filters.state == "short":
            query = query.where(active < round_.judges_per_nomination)
    by_reference = (Nomination.category_id, Nomination.reference, Nomination.id)
    orders: dict[str, tuple] = {
        "-reference": (Nomination.category_id.desc(), Nomination.reference.desc(), Nomination.id.desc()),
        "title": (Nomination.title, *by_reference),
        "-title": (Nomination.title.desc(), *by_reference),
        "organisation": (Organisation.name, *by_reference),
        "-organisation": (Organisation.name.desc(), *by_reference),
    }
    if sort.lstrip("-") in ("submitted", "missing"):
        # Missing scores go down as submitted ones go up.
        orders |= {
            "submitted": (done, *by_reference),
            "-submitted": (done.desc(), *by_reference),
            "missing": (owed, *by_reference),
            "-missing": (owed.desc(), *by_reference),
        }
    return query.order_by(None).order_by(*orders.get(sort, by_reference))


@dataclass(frozen=True)
class RoundSummary:
    """A round's figures over all its nominations, whatever page of them is shown."""

    nominations: int
    missing: int  # whose judges still owe scores (or votes): what the reminders ask for
    short: int  # with fewer judges without a conflict than the round wants


def round_summary(round_: Round) -> RoundSummary:
    """Count a round's nominations, those still missing scores and those short of judges, in one query."""
    wanted = round_.judges_per_nomination
    per_nomination = _per_nomination(round_)
    owed = sa.func.coalesce(per_nomination.c.owed, 0)
    active = sa.func.coalesce(per_nomination.c.active, 0)
    total, missing, short = db.session.execute(
        round_nominations_query(round_)
        .with_only_columns(
            sa.func.count(Nomination.id),
            sa.func.coalesce(sa.func.sum(sa.case((owed > 0, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((active < wanted, 1), else_=0)), 0),
        )
        .outerjoin(per_nomination, per_nomination.c.nomination_id == Nomination.id)
        .order_by(None)
    ).one()
    return RoundSummary(int(total), int(missing), int(short))


def send_reminders(round_: Round, actor: User) -> int:
    """E-mail every judge with unfinished work in the round; return how many were reminded."""
    if round_.is_closed():
        raise ServiceError(_l("This round has closed."))
    judges_progress = judge_progress(round_)
    reminded = 0
    for progress in judges_progress:
        if progress.unfinished <= 0:
            continue
        judge = progress.judge
        send_email(
            judge.email,
            "reminder",
            locale=judge.locale,
            judge=judge,
            round=round_,
            unfinished=progress.unfinished,
            assigned=progress.assigned,
            link=external_url("judging.index"),
        )
        reminded += 1
    record("reminders.sent", round_, actor, f"{reminded} judges reminded", {"round": round_.name, "count": reminded})
    db.session.commit()
    return reminded


def judge_totals(round_: Round, nomination_ids: list[int] | None = None) -> dict[int, float]:
    """Each assignment's weighted total (the secretariat sees it per judge), computed without a query per sheet; for
    some of the round's nominations only when their ids are given."""
    criteria = db.session.scalars(sa.select(Criterion).where(Criterion.round_id == round_.id)).all()
    by_category: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        by_category.setdefault(criterion.category_id, []).append(criterion)
    scales = {category_id: scales_of(items) for category_id, items in by_category.items()}
    values: dict[int, dict[int, Decimal | None]] = {}
    category_of: dict[int, int] = {}
    query = (
        sa.select(Assignment.id, Nomination.category_id, Score.criterion_id, Score.value)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Assignment.round_id == round_.id)
    )
    if nomination_ids is not None:
        query = query.where(Assignment.nomination_id.in_(nomination_ids))
    for assignment_id, category_id, criterion_id, value in db.session.execute(query):
        values.setdefault(assignment_id, {})[criterion_id] = Decimal(value) if value is not None else None
        category_of[assignment_id] = category_id
    return {
        assignment_id: weighted_total(scales.get(category_of[assignment_id], []), scores).value
        for assignment_id, scores in values.items()
    }
