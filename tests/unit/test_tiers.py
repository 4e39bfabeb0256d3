"""Award tiers by whom they are for, with every doubtful place left to the committee: hand-made cases."""

from __future__ import annotations

import itertools
import random

from awards_app.rules.tiers import (
    FEW_JUDGES,
    TIE,
    TIE_BREAK,
    UNCERTAIN,
    UNDECIDED_ABOVE,
    Candidate,
    Contender,
    Given,
    Held,
    Tier,
    fill_tiers,
)

CITY, INSTITUTION, CORPORATION = "city", "institution", "corporation"
GOLD, SILVER, BRONZE, CORPORATE, INSTITUTE = 1, 2, 3, 4, 5
TIERS = [
    Tier(GOLD, 1),
    Tier(SILVER, 2),
    Tier(BRONZE, 3),
    Tier(CORPORATE, 1, frozenset({CORPORATION})),
    Tier(INSTITUTE, 1, frozenset({INSTITUTION})),
]


def ranked(*types: str, few: tuple[int, ...] = ()) -> list[Candidate]:
    """Candidates 101, 102, … ranked 1, 2, … with falling, distinct Scores."""
    return [Candidate(101 + i, i + 1, 90.0 - i, kind, few_judges=(i + 1) in few) for i, kind in enumerate(types)]


def given(plan) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for g in plan.given:
        out.setdefault(g.tier_id, []).append(g.nomination_id)
    return out


def test_type_prizes_go_to_the_best_of_their_type_not_to_the_next_in_rank():
    # The bug: "in rank order" gave the Corporate prize to a city at rank 7 and the Institution prize to a city at
    # rank 8. The best corporation is 9th here and the best institution 10th.
    candidates = ranked(*[CITY] * 8, CORPORATION, INSTITUTION, CITY)
    plan = fill_tiers(candidates, TIERS)
    assert given(plan) == {GOLD: [101], SILVER: [102, 103], BRONZE: [104, 105, 106], CORPORATE: [109], INSTITUTE: [110]}
    assert plan.held == []


def test_a_type_may_win_an_open_tier_and_the_type_prize_then_goes_to_the_next_of_its_type():
    plan = fill_tiers(ranked(CORPORATION, CITY, CITY, CITY, CITY, CITY, CORPORATION, INSTITUTION), TIERS)
    assert given(plan)[GOLD] == [101] and given(plan)[CORPORATE] == [107] and given(plan)[INSTITUTE] == [108]


def test_a_tier_with_nobody_eligible_stays_empty():
    plan = fill_tiers(ranked(CITY, CITY, CITY), TIERS)
    assert given(plan) == {GOLD: [101], SILVER: [102, 103]} and plan.held == []


def test_a_shared_first_place_is_the_committee_s_and_the_other_places_still_fill():
    # The bug: a shared first place gave Gold to one and Silver to the other by database order.
    candidates = [
        Candidate(101, 1, 80.0, CITY),
        Candidate(102, 1, 80.0, CITY),
        *(Candidate(100 + rank, rank, 82.0 - rank, CITY) for rank in range(3, 8)),
    ]
    plan = fill_tiers(candidates, TIERS[:3])
    assert plan.held[0] == Held(GOLD, 1, (Contender(101, 1, (TIE,)), Contender(102, 1, (TIE,))))
    # Whoever does not get Gold is in Silver: one Silver place waits for that; the other goes to the third.
    assert plan.held[1] == Held(
        SILVER, 1, (Contender(101, 1, (TIE, UNDECIDED_ABOVE)), Contender(102, 1, (TIE, UNDECIDED_ABOVE)))
    )
    assert given(plan) == {SILVER: [103], BRONZE: [104, 105, 106]}


def test_the_order_the_rows_come_in_never_matters():
    candidates = [
        Candidate(101, 1, 80.0, CITY),
        Candidate(102, 1, 80.0, CITY),
        *(Candidate(100 + rank, rank, 82.0 - rank, CITY) for rank in range(3, 9)),
        Candidate(120, 9, 72.5, CORPORATION),
        Candidate(121, 9, 72.5, INSTITUTION),
    ]
    expected = fill_tiers(candidates, TIERS)
    for seed in range(20):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        assert fill_tiers(shuffled, TIERS) == expected


def test_a_tie_at_a_tier_boundary_holds_only_the_boundary_place():
    # Silver has 2 places: 102 is in; 103 and 104 share rank 3 for the second.
    candidates = [
        *ranked(CITY, CITY),
        Candidate(103, 3, 70.0, CITY),
        Candidate(104, 3, 70.0, CITY),
        *(Candidate(100 + rank, rank, 70.0 - rank, CITY) for rank in range(5, 9)),
    ]
    plan = fill_tiers(candidates, TIERS[:3])
    assert given(plan)[GOLD] == [101] and given(plan)[SILVER] == [102]
    assert plan.held[0] == Held(SILVER, 1, (Contender(103, 3, (TIE,)), Contender(104, 3, (TIE,))))
    assert given(plan)[BRONZE] == [105, 106]  # one of 103/104 falls into Bronze, which has three places
    assert plan.held[1].places == 1 and [c.nomination_id for c in plan.held[1].contenders] == [103, 104]


