"""Automatic assignment of judges to nominations: pure functions, no Flask, no database.

The secretariat asks for ``k`` judges per nomination (``judges_per_nomination``); ``plan_assignment`` proposes
the pairs to add. Its result obeys these rules, in this order of priority:

1. **Never a forbidden pair.** A pair is never added when it has an automatic conflict (``automatic_conflict``:
   the judge belongs to the nominating organisation, declared a tie to it or to its city, or, when
   ``same_country`` is on, comes from the same country),
   when it is ``blocked`` (declared conflicts of interest, recusals), or when it already exists. Existing pairs are
   kept exactly as they are and never moved, even if they would now be a conflict, so running the plan again only
   fills gaps and never takes away work a judge has started.
2. **At most k judges per nomination.** Existing judges count; the plan adds up to ``k`` minus them, never more.
3. **Loads within the caps.** A judge's load is every assignment they hold (existing and added). It never goes
   above the smaller of the global ``max_load`` and the judge's own ``JudgeSlot.max_load`` (``None`` is no cap);
   a judge whose existing load is already at or above the cap gets nothing more.
4. **As many filled places as possible, then loads as even as possible.** Among all plans that obey rules 1–3,
   the plan fills the largest possible number of places; among those, it minimises the sum of the squares of the
   final loads, which gives final loads with max − min ≤ 1 whenever any such plan exists. This is a min-cost
   maximum flow (source → nomination, capacity k minus existing; nomination → eligible judge, capacity 1;
   judge → sink, where the judge's (L+1)-th assignment costs L), solved exactly by successive shortest paths.
   Because every cost sits on the judge → sink arcs, a shortest augmenting path is an alternating path from a
   nomination that still lacks judges to the least-loaded judge that can still be reached.
5. **Spread.** Scores are normalised per judge later, which needs judges to share nominations with many other
   judges. Once the flow has fixed which places are filled and every judge's load, a local search swaps added
   assignments between two judges ((a, n1), (b, n2) → (a, n2), (b, n1), each new pair allowed by rule 1), which
   keeps every rule and every load. A swap is taken when it increases the number of distinct judge pairs that
   co-judge at least one nomination, or keeps it and lowers the highest co-judging count of any pair, or keeps
   both and lowers the sum of the squares of the co-judging counts (``co_judging_pairs``). The search stops at a
   local optimum or after a fixed number of tries proportional to the size of the plan.
6. **Determinism.** Judges and nominations are sorted by id before anything else, and every tie is broken by
   ``random.Random(seed)`` alone: the same inputs and seed give the same plan whatever their order, and another
   seed may give another plan that is just as good by rules 1–4.
7. **Shortfalls are reported.** Every nomination left with fewer than ``k`` judges appears in ``shortfalls``
   with how many it lacks and the binding constraint: there are no judges; no judge is eligible; only N judges
   may judge it (the rest have a conflict, or there are only N judges); or every eligible judge not on it is at
   their maximum load. With ``k`` = 0, or no nominations, the plan is empty.
8. **Validation.** ``ValueError`` for ``judges_per_nomination`` < 0, a negative cap (global or a judge's),
   duplicate judge or nomination ids, ``existing`` or ``blocked`` pairs that name an unknown judge or
   nomination, and ``only`` naming an unknown nomination. A pair listed twice counts once.
9. **Some nominations only.** With ``only`` (nomination ids), the plan fills those nominations and adds nothing
   to the others, whose existing pairs still count toward every judge's load (rule 3) and the evenness of the
   loads (rule 4); ``shortfalls`` then lists only nominations of ``only``. This is how a recused judge is
   replaced: the one nomination, by the rules of the whole round.
"""

from __future__ import annotations

import enum
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Swap candidates tried per assignment in each pass of the spread search, and the cap on tries per assignment
# overall: enough to reach a local optimum on a round's size, bounded so that large rounds stay fast.
SPREAD_PARTNERS = 48
SPREAD_TRIES_PER_ASSIGNMENT = 120


