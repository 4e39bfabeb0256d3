"""Conflicts of interest: a judge declares one (or none) before scoring; the secretariat records them too."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Assignment,
    Conflict,
    Nomination,
    User,
    utcnow,
)
from ..rules import REASON_CHARS, SHORT_TEXT_CHARS
from . import NotAllowed, ServiceError
from .audit import record


def conflict_between(judge_id: int, nomination_id: int) -> Conflict | None:
    return db.session.scalar(
        sa.select(Conflict).where(Conflict.judge_id == judge_id, Conflict.nomination_id == nomination_id)
    )


def declare(assignment: Assignment, judge: User, has_conflict: bool, reason: str = "") -> None:
    """The judge's declaration before seeing the scoring form: no conflict, or a conflict with its reason."""
    write_declaration(assignment, judge, has_conflict, reason)
    db.session.commit()


def write_declaration(assignment: Assignment, judge: User, has_conflict: bool, reason: str = "") -> None:
    """:func:`declare` without the commit, for a use case that writes several things in one transaction."""
    if not assignment.belongs_to(judge):
        raise NotAllowed(_l("This is not your assignment."))
    if assignment.recused:
        raise ServiceError(_l("You are already recused from this nomination."))
    if has_conflict:
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(_l("Say briefly what the conflict is."))
        db.session.add(
            Conflict(
                judge_id=judge.id,
                nomination_id=assignment.nomination_id,
                reason=reason[:REASON_CHARS],
                recorded_by_id=judge.id,
            )
        )
        db.session.flush()
        db.session.expire(assignment, ["conflict"])  # recused from here on, in this transaction too
        record(
            "conflict.declared",
            assignment.nomination,
            judge,
            f"{judge.email} declared a conflict",
            {"judge": judge.email, "reason": reason[:SHORT_TEXT_CHARS]},
        )
    else:
        if assignment.no_conflict_declared_at is None:
            assignment.no_conflict_declared_at = utcnow()
            record(
                "conflict.none_declared",
                assignment.nomination,
                judge,
                f"{judge.email} declared no conflict",
                {"judge": judge.email},
            )


def record_conflict(judge: User, nomination: Nomination, reason: str, actor: User) -> Conflict:
    """The secretariat records a conflict it knows of; the judge is recused from the nomination."""
    if not judge.is_judge:
        raise ServiceError(_l("Choose a judge."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say briefly what the conflict is."))
    if conflict_between(judge.id, nomination.id) is not None:
        raise ServiceError(_l("This conflict is already recorded."))
    conflict = Conflict(
        judge_id=judge.id, nomination_id=nomination.id, reason=reason[:REASON_CHARS], recorded_by_id=actor.id
    )
    db.session.add(conflict)
    record(
        "conflict.recorded",
        nomination,
        actor,
        f"conflict of {judge.email} recorded",
        {"judge": judge.email, "reason": reason[:SHORT_TEXT_CHARS]},
    )
    db.session.commit()
    return conflict