def test_equal_scores_told_apart_only_by_the_tie_break_are_the_committee_s():
    candidates = ranked(CITY, CITY, CITY, CITY)
    candidates[3] = Candidate(104, 4, candidates[2].score, CITY)  # same Score as 103; the criterion put 103 first
    plan = fill_tiers(candidates, [Tier(GOLD, 1), Tier(SILVER, 2)])
    assert given(plan) == {GOLD: [101], SILVER: [102]}
    assert plan.held == [Held(SILVER, 1, (Contender(103, 3, (TIE_BREAK,)), Contender(104, 4, (TIE_BREAK,))))]


def test_few_judges_inside_a_tier_holds_that_place_and_those_below_it_in_the_tier():
    # The bug: Silver and Bronze went to nominations scored by one judge without a word.
    plan = fill_tiers(ranked(CITY, CITY, CITY, CITY, CITY, CITY, CITY, few=(3,)), TIERS[:3])
    assert given(plan)[GOLD] == [101] and given(plan)[SILVER] == [102]
    held = plan.held[0]
    assert held.tier_id == SILVER and held.places == 1
    assert held.contenders[0] == Contender(103, 3, (FEW_JUDGES,))
    assert [c.nomination_id for c in held.contenders] == [103, 104]


def test_few_judges_just_outside_a_boundary_holds_the_last_place():
    plan = fill_tiers(ranked(CITY, CITY, CITY, few=(2,)), [Tier(GOLD, 1)])
    assert given(plan) == {} and plan.held == [Held(GOLD, 1, (Contender(101, 1, ()), Contender(102, 2, (FEW_JUDGES,))))]


def test_indistinguishable_nominations_at_a_boundary_are_the_committee_s():
    candidates = ranked(CITY, CITY, CITY, CITY, CITY)

    def uncertain(above: Candidate, below: Candidate, _tier: Tier) -> bool:
        return {above.nomination_id, below.nomination_id} <= {103, 104, 105}

    plan = fill_tiers(candidates, [Tier(GOLD, 1), Tier(SILVER, 2)], uncertain)
    assert given(plan) == {GOLD: [101], SILVER: [102]}
    held = plan.held[0]
    assert held.places == 1
    assert [(c.nomination_id, c.reasons) for c in held.contenders] == [
        (103, (UNCERTAIN,)),
        (104, (UNCERTAIN,)),
        (105, (UNCERTAIN,)),
    ]


def test_the_uncertainty_of_a_type_prize_is_asked_at_that_prize():
    candidates = ranked(CITY, CORPORATION, CITY, CORPORATION)
    asked = []

    def uncertain(above: Candidate, below: Candidate, tier: Tier) -> bool:
        asked.append((above.nomination_id, below.nomination_id, tier.tier_id))
        return tier.tier_id == CORPORATE

    plan = fill_tiers(candidates, [Tier(GOLD, 1), Tier(CORPORATE, 1, frozenset({CORPORATION}))], uncertain)
    assert (102, 104, CORPORATE) in asked
    assert plan.held == [Held(CORPORATE, 1, (Contender(102, 2, (UNCERTAIN,)), Contender(104, 4, (UNCERTAIN,))))]


def test_every_candidate_gets_at_most_one_tier_and_no_tier_more_than_its_places():
    types = [CITY, INSTITUTION, CORPORATION]
    for seed in range(200):
        rng = random.Random(seed)
        candidates = [
            Candidate(100 + i, 0, float(rng.randint(50, 60)), rng.choice(types), few_judges=rng.random() < 0.1)
            for i in range(15)
        ]
        ordered = sorted(candidates, key=lambda c: -c.score)
        ranks = {}
        for c in ordered:  # competition ranks by Score alone: equal Scores share a rank
            ranks.setdefault(c.score, 1 + sum(1 for d in ordered if d.score > c.score))
        candidates = [
            Candidate(c.nomination_id, ranks[c.score], c.score, c.applicant_type, c.few_judges) for c in candidates
        ]
        plan = fill_tiers(candidates, TIERS)
        ids = [g.nomination_id for g in plan.given]
        assert len(ids) == len(set(ids))
        for tier in TIERS:
            mine = [g for g in plan.given if g.tier_id == tier.tier_id]
            held = sum(h.places for h in plan.held if h.tier_id == tier.tier_id)
            assert len(mine) + held <= tier.places
            assert all(tier.admits(next(c for c in candidates if c.nomination_id == g.nomination_id)) for g in mine)
            # Nothing given over a tie: no one left out shares the rank of someone given this tier.
            for g, other in itertools.product(mine, candidates):
                if other.nomination_id not in ids and other.rank == g.rank and tier.admits(other):
                    assert any(other.nomination_id in {c.nomination_id for c in h.contenders} for h in plan.held)
        assert all(isinstance(g, Given) for g in plan.given)
