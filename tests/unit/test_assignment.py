import itertools
import random
from collections import Counter

import pytest

from awards_app.assignment import (
    ConflictRule,
    JudgeSlot,
    NominationSlot,
    Shortfall,
    automatic_conflict,
    co_judging_pairs,
    conflict_rule,
    forbidden_pairs,
    normalise_organisation,
    plan_assignment,
)


def seeded(seed):
    """Reproducible test data."""
    return random.Random(seed)


def judges_of(count, first_id=1, **kwargs):
    """Judges with no organisation or country: never in conflict."""
    return [JudgeSlot(first_id + i, "", "", **kwargs) for i in range(count)]


def nominations_of(count, first_id=101):
    return [NominationSlot(first_id + i, f"Nominee {i}", "") for i in range(count)]


def panels_after(plan, existing=()):
    panels = {}
    for judge_id, nomination_id in [*existing, *plan.added]:
        panels.setdefault(nomination_id, set()).add(judge_id)
    return panels


def check_rules(plan, judges, nominations, k, max_load=None, existing=(), blocked=(), same_country=True):
    """Rules 1–3 and the bookkeeping of the plan: every test that builds a plan can afford this."""
    existing, blocked = set(existing), set(blocked)
    by_id = {j.id: j for j in judges}
    nominations_by_id = {n.id: n for n in nominations}
    assert plan.added == sorted(set(plan.added))
    for judge_id, nomination_id in plan.added:
        assert (judge_id, nomination_id) not in existing
        assert (judge_id, nomination_id) not in blocked
        assert automatic_conflict(by_id[judge_id], nominations_by_id[nomination_id], same_country) is None
    loads = Counter(judge_id for judge_id, _ in existing | set(plan.added))
    assert plan.loads == {j.id: loads[j.id] for j in judges}
    added_loads = Counter(judge_id for judge_id, _ in plan.added)
    for judge in judges:
        caps = [c for c in (max_load, judge.max_load) if c is not None]
        if caps and added_loads[judge.id]:
            assert plan.loads[judge.id] <= min(caps)
    panels = panels_after(plan, existing)
    added_per_nomination = Counter(nomination_id for _, nomination_id in plan.added)
    for nomination in nominations:
        size = len(panels.get(nomination.id, ()))
        if added_per_nomination[nomination.id]:
            assert size <= k
    expected_short = {n.id: k - len(panels.get(n.id, ())) for n in nominations if len(panels.get(n.id, ())) < k}
    assert {s.nomination_id: s.missing for s in plan.shortfalls} == expected_short
    assert [s.nomination_id for s in plan.shortfalls] == sorted(expected_short)


# --- conflicts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("judge_org", "nominee_org"),
    [
        ("Seoul Metropolitan Government", "seoul metropolitan government"),
        ("  Seoul Metropolitan Government ", "Seoul Metropolitan Government"),
        ("Seoul  Metropolitan-Government.", "SEOUL METROPOLITAN GOVERNMENT"),
        ("K-Water", "k water"),
        ("서울특별시", " 서울 특별시 "),
    ],
)
def test_same_organisation_is_a_conflict_despite_case_spaces_and_punctuation(judge_org, nominee_org):
    judge = JudgeSlot(1, judge_org, "FR")
    nomination = NominationSlot(2, nominee_org, "KR")
    assert automatic_conflict(judge, nomination, same_country=False) == (
        "the judge belongs to the nominating organisation"
    )


def test_normalised_organisation_keeps_letters_and_digits_only():
    assert normalise_organisation(" Seoul-Metro, Line 2. ") == "seoulmetroline2"


def test_different_or_empty_organisations_never_conflict():
    nomination = NominationSlot(2, "", "KR")
    assert automatic_conflict(JudgeSlot(1, "", "FR"), nomination, same_country=True) is None
    assert automatic_conflict(JudgeSlot(1, "...", "FR"), NominationSlot(2, "!!", "KR"), same_country=True) is None
    assert automatic_conflict(JudgeSlot(1, "Busan City", "FR"), NominationSlot(2, "Seoul City", "KR"), True) is None


