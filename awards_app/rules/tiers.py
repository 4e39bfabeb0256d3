"""Award tiers filled in rank order, by whom each tier is for, leaving every doubtful place to the committee.

A pure module: no Flask, no database.

The rule
========
Each tier has a number of places and the applicant types it is for (none listed: every type), and the secretariat
sets the order in which tiers are filled: e.g. Gold 1, Silver 2, Bronze 3 among everyone, then a Corporate prize 1
among corporations and an Institution prize 1 among institutions. Tiers are filled one after the other in that
order; each takes the highest-ranked eligible nominations that no earlier tier took.

A place is given automatically only when nothing about it is in doubt. A tier's **boundary** lies between the last
nomination it would take and the first eligible one it would leave out. A place is held for the committee when:

- the nomination that would take it was judged by fewer judges than the round asks for (``few judges``): its
  rank says little, so its place, and the places below it in the same tier, go to the committee;
- at the tier's boundary, the last one in and the first one out share their rank (``tie``), have the same Score
  so that only the tie-break separates them (``tie-break``), or are not distinguishable by the uncertainty model
  (``uncertain``: their 90% rank intervals overlap at the boundary). The place at the boundary is then held, and
  every nomination tied or uncertain with it is a contender;
- an earlier tier left a place undecided, and the nomination would take a place from one of its contenders: whoever
  the committee gives the earlier place to, the others fall into this tier's pool, so this tier's places below
  them wait too.

Ties are never split by the order rows happen to come in: a shared rank at a boundary always goes to the committee.

The result lists the places given (tier, nomination, rank) and the places held: for each tier, how many places
are open and the contenders for them with the reasons, in rank order. The secretariat gives the held places by
hand, with a written reason, like any override.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: Reasons a place is held for the committee.
FEW_JUDGES = "few judges"
TIE = "tie"
TIE_BREAK = "tie-break"
UNCERTAIN = "uncertain"
UNDECIDED_ABOVE = "an earlier tier is undecided"
REASONS = (FEW_JUDGES, TIE, TIE_BREAK, UNCERTAIN, UNDECIDED_ABOVE)


@dataclass(frozen=True)
class Candidate:
    """A ranked nomination as the tiers see it."""

    nomination_id: int
    rank: int  # the competition rank (1, 2, 2, 4): equal ranks are a tie nothing broke
    score: float  # the Score, compared rounded to 6 decimals
    applicant_type: str
    few_judges: bool = False


@dataclass(frozen=True)
class Tier:
    """One award tier: its places and whom it is for (empty: everyone)."""

    tier_id: int
    places: int
    eligible_types: frozenset[str] = frozenset()

    def admits(self, candidate: Candidate) -> bool:
        return not self.eligible_types or candidate.applicant_type in self.eligible_types


@dataclass(frozen=True)
class Given:
    tier_id: int
    nomination_id: int
    rank: int


@dataclass(frozen=True)
class Contender:
    nomination_id: int
    rank: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Held:
    """Places of a tier the committee decides, and who contends for them."""

    tier_id: int
    places: int
    contenders: tuple[Contender, ...]


@dataclass
class TierPlan:
    given: list[Given] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)


#: ``uncertain(a, b, tier)``: whether a's place above b at ``tier``'s boundary is not established (both given in
#: rank order). The default knows no uncertainty model.
Uncertainty = Callable[[Candidate, Candidate, Tier], bool]


def _never(_a: Candidate, _b: Candidate, _tier: Tier) -> bool:
    return False


def _same_score(a: Candidate, b: Candidate) -> bool:
    return round(a.score, 6) == round(b.score, 6)


def _boundary_doubts(inside: Candidate, outside: Candidate, tier: Tier, uncertain: Uncertainty) -> tuple[str, ...]:
    """Why the last nomination in a tier and the first one left out might belong the other way round."""
    doubts = []
    if outside.few_judges:
        doubts.append(FEW_JUDGES)
    if inside.rank == outside.rank:
        doubts.append(TIE)
    elif _same_score(inside, outside):
        doubts.append(TIE_BREAK)
    if uncertain(inside, outside, tier):
        doubts.append(UNCERTAIN)
    return tuple(doubts)


def _reasons(
    candidate: Candidate,
    contenders: list[Candidate],
    tier: Tier,
    uncertain: Uncertainty,
    pending: set[int],
    waited: bool,
) -> tuple[str, ...]:
    """Why a contender's place is for the committee to decide."""
    others = [c for c in contenders if c.nomination_id != candidate.nomination_id]
    why = []
    if candidate.few_judges:
        why.append(FEW_JUDGES)
    if any(c.rank == candidate.rank for c in others):
        why.append(TIE)
    if any(c.rank != candidate.rank and _same_score(c, candidate) for c in others):
        why.append(TIE_BREAK)
    ordered = [
        (c, candidate) if (c.rank, c.nomination_id) < (candidate.rank, candidate.nomination_id) else (candidate, c)
        for c in others
    ]
    if any(uncertain(above, below, tier) for above, below in ordered):
        why.append(UNCERTAIN)
    if candidate.nomination_id in pending or (waited and not why):
        why.append(UNDECIDED_ABOVE)
    return tuple(why)


