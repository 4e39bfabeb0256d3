"""Feedback to applicants: the comments judges share with them, released by the secretariat after the results.

- **Sharing.** A judge shares a comment (on a criterion, or the overall one) by ticking "Share with the applicant"
  beside it; nothing is shared unless ticked. Only the comments of sheets that count are ever shown: submitted,
  by a judge who is not recused (the sheets the ranking counts).
- **Moderation.** The secretariat may edit a shared comment, and applicants then read the edit while the judge's
  own words are kept; or hide it. An edit may not be empty: a comment that should not be read is hidden.
- **Release** (``release_problem``). A round's feedback is released by the secretariat, for a round scored on a
  rubric (a committee's vote has no comments), once the round has closed and the edition's results are published.
  A release can be withdrawn and made again. Applicants read the feedback only while it is released *and* the
  results are published (``visible``): withdrawing either hides it again, and nothing is deleted.
- **Anonymity** (``judge_numbers``). Applicants never read a judge's name: the judges whose comments they read are
  "Judge 1", "Judge 2"… numbered afresh for each nomination in each round, in the order their comments are read
  (the rubric's order, the overall comments last), so that no number follows a judge from one nomination to
  another.
- **Where the score sits** (``distribution_shown``). The applicant sees their nomination's Score beside the
  distribution of the Scores of their category's nominations in that round: the Score of the round's ranking
  (``awards_app.ranking``, by the round's method), counted in bands of ``BAND_POINTS`` points, never another
  nomination's name or exact Score. With fewer than ``MIN_SCORED_NOMINATIONS`` scored nominations in the category
  no chart is drawn: it would all but give away the other nominations' Scores.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The fewest scored nominations a category must have in a round for an applicant to see the distribution.
MIN_SCORED_NOMINATIONS = 3

#: The width, in points of the 0–100 Score, of the bands the distribution counts nominations in.
BAND_POINTS = 10


def release_problem(*, scoring: bool, closed: bool, results_published: bool, released: bool) -> str | None:
    """Why a round's feedback cannot be released now, as a code, or None when it can.

    ``"committee"``: the round decides by a committee vote (no comments); ``"released"``: it is released already;
    ``"open"``: the round has not closed; ``"unpublished"``: the edition's results are not published.
    """
    if not scoring:
        return "committee"
    if released:
        return "released"
    if not closed:
        return "open"
    if not results_published:
        return "unpublished"
    return None


def visible(*, released: bool, results_published: bool) -> bool:
    """Whether applicants read a round's feedback: only while it is released and the results are published."""
    return released and results_published


def shown(*, shared: bool, hidden: bool, text: str) -> bool:
    """Whether a comment reaches the applicant: shared by its judge, not hidden by the secretariat, and not empty."""
    return shared and not hidden and bool(text.strip())


def judge_numbers(sheet_ids: Iterable[int]) -> dict[int, int]:
    """Each sheet's judge number for one nomination in one round ("Judge 1", "Judge 2"…): 1, 2… in the order the
    sheets are first named in, which is the order their comments are read in."""
    return {sheet_id: number for number, sheet_id in enumerate(dict.fromkeys(sheet_ids), start=1)}


def distribution_shown(scored: int) -> bool:
    """Whether the distribution of a category with ``scored`` scored nominations may be shown to an applicant."""
    return scored >= MIN_SCORED_NOMINATIONS