def test_same_country_is_a_conflict_only_when_the_round_says_so():
    judge = JudgeSlot(1, "KAIST", " kr")
    nomination = NominationSlot(2, "Seoul", "KR")
    assert automatic_conflict(judge, nomination, same_country=True) == "the judge is from the nomination's country (KR)"
    assert automatic_conflict(judge, nomination, same_country=False) is None


def test_empty_countries_never_conflict():
    assert automatic_conflict(JudgeSlot(1, "A", ""), NominationSlot(2, "B", ""), same_country=True) is None


def test_conflicted_pairs_are_never_added():
    judges = [
        JudgeSlot(1, "Seoul Metropolitan Government", "KR"),
        JudgeSlot(2, "UN-Habitat", "KE"),
        JudgeSlot(3, "Barcelona City Council", "ES"),
        JudgeSlot(4, "TU Delft", "NL"),
    ]
    nominations = [
        NominationSlot(101, "seoul metropolitan government", "KR"),
        NominationSlot(102, "Ajuntament", "ES"),
        NominationSlot(103, "Un Habitat", "FR"),
    ]
    plan = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None)
    check_rules(plan, judges, nominations, 3)
    assert plan.added == [(1, 102), (1, 103), (2, 101), (2, 102), (3, 101), (3, 103), (4, 101), (4, 102), (4, 103)]
    assert plan.shortfalls == []


def test_same_country_off_allows_a_compatriot_judge():
    judges = [JudgeSlot(1, "KAIST", "KR"), JudgeSlot(2, "Yonsei", "KR")]
    nominations = [NominationSlot(101, "Seoul", "KR")]
    with_rule = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, same_country=True)
    without = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, same_country=False)
    assert with_rule.added == []
    assert with_rule.shortfalls == [Shortfall(101, 2, "no eligible judges at all: every judge has a conflict with it")]
    assert without.added == [(1, 101), (2, 101)]
    assert without.shortfalls == []


def test_blocked_pairs_are_never_added():
    judges, nominations = judges_of(3), nominations_of(2)
    blocked = [(1, 101), (2, 102)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, blocked=blocked)
    check_rules(plan, judges, nominations, 2, blocked=blocked)
    assert plan.added == [(1, 102), (2, 101), (3, 101), (3, 102)]


# --- filling and balance ----------------------------------------------------------------------------------------


def test_every_nomination_gets_exactly_k_judges():
    judges, nominations = judges_of(6), nominations_of(9)
    plan = plan_assignment(judges, nominations, judges_per_nomination=4, max_load=None)
    check_rules(plan, judges, nominations, 4)
    assert {n: len(p) for n, p in panels_after(plan).items()} == {n.id: 4 for n in nominations}
    assert plan.shortfalls == []


def test_loads_are_even_when_they_can_be():
    # 10 nominations × 3 = 30 places over 7 judges: loads of 4 and 5.
    judges, nominations = judges_of(7), nominations_of(10)
    plan = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None)
    check_rules(plan, judges, nominations, 3)
    assert sorted(plan.loads.values()) == [4, 4, 4, 4, 4, 5, 5]


def test_uneven_existing_loads_are_evened_out():
    # 6 nominations × 2 = 12 places over 4 judges: 3 each. Judge 1 already has 3, judge 2 has 1.
    judges, nominations = judges_of(4), nominations_of(6)
    existing = [(1, 101), (1, 102), (1, 103), (2, 104)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, existing=existing)
    check_rules(plan, judges, nominations, 2, existing=existing)
    assert plan.loads == {1: 3, 2: 3, 3: 3, 4: 3}
    assert [pair for pair in plan.added if pair[0] == 1] == []


def test_evenness_with_existing_work_and_conflicts():
    judges = [JudgeSlot(1, "A", ""), JudgeSlot(2, "B", ""), JudgeSlot(3, "C", ""), JudgeSlot(4, "D", "")]
    nominations = [NominationSlot(101 + i, "A" if i < 3 else "Z", "") for i in range(8)]  # judge 1 conflicts 3
    existing = [(2, 104), (2, 105), (2, 106), (3, 104)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, existing=existing)
    check_rules(plan, judges, nominations, 2, existing=existing)
    assert sorted(plan.loads.values()) == [4, 4, 4, 4]
    assert plan.shortfalls == []


