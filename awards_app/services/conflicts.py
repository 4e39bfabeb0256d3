"""Conflicts of interest: a judge declares one (or none) before scoring; the secretariat records them too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Assignment,
    Conflict,
    Nomination,
    User,
    utcnow,
)
from ..rules import REASON_CHARS, SHORT_TEXT_CHARS
from . import NotAllowed, ServiceError, calibration, slot_invitations
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
        calibration.settle_judge(judge.id, assignment.nomination_id)  # it may complete the judge's calibration
        slot_invitations.refresh_nomination(assignment.nomination_id)  # recused: the presentation is cancelled for them
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


@dataclass(frozen=True)
class Declarations:
    """What one batch of declarations recorded."""

    no_conflict: list[Assignment]
    conflict: Assignment | None


def declare_several(
    judge: User, no_conflict_ids: Sequence[int], conflict_id: int | None = None, reason: str = ""
) -> Declarations:
    """From the list of assignments: no conflict on several of the judge's assignments at once, and a conflict
    (with its reason) on one of them; each as :func:`declare` writes it, all of them or, if one is refused, none."""
    no_conflict_ids = list(dict.fromkeys(no_conflict_ids))
    if not no_conflict_ids and conflict_id is None:
        raise ServiceError(
            _l(
                "Tick the nominations you have no conflict of interest with, or choose the one you have a conflict "
                "with. Nothing was saved."
            )
        )
    # Only the judge's own assignments are loaded, so an id posted for someone else's (or for none) is simply not
    # found, and no posted number reaches the database.
    own = {
        a.id: a
        for a in db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.judge_id == judge.id)
            .options(
                joinedload(Assignment.round),
                joinedload(Assignment.nomination),
                selectinload(Assignment.conflict),
            )
        ).unique()
    }
    wanted = [*no_conflict_ids, *([conflict_id] if conflict_id is not None else [])]
    if any(assignment_id not in own for assignment_id in wanted):
        raise NotAllowed(_l("One of the nominations sent is not among your assignments. Nothing was saved."))
    for assignment_id in wanted:
        refusal = own[assignment_id].declaration_refusal(judge)
        if refusal is not None:
            raise ServiceError(
                _l(
                    "%(reference)s: %(refusal)s Nothing was saved.",
                    reference=own[assignment_id].nomination.reference,
                    refusal=refusal,
                )
            )
    conflict = own[conflict_id] if conflict_id is not None else None
    if conflict is not None:
        if not (reason or "").strip():
            raise ServiceError(_l("Say briefly what the conflict is. Nothing was saved."))
        # A conflict recuses the judge from the nomination in every round: it cannot also be declared none.
        if any(own[i].nomination_id == conflict.nomination_id for i in no_conflict_ids):
            raise ServiceError(
                _l(
                    "You ticked no conflict of interest with %(reference)s and chose it as your conflict: untick it "
                    "or choose another. Nothing was saved.",
                    reference=conflict.nomination.reference,
                )
            )
    declared = [own[i] for i in no_conflict_ids]
    for assignment in declared:
        write_declaration(assignment, judge, False)
    if conflict is not None:
        write_declaration(conflict, judge, True, reason)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as error:  # the same conflict declared from another window at the same moment
        db.session.rollback()
        raise ServiceError(
            _l("Your declarations changed in another window. Nothing was saved: reload the list.")
        ) from error
    return Declarations(declared, conflict)


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
    db.session.flush()
    calibration.settle_judge(judge.id, nomination.id)  # it may complete the judge's calibration
    slot_invitations.refresh_nomination(nomination.id)
    record(
        "conflict.recorded",
        nomination,
        actor,
        f"conflict of {judge.email} recorded",
        {"judge": judge.email, "reason": reason[:SHORT_TEXT_CHARS]},
    )
    db.session.commit()
    return conflict
