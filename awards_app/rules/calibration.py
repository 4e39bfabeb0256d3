"""Calibration: the judges of a category score the same few nominations first, to read the rubric the same way.

The secretariat marks between ``MIN_NOMINATIONS`` and ``MAX_NOMINATIONS`` of a round's nominations in a category as
its calibration (or none). Every judge of the category is given them; a judge's other nominations of the category
stay locked until they have submitted (or are recused from) each calibration nomination they hold. A judge's first
submission of a calibration sheet is kept as their calibration total; the marks and the round's choice whether
those first scores count are fixed once any calibration total exists.

Once their own are in, a judge sees privately, per calibration nomination, their total beside the median of the
other judges' totals (``feedback_rows``), and their leniency: from the ranking's model where it has been fitted
(``awards_app.uncertainty``), otherwise their offset against the other judges (``ranking.judge_diagnostics``).

Whether calibration scores count in the ranking is the round's choice (``Round.calibration_counts``, off unless
the secretariat turns it on): when they do not, each judge's calibration sheets are reopened as drafts the moment
their calibration is complete, and only what they submit again counts.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: The fewest and most calibration nominations per category (none is allowed too: no calibration).
MIN_NOMINATIONS = 2
MAX_NOMINATIONS = 3


def count_allowed(count: int) -> bool:
    """Whether ``count`` calibration nominations may be marked in one category: none, or between the bounds."""
    return count == 0 or MIN_NOMINATIONS <= count <= MAX_NOMINATIONS


@dataclass(frozen=True)
class FeedbackRow:
    """One calibration nomination as one judge sees it: their total, the median of the others' and how many."""

    nomination_id: int
    own: float
    median: float | None  # None while fewer than ``MIN_OTHERS`` other judges have submitted theirs
    others: int

    @property
    def difference(self) -> float | None:
        return None if self.median is None else self.own - self.median


#: A median of the other judges is shown only once this many have submitted: a single other judge's total would
#: be shown to the judge as it is.
MIN_OTHERS = 2


def feedback_rows(
    judge_id: int, totals: Mapping[int, Mapping[int, float]], nominations: Iterable[int]
) -> list[FeedbackRow]:
    """Per calibration nomination (in the order given) that ``judge_id`` has a total for: their total beside the
    median of the other judges' totals. ``totals`` maps nomination id → judge id → calibration total."""
    rows = []
    for nomination_id in nominations:
        by_judge = totals.get(nomination_id, {})
        if judge_id not in by_judge:
            continue
        others = [total for other, total in by_judge.items() if other != judge_id]
        median = statistics.median(others) if len(others) >= MIN_OTHERS else None
        rows.append(FeedbackRow(nomination_id, by_judge[judge_id], median, len(others)))
    return rows


def panel_medians(totals: Mapping[int, Mapping[int, float]]) -> dict[int, float]:
    """The median of every judge's calibration total, per nomination (the secretariat's side-by-side view)."""
    return {nomination: statistics.median(by_judge.values()) for nomination, by_judge in totals.items() if by_judge}