def test_filling_comes_before_evenness():
    # Only judge 1 may judge 101 and 102; judge 2 may judge nothing here. Loads 2 and 0 beat leaving a gap.
    judges = [JudgeSlot(1, "", ""), JudgeSlot(2, "Seoul", "")]
    nominations = [NominationSlot(101, "Seoul", ""), NominationSlot(102, "seoul", "")]
    plan = plan_assignment(judges, nominations, judges_per_nomination=1, max_load=None)
    assert plan.added == [(1, 101), (1, 102)]
    assert plan.loads == {1: 2, 2: 0}


def test_a_better_judge_is_moved_to_make_room():
    # Greedy on 101 first could give it judge 1 and leave 102 (only judge 1 allowed) empty; the flow reroutes.
    judges = judges_of(2)
    nominations = nominations_of(2)
    blocked = [(2, 102)]
    for seed in range(5):
        plan = plan_assignment(judges, nominations, judges_per_nomination=1, max_load=1, blocked=blocked, seed=seed)
        assert plan.added == [(1, 102), (2, 101)]


def brute_force_best(judges, nominations, k, max_load, existing, blocked, same_country):
    """(−places filled, Σ load²) of the best plan, by trying every plan."""
    loads0 = Counter(judge_id for judge_id, _ in existing)
    choices = []
    for nomination in nominations:
        on = {j for j, n in existing if n == nomination.id}
        allowed = [
            j.id
            for j in judges
            if j.id not in on
            and (j.id, nomination.id) not in blocked
            and automatic_conflict(j, nomination, same_country) is None
        ]
        room = max(0, k - len(on))
        choices.append([c for r in range(min(room, len(allowed)) + 1) for c in itertools.combinations(allowed, r)])
    best = None
    for plan in itertools.product(*choices):
        loads = Counter(loads0)
        for panel in plan:
            loads.update(panel)
        over = False
        for judge in judges:
            caps = [c for c in (max_load, judge.max_load) if c is not None]
            over = over or bool(caps and loads[judge.id] > max(min(caps), loads0[judge.id]))
        if not over:
            key = (-sum(map(len, plan)), sum(loads[j.id] ** 2 for j in judges))
            best = key if best is None else min(best, key)
    return best


@pytest.mark.parametrize("case", range(40))
def test_plan_is_optimal_on_small_random_rounds(case):
    rng = seeded(case)
    judges = [
        JudgeSlot(i, rng.choice(["A", "B", ""]), rng.choice(["KR", "US", ""]), rng.choice([None, None, 1, 2]))
        for i in range(1, rng.randint(1, 4) + 1)
    ]
    nominations = [NominationSlot(100 + i, rng.choice("abc"), rng.choice(["KR", "US", "FR"])) for i in range(4)]
    pairs = [(j.id, n.id) for j in judges for n in nominations]
    existing = set(rng.sample(pairs, rng.randint(0, 3)))
    blocked = set(rng.sample(pairs, rng.randint(0, 3)))
    k, max_load, same_country = rng.randint(1, 3), rng.choice([None, 1, 2, 3]), rng.random() < 0.5
    options = {"existing": existing, "blocked": blocked, "same_country": same_country, "seed": case}
    plan = plan_assignment(judges, nominations, judges_per_nomination=k, max_load=max_load, **options)
    check_rules(plan, judges, nominations, k, max_load, existing, blocked, same_country)
    achieved = (-len(plan.added), sum(load**2 for load in plan.loads.values()))
    assert achieved == brute_force_best(judges, nominations, k, max_load, existing, blocked, same_country)


# --- existing assignments ---------------------------------------------------------------------------------------


def test_running_again_adds_nothing():
    judges, nominations = judges_of(5), nominations_of(8)
    first = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None)
    second = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None, existing=first.added)
    assert second.added == []
    assert second.shortfalls == []
    assert second.loads == first.loads


