"""A committee round's sitting (the Mayor's commendations): who counts, how they voted, what passes, the
commendations given from it, and the minutes.

The rule (공적심사위원회): a nomination passes when a majority of the members present approve, with more than the
round's quorum share of the members present. **Members** (재적) are the committee members assigned the nomination,
leaving out those with a conflict of interest with it (they are named, and count for nothing). **Present** (출석)
are the members who voted: approve, reject or abstain (an abstention is present, and not an approval). Closing the
sitting freezes the votes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Assignment,
    Category,
    CommitteeVote,
    Conflict,
    Nomination,
    Round,
    RoundMode,
    User,
    Vote,
    utcnow,
)
from ..rules import tiers
from ..rules.committee import RULES_IN_WORDS, VoteCount
from . import ServiceError
from .audit import record
from .awards import given_by_hand, places_left, replace_given_in_order

if TYPE_CHECKING:  # pandas is imported where a frame is made: the app starts without it
    import pandas as pd


@dataclass
class SittingLine:
    """One nomination at the sitting."""

    nomination: Nomination
    votes: list[tuple[User, Vote | None]] = field(default_factory=list)  # each member and their vote (None: absent)
    left_out: list[User] = field(default_factory=list)  # members with a conflict of interest
    count: VoteCount = field(default_factory=lambda: VoteCount(0, 0, 0, 0))

    def outcome(self, quorum) -> str:
        """ "passes", "does not pass" or "no quorum"."""
        if not self.count.quorate(quorum):
            return "no quorum"
        return "passes" if self.count.passes(quorum) else "does not pass"


def _require_committee(round_: Round) -> None:
    if round_.mode is not RoundMode.COMMITTEE:
        raise ServiceError(_l("This round is decided by scores, not by a committee vote."))


def sitting(round_: Round) -> list[SittingLine]:
    """Per nomination of the committee round: its members, their votes, who is left out, and the counts."""
    from .rounds import round_nominations

    _require_committee(round_)
    conflicts = {tuple(row) for row in db.session.execute(sa.select(Conflict.judge_id, Conflict.nomination_id))}
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == round_.id).order_by(Assignment.id)
    ).all()
    votes = {
        row[0]: row[1]
        for row in db.session.execute(
            sa.select(CommitteeVote.assignment_id, CommitteeVote.vote)
            .join(CommitteeVote.assignment)
            .where(Assignment.round_id == round_.id)
        )
    }
    lines = {n.id: SittingLine(n) for n in round_nominations(round_)}
    for a in assignments:
        line = lines.get(a.nomination_id)
        if line is None:
            continue
        if (a.judge_id, a.nomination_id) in conflicts:
            line.left_out.append(a.judge)
        else:
            line.votes.append((a.judge, votes.get(a.id)))
    for line in lines.values():
        cast = [v for _member, v in line.votes if v is not None]
        line.count = VoteCount(
            committee=len(line.votes),
            approve=cast.count(Vote.APPROVE),
            reject=cast.count(Vote.REJECT),
            abstain=cast.count(Vote.ABSTAIN),
        )
        line.votes.sort(key=lambda pair: pair[0].name)
    return sorted(lines.values(), key=lambda line: (line.nomination.category.position, line.nomination.reference or ""))


def close_sitting(round_: Round, actor: User) -> None:
    """Close the committee's sitting: the votes are frozen and the outcome is final."""
    _require_committee(round_)
    if round_.sitting_closed_at is not None:
        raise ServiceError(_l("The sitting is already closed."))
    round_.sitting_closed_at, round_.sitting_closed_by_id = utcnow(), actor.id
    outcomes = {line.nomination.reference: line.outcome(round_.quorum) for line in sitting(round_)}
    record(
        "sitting.closed",
        round_,
        actor,
        f"sitting of {round_.name} closed",
        {"round": round_.name, "outcomes": outcomes},
    )
    db.session.commit()