@dataclass(frozen=True)
class JudgeSlot:
    """A judge as the assignment sees them."""

    id: int
    organisation: str  # the judge's own organisation (free text, may be "")
    country_code: str  # ISO alpha-2, may be ""
    max_load: int | None = None  # per-judge cap; None means the global cap applies
    ties: tuple[str, ...] = ()  # organisations and cities the judge declared ties to (free text)


@dataclass(frozen=True)
class NominationSlot:
    """A nomination as the assignment sees it."""

    id: int
    organisation: str  # the nominating organisation's name
    country_code: str
    city: str = ""  # the nominating organisation's city


@dataclass(frozen=True)
class Shortfall:
    """A nomination left with fewer judges than asked, and why."""

    nomination_id: int
    missing: int  # how many judges it still lacks
    reason: str  # a short English sentence naming the binding constraint


@dataclass(frozen=True)
class AssignmentPlan:
    """What the assignment adds, what it could not fill, and every judge's load afterwards."""

    added: list[tuple[int, int]]  # new (judge_id, nomination_id) pairs, sorted
    shortfalls: list[Shortfall]  # sorted by nomination id; empty when every nomination has k judges
    loads: dict[int, int]  # every judge's total load afterwards (existing + added), by judge id


def normalise_organisation(name: str) -> str:
    """An organisation name as compared: NFKC, case-folded, letters and digits only ("Seoul-Metro." = "seoul metro")."""
    folded = unicodedata.normalize("NFKC", name or "").casefold()
    return "".join(character for character in folded if character.isalnum())


def normalise_country(code: str) -> str:
    """A country code as compared: trimmed and upper case."""
    return (code or "").strip().upper()


class ConflictRule(enum.StrEnum):
    """The rules that keep a judge off a nomination whatever anyone declares."""

    SAME_ORGANISATION = "same_organisation"
    DECLARED_TIE = "declared_tie"
    SAME_COUNTRY = "same_country"


def conflict_rule(judge: JudgeSlot, nomination: NominationSlot, same_country: bool) -> ConflictRule | None:
    """The rule that forbids this judge this nomination, by hand or automatically, or None.

    The same organisation (compared by ``normalise_organisation``); a tie the judge declared to the nominating
    organisation or to its city (compared the same way); or, when ``same_country`` is true, the same country
    (compared by ``normalise_country``), in this order. An empty organisation or country never matches anything:
    such a judge would escape the rule, which is why the services assign nobody whose profile lacks either.
    """
    organisation = normalise_organisation(judge.organisation)
    if organisation and organisation == normalise_organisation(nomination.organisation):
        return ConflictRule.SAME_ORGANISATION
    ties = {normalise_organisation(tie) for tie in judge.ties} - {""}
    if ties & {normalise_organisation(nomination.organisation), normalise_organisation(nomination.city)}:
        return ConflictRule.DECLARED_TIE
    if same_country:
        country = normalise_country(judge.country_code)
        if country and country == normalise_country(nomination.country_code):
            return ConflictRule.SAME_COUNTRY
    return None


def forbidden_pairs(
    judges: Sequence[JudgeSlot], nominations: Sequence[NominationSlot], same_country: bool
) -> dict[tuple[int, int], ConflictRule]:
    """Every (judge id, nomination id) pair that :func:`conflict_rule` forbids, with its rule, found by looking
    each judge's organisation and country up among the nominations' (each name normalised once): a round's worth
    in time proportional to its judges and nominations, not to their product."""
    by_organisation: dict[str, list[int]] = {}
    by_place: dict[str, set[int]] = {}  # organisation names and cities, for the declared ties
    by_country: dict[str, list[int]] = {}
    for nomination in nominations:
        organisation = normalise_organisation(nomination.organisation)
        if organisation:
            by_organisation.setdefault(organisation, []).append(nomination.id)
        for place in {organisation, normalise_organisation(nomination.city)} - {""}:
            by_place.setdefault(place, set()).add(nomination.id)
        country = normalise_country(nomination.country_code)
        if country:
            by_country.setdefault(country, []).append(nomination.id)
    found: dict[tuple[int, int], ConflictRule] = {}
    for judge in judges:
        if same_country:
            for nomination_id in by_country.get(normalise_country(judge.country_code), ()):
                found[judge.id, nomination_id] = ConflictRule.SAME_COUNTRY
        # The organisation comes first, then the ties, as in conflict_rule: each overwrites what follows it.
        for tie in {normalise_organisation(tie) for tie in judge.ties} - {""}:
            for nomination_id in by_place.get(tie, ()):
                found[judge.id, nomination_id] = ConflictRule.DECLARED_TIE
        for nomination_id in by_organisation.get(normalise_organisation(judge.organisation), ()):
            found[judge.id, nomination_id] = ConflictRule.SAME_ORGANISATION
    return found