def test_rerunning_fills_just_the_gap():
    judges, nominations = judges_of(5), nominations_of(8)
    first = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None)
    removed = first.added[4]
    kept = [pair for pair in first.added if pair != removed]
    second = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None, existing=kept)
    assert len(second.added) == 1
    assert second.added[0][1] == removed[1]
    assert sorted(second.loads.values()) == sorted(first.loads.values()) == [4, 5, 5, 5, 5]
    assert second.shortfalls == []


def test_a_judge_who_lost_an_assignment_gets_the_gap_back_when_they_are_least_loaded():
    judges, nominations = judges_of(4), nominations_of(6)
    first = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None)
    assert first.loads == {1: 3, 2: 3, 3: 3, 4: 3}
    removed = first.added[0]
    kept = first.added[1:]
    second = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, existing=kept)
    assert second.added == [removed]


def test_existing_pairs_are_kept_even_when_now_conflicted():
    judges = [JudgeSlot(1, "Seoul", "KR"), JudgeSlot(2, "", ""), JudgeSlot(3, "", "")]
    nominations = [NominationSlot(101, "Seoul", "KR")]
    existing = [(1, 101)]
    plan = plan_assignment(
        judges, nominations, judges_per_nomination=2, max_load=None, existing=existing, blocked=[(1, 101)]
    )
    assert plan.added in ([(2, 101)], [(3, 101)])
    assert plan.loads[1] == 1
    assert plan.shortfalls == []


def test_a_nomination_already_over_k_gets_nothing_and_is_not_short():
    judges, nominations = judges_of(4), nominations_of(1)
    existing = [(1, 101), (2, 101), (3, 101)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, existing=existing)
    assert plan.added == []
    assert plan.shortfalls == []
    assert plan.loads == {1: 1, 2: 1, 3: 1, 4: 0}


def test_a_pair_listed_twice_counts_once():
    judges, nominations = judges_of(3), nominations_of(1)
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, existing=[(1, 101), (1, 101)])
    assert len(plan.added) == 1
    assert plan.loads[1] == 1


# --- caps -------------------------------------------------------------------------------------------------------


def test_the_global_cap_is_respected_and_shortfalls_say_so():
    judges, nominations = judges_of(3), nominations_of(4)
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=2)
    check_rules(plan, judges, nominations, 2, max_load=2)
    assert plan.loads == {1: 2, 2: 2, 3: 2}
    assert sum(s.missing for s in plan.shortfalls) == 2
    assert {s.reason for s in plan.shortfalls} == {"every judge without a conflict is at the maximum load of 2"}


def test_the_smaller_of_the_global_and_the_judges_cap_applies():
    judges = [JudgeSlot(1, "", "", max_load=1), JudgeSlot(2, "", "", max_load=10), JudgeSlot(3, "", "")]
    nominations = nominations_of(6)
    plan = plan_assignment(judges, nominations, judges_per_nomination=1, max_load=3)
    check_rules(plan, judges, nominations, 1, max_load=3)
    assert plan.loads == {1: 1, 2: 3, 3: 2}  # judge 2 is held to the global 3; judge 1 to its own 1
    assert plan.shortfalls == []


def test_a_judges_own_cap_applies_without_a_global_one():
    judges = [JudgeSlot(1, "", "", max_load=1), JudgeSlot(2, "", "", max_load=1)]
    plan = plan_assignment(judges, nominations_of(3), judges_per_nomination=1, max_load=None)
    assert plan.loads == {1: 1, 2: 1}
    assert [(s.missing, s.reason) for s in plan.shortfalls] == [
        (1, "every judge without a conflict is at the maximum load of 1")
    ]
    mixed = [JudgeSlot(1, "", "", max_load=1), JudgeSlot(2, "", "", max_load=2)]
    plan = plan_assignment(mixed, nominations_of(4), judges_per_nomination=1, max_load=None)
    assert [s.reason for s in plan.shortfalls] == ["every judge without a conflict is at their maximum load"]


def test_a_judge_already_over_the_cap_gets_nothing_more():
    judges, nominations = judges_of(3), nominations_of(5)
    existing = [(1, 101), (1, 102), (1, 103)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=1, max_load=2, existing=existing)
    check_rules(plan, judges, nominations, 1, max_load=2, existing=existing)
    assert [pair for pair in plan.added if pair[0] == 1] == []
    assert plan.loads == {1: 3, 2: 1, 3: 1}


