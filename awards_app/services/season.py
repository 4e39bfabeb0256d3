"""The season of an edition (``rules.season``): its facts gathered in a few queries, and the two openings the
secretariat does explicitly, the call's and a round's."""

from __future__ import annotations

from datetime import datetime
from functools import partial

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..after_response import after_response
from ..extensions import db
from ..models import (
    Assignment,
    Award,
    AwardTier,
    Category,
    Edition,
    Nomination,
    NominationStatus,
    Round,
    RoundMode,
    User,
    utcnow,
)
from ..rules.season import SeasonFacts, Step, season_steps
from ..urls import external_url
from . import ServiceError
from .audit import record
from .eligibility import judges, judges_escaping_conflict_rules
from .mail import send_email
from .progress import round_summary
from .rounds import is_first_round, rounds_of
from .rubrics import criteria_of


def facts(edition: Edition, now: datetime | None = None) -> SeasonFacts:
    """What the season's steps read, for this edition now."""
    now = now or utcnow()
    categories = list(edition.categories)
    with_tiers = set(
        db.session.scalars(
            sa.select(AwardTier.category_id).where(AwardTier.category_id.in_([c.id for c in categories]))
        )
    )
    by_status = dict(
        db.session.execute(
            sa.select(Nomination.status, sa.func.count(Nomination.id))
            .where(Nomination.edition_id == edition.id)
            .group_by(Nomination.status)
        ).all()
    )
    rounds = rounds_of(edition)
    missing_rubrics = sum(
        1
        for round_ in rounds
        if round_.mode is RoundMode.SCORING
        for category in round_.categories
        if not criteria_of(round_, category)
    )
    first = next((r for r in rounds if is_first_round(r)), None)
    first_summary = round_summary(first) if first is not None else None
    opened = [r for r in rounds if r.opens_at <= now]
    panel = judges()
    award_rounds = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Award.round_id))).join(Award.round).where(Round.edition_id == edition.id)
    )
    return SeasonFacts(
        categories=len(categories),
        categories_without_tiers=sum(1 for c in categories if c.id not in with_tiers),
        call_opened=edition.opens_at <= now,
        call_closed=edition.closes_at <= now,
        submitted=by_status.get(NominationStatus.SUBMITTED, 0),
        screened=by_status.get(NominationStatus.ELIGIBLE, 0) + by_status.get(NominationStatus.INELIGIBLE, 0),
        eligible=by_status.get(NominationStatus.ELIGIBLE, 0),
        rounds=len(rounds),
        scoring_rubrics_missing=missing_rubrics,
        judges=len(panel),
        judges_missing_details=len(judges_escaping_conflict_rules(panel)),
        first_round_nominations=first_summary.nominations if first_summary else 0,
        first_round_short=first_summary.short if first_summary else 0,
        rounds_opened=len(opened),
        rounds_closed=sum(1 for r in rounds if r.is_closed(now)),
        owed=sum(round_summary(r).missing for r in opened),
        award_rounds=award_rounds or 0,
        published=edition.results_published_at is not None,
    )


def steps(edition: Edition) -> list[Step]:
    return season_steps(facts(edition))


# --- the openings -------------------------------------------------------------------------------------------------


def open_call(edition: Edition, actor: User) -> None:
    """Open the call for entries now rather than at its opening time; the deadline stays."""
    now = utcnow()
    if edition.opens_at <= now:
        raise ServiceError(_l("The call is already open, or has closed."))
    if edition.closes_at <= now:
        raise ServiceError(_l("The call's deadline has passed: change it first."))
    if not edition.categories:
        raise ServiceError(_l("Add a category first: applicants would have nothing to enter."))
    before = edition.opens_at
    edition.opens_at = now
    record("edition.call_opened", edition, actor, "call opened now", {"planned": before.isoformat()})
    db.session.commit()


def open_round(round_: Round, actor: User) -> int:
    """Open a round now rather than at its opening time, and e-mail each of its judges what they have to do by
    when (in their own time zone); returns how many judges were told."""
    now = utcnow()
    if round_.opens_at <= now:
        raise ServiceError(_l("This round is already open, or has closed."))
    if round_.closes_at <= now:
        raise ServiceError(_l("The round's closing time has passed: change it first."))
    before = round_.opens_at
    round_.opens_at = now
    told = list(
        db.session.scalars(
            sa.select(Assignment.judge_id).where(Assignment.round_id == round_.id).group_by(Assignment.judge_id)
        )
    )
    record(
        "round.opened",
        round_,
        actor,
        f"{round_.name} opened now; {len(told)} judges told",
        {"round": round_.name, "planned": before.isoformat(), "judges": len(told)},
    )
    db.session.commit()
    for judge_id in told:
        after_response(partial(_tell_judge, round_.id, judge_id))
    return len(told)


def _tell_judge(round_id: int, judge_id: int) -> None:
    round_ = db.session.get(Round, round_id)
    judge = db.session.get(User, judge_id)
    if round_ is None or judge is None or not judge.active:
        return
    assigned = list(
        db.session.scalars(
            sa.select(Nomination)
            .join(Assignment, Assignment.nomination_id == Nomination.id)
            .where(Assignment.round_id == round_id, Assignment.judge_id == judge_id)
            .order_by(Nomination.category_id, Nomination.reference)
        )
    )
    send_email(
        judge.email,
        "judging_opened",
        locale=judge.locale,
        judge=judge,
        round=round_,
        nominations=assigned,
        categories={
            c.id: c for c in db.session.scalars(sa.select(Category).where(Category.edition_id == round_.edition_id))
        },
        link=external_url("judging.index"),
    )