def automatic_conflict(judge: JudgeSlot, nomination: NominationSlot, same_country: bool) -> str | None:
    """Why this judge may never be assigned this nomination, in words (see :func:`conflict_rule`), or None."""
    rule = conflict_rule(judge, nomination, same_country)
    if rule is ConflictRule.SAME_ORGANISATION:
        return "the judge belongs to the nominating organisation"
    if rule is ConflictRule.DECLARED_TIE:
        return "the judge declared a tie to the nominating organisation or its city"
    if rule is ConflictRule.SAME_COUNTRY:
        return f"the judge is from the nomination's country ({normalise_country(judge.country_code)})"
    return None


def co_judging_pairs(pairs: Iterable[tuple[int, int]]) -> dict[frozenset[int], int]:
    """How many nominations each pair of judges shares, from (judge_id, nomination_id) pairs; pairs never together
    are absent. A (judge, nomination) pair listed twice counts once."""
    panels: dict[int, set[int]] = {}
    for judge_id, nomination_id in pairs:
        panels.setdefault(nomination_id, set()).add(judge_id)
    counts: dict[frozenset[int], int] = {}
    for panel in panels.values():
        ordered = sorted(panel)
        for position, first in enumerate(ordered):
            for second in ordered[position + 1 :]:
                key = frozenset((first, second))
                counts[key] = counts.get(key, 0) + 1
    return counts


def plan_assignment(
    judges: Sequence[JudgeSlot],
    nominations: Sequence[NominationSlot],
    *,
    judges_per_nomination: int,
    max_load: int | None,
    existing: Iterable[tuple[int, int]] = (),
    blocked: Iterable[tuple[int, int]] = (),
    same_country: bool = True,
    seed: int = 0,
    only: Iterable[int] | None = None,
) -> AssignmentPlan:
    """The pairs to add so that each nomination has ``judges_per_nomination`` judges, by the rules of this module.

    ``existing`` pairs are kept and count toward loads and panels; ``blocked`` pairs are never added;
    ``max_load`` is the global cap per judge (None: no cap); ``only``: the nominations to fill (None: all). See the
    module docstring for the rules.
    """
    _check_arguments(judges, nominations, judges_per_nomination, max_load)
    existing_pairs = _known_pairs(existing, judges, nominations, "existing")
    blocked_pairs = _known_pairs(blocked, judges, nominations, "blocked")
    filled = None
    if only is not None:
        filled = set(only)
        unknown = sorted(filled - {nomination.id for nomination in nominations})
        if unknown:
            raise ValueError(f"only names unknown nominations: {', '.join(map(str, unknown))}")
    planner = _Planner(
        sorted(judges, key=lambda judge: judge.id),
        sorted(nominations, key=lambda nomination: nomination.id),
        judges_per_nomination,
        max_load,
        existing_pairs,
        blocked_pairs,
        same_country,
        random.Random(seed),  # noqa: S311 -- a reproducible tie-break, not a secret
        filled,
    )
    planner.fill()
    planner.spread()
    return planner.plan()


def _check_arguments(
    judges: Sequence[JudgeSlot], nominations: Sequence[NominationSlot], k: int, max_load: int | None
) -> None:
    if k < 0:
        raise ValueError(f"judges_per_nomination must be 0 or more, not {k}")
    if max_load is not None and max_load < 0:
        raise ValueError(f"max_load must be 0 or more, not {max_load}")
    for judge in judges:
        if judge.max_load is not None and judge.max_load < 0:
            raise ValueError(f"judge {judge.id} has a negative max_load ({judge.max_load})")
    for kind, ids in (("judge", [j.id for j in judges]), ("nomination", [n.id for n in nominations])):
        repeated = sorted(i for i, count in Counter(ids).items() if count > 1)
        if repeated:
            raise ValueError(f"duplicate {kind} ids: {', '.join(map(str, repeated))}")