def test_a_zero_cap_adds_nothing():
    plan = plan_assignment(judges_of(2), nominations_of(2), judges_per_nomination=1, max_load=0)
    assert plan.added == []
    assert [s.missing for s in plan.shortfalls] == [1, 1]


# --- shortfalls and edge cases ----------------------------------------------------------------------------------


def test_too_few_judges_without_a_conflict():
    judges = [JudgeSlot(1, "Seoul", ""), JudgeSlot(2, "Seoul", ""), JudgeSlot(3, "", ""), JudgeSlot(4, "", "")]
    nominations = [NominationSlot(101, "SEOUL", ""), NominationSlot(102, "Busan", "")]
    plan = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None, blocked=[(4, 101)])
    check_rules(plan, judges, nominations, 3, blocked=[(4, 101)])
    assert plan.shortfalls == [Shortfall(101, 2, "only 1 judge has no conflict with it")]
    plan = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None)
    assert plan.shortfalls == [Shortfall(101, 1, "only 2 judges have no conflict with it")]


def test_too_few_judges_and_those_are_full():
    judges = [JudgeSlot(1, "Seoul", ""), JudgeSlot(2, "", "", max_load=1), JudgeSlot(3, "", "")]
    nominations = [NominationSlot(101, "Seoul", ""), NominationSlot(102, "Busan", "")]
    existing = [(2, 102)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None, existing=existing)
    check_rules(plan, judges, nominations, 3, existing=existing)
    assert plan.shortfalls == [
        Shortfall(101, 2, "only 2 judges have no conflict with it, and the one not on it is at the maximum load of 1"),
    ]


def test_k_larger_than_the_number_of_judges():
    plan = plan_assignment(judges_of(2), nominations_of(2), judges_per_nomination=3, max_load=None)
    assert plan.added == [(1, 101), (1, 102), (2, 101), (2, 102)]
    assert plan.shortfalls == [
        Shortfall(101, 1, "there are only 2 judges"),
        Shortfall(102, 1, "there are only 2 judges"),
    ]


def test_no_judges():
    plan = plan_assignment([], nominations_of(2), judges_per_nomination=2, max_load=None)
    assert plan.added == []
    assert plan.loads == {}
    assert plan.shortfalls == [Shortfall(101, 2, "there are no judges"), Shortfall(102, 2, "there are no judges")]


def test_no_nominations():
    plan = plan_assignment(judges_of(3), [], judges_per_nomination=2, max_load=None)
    assert (plan.added, plan.shortfalls, plan.loads) == ([], [], {1: 0, 2: 0, 3: 0})


def test_k_zero_adds_nothing_and_reports_nothing():
    plan = plan_assignment(judges_of(3), nominations_of(3), judges_per_nomination=0, max_load=None, existing=[(1, 101)])
    assert (plan.added, plan.shortfalls, plan.loads) == ([], [], {1: 1, 2: 0, 3: 0})


# --- determinism ------------------------------------------------------------------------------------------------


def mixed_round():
    countries = ["KR", "US", "FR", "", "JP"]
    judges = [JudgeSlot(i, f"Org {i % 7}", countries[i % 5], max_load=None if i % 4 else 6) for i in range(1, 13)]
    nominations = [NominationSlot(100 + i, f"org {i % 9}", countries[i % 5]) for i in range(30)]
    existing = [(1, 101), (2, 101), (5, 110), (12, 129)]
    blocked = [(3, 102), (4, 103), (6, 120)]
    return judges, nominations, existing, blocked


def test_same_inputs_and_seed_give_the_same_plan():
    judges, nominations, existing, blocked = mixed_round()
    kwargs = {"judges_per_nomination": 4, "max_load": 12, "existing": existing, "blocked": blocked, "seed": 7}
    first = plan_assignment(judges, nominations, **kwargs)
    check_rules(first, judges, nominations, 4, 12, existing, blocked)
    assert plan_assignment(judges, nominations, **kwargs) == first


