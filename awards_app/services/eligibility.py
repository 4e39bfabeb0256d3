"""Who may judge what: the active judges, the conflict rules in words, the nominations each judge holds, and the
one rule for a judge-and-nomination pair (``pair_refusal``) that assigning by hand, reassigning, replacing and the
choices the pages offer all follow."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import assignment as assignment_maths
from ..extensions import db
from ..models import Assignment, Conflict, Nomination, Round, User
from .conflicts import conflict_between
from .rounds import round_nominations


def judges() -> list[User]:
    from ..models import Role, UserRole

    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role_links.any(UserRole.role == Role.JUDGE), User.active.is_(True))
            .order_by(User.name)
        )
    )


def judge_slot(judge: User) -> assignment_maths.JudgeSlot:
    return assignment_maths.JudgeSlot(
        judge.id, judge.affiliation or "", judge.country_code or "", ties=tuple(judge.declared_tie_list)
    )


def nomination_slot(nomination: Nomination) -> assignment_maths.NominationSlot:
    organisation = nomination.organisation
    return assignment_maths.NominationSlot(
        nomination.id, organisation.name, organisation.country_code, city=organisation.city or ""
    )


def incomplete_refusal(judge: User):
    """Why a judge whose profile lacks an organisation or a country may be given no nomination, in words naming what
    is missing, or None: the conflict rules never run on a blank."""
    missing = judge.missing_conflict_details
    if not missing:
        return None
    if missing == ["organisation"]:
        return _l("the judge's profile has no organisation, so the conflict rules cannot check them: complete it")
    if missing == ["country"]:
        return _l("the judge's profile has no country, so the conflict rules cannot check them: complete it")
    return _l(
        "the judge's profile has no organisation and no country, so the conflict rules cannot check them: complete it"
    )


def conflict_refusal(judge: User, nomination: Nomination, round_: Round, declared: bool | None = None):
    """Why this judge may not judge this nomination in this round, in words, or None when nothing stands in the way.

    The same rules hold by hand and automatically: a judge whose profile lacks an organisation or a country is
    given nothing (``incomplete_refusal``); then a declared conflict of interest, the judge's own organisation, a
    tie they declared to the nominating organisation or its city, and (when the round says so) the judge's own
    country. ``declared`` saves the lookup when the caller knows.
    """
    incomplete = incomplete_refusal(judge)
    if incomplete is not None:
        return incomplete
    if declared is None:
        declared = conflict_between(judge.id, nomination.id) is not None
    if declared:
        return _l("a conflict of interest is recorded")
    rule = assignment_maths.conflict_rule(judge_slot(judge), nomination_slot(nomination), round_.same_country_conflict)
    return _rule_in_words(rule, nomination)


def _rule_in_words(rule: assignment_maths.ConflictRule | None, nomination: Nomination):
    """What a conflict rule keeping a judge off a nomination means, in words (None for no rule)."""
    if rule is assignment_maths.ConflictRule.SAME_ORGANISATION:
        return _l("the judge belongs to the nominating organisation (%(name)s)", name=nomination.organisation.name)
    if rule is assignment_maths.ConflictRule.DECLARED_TIE:
        organisation = nomination.organisation
        return _l(
            "the judge declared a tie to the nominating organisation or its city (%(name)s, %(city)s)",
            name=organisation.name,
            city=organisation.city,
        )
    if rule is assignment_maths.ConflictRule.SAME_COUNTRY:
        return _l(
            "the judge is from the nomination's country (%(country)s), and this round keeps judges off their "
            "own country's nominations",
            country=nomination.organisation.country_code,
        )
    return None


def loads(round_: Round) -> dict[int, int]:
    """How many of the round's nominations each judge holds (one grouped query)."""
    return dict(
        db.session.execute(
            sa.select(Assignment.judge_id, sa.func.count(Assignment.id))
            .where(Assignment.round_id == round_.id)
            .group_by(Assignment.judge_id)
        ).all()
    )


def pair_refusal(judge: User, nomination: Nomination, round_: Round, *, on_it: bool, declared: bool, load: int):
    """Why this judge may not be given this nomination (in words), or None: the one list of rules that assigning
    by hand, reassigning and the choices the pages offer all follow. Already on it; a profile without organisation
    or country, or a conflict (recorded, or the rules of ``conflict_refusal``); or at the round's most nominations
    per judge."""
    if on_it:
        return _l("already assigned this nomination")
    reason = conflict_refusal(judge, nomination, round_, declared=declared)
    if reason is not None:
        return reason
    if round_.max_load is not None and load >= round_.max_load:
        return _l("already holds %(n)d nominations, the most this round gives a judge", n=load)
    return None


@dataclass(frozen=True)
class Offer:
    """A judge who may take a nomination, with the nominations they hold in the round."""

    judge: User
    load: int


def offers(round_: Round, nominations: list[Nomination], panel: list[User]) -> dict[int, list[Offer]]:
    """For each nomination (a page of them), the judges it may be given to or moved to, by ``pair_refusal``: the
    pages offer nothing the service would refuse. Three queries, whatever the page holds."""
    ids = [n.id for n in nominations]
    held = loads(round_)
    on_it = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Assignment.judge_id, Assignment.nomination_id).where(
                Assignment.round_id == round_.id, Assignment.nomination_id.in_(ids)
            )
        )
    }
    declared = {
        tuple(row)
        for row in db.session.execute(
            sa.select(Conflict.judge_id, Conflict.nomination_id).where(Conflict.nomination_id.in_(ids))
        )
    }
    return {
        nomination.id: [
            Offer(judge, held.get(judge.id, 0))
            for judge in panel
            if pair_refusal(
                judge,
                nomination,
                round_,
                on_it=(judge.id, nomination.id) in on_it,
                declared=(judge.id, nomination.id) in declared,
                load=held.get(judge.id, 0),
            )
            is None
        ]
        for nomination in nominations
    }


@dataclass
class KnownConflicts:
    """The round's nominations a judge may not judge, each with why (in words), before anyone is assigned."""

    judge: User
    nominations: list[tuple[Nomination, str]]


def known_conflicts(round_: Round) -> list[KnownConflicts]:
    """For each active judge, the round's nominations that the conflict rules keep from them: a recorded conflict
    of interest, their own organisation, or (when the round says so) their own country. Judges with none are left
    out; the rest by name. Read in three queries, whatever the number of nominations."""
    nominations = round_nominations(round_)
    if not nominations:
        return []
    panel = judges()
    declared = {
        (judge_id, nomination_id)
        for judge_id, nomination_id in db.session.execute(
            sa.select(Conflict.judge_id, Conflict.nomination_id).where(
                Conflict.nomination_id.in_([n.id for n in nominations])
            )
        )
    }
    rules = assignment_maths.forbidden_pairs(
        [judge_slot(j) for j in panel], [nomination_slot(n) for n in nominations], round_.same_country_conflict
    )
    found = []
    for judge in panel:
        kept = []
        for nomination in nominations:
            pair = (judge.id, nomination.id)
            if pair in declared:  # a recorded conflict comes first, as in conflict_refusal
                kept.append((nomination, str(_l("a conflict of interest is recorded"))))
            elif pair in rules:
                kept.append((nomination, str(_rule_in_words(rules[pair], nomination))))
        if kept:
            found.append(KnownConflicts(judge, kept))
    return found


def judges_escaping_conflict_rules(panel: list[User] | None = None) -> list[User]:
    """Active judges without a country or an organisation: the conflict rules cannot see them, so nobody may assign
    them anything until their profile is complete."""
    return [j for j in (judges() if panel is None else panel) if j.missing_conflict_details]