def _known_pairs(
    pairs: Iterable[tuple[int, int]], judges: Sequence[JudgeSlot], nominations: Sequence[NominationSlot], name: str
) -> set[tuple[int, int]]:
    judge_ids = {judge.id for judge in judges}
    nomination_ids = {nomination.id for nomination in nominations}
    known = set()
    for judge_id, nomination_id in pairs:
        if judge_id not in judge_ids:
            raise ValueError(f"{name} pair ({judge_id}, {nomination_id}) names an unknown judge {judge_id}")
        if nomination_id not in nomination_ids:
            raise ValueError(f"{name} pair ({judge_id}, {nomination_id}) names an unknown nomination {nomination_id}")
        known.add((judge_id, nomination_id))
    return known


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class _Planner:
    """The working state of one plan. Judges and nominations are numbered by their position in id order."""

    def __init__(
        self,
        judges: list[JudgeSlot],
        nominations: list[NominationSlot],
        k: int,
        max_load: int | None,
        existing: set[tuple[int, int]],
        blocked: set[tuple[int, int]],
        same_country: bool,
        rng: random.Random,
        filled: set[int] | None = None,
    ) -> None:
        self.judges, self.nominations, self.k, self.rng = judges, nominations, k, rng
        judge_index = {judge.id: i for i, judge in enumerate(judges)}
        nomination_index = {nomination.id: i for i, nomination in enumerate(nominations)}
        count_j, count_n = len(judges), len(nominations)

        self.panel: list[set[int]] = [set() for _ in range(count_n)]  # every judge on it, existing and added
        self.added: list[set[int]] = [set() for _ in range(count_n)]  # the judges this plan adds
        self.load = [0] * count_j
        for judge_id, nomination_id in sorted(existing):
            self.panel[nomination_index[nomination_id]].add(judge_index[judge_id])
            self.load[judge_index[judge_id]] += 1
        self.existing_size = [len(panel) for panel in self.panel]

        self.cap: list[int | None] = []
        for judge in judges:
            caps = [c for c in (max_load, judge.max_load) if c is not None]
            self.cap.append(min(caps) if caps else None)
        # An uncapped judge can never take more than every nomination.
        self.spare = [
            count_n if cap is None else max(0, cap - load) for cap, load in zip(self.cap, self.load, strict=True)
        ]
        # Rule 9: a nomination outside ``filled`` lacks nobody, so no path ever ends there.
        self.filled = [filled is None or nomination.id in filled for nomination in nominations]
        self.missing = [
            max(0, k - size) if wanted else 0 for size, wanted in zip(self.existing_size, self.filled, strict=True)
        ]

        # allowed[j][n]: the pair may be added (rule 1). eligible[j]: those nominations, in a seeded order.
        self.allowed = [[False] * count_n for _ in range(count_j)]
        self.eligible: list[list[int]] = [[] for _ in range(count_j)]
        self.conflicted = [0] * count_n  # judges not on the nomination who may not be added to it
        for j, judge in enumerate(judges):
            for n, nomination in enumerate(nominations):
                if j in self.panel[n] or not self.filled[n]:
                    continue
                if (judge.id, nomination.id) in blocked or automatic_conflict(judge, nomination, same_country):
                    self.conflicted[n] += 1
                    continue
                self.allowed[j][n] = True
                self.eligible[j].append(n)
            rng.shuffle(self.eligible[j])
        self.priority = list(range(count_j))
        rng.shuffle(self.priority)

    # --- rule 4: min-cost maximum flow by successive shortest paths ---------------------------------------------

    def fill(self) -> None:
        """Add judges one place at a time along a cheapest augmenting path until no place can be filled.

        The cheapest path ends at the least-loaded judge with spare capacity that an alternating path reaches from
        a nomination still lacking judges. A judge that no such path reaches now is never reached later (the set of
        nodes reachable from the source only shrinks as the flow grows), so it is dropped for good.
        """
        alive = [j for j in self.priority if self.spare[j] > 0 and self.eligible[j]]
        remaining = sum(self.missing)
        while remaining and alive:
            lowest = min(self.load[j] for j in alive)
            for judge in [j for j in alive if self.load[j] == lowest]:
                moves = self._augmenting_path(judge)
                if moves is None:
                    alive.remove(judge)
                    continue
                self.missing[moves[0][1]] -= 1  # the path starts where a judge was lacking
                for j, n, joins in moves:
                    (self.added[n].add if joins else self.added[n].discard)(j)
                    (self.panel[n].add if joins else self.panel[n].discard)(j)
                self.load[judge] += 1
                self.spare[judge] -= 1
                if self.spare[judge] == 0:
                    alive.remove(judge)
                remaining -= 1
                break

    def _augmenting_path(self, target: int) -> list[tuple[int, int, bool]] | None:
        """The moves (judge, nomination, joins) that give ``target`` one more place, or None if none can.

        First a nomination it can join directly (the one lacking most judges, ties in the seeded order); otherwise
        a breadth-first search backwards: target joins n1 in place of a judge j1 who joins n2 in place of ... until
        some judge joins a nomination that still lacks judges.
        """
        direct = [n for n in self.eligible[target] if self.missing[n] > 0 and target not in self.added[n]]
        if direct:
            nomination = max(direct, key=lambda n: self.missing[n])  # max keeps the first of equals
            return [(target, nomination, True)]
        taker: dict[int, int] = {}  # nomination -> the judge who would join it, one step nearer the target
        given_up: dict[int, int] = {}  # judge -> the nomination they would leave
        queue, seen_judges = [target], {target}
        for judge in queue:  # the queue grows while it is read: breadth first
            for n in self.eligible[judge]:
                if n in taker or judge in self.added[n]:
                    continue
                taker[n] = judge
                if self.missing[n] > 0:
                    return self._moves_from(n, taker, given_up, target)
                for other in sorted(self.added[n]):
                    if other not in seen_judges:
                        seen_judges.add(other)
                        given_up[other] = n
                        queue.append(other)
        return None

    @staticmethod
    def _moves_from(
        start: int, taker: dict[int, int], given_up: dict[int, int], target: int
    ) -> list[tuple[int, int, bool]]:
        moves, nomination = [], start
        while True:
            judge = taker[nomination]
            moves.append((judge, nomination, True))
            if judge == target:
                return moves
            nomination = given_up[judge]
            moves.append((judge, nomination, False))

    # --- rule 5: spread by load-preserving swaps ------------------------------------------------------------------

    def spread(self) -> None:
        """Swap added assignments between judges while that improves (distinct pairs, highest count, Σ count²)."""
        movable = [(j, n) for n in range(len(self.nominations)) for j in sorted(self.added[n])]
        if len(movable) < 2 or len(self.judges) < 3:
            return
        count_j = len(self.judges)
        together = [[0] * count_j for _ in range(count_j)]
        for panel in self.panel:
            for a in panel:
                for b in panel:
                    if a != b:
                        together[a][b] += 1
        histogram: dict[int, int] = {}
        for a in range(count_j):
            for b in range(a + 1, count_j):
                histogram[together[a][b]] = histogram.get(together[a][b], 0) + 1
        state = _SpreadState(together, histogram, max(histogram))

        tries_left = SPREAD_TRIES_PER_ASSIGNMENT * len(movable)
        improved = True
        while improved and tries_left > 0:
            improved = False
            order = list(range(len(movable)))
            self.rng.shuffle(order)
            for first in order:
                for second in self.rng.sample(range(len(movable)), min(len(movable), SPREAD_PARTNERS)):
                    tries_left -= 1
                    if self._try_swap(movable, first, second, state):
                        improved = True
                        break
                if tries_left <= 0:
                    break

    def _try_swap(self, movable: list[tuple[int, int]], first: int, second: int, state: _SpreadState) -> bool:
        a, n1 = movable[first]
        b, n2 = movable[second]
        if a == b or n1 == n2 or b in self.panel[n1] or a in self.panel[n2]:
            return False
        if not (self.allowed[b][n1] and self.allowed[a][n2]):
            return False
        # a leaves n1 and b joins it; b leaves n2 and a joins it. Judges on both panels see no change.
        changes: list[tuple[int, int, int]] = []
        p1, p2 = self.panel[n1], self.panel[n2]
        for j in p1:
            if j != a and j not in p2:
                changes += [(a, j, -1), (b, j, 1)]
        for j in p2:
            if j != b and j not in p1:
                changes += [(b, j, -1), (a, j, 1)]
        if not state.improves(changes):
            return False
        state.apply(changes)
        for panel_set in (p1, self.added[n1]):
            panel_set.discard(a)
            panel_set.add(b)
        for panel_set in (p2, self.added[n2]):
            panel_set.discard(b)
            panel_set.add(a)
        movable[first], movable[second] = (a, n2), (b, n1)
        return True

    # --- the result and rule 7 ------------------------------------------------------------------------------------

    def plan(self) -> AssignmentPlan:
        added = sorted(
            (self.judges[j].id, self.nominations[n].id) for n in range(len(self.nominations)) for j in self.added[n]
        )
        shortfalls = []
        for n, nomination in enumerate(self.nominations):
            missing = self.k - len(self.panel[n])
            if missing > 0 and self.filled[n]:
                shortfalls.append(Shortfall(nomination.id, missing, self._reason(n)))
        loads = {judge.id: self.load[j] for j, judge in enumerate(self.judges)}
        return AssignmentPlan(added, shortfalls, loads)

    def _reason(self, n: int) -> str:
        count_j = len(self.judges)
        if count_j == 0:
            return "there are no judges"
        possible = count_j - self.conflicted[n]  # on it already, or allowed to be added
        if possible == 0:
            return "no eligible judges at all: every judge has a conflict with it"
        if possible >= self.k:
            return f"every judge without a conflict is {self._full(n)}"
        if self.conflicted[n] == 0:
            reason = f"there are only {_plural(count_j, 'judge', 'judges')}"
        else:
            reason = f"only {_plural(possible, 'judge has', 'judges have')} no conflict with it"
        left_out = possible - len(self.panel[n])
        if left_out:
            reason += f", and {'the one' if left_out == 1 else f'the {left_out}'} not on it "
            reason += f"{'is' if left_out == 1 else 'are'} {self._full(n)}"
        return reason

    def _full(self, n: int) -> str:
        """How the allowed judges not on the nomination are full; at a maximum flow, every one of them is."""
        caps = {self.cap[j] for j in range(len(self.judges)) if self.allowed[j][n] and j not in self.panel[n]}
        if len(caps) == 1 and None not in caps:
            return f"at the maximum load of {caps.pop()}"
        return "at their maximum load"