def test_input_order_does_not_matter():
    judges, nominations, existing, blocked = mixed_round()
    kwargs = {"judges_per_nomination": 4, "max_load": 12, "seed": 3}
    first = plan_assignment(judges, nominations, existing=existing, blocked=blocked, **kwargs)
    rng = seeded(99)
    for _ in range(3):
        shuffled = [list(x) for x in (judges, nominations, existing, blocked)]
        for items in shuffled:
            rng.shuffle(items)
        again = plan_assignment(shuffled[0], shuffled[1], existing=shuffled[2], blocked=shuffled[3], **kwargs)
        assert again == first


def test_different_seeds_give_different_valid_plans():
    judges, nominations, existing, blocked = mixed_round()
    plans = [
        plan_assignment(
            judges, nominations, judges_per_nomination=4, max_load=12, existing=existing, blocked=blocked, seed=seed
        )
        for seed in range(5)
    ]
    assert len({tuple(plan.added) for plan in plans}) > 1
    for plan in plans:
        check_rules(plan, judges, nominations, 4, 12, existing, blocked)
        assert len(plan.added) == len(plans[0].added)
        assert sorted(plan.loads.values()) == sorted(plans[0].loads.values())


# --- spread -----------------------------------------------------------------------------------------------------


def test_co_judging_pairs_counts_shared_nominations():
    pairs = [(1, 101), (2, 101), (3, 101), (1, 102), (2, 102), (4, 103), (2, 102)]
    assert co_judging_pairs(pairs) == {
        frozenset((1, 2)): 2,
        frozenset((1, 3)): 1,
        frozenset((2, 3)): 1,
    }
    assert co_judging_pairs([]) == {}


def connected(judge_ids, counts):
    reached, frontier = set(), [min(judge_ids)]
    while frontier:
        judge = frontier.pop()
        if judge not in reached:
            reached.add(judge)
            frontier += [other for pair in counts if judge in pair for other in pair if other != judge]
    return reached == set(judge_ids)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_judges_share_nominations_with_many_different_judges(seed):
    judges, nominations = judges_of(10), nominations_of(40)
    plan = plan_assignment(judges, nominations, judges_per_nomination=3, max_load=None, seed=seed)
    check_rules(plan, judges, nominations, 3)
    # The naive plan: the same three judges on every nomination of a block.
    blocks = [(1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 1, 2)]
    naive = [(j, n.id) for i, n in enumerate(nominations) for j in blocks[i % 4]]
    naive_counts, counts = co_judging_pairs(naive), co_judging_pairs(plan.added)
    assert len(naive_counts) == 11
    assert len(counts) == 45  # every one of the 10 × 9 / 2 pairs of judges meets at least once
    assert max(counts.values()) == 3  # 120 meetings over 45 pairs: 2 or 3 each, the most even possible
    assert connected([j.id for j in judges], counts)
    assert not connected([j.id for j in judges], naive_counts)


def test_with_two_judges_a_nomination_no_pair_of_judges_meets_twice():
    judges, nominations = judges_of(16), nominations_of(40)
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None, seed=5)
    counts = co_judging_pairs(plan.added)
    assert len(counts) == 40
    assert set(counts.values()) == {1}
    assert set(plan.loads.values()) == {5}


def test_spread_keeps_loads_and_the_rules_with_conflicts():
    judges, nominations, existing, blocked = mixed_round()
    plan = plan_assignment(
        judges, nominations, judges_per_nomination=3, max_load=None, existing=existing, blocked=blocked
    )
    check_rules(plan, judges, nominations, 3, None, existing, blocked)
    capped = {j.id for j in judges if j.max_load is not None}
    assert {plan.loads[i] for i in capped} == {6}
    uncapped = [load for i, load in plan.loads.items() if i not in capped]
    assert max(uncapped) - min(uncapped) <= 1
    assert connected([j.id for j in judges], co_judging_pairs([*existing, *plan.added]))


# --- size -------------------------------------------------------------------------------------------------------