def fill_tiers(candidates: Sequence[Candidate], tiers: Sequence[Tier], uncertain: Uncertainty = _never) -> TierPlan:
    """Give ``tiers`` (in the order they are filled) to ``candidates`` by the rule of the module docstring.

    ``candidates`` in any order: they are taken by rank, then nomination id (which only orders the listing of a
    held tier's contenders: equal ranks are never separated by it).
    """
    ranked = sorted(candidates, key=lambda c: (c.rank, c.nomination_id))
    plan = TierPlan()
    taken: set[int] = set()
    undecided: list[tuple[set[int], int]] = []  # (contenders, places held) of each held tier so far
    for tier in tiers:
        pool = [c for c in ranked if c.nomination_id not in taken and tier.admits(c)]
        if not pool or tier.places <= 0:
            continue
        line, stand_ins = _line_up(pool, undecided)
        boundary = min(tier.places, len(line))
        stop = boundary  # of line[:stop], all but the stand-ins take their places automatically
        waiting = next((i for i, c in enumerate(line) if c.nomination_id in stand_ins and c.nomination_id > 0), None)
        if waiting is not None:
            stop = min(stop, waiting)
        few = next((i for i, c in enumerate(line[:boundary]) if c.few_judges), None)
        if few is not None:
            stop = min(stop, few)
        doubtful: list[Candidate] = []
        if boundary < len(line):
            # A stand-in is compared as the best (below the boundary) or the worst (above it) of those it stands for.
            inside = stand_ins.get(line[boundary - 1].nomination_id, [line[boundary - 1]])[-1]
            outside = stand_ins.get(line[boundary].nomination_id, [line[boundary]])[0]
            if _boundary_doubts(inside, outside, tier, uncertain):
                doubtful = [
                    c
                    for c in line
                    if c in (line[boundary - 1], line[boundary])
                    or c.rank in (inside.rank, outside.rank)
                    or _same_score(c, inside)
                    or _same_score(c, outside)
                    or (line.index(c) < boundary and uncertain(c, outside, tier))
                    or (line.index(c) > boundary and uncertain(inside, c, tier))
                ]
                stop = min(stop, min(line.index(c) for c in doubtful))
        automatic = [c for c in line[:stop] if c.nomination_id > 0]
        for candidate in automatic:
            plan.given.append(Given(tier.tier_id, candidate.nomination_id, candidate.rank))
            taken.add(candidate.nomination_id)
        if len(automatic) >= boundary:
            continue
        in_doubt = [c for c in line[:stop] if c.nomination_id < 0]
        if stop < boundary:  # places held for a reason of their own: down to the first one clearly out
            in_doubt += line[stop : boundary + 1]
            in_doubt += [c for c in line[boundary + 1 :] if c in doubtful or c.rank == in_doubt[-1].rank]
        # A stand-in is one of the earlier tier's contenders, whoever the committee leaves for this tier.
        contenders: list[Candidate] = []
        for candidate in in_doubt:
            for real in stand_ins.get(candidate.nomination_id, [candidate]):
                if real not in contenders:
                    contenders.append(real)
        contenders.sort(key=lambda c: (c.rank, c.nomination_id))
        earlier = {i for group, _places in undecided for i in group}
        listed = tuple(
            Contender(c.nomination_id, c.rank, _reasons(c, contenders, tier, uncertain, earlier, bool(stand_ins)))
            for c in contenders
        )
        held = boundary - len(automatic)
        undecided.append(({c.nomination_id for c in contenders}, held))
        plan.held.append(Held(tier.tier_id, held, listed))
    return plan


def _line_up(
    pool: list[Candidate], undecided: list[tuple[set[int], int]]
) -> tuple[list[Candidate], dict[int, list[Candidate]]]:
    """The order in which a tier's pool takes places, once earlier undecided places are accounted for.

    Of each earlier held tier's contenders, all but as many as it had places held fall into later pools; which ones
    only the committee knows. When those contenders rank together at the top of what is left, they are replaced
    by that many stand-ins (negative ids) at their place in the order, and the nominations below them take the
    places after: one tie at Gold does not hold every Silver and Bronze place. Otherwise the contenders stay as
    they are and wait (``_reasons`` says so).
    """
    ids = [c.nomination_id for c in pool]
    waiting = [i for i, c in enumerate(pool) if any(c.nomination_id in group for group, _ in undecided)]
    if not waiting:
        return pool, {}
    # Held places take some of the contenders (a contender may stand for several: one of two tied for Gold gets
    # Gold, the other the Silver place held for it); the rest fall here.
    concerned = [(group, places) for group, places in undecided if group & set(ids)]
    falling = max(0, len(set().union(*(g for g, _ in concerned)) & set(ids)) - sum(p for _, p in concerned))
    first = waiting[0]
    if waiting != list(range(first, first + len(waiting))) or falling > len(waiting):
        return pool, {c.nomination_id: [c] for c in (pool[i] for i in waiting)}
    block = [pool[i] for i in waiting]
    stand_ins = [Candidate(-(n + 1), block[-1].rank, block[-1].score, block[-1].applicant_type) for n in range(falling)]
    line = pool[:first] + stand_ins + pool[first + len(block) :]
    return line, {s.nomination_id: block for s in stand_ins}
