"""The season's steps (rules.season): done, now or later, and what each still lacks."""

from awards_app.rules.season import STEPS, SeasonFacts, StepState, season_steps


def states(facts: SeasonFacts) -> dict[str, str]:
    return {step.key: step.state.value for step in season_steps(facts)}


def missing(facts: SeasonFacts) -> dict[str, tuple]:
    return {step.key: step.missing for step in season_steps(facts)}


def test_an_empty_edition_starts_with_its_categories_and_the_rest_waits():
    found = states(SeasonFacts())
    assert list(found) == list(STEPS)
    assert found["categories"] == "now" and all(found[key] == "later" for key in STEPS[1:])
    assert missing(SeasonFacts())["categories"] == (("no-categories", 1),)


def test_categories_need_their_tiers_and_then_the_call_comes_next():
    facts = SeasonFacts(categories=4, categories_without_tiers=1)
    assert missing(facts)["categories"] == (("without-tiers", 1),)
    ready = SeasonFacts(categories=4)
    assert states(ready)["categories"] == "done" and states(ready)["call"] == "now"
    assert missing(ready)["call"] == (("call-not-open", 1),)


def test_while_the_call_is_open_screening_already_runs():
    facts = SeasonFacts(categories=4, call_opened=True, submitted=12)
    found = states(facts)
    assert found["call"] == "now" and found["screening"] == "now" and found["rounds"] == "later"
    assert missing(facts)["call"] == (("call-open", 1),)
    assert missing(facts)["screening"] == (("to-screen", 12), ("none-screened", 1))


def test_a_season_under_way_shows_judging_and_what_is_owed():
    facts = SeasonFacts(
        categories=4,
        call_opened=True,
        call_closed=True,
        screened=40,
        eligible=36,
        rounds=2,
        judges=16,
        first_round_nominations=36,
        rounds_opened=1,
        owed=5,
    )
    found = states(facts)
    assert [found[key] for key in STEPS] == [
        "done",
        "done",
        "done",
        "done",
        "done",
        "done",
        "now",
        "later",
        "later",
        "later",
    ]
    assert missing(facts)["judging"] == (("rounds-not-open", 1), ("owed", 5))


def test_judges_without_details_and_short_nominations_hold_their_steps():
    facts = SeasonFacts(
        categories=1,
        call_opened=True,
        call_closed=True,
        screened=3,
        rounds=1,
        judges=3,
        judges_missing_details=1,
        first_round_nominations=3,
        first_round_short=2,
    )
    found = states(facts)
    assert found["judges"] == "now" and found["assignment"] == "later"
    assert missing(facts)["judges"] == (("judges-missing-details", 1),)


def test_a_published_season_is_done_throughout():
    facts = SeasonFacts(
        categories=4,
        call_opened=True,
        call_closed=True,
        screened=40,
        rounds=2,
        judges=16,
        first_round_nominations=36,
        rounds_opened=2,
        rounds_closed=2,
        award_rounds=1,
        published=True,
    )
    assert all(step.state is StepState.DONE and not step.missing for step in season_steps(facts))
