"""The rule of level descriptors: ranges within the criterion's scale, in order, never sharing a score."""

from decimal import Decimal

import pytest

from awards_app.rules.criteria import DEFAULT_SCALE, LEADERSHIP_CRITERIA, PUBLISHED_CRITERIA
from awards_app.rules.descriptors import default_descriptors, outside_scale, overlapping, range_problem

D = Decimal
SCALE = (D(1), D(10))


@pytest.mark.parametrize(
    ("lowest", "highest", "others", "problem"),
    [
        (D(1), D(2), [], None),
        (D(5), D(5), [(D(1), D(4)), (D(6), D(10))], None),  # a single score between two ranges
        (D("2.5"), D(3), [(D(1), D(2))], None),  # half points: 2 and 2.5 are different scores
        (D(4), D(3), [], "order"),
        (D(0), D(2), [], "scale"),
        (D(9), D(11), [], "scale"),
        (D(2), D(3), [(D(1), D(2))], "overlap"),  # both ends are included: 2 would have two meanings
        (D(3), D(8), [(D(5), D(6))], "overlap"),  # one range inside the other
        (D(5), D(6), [(D(3), D(8))], "overlap"),
    ],
)
def test_range_problem(lowest, highest, others, problem):
    assert range_problem(lowest, highest, SCALE, others) == problem


def test_overlapping_names_the_range_in_the_way():
    assert overlapping(D(4), D(7), [(D(1), D(2)), (D(6), D(8)), (D(7), D(7))]) == (D(6), D(8))
    assert overlapping(D(3), D(4), [(D(1), D(2)), (D(5), D(6))]) is None


def test_outside_scale_after_the_scale_shrinks():
    ranges = [(D(1), D(2)), (D(9), D(10))]
    assert not outside_scale(ranges, SCALE)
    assert outside_scale(ranges, (D(1), D(5)))
    assert not outside_scale([], (D(1), D(5)))


@pytest.mark.parametrize("criterion", PUBLISHED_CRITERIA + LEADERSHIP_CRITERIA, ids=lambda c: c[0])
def test_every_default_criterion_starts_with_a_valid_bilingual_ladder(criterion):
    levels = default_descriptors(criterion[0])
    assert len(levels) == 5
    scale = (DEFAULT_SCALE.minimum, DEFAULT_SCALE.maximum)
    for index, (low, high, en, ko) in enumerate(levels):
        others = [(o_low, o_high) for o_low, o_high, _en, _ko in levels[:index]]
        assert range_problem(low, high, scale, others) is None
        assert en.strip() and ko.strip() and en != ko
    # The ladder covers the whole default scale and its top says "exemplary".
    assert levels[0][0] == scale[0] and levels[-1][1] == scale[1]
    assert levels[-1][2].startswith("Exemplary")
