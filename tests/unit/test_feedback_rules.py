"""The rules of feedback to applicants: when a round's feedback may be released and read, which comments reach the
applicant, how judges are numbered, and how small a category may be for its distribution to be shown."""

from __future__ import annotations

import pytest

from awards_app.rules import feedback as rules


@pytest.mark.parametrize(
    ("scoring", "closed", "published", "released", "problem"),
    [
        (True, True, True, False, None),
        (False, True, True, False, "committee"),
        (True, True, True, True, "released"),
        (True, False, True, False, "open"),
        (True, True, False, False, "unpublished"),
        (False, False, False, True, "committee"),  # the first problem is the one said
        (True, False, False, False, "open"),
    ],
)
def test_feedback_is_released_for_a_closed_scored_round_once_the_results_are_published(
    scoring, closed, published, released, problem
):
    assert rules.release_problem(scoring=scoring, closed=closed, results_published=published, released=released) == (
        problem
    )


def test_applicants_read_feedback_only_while_it_is_released_and_the_results_are_published():
    assert rules.visible(released=True, results_published=True)
    assert not rules.visible(released=True, results_published=False)  # the results withdrawn
    assert not rules.visible(released=False, results_published=True)  # the feedback withdrawn, or not released


def test_a_comment_reaches_the_applicant_only_shared_not_hidden_and_not_empty():
    assert rules.shown(shared=True, hidden=False, text="Clear evidence.")
    assert not rules.shown(shared=False, hidden=False, text="Clear evidence.")
    assert not rules.shown(shared=True, hidden=True, text="Clear evidence.")
    assert not rules.shown(shared=True, hidden=False, text="  \n")


def test_judges_are_numbered_from_one_in_the_order_their_comments_are_read():
    assert rules.judge_numbers([42, 7, 42, 19, 7]) == {42: 1, 7: 2, 19: 3}
    assert rules.judge_numbers([]) == {}
    # Another nomination starts again from 1: nothing follows a judge from one nomination to the next.
    assert rules.judge_numbers([19]) == {19: 1}


def test_the_distribution_needs_three_scored_nominations():
    assert rules.MIN_SCORED_NOMINATIONS == 3
    assert [rules.distribution_shown(n) for n in range(5)] == [False, False, False, True, True]