def test_a_full_round_of_250_nominations_and_20_judges():
    rng = seeded(2024)
    countries = ["KR", "US", "FR", "DE", "JP", "BR", "IN", "CN", "ES", "KE"]
    organisations = [f"City of {name}" for name in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    judges = [JudgeSlot(i, rng.choice(organisations), rng.choice(countries)) for i in range(1, 21)]
    nominations = [NominationSlot(1000 + i, rng.choice(organisations), rng.choice(countries)) for i in range(250)]
    blocked = [(rng.randint(1, 20), 1000 + rng.randrange(250)) for _ in range(40)]
    existing = [(j, n) for j, n in {(rng.randint(1, 20), 1000 + rng.randrange(250)) for _ in range(60)}]
    existing = [(j, n) for j, n in existing if (j, n) not in set(blocked)]
    plan = plan_assignment(
        judges, nominations, judges_per_nomination=5, max_load=None, existing=existing, blocked=blocked
    )
    check_rules(plan, judges, nominations, 5, None, existing, blocked)
    assert plan.shortfalls == []
    assert sum(plan.loads.values()) == 1250
    assert max(plan.loads.values()) - min(plan.loads.values()) <= 1
    assert len(co_judging_pairs([*existing, *plan.added])) == 190


def test_a_full_round_with_a_cap_too_low_reports_every_gap():
    judges, nominations = judges_of(20), nominations_of(250)
    plan = plan_assignment(judges, nominations, judges_per_nomination=5, max_load=55)
    check_rules(plan, judges, nominations, 5, max_load=55)
    assert plan.loads == {j.id: 55 for j in judges}
    assert len(plan.shortfalls) == 150  # 1250 − 20 × 55 places, one per nomination: spread, not piled up
    assert {(s.missing, s.reason) for s in plan.shortfalls} == {
        (1, "every judge without a conflict is at the maximum load of 55")
    }


# --- validation -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"judges_per_nomination": -1}, "judges_per_nomination must be 0 or more"),
        ({"max_load": -2}, "max_load must be 0 or more"),
        ({"judges": [JudgeSlot(1, "", ""), JudgeSlot(1, "", "")]}, "duplicate judge ids: 1"),
        ({"nominations": [NominationSlot(101, "", ""), NominationSlot(101, "", "")]}, "duplicate nomination ids: 101"),
        ({"judges": [JudgeSlot(1, "", "", max_load=-1)]}, "judge 1 has a negative max_load"),
        ({"existing": [(9, 101)]}, "existing pair (9, 101) names an unknown judge 9"),
        ({"existing": [(1, 999)]}, "existing pair (1, 999) names an unknown nomination 999"),
        ({"blocked": [(9, 101)]}, "blocked pair (9, 101) names an unknown judge 9"),
        ({"blocked": [(1, 999)]}, "blocked pair (1, 999) names an unknown nomination 999"),
    ],
)
def test_invalid_arguments_are_refused(kwargs, message):
    arguments = {
        "judges": judges_of(2),
        "nominations": nominations_of(2),
        "judges_per_nomination": 1,
        "max_load": None,
    } | kwargs
    judges, nominations = arguments.pop("judges"), arguments.pop("nominations")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan_assignment(judges, nominations, **arguments)


# --- rule 9: some nominations only ------------------------------------------------------------------------------


def test_only_fills_the_named_nomination_with_the_least_loaded_eligible_judge():
    judges, nominations = judges_of(4), nominations_of(6)
    first = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=None)
    # Judge 1 recuses from a nomination: the pair is blocked and no longer counts.
    recused = next(pair for pair in first.added if pair[0] == 1)
    kept = [pair for pair in first.added if pair != recused]
    # Two other nominations lose a judge too, but only the recused one is to be filled.
    others = [pair for pair in kept if pair[1] != recused[1]][:2]
    existing = [pair for pair in kept if pair not in others]
    plan = plan_assignment(
        judges,
        nominations,
        judges_per_nomination=2,
        max_load=None,
        existing=existing,
        blocked=[recused],
        only=[recused[1]],
    )
    assert len(plan.added) == 1 and plan.added[0][1] == recused[1]
    new_judge = plan.added[0][0]
    assert new_judge != 1 and (new_judge, recused[1]) not in existing
    loads_before = Counter(judge_id for judge_id, _ in existing)
    eligible = [j.id for j in judges if j.id != 1 and (j.id, recused[1]) not in existing]
    assert loads_before[new_judge] == min(loads_before[j] for j in eligible)  # rule 4 counts every nomination's work
    assert plan.shortfalls == []  # the two others are short but were not asked for


