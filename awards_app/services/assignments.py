"""Who judges what: by hand, automatically, reassigned, removed or waived, within the conflict rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import assignment as assignment_maths
from ..after_response import after_response
from ..extensions import db
from ..models import (
    Assignment,
    AssignmentStatus,
    CommitteeVote,
    Conflict,
    Nomination,
    Round,
    SheetStatus,
    User,
    utcnow,
)
from ..rules import REASON_CHARS, SHORT_TEXT_CHARS
from ..urls import external_url
from . import ServiceError, calibration, slot_invitations
from .audit import record
from .conflicts import conflict_between
from .eligibility import judge_slot, judges, judges_escaping_conflict_rules, loads, nomination_slot, pair_refusal
from .mail import send_email
from .rounds import round_nominations


def assign_manually(
    round_: Round, nomination_ids: list[int], judge_ids: list[int], actor: User
) -> tuple[int, list[tuple[User, Nomination, str]]]:
    """Assign every chosen judge to every chosen nomination the conflict rules allow; return how many were added
    and each pair refused with the rule that refused it."""
    in_round = {n.id: n for n in round_nominations(round_)}
    panel = {j.id: j for j in judges()}
    nominations = [in_round[i] for i in dict.fromkeys(nomination_ids) if i in in_round]
    chosen_judges = [panel[i] for i in dict.fromkeys(judge_ids) if i in panel]
    if not nominations or not chosen_judges:
        raise ServiceError(_l("Choose at least one nomination of this round and one judge."))
    existing = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.nomination_id).where(Assignment.round_id == round_.id)
        )
    }
    conflicts = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    held = loads(round_)
    added, refused = 0, []
    for nomination in nominations:
        for judge in chosen_judges:
            if (judge.id, nomination.id) in existing:
                continue
            reason = pair_refusal(
                judge,
                nomination,
                round_,
                on_it=False,
                declared=(judge.id, nomination.id) in conflicts,
                load=held.get(judge.id, 0),
            )
            if reason is not None:
                refused.append((judge, nomination, reason))
                continue
            db.session.add(
                Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge.id, created_by_id=actor.id)
            )
            held[judge.id] = held.get(judge.id, 0) + 1
            added += 1
    record(
        "assignment.added",
        round_,
        actor,
        f"{added} assignments added by hand in {round_.name}",
        {
            "round": round_.name,
            "count": added,
            "judges": [j.id for j in chosen_judges],
            "nominations": [n.id for n in nominations],
            "refused": [[j.id, n.id] for j, n, _reason in refused],
        },
    )
    db.session.flush()
    calibration.give_to_new_judges(round_, actor)
    slot_invitations.refresh_round(round_.id)  # a finalist's new judges are sent its presentation
    db.session.commit()
    return added, refused


@dataclass
class AutoResult:
    added: int
    shortfalls: list[tuple[Nomination, int, str]] = field(default_factory=list)
    #: Judges left out because the conflict rules cannot check them (no country or no organisation in the profile).
    unchecked_judges: list[User] = field(default_factory=list)


def _plan(
    round_: Round, nominations: list[Nomination], panel: list[User], seed: int, only: list[int] | None = None
) -> assignment_maths.AssignmentPlan:
    """The automatic assignment's plan for the round as it stands (``assignment.plan_assignment``'s rules)."""
    existing: list[tuple[int, int]] = [
        (row[0], row[1])
        for row in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.nomination_id).where(Assignment.round_id == round_.id)
        )
    ]
    blocked = {(row[0], row[1]) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    known_judges = {j.id for j in panel}
    known_nominations = {n.id for n in nominations}
    # A judge whose profile lacks an organisation or a country is given nothing new (the conflict rules cannot see
    # them); what they already hold stays theirs and counts.
    held = set(existing)
    blocked |= {
        (j.id, n.id) for j in judges_escaping_conflict_rules(panel) for n in nominations if (j.id, n.id) not in held
    }
    return assignment_maths.plan_assignment(
        [judge_slot(j) for j in panel],
        [nomination_slot(n) for n in nominations],
        judges_per_nomination=round_.judges_per_nomination,
        max_load=round_.max_load,
        # A recused judge's assignment does not count: the nomination needs someone in their place.
        existing=[p for p in existing if p[0] in known_judges and p[1] in known_nominations and p not in blocked],
        blocked=sorted(p for p in blocked if p[0] in known_judges and p[1] in known_nominations),
        same_country=round_.same_country_conflict,
        seed=seed,
        only=only,
    )


def assign_automatically(round_: Round, actor: User, seed: int = 0) -> AutoResult:
    """Fill each nomination up to the round's panel size, evenly, never with a conflicted judge nor with one whose
    profile lacks an organisation or a country (they are reported, to be completed)."""
    if round_.is_closed():
        raise ServiceError(_l("This round has closed."))
    nominations = round_nominations(round_)
    panel = judges()
    plan = _plan(round_, nominations, panel, seed)
    for judge_id, nomination_id in plan.added:
        db.session.add(
            Assignment(
                round_id=round_.id,
                nomination_id=nomination_id,
                judge_id=judge_id,
                automatic=True,
                created_by_id=actor.id,
            )
        )
    by_id = {n.id: n for n in nominations}
    shortfalls = [(by_id[s.nomination_id], s.missing, s.reason) for s in plan.shortfalls]
    unseen = judges_escaping_conflict_rules(panel)
    record(
        "assignment.automatic",
        round_,
        actor,
        f"{len(plan.added)} assignments added automatically",
        {
            "round": round_.name,
            "count": len(plan.added),
            "seed": seed,
            "short": {str(s.nomination_id): s.missing for s in plan.shortfalls},
            "judges_without_details": [j.id for j in unseen],
        },
    )
    db.session.flush()
    calibration.give_to_new_judges(round_, actor)
    slot_invitations.refresh_round(round_.id)
    db.session.commit()
    return AutoResult(len(plan.added), shortfalls, unseen)


@dataclass
class Replacement:
    """The judges a nomination short of judges was given, and what it still lacks (with the binding constraint)."""

    added: list[Assignment]
    missing: int
    reason: str


def assign_replacement(round_: Round, nomination: Nomination, actor: User) -> Replacement:
    """Give a nomination short of judges (a judge recused) the judges it lacks, by the automatic assignment's rules
    (conflicts, country, load cap, even loads) applied to it alone, and e-mail each new judge."""
    if round_.is_closed():
        raise ServiceError(_l("This round has closed."))
    nominations = round_nominations(round_)
    if nomination.id not in {n.id for n in nominations}:
        raise ServiceError(_l("This nomination is not judged in this round."))
    panel = judges()
    plan = _plan(round_, nominations, panel, seed=0, only=[nomination.id])
    if not plan.added and not plan.shortfalls:
        raise ServiceError(_l("%(ref)s has all its judges: nobody needs replacing.", ref=nomination.reference))
    by_id = {j.id: j for j in panel}
    added = [
        Assignment(round_id=round_.id, nomination_id=nomination.id, judge_id=judge_id, created_by_id=actor.id)
        for judge_id, _nomination_id in plan.added
    ]
    db.session.add_all(added)
    missing = sum(s.missing for s in plan.shortfalls)
    reason = plan.shortfalls[0].reason if plan.shortfalls else ""
    record(
        "assignment.replacement",
        round_,
        actor,
        f"{nomination.reference}: {len(added)} replacement judge(s) assigned"
        + (f", {missing} still missing ({reason})" if missing else ""),
        {
            "round": round_.name,
            "reference": nomination.reference,
            "judges": [by_id[a.judge_id].email for a in added],
            "missing": missing,
        },
    )
    db.session.flush()
    calibration.give_to_new_judges(round_, actor)  # a new judge of the category scores its calibration first
    slot_invitations.refresh_round(round_.id)
    db.session.commit()
    # The assignments are saved: a mail server that fails now is logged, and must not answer as if nothing was.
    after_response(partial(_tell_replacements, [a.id for a in added]))
    return Replacement(added, missing, reason)


def _tell_replacements(assignment_ids: list[int]) -> None:
    """E-mail each judge given a nomination as a replacement, with the link to it."""
    for assignment in db.session.scalars(sa.select(Assignment).where(Assignment.id.in_(assignment_ids))):
        judge = assignment.judge
        send_email(
            judge.email,
            "assigned",
            locale=judge.locale,
            judge=judge,
            round=assignment.round,
            nomination=assignment.nomination,
            link=external_url("judging.assignment", assignment_id=assignment.id),
        )


def _work_started(assignment: Assignment) -> bool:
    vote = db.session.scalar(sa.select(CommitteeVote.id).where(CommitteeVote.assignment_id == assignment.id))
    return assignment.sheet is not None or vote is not None


def remove_assignment(assignment: Assignment, actor: User) -> None:
    """Take a nomination away from a judge who has not started on it."""
    if _work_started(assignment):
        raise ServiceError(_l("The judge has already started on this nomination: reassign it instead."))
    record(
        "assignment.removed",
        assignment.round,
        actor,
        "assignment removed",
        {"round": assignment.round.name, "judge": assignment.judge.email, "reference": assignment.nomination.reference},
    )
    round_id = assignment.round_id
    db.session.delete(assignment)
    slot_invitations.refresh_round(round_id)  # the judge is sent the cancellation of the finalist's presentation
    db.session.commit()


def reassign(assignment: Assignment, new_judge: User, actor: User) -> Assignment:
    """Move a nomination from one judge to another; the first judge's draft (if any) is discarded."""
    if new_judge.id == assignment.judge_id or not new_judge.is_judge:
        raise ServiceError(_l("Choose another judge."))
    if assignment.sheet is not None and assignment.sheet.status is SheetStatus.SUBMITTED:
        raise ServiceError(_l("Submitted scores stay with their judge; reopen them first if they must go."))
    if db.session.scalar(sa.select(CommitteeVote.id).where(CommitteeVote.assignment_id == assignment.id)):
        raise ServiceError(_l("This member has voted: the vote stays with them."))
    clash = db.session.scalar(
        sa.select(Assignment.id).where(
            Assignment.round_id == assignment.round_id,
            Assignment.nomination_id == assignment.nomination_id,
            Assignment.judge_id == new_judge.id,
        )
    )
    refusal = pair_refusal(
        new_judge,
        assignment.nomination,
        assignment.round,
        on_it=clash is not None,
        declared=conflict_between(new_judge.id, assignment.nomination_id) is not None,
        load=loads(assignment.round).get(new_judge.id, 0),
    )
    if refusal is not None:
        raise ServiceError(_l("%(name)s cannot take this nomination: %(reason)s.", name=new_judge.name, reason=refusal))
    old_judge = assignment.judge
    replacement = Assignment(
        round_id=assignment.round_id,
        nomination_id=assignment.nomination_id,
        judge_id=new_judge.id,
        created_by_id=actor.id,
    )
    record(
        "assignment.reassigned",
        assignment.round,
        actor,
        f"{assignment.nomination.reference} moved from {old_judge.email} to {new_judge.email}",
        {
            "round": assignment.round.name,
            "reference": assignment.nomination.reference,
            "from": old_judge.email,
            "to": new_judge.email,
        },
    )
    db.session.delete(assignment)
    db.session.add(replacement)
    slot_invitations.refresh_round(replacement.round_id)  # the cancellation to one judge, the invitation to the other
    db.session.commit()
    return replacement


def waive_assignment(assignment: Assignment, actor: User, reason: str) -> None:
    """Let a sheet go unfinished, with the reason: it no longer holds up publication, and its scores (a draft, if
    any) count for nothing. The judge may still submit while the round is open."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say why this sheet may stay unfinished."))
    if assignment.status in (AssignmentStatus.SUBMITTED, AssignmentStatus.RECUSED):
        raise ServiceError(_l("This sheet is submitted or its judge recused: there is nothing to waive."))
    assignment.waived_at, assignment.waived_by_id, assignment.waived_reason = utcnow(), actor.id, reason[:REASON_CHARS]
    db.session.flush()
    calibration.settle(assignment)  # waiving the judge's last calibration nomination completes their calibration
    record(
        "assignment.waived",
        assignment.round,
        actor,
        f"{assignment.nomination.reference}: sheet of {assignment.judge.email} waived",
        {
            "round": assignment.round.name,
            "reference": assignment.nomination.reference,
            "judge": assignment.judge.email,
            "reason": reason[:SHORT_TEXT_CHARS],
        },
    )
    db.session.commit()
