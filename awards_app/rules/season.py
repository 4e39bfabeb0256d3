"""The season of an edition, as the secretariat runs it: ten steps in order, each done, under way, to do next, or
waiting for an earlier one, with what is still missing.

The steps and what makes each one done are the prize's rules; ``services.season`` gathers the facts they read
(counts, dates) in a few queries, and the edition's page shows them with a link to where each is done.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class StepState(enum.StrEnum):
    DONE = "done"
    NOW = "now"  # under way, or the next thing to do
    LATER = "later"  # waits for an earlier step


#: The steps, in the order a season runs them.
STEPS = (
    "categories",
    "call",
    "screening",
    "rounds",
    "judges",
    "assignment",
    "judging",
    "results",
    "decisions",
    "publication",
)


@dataclass(frozen=True)
class SeasonFacts:
    """What the steps read, counted for one edition at one moment."""

    categories: int = 0
    categories_without_tiers: int = 0
    call_opened: bool = False  # the call's opening time has passed
    call_closed: bool = False  # its deadline has passed
    submitted: int = 0  # waiting for screening
    screened: int = 0  # eligible or ineligible
    eligible: int = 0
    rounds: int = 0
    scoring_rubrics_missing: int = 0  # (round, category) pairs of scoring rounds with no criteria
    judges: int = 0  # active judges
    judges_missing_details: int = 0  # without the country or organisation the conflict rules read
    first_round_nominations: int = 0
    first_round_short: int = 0  # nominations of the first round with fewer judges than it wants
    rounds_opened: int = 0
    rounds_closed: int = 0
    owed: int = 0  # nominations whose judges still owe scores or votes, in the rounds that have opened
    award_rounds: int = 0  # rounds where tiers were given
    published: bool = False


@dataclass(frozen=True)
class Step:
    key: str
    state: StepState
    #: What is still missing, as (message id, number) pairs the page words; empty when nothing is.
    missing: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def _done_when(facts: SeasonFacts) -> dict[str, tuple[bool, list[tuple[str, int]]]]:
    """Each step: whether it is done, and what it still lacks."""
    f = facts
    return {
        "categories": (
            f.categories > 0 and f.categories_without_tiers == 0,
            [("no-categories", 1)] * (f.categories == 0)
            + [("without-tiers", f.categories_without_tiers)] * bool(f.categories_without_tiers),
        ),
        "call": (
            f.call_closed,
            [("call-not-open", 1)] * (not f.call_opened) + [("call-open", 1)] * (f.call_opened and not f.call_closed),
        ),
        "screening": (
            f.call_closed and f.submitted == 0 and f.screened > 0,
            [("to-screen", f.submitted)] * bool(f.submitted) + [("none-screened", 1)] * (f.screened == 0),
        ),
        "rounds": (
            f.rounds > 0 and f.scoring_rubrics_missing == 0,
            [("no-rounds", 1)] * (f.rounds == 0)
            + [("rubrics-missing", f.scoring_rubrics_missing)] * bool(f.scoring_rubrics_missing),
        ),
        "judges": (
            f.judges > 0 and f.judges_missing_details == 0,
            [("no-judges", 1)] * (f.judges == 0)
            + [("judges-missing-details", f.judges_missing_details)] * bool(f.judges_missing_details),
        ),
        "assignment": (
            f.first_round_nominations > 0 and f.first_round_short == 0,
            [("nothing-to-assign", 1)] * (f.first_round_nominations == 0)
            + [("short", f.first_round_short)] * bool(f.first_round_short),
        ),
        "judging": (
            f.rounds > 0 and f.rounds_opened == f.rounds and f.owed == 0,
            [("rounds-not-open", f.rounds - f.rounds_opened)] * bool(f.rounds - f.rounds_opened)
            + [("owed", f.owed)] * bool(f.owed),
        ),
        "results": (
            f.rounds > 0 and f.rounds_closed == f.rounds,
            [("rounds-open", f.rounds - f.rounds_closed)] * bool(f.rounds - f.rounds_closed),
        ),
        "decisions": (f.award_rounds > 0, [("no-awards", 1)] * (f.award_rounds == 0)),
        "publication": (f.published, [("not-published", 1)] * (not f.published)),
    }


def _under_way(key: str, facts: SeasonFacts) -> bool:
    """What runs by itself once its time has come, whatever earlier step is still open."""
    return (
        (key == "call" and facts.call_opened)
        or (key == "screening" and facts.submitted > 0)
        or (key == "judging" and facts.rounds_opened > 0)
    )


def season_steps(facts: SeasonFacts) -> list[Step]:
    """The ten steps in order. The first step not done is the one to do now; a later one that is not done waits for
    it, except what already runs by itself (judging under way, screening while the call is open)."""
    done = _done_when(facts)
    steps, reached = [], False
    for key in STEPS:
        finished, missing = done[key]
        if finished:
            state = StepState.DONE
        elif not reached:
            state, reached = StepState.NOW, True
        elif _under_way(key, facts):
            state = StepState.NOW  # already under way while an earlier step is still open
        else:
            state = StepState.LATER
        steps.append(Step(key, state, tuple(missing) if state is not StepState.DONE else ()))
    return steps
