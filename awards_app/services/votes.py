"""Committee votes: a member approves, rejects or abstains; the counts per nomination."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Assignment,
    CommitteeVote,
    Conflict,
    Round,
    RoundMode,
    User,
    Vote,
    utcnow,
)
from ..rules.committee import VoteCount
from . import NotAllowed, ServiceError
from .audit import record


def vote_of(assignment: Assignment) -> CommitteeVote | None:
    """The member's own vote on this assignment, if cast."""
    return db.session.scalar(sa.select(CommitteeVote).where(CommitteeVote.assignment_id == assignment.id))


def cast_vote(assignment: Assignment, member: User, vote: Vote) -> CommitteeVote:
    """A committee member votes approve, reject or abstain; the vote can change while the round is open."""
    refusal = assignment.voting_refusal(member)
    if refusal is not None:
        wrong_round = assignment.belongs_to(member) and assignment.round.mode is not RoundMode.COMMITTEE
        raise (ServiceError if wrong_round else NotAllowed)(refusal)
    existing = vote_of(assignment)
    if existing is None:
        existing = CommitteeVote(assignment_id=assignment.id, vote=vote)
        db.session.add(existing)
    existing.vote, existing.voted_at = vote, utcnow()
    record(
        "vote.cast",
        assignment.nomination,
        member,
        f"{member.email} voted {vote}",
        {"vote": str(vote), "round": assignment.round.name},
    )
    db.session.commit()
    return existing


def vote_counts(round_: Round) -> dict[int, VoteCount]:
    """Per nomination of a committee round: committee size and the votes."""
    conflicts = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    assignments = db.session.scalars(sa.select(Assignment).where(Assignment.round_id == round_.id)).all()
    votes = {
        row[0]: row[1]
        for row in db.session.execute(
            sa.select(CommitteeVote.assignment_id, CommitteeVote.vote)
            .join(CommitteeVote.assignment)
            .where(Assignment.round_id == round_.id)
        )
    }
    tallies: dict[int, dict[str, int]] = {}
    for a in assignments:
        if (a.judge_id, a.nomination_id) in conflicts:
            continue
        tally = tallies.setdefault(a.nomination_id, {"committee": 0, "approve": 0, "reject": 0, "abstain": 0})
        tally["committee"] += 1
        if a.id in votes:
            tally[str(votes[a.id])] += 1
    return {n: VoteCount(**t) for n, t in tallies.items()}