def commendation_plan(round_: Round, category: Category) -> tiers.TierPlan:
    """The category's tiers (e.g. Commendation × 5) given to the nominations that passed, by the same rule as a
    ranking: by the share of approvals among the members present, a tie at the last place left to the committee."""
    lines = [
        line
        for line in sitting(round_)
        if line.nomination.category_id == category.id and line.outcome(round_.quorum) == "passes"
    ]
    shares = {line.nomination.id: line.count.approve / line.count.present for line in lines}
    ordered = sorted(shares.values(), reverse=True)
    candidates = [
        tiers.Candidate(
            line.nomination.id,
            1 + sum(1 for s in ordered if s > shares[line.nomination.id]),
            100 * shares[line.nomination.id],
            line.nomination.organisation.type.value,
        )
        for line in lines
    ]
    by_hand = given_by_hand(round_, category)
    return tiers.fill_tiers([c for c in candidates if c.nomination_id not in by_hand], places_left(category, by_hand))


def give_commendations(round_: Round, category: Category, actor: User) -> tuple[int, int]:
    """Give the category's tiers to the nominations that passed, once the sitting is closed."""
    _require_committee(round_)
    if round_.sitting_closed_at is None:
        raise ServiceError(_l("Close the sitting first: until then members may still change their votes."))
    if round_.edition.results_published_at is not None:
        raise ServiceError(_l("The results are published: awards can no longer change."))
    plan = commendation_plan(round_, category)
    replace_given_in_order(round_, category, plan, actor)
    held = sum(h.places for h in plan.held)
    record(
        "awards.assigned",
        round_,
        actor,
        f"{len(plan.given)} commendations given in {category.code}",
        {"round": round_.name, "category": category.code, "count": len(plan.given), "held": held},
    )
    db.session.commit()
    return len(plan.given), held


def votes_frame(round_: Round) -> pd.DataFrame:
    """The sitting as the workbook's Votes sheet and the CSV hold it."""
    import pandas as pd

    from ..workbook import VOTES_COLUMNS

    rows = []
    for line in sitting(round_):
        count = line.count
        rows.append(
            {
                "Category": line.nomination.category.code,
                "Reference": line.nomination.reference,
                "Nomination": line.nomination.title,
                "Members": count.committee,
                "Present": count.present,
                "Approve": count.approve,
                "Reject": count.reject,
                "Abstain": count.abstain,
                "Did not vote": count.committee - count.present,
                "Left out (conflict)": ", ".join(member.name for member in line.left_out),
                "Quorum met": "yes" if count.quorate(round_.quorum) else "no",
                "Outcome": line.outcome(round_.quorum),
            }
        )
    return pd.DataFrame(rows, columns=list(VOTES_COLUMNS))


def minutes(round_: Round) -> str:
    """The minutes of the sitting, in Korean and English: members, presence, counts and outcome per nomination."""
    _require_committee(round_)
    zone = round_.edition.tz
    closed = (
        round_.sitting_closed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        if round_.sitting_closed_at
        else "열려 있음 / still open: the outcome is provisional"
    )
    out = [
        "공적심사위원회 회의록 / Minutes of the merit review committee",
        f"{round_.edition.name} · {round_.name}",
        f"회의 종료 / Sitting closed: {closed}",
        f"의결정족수 / Quorum: more than {float(round_.quorum):.0%} of the members present; passes with more than "
        "half of those present approving.",
        "",
    ]
    for line in sitting(round_):
        count = line.count
        outcome = {
            "passes": "가결 / passes",
            "does not pass": "부결 / does not pass",
            "no quorum": "정족수 미달 / no quorum",
        }[line.outcome(round_.quorum)]
        out += [
            f"{line.nomination.reference} · {line.nomination.title}",
            f"  재적 / Members: {count.committee}   출석 / Present: {count.present}   "
            f"찬성 / Approve: {count.approve}   반대 / Reject: {count.reject}   기권 / Abstain: {count.abstain}",
            f"  결과 / Outcome: {outcome}",
        ]
        for member, vote in line.votes:
            out.append(f"    - {member.name}: {vote.value if vote else '불참 / did not vote'}")
        for member in line.left_out:
            out.append(f"    - {member.name}: 제척 (이해충돌) / left out (conflict of interest)")
        out.append("")
    out.append("규칙 / Rules")
    with force_locale("ko"):  # each rule in Korean, then in English, as the rest of the minutes
        korean = [(gettext(label), gettext(text)) for label, text in RULES_IN_WORDS]
    for (label, text), (label_ko, text_ko) in zip(RULES_IN_WORDS, korean, strict=True):
        out += [f"  {label_ko}: {text_ko}", f"  {label}: {text}"]
    return "\n".join(out) + "\n"
