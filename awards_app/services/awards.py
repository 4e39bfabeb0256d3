"""Awards: the tiers given in rank order, the places left to the committee, awards given by hand, and what an
applicant may see of them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Award, AwardTier, Category, Edition, Nomination, NominationStatus, Round, User, utcnow
from ..rules import REASON_CHARS, SHORT_TEXT_CHARS, tiers
from . import ServiceError, uncertainty
from .audit import record
from .results import CategoryResults, category_results


def awards_of(round_: Round, category: Category) -> dict[int, Award]:
    """The awards given in a category of a round, by nomination id."""
    return {
        a.nomination_id: a
        for a in db.session.scalars(
            sa.select(Award)
            .join(Award.nomination)
            .where(Award.round_id == round_.id, Nomination.category_id == category.id)
        )
    }


def edition_awards(edition: Edition, eligible_only: bool = False) -> list[Award]:
    """The awards given in the edition's rounds, each with its tier and its nomination (organisation, category, entry
    form) loaded; ``eligible_only``: only those of nominations still eligible, as the public record shows them."""
    query = (
        sa.select(Award)
        .join(Award.round)
        .where(Round.edition_id == edition.id)
        .options(
            selectinload(Award.tier),
            selectinload(Award.nomination).selectinload(Nomination.organisation),
            selectinload(Award.nomination).selectinload(Nomination.category),
            selectinload(Award.nomination).selectinload(Nomination.entry_form),
        )
    )
    if eligible_only:
        query = query.join(Award.nomination).where(Nomination.status == NominationStatus.ELIGIBLE)
    return list(db.session.scalars(query))


def given_by_hand(round_: Round, category: Category) -> dict[int, Award]:
    """The awards of a category given by hand (they have a reason), by nomination id: a tier given in rank order,
    or by the committee's votes, leaves them where they are."""
    return {i: a for i, a in awards_of(round_, category).items() if a.override_reason}


def places_left(category: Category, by_hand: dict[int, Award]) -> list[tiers.Tier]:
    """The category's tiers in their fill order, each with the places that the awards given by hand left open."""
    used: dict[int, int] = {}
    for award in by_hand.values():
        used[award.tier_id] = used.get(award.tier_id, 0) + 1
    return [
        tiers.Tier(t.id, t.count - used.get(t.id, 0), frozenset(t.eligible_types or ()))
        for t in category.tiers_in_fill_order
    ]


def replace_given_in_order(round_: Round, category: Category, plan: tiers.TierPlan, actor: User) -> None:
    """Replace the category's awards given in order (by rank or by votes) with the plan's; awards given by hand stay.
    The caller records and commits."""
    for award in awards_of(round_, category).values():
        if not award.override_reason:
            db.session.delete(award)
    db.session.flush()
    for given in plan.given:
        db.session.add(
            Award(
                round_id=round_.id,
                nomination_id=given.nomination_id,
                tier_id=given.tier_id,
                rank=given.rank,
                decided_by_id=actor.id,
            )
        )


def tier_plan(round_: Round, category: Category, results: CategoryResults | None = None) -> tiers.TierPlan:
    """How the category's tiers fill by the rule of ``rules.tiers``, around the awards given by hand.

    An award given by hand (it has a reason) keeps its place: its nomination is not a candidate and its tier has
    one place fewer to fill.
    """
    from .. import ranking

    results = results or category_results(round_, category)
    by_hand = given_by_hand(round_, category)
    candidates = [
        tiers.Candidate(
            int(r.nomination_id),
            int(r.rank),
            float(r.score),
            r.applicant_type,
            few_judges=ranking.Flag.FEW_JUDGES.value in r.flags.split(", "),
        )
        for r in results.ranking_rows
        if int(r.nomination_id) not in by_hand
    ]
    return tiers.fill_tiers(
        candidates, places_left(category, by_hand), uncertainty.boundary_uncertainty(round_, category, results.draws)
    )