def test_only_respects_the_load_cap_counted_over_the_whole_round():
    judges, nominations = judges_of(3), nominations_of(3)
    existing = [(1, 101), (2, 101), (1, 102), (3, 102), (2, 103)]
    plan = plan_assignment(judges, nominations, judges_per_nomination=2, max_load=2, existing=existing, only=[103])
    assert plan.added == [(3, 103)]  # judges 1 and 2 are at the cap with the other nominations' work
    capped = plan_assignment(
        judges, nominations, judges_per_nomination=2, max_load=2, existing=existing, blocked=[(3, 103)], only=[103]
    )
    assert capped.added == []
    assert [(s.nomination_id, s.missing) for s in capped.shortfalls] == [(103, 1)]


def test_only_must_name_known_nominations():
    with pytest.raises(ValueError, match="only names unknown nominations: 999"):
        plan_assignment(judges_of(2), nominations_of(2), judges_per_nomination=1, max_load=None, only=[999])


def test_forbidden_pairs_are_exactly_those_conflict_rule_forbids():
    rng = seeded(11)
    organisations = ["Seoul Metro", "seoul-metro.", "K-Water", "", "City of Lyon"]
    countries = ["KR", "kr ", "FR", "", "KE"]
    judges = [JudgeSlot(i, rng.choice(organisations), rng.choice(countries)) for i in range(1, 40)]
    nominations = [NominationSlot(100 + i, rng.choice(organisations), rng.choice(countries)) for i in range(60)]
    for same_country in (True, False):
        expected = {
            (j.id, n.id): rule
            for j in judges
            for n in nominations
            if (rule := conflict_rule(j, n, same_country)) is not None
        }
        assert forbidden_pairs(judges, nominations, same_country) == expected


def test_a_declared_tie_forbids_the_organisation_or_the_city_it_names():
    judge = JudgeSlot(1, "University of Lisbon", "PT", ties=("Seoul-Metro.", " odense ", ""))
    by_name = NominationSlot(101, "Seoul Metro", "KR", city="Seoul")
    by_city = NominationSlot(102, "City of Odense", "DK", city="Odense")
    unrelated = NominationSlot(103, "Kigali City", "RW", city="Kigali")
    own = NominationSlot(104, "University of Lisbon", "PT", city="Odense")
    assert conflict_rule(judge, by_name, False) is ConflictRule.DECLARED_TIE
    assert conflict_rule(judge, by_city, False) is ConflictRule.DECLARED_TIE
    assert conflict_rule(judge, unrelated, True) is None
    # The judge's own organisation comes first, then the tie, then the country.
    assert conflict_rule(judge, own, True) is ConflictRule.SAME_ORGANISATION
    assert automatic_conflict(judge, by_city, True) == (
        "the judge declared a tie to the nominating organisation or its city"
    )
    # An empty tie matches nothing, not even an organisation without a city.
    assert conflict_rule(JudgeSlot(2, "", "", ties=("",)), NominationSlot(105, "X", "", city=""), True) is None
    plan = plan_assignment([judge], [by_name, by_city, unrelated], judges_per_nomination=1, max_load=None)
    assert plan.added == [(1, 103)]


def test_forbidden_pairs_follow_the_declared_ties_as_conflict_rule_does():
    rng = seeded(12)
    places = ["Seoul Metro", "Seoul", "Odense", "city of odense", "", "Kigali"]
    judges = [
        JudgeSlot(i, rng.choice(places), rng.choice(["KR", "DK", ""]), ties=tuple(rng.sample(places, 2)))
        for i in range(1, 30)
    ]
    nominations = [
        NominationSlot(100 + i, rng.choice(places), rng.choice(["KR", "DK", "RW"]), city=rng.choice(places))
        for i in range(40)
    ]
    for same_country in (True, False):
        expected = {
            (j.id, n.id): rule
            for j in judges
            for n in nominations
            if (rule := conflict_rule(j, n, same_country)) is not None
        }
        assert ConflictRule.DECLARED_TIE in expected.values()
        assert forbidden_pairs(judges, nominations, same_country) == expected