class _SpreadState:
    """Co-judging counts of every judge pair, their histogram and its highest value, for the spread search."""

    def __init__(self, together: list[list[int]], histogram: dict[int, int], highest: int) -> None:
        self.together, self.histogram, self.highest = together, histogram, highest

    def improves(self, changes: list[tuple[int, int, int]]) -> bool:
        """Whether the changes, each (judge, judge, ±1) on distinct pairs, improve (distinct, highest, Σ count²)."""
        distinct = squares = 0
        rises = leaving_top = reaching_top = 0
        top = self.highest
        for a, b, step in changes:
            count = self.together[a][b]
            if step > 0:
                distinct += count == 0
                squares += 2 * count + 1
                rises += count == top
                reaching_top += count == top - 1
            else:
                distinct -= count == 1
                squares += 1 - 2 * count
                leaving_top += count == top
        if distinct:
            return distinct > 0
        if rises:
            return False
        if top > 0 and leaving_top == self.histogram.get(top, 0) and not reaching_top:
            return True  # the highest count falls by one
        return squares < 0

    def apply(self, changes: list[tuple[int, int, int]]) -> None:
        for a, b, step in changes:
            count = self.together[a][b]
            self.histogram[count] -= 1
            self.histogram[count + step] = self.histogram.get(count + step, 0) + 1
            self.together[a][b] = self.together[b][a] = count + step
        # Each count moves by one at most, so the highest does too.
        if self.histogram.get(self.highest + 1):
            self.highest += 1
        elif self.highest > 0 and not self.histogram.get(self.highest):
            self.highest -= 1