@dataclass
class HeldPlaces:
    """Places of a tier for the committee to decide, and who contends for them (for the results page)."""

    tier: AwardTier
    places: int
    contenders: list[tuple[object, tuple[str, ...]]]  # (ranking row, reasons)


@dataclass
class TierView:
    held: list[HeldPlaces]
    out_of_date: bool  # the awards given in rank order differ from what the ranking gives now
    with_uncertainty: bool  # the uncertainty model took part (a usable fit of the current scores)


def tier_view(round_: Round, category: Category, results: CategoryResults) -> TierView:
    """What the committee must decide about the tiers, from the ranking as it is now."""
    plan = tier_plan(round_, category, results)
    rows = {int(r.nomination_id): r for r in results.ranking_rows}
    tiers_by_id = {t.id: t for t in category.tiers}
    held = [
        HeldPlaces(
            tiers_by_id[h.tier_id],
            h.places,
            [(rows[c.nomination_id], c.reasons) for c in h.contenders if c.nomination_id in rows],
        )
        for h in plan.held
    ]
    given = {(a.tier_id, a.nomination_id) for a in awards_of(round_, category).values() if not a.override_reason}
    planned = {(g.tier_id, g.nomination_id) for g in plan.given}
    return TierView(held, bool(given) and given != planned, bool(results.draws))


def assign_tiers(round_: Round, category: Category, actor: User) -> tuple[int, int]:
    """Give the category's tiers by ``rules.tiers``: each tier, in its fill order, to the best-ranked eligible
    nominations not yet awarded, every doubtful place left to the committee; awards given by hand stay. Returns how
    many awards were given and how many places are left to the committee."""
    if category not in round_.categories:
        raise ServiceError(_l("This category is not judged in this round."))
    if round_.edition.results_published_at is not None:
        raise ServiceError(_l("The results are published: awards can no longer change."))
    results = category_results(round_, category)
    plan = tier_plan(round_, category, results)
    replace_given_in_order(round_, category, plan, actor)
    held = sum(h.places for h in plan.held)
    record(
        "awards.assigned",
        round_,
        actor,
        f"{len(plan.given)} awards given in rank order in {category.code}, {held} places left to the committee",
        {"round": round_.name, "category": category.code, "count": len(plan.given), "held": held},
    )
    db.session.commit()
    return len(plan.given), held


def override_award(round_: Round, nomination: Nomination, tier: AwardTier | None, reason: str, actor: User) -> None:
    """Give a nomination another tier (or none) than the rank order gave it, with a written reason."""
    if round_.edition.results_published_at is not None:
        raise ServiceError(_l("The results are published: awards can no longer change."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Say why the rank order is overridden."))
    if tier is not None and tier.category_id != nomination.category_id:
        raise ServiceError(_l("Choose a tier of the nomination's category."))
    award = db.session.scalar(sa.select(Award).where(Award.nomination_id == nomination.id))
    before = award.tier.name_en if award else None
    if tier is None:
        if award is not None:
            db.session.delete(award)
    else:
        if award is None:
            award = Award(round_id=round_.id, nomination_id=nomination.id, decided_by_id=actor.id)
            db.session.add(award)
        award.tier_id, award.override_reason, award.decided_by_id = tier.id, reason[:REASON_CHARS], actor.id
        award.decided_at = utcnow()
    record(
        "awards.overridden",
        nomination,
        actor,
        f"{nomination.reference}: {before} → {tier.name_en if tier else None}",
        {
            "reference": nomination.reference,
            "from": before,
            "to": tier.name_en if tier else None,
            "reason": reason[:SHORT_TEXT_CHARS],
        },
    )
    db.session.commit()


def published_award(nomination: Nomination) -> Award | None:
    """The award an applicant may see: only once the edition's results are published."""
    if nomination.edition.results_published_at is None:
        return None
    return db.session.scalar(sa.select(Award).where(Award.nomination_id == nomination.id))
