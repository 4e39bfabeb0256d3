"""A round's progress: per judge and per nomination, reminders, and each sheet's weighted total."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    Nomination,
    Round,
    Score,
    ScoreSheet,
    User,
)
from ..scoring import weighted_total
from ..urls import external_url
from . import ServiceError
from .audit import record
from .mail import send_email
from .rounds import round_nominations
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
        return self.assigned - self.done


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
        return max(0, self.wanted - self.submitted)


def round_assignments(round_: Round) -> list[Assignment]:
    """A round's assignments with their judge, sheet (without its scores), nomination, conflict and vote, in a fixed
    number of queries."""
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.round_id == round_.id)
            .options(
                joinedload(Assignment.judge),
                joinedload(Assignment.sheet).lazyload(ScoreSheet.scores),
                joinedload(Assignment.nomination).joinedload(Nomination.organisation),
                selectinload(Assignment.conflict),
                selectinload(Assignment.vote),
            )
            .order_by(Assignment.id)
        )
    )


def panel_progress(round_: Round) -> tuple[list[JudgeProgress], list[NominationProgress]]:
    """Progress per judge and per nomination in one round."""
    assignments = round_assignments(round_)
    per_judge: dict[int, JudgeProgress] = {}
    per_nomination: dict[int, NominationProgress] = {
        n.id: NominationProgress(n, [], round_.judges_per_nomination) for n in round_nominations(round_)
    }
    for a in assignments:
        status = a.status
        progress = per_judge.setdefault(a.judge_id, JudgeProgress(a.judge, {}))
        progress.counts[status] = progress.counts.get(status, 0) + 1
        if a.nomination_id in per_nomination:
            per_nomination[a.nomination_id].by_judge.append((a, status))
    judges_sorted = sorted(per_judge.values(), key=lambda p: (-p.unfinished, p.judge.name))
    return judges_sorted, list(per_nomination.values())


def send_reminders(round_: Round, actor: User) -> int:
    """E-mail every judge with unfinished work in the round; return how many were reminded."""
    if round_.is_closed():
        raise ServiceError(_l("This round has closed."))
    judges_progress, _ = panel_progress(round_)
    reminded = 0
    for progress in judges_progress:
        if progress.unfinished <= 0:
            continue
        judge = progress.judge
        send_email(
            judge.email,
            _l("Reminder: nominations are waiting for your scores"),
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


def judge_totals(round_: Round) -> dict[int, float]:
    """Each assignment's weighted total (the secretariat sees it per judge), computed without a query per sheet."""
    criteria = db.session.scalars(sa.select(Criterion).where(Criterion.round_id == round_.id)).all()
    by_category: dict[int, list[Criterion]] = {}
    for criterion in criteria:
        by_category.setdefault(criterion.category_id, []).append(criterion)
    scales = {category_id: scales_of(items) for category_id, items in by_category.items()}
    values: dict[int, dict[int, Decimal | None]] = {}
    category_of: dict[int, int] = {}
    for assignment_id, category_id, criterion_id, value in db.session.execute(
        sa.select(Assignment.id, Nomination.category_id, Score.criterion_id, Score.value)
        .join(ScoreSheet, ScoreSheet.assignment_id == Assignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(Assignment.round_id == round_.id)
    ):
        values.setdefault(assignment_id, {})[criterion_id] = Decimal(value) if value is not None else None
        category_of[assignment_id] = category_id
    return {
        assignment_id: weighted_total(scales.get(category_of[assignment_id], []), scores).value
        for assignment_id, scores in values.items()
    }
