"""The geometry of the charts (the results page's, and the applicant's feedback): pure and typed, no Flask, no database,
no drawing library.

Each function takes plain numbers and returns a dataclass of coordinates in SVG user units; the template
``rounds/_charts.html`` only turns them into ``<line>``, ``<circle>``, ``<rect>`` and ``<text>`` elements. The
charts:

- ``score_spread``: one row per nomination in rank order, a dot for its Score on a 0–100 axis, a bar from its
  lowest to its highest judge total and a tick for each judge's total, the award cut drawn between the places
  that are in and those that are out, flagged rows marked.
- ``severity``: one bar per judge from 0 to the judge's offset (their mean minus the panel's mean on the same
  nominations), harshest first, on a symmetric axis.
- ``robustness``: the rank of each nomination under the four methods, one column per method, joined by a line
  per nomination (a bump chart); nominations whose place relative to the cut changes between methods stand out.
- ``rank_intervals``: each nomination's expected rank under the uncertainty model with its 90% rank interval,
  the watched cuts as lines, and the nominations in a cut's uncertain zone shaded.
- ``score_distribution`` (the applicant's feedback, ``rules.feedback``): how many of a category's nominations
  scored in each band of points, one nomination's Score marked, no other nomination named.

Values that are not numbers (NaN, None) are left out rather than drawn at 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Widths in SVG user units; the SVG scales to its container (viewBox), so these set proportions and text size.
WIDTH = 760
ROW_HEIGHT = 22
LABEL_WIDTH = 150
RIGHT_MARGIN = 120
TOP = 28
BOTTOM = 26


def _finite(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class SpreadRow:
    y: float
    rank: int
    label: str
    title: str
    score: float
    score_x: float
    low_x: float | None
    high_x: float | None
    judge_xs: tuple[float, ...]
    judge_totals: tuple[float, ...]
    flags: tuple[str, ...]
    inside_cut: bool


@dataclass(frozen=True)
class SpreadChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]
    rows: tuple[SpreadRow, ...]
    cut_y: float | None  # the line between the last place in and the first out, if the cut falls inside


def _x(value: float, low: float, high: float, left: float, right: float) -> float:
    """Map a value of [low, high] onto [left, right], clamping what falls outside."""
    share = (min(max(value, low), high) - low) / (high - low)
    return round(left + share * (right - left), 2)


def score_spread(
    rows: Sequence[Mapping[str, object]], totals: Mapping[int, Sequence[float]], cut: int = 0
) -> SpreadChart | None:
    """Score and the spread of judge totals per nomination.

    ``rows``: the ranking in rank order, each with ``nomination_id``, ``rank``, ``reference``, ``title``, ``score``
    and ``flags`` (text, ", "-separated). ``totals``: each nomination's judge totals. ``cut``: the number of places
    that are in (the award places); 0 draws no cut.
    """
    if not rows:
        return None
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN
    drawn: list[SpreadRow] = []
    cut_y = None
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        score = _finite(row.get("score"))
        if score is None:
            continue
        given = (_finite(v) for v in totals.get(int(_finite(row.get("nomination_id")) or 0), ()))
        judge = tuple(sorted(t for t in given if t is not None))
        rank = int(_finite(row.get("rank")) or 0)
        inside = bool(cut) and rank <= cut
        flags = tuple(f for f in str(row.get("flags") or "").split(", ") if f)
        drawn.append(
            SpreadRow(
                y=y,
                rank=rank,
                label=str(row.get("reference") or ""),
                title=str(row.get("title") or ""),
                score=score,
                score_x=_x(score, 0, 100, left, right),
                low_x=_x(judge[0], 0, 100, left, right) if judge else None,
                high_x=_x(judge[-1], 0, 100, left, right) if judge else None,
                judge_xs=tuple(_x(t, 0, 100, left, right) for t in judge),
                judge_totals=judge,
                flags=flags,
                inside_cut=inside,
            )
        )
        if cut and cut_y is None and rank > cut and index > 0:
            cut_y = TOP + index * ROW_HEIGHT
    if not drawn:
        return None
    height = TOP + len(rows) * ROW_HEIGHT + BOTTOM
    ticks = tuple(Tick(_x(v, 0, 100, left, right), str(v)) for v in range(0, 101, 10))
    return SpreadChart(WIDTH, height, left, right, TOP, height - BOTTOM, ticks, tuple(drawn), cut_y)


@dataclass(frozen=True)
class SeverityBar:
    y: float
    label: str
    offset: float
    x: float  # the bar's left edge
    width: float
    harsh: bool
    nominations: int


@dataclass(frozen=True)
class SeverityChart:
    width: float
    height: float
    zero_x: float
    plot_left: float
    plot_right: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]
    bars: tuple[SeverityBar, ...]
    limit: float


_NICE_STEPS = (1, 2, 2.5, 5, 10, 20, 25, 50)
#: The severity chart sits in a narrower column: a smaller canvas keeps its text as large as the others'.
SEVERITY_WIDTH = 520


def _axis_step(largest: float) -> float:
    """A round tick step that gives about three ticks on each side of zero for offsets up to ``largest``."""
    return next((step for step in _NICE_STEPS if largest / step <= 3), _NICE_STEPS[-1])


def severity(judges: Sequence[tuple[str, object, int]]) -> SeverityChart | None:
    """Judges' offsets as bars from zero, harshest (most negative) first.

    ``judges``: ``(name, offset, nominations scored)``. The axis is symmetric around zero, at least ±5 points,
    with round ticks; each bar's value is written on the other side of zero, clear of the names.
    """
    known = sorted(
        ((name, off, n) for name, raw, n in judges if (off := _finite(raw)) is not None), key=lambda j: (j[1], j[0])
    )
    if not known:
        return None
    largest = max(5.0, max(abs(off) for _n, off, _c in known))
    step = _axis_step(largest)
    limit = math.ceil(largest / step) * step
    left, right = 130, SEVERITY_WIDTH - 16
    zero = _x(0, -limit, limit, left, right)
    bars = []
    for index, (name, off, count) in enumerate(known):
        end = _x(off, -limit, limit, left, right)
        bars.append(
            SeverityBar(
                y=TOP + index * ROW_HEIGHT + 4,
                label=name,
                offset=off,
                x=min(zero, end),
                width=round(abs(end - zero), 2),
                harsh=off < 0,
                nominations=count,
            )
        )
    count = round(limit / step)
    values = [i * step for i in range(-count, count + 1)]
    ticks = tuple(Tick(_x(v, -limit, limit, left, right), f"{v:+g}" if v else "0") for v in values)
    height = TOP + len(known) * ROW_HEIGHT + BOTTOM
    return SeverityChart(SEVERITY_WIDTH, height, zero, left, right, TOP, height - BOTTOM, ticks, tuple(bars), limit)


@dataclass(frozen=True)
class BumpLine:
    label: str
    points: tuple[tuple[float, float], ...]  # (x, y) per method
    ranks: tuple[int | None, ...]
    crosses_cut: bool
    chosen_rank: int | None


@dataclass(frozen=True)
class RobustnessChart:
    width: float
    height: float
    columns: tuple[Tick, ...]  # x and method name
    lines: tuple[BumpLine, ...]
    rank_ticks: tuple[tuple[float, int], ...]  # (y, rank)
    cut_y: float | None
    top: float
    bottom: float
    chosen_index: int
    left_label_x: float
    right_label_x: float


def robustness(
    rows: Sequence[tuple[str, Sequence[object]]], methods: Sequence[str], chosen: int = 0, cut: int = 0
) -> RobustnessChart | None:
    """The rank of each nomination under each method, as a bump chart.

    ``rows``: ``(label, ranks)`` with one rank per method, in the order of ``methods``; ``chosen``: the index of the
    round's method; ``cut``: the number of places that are in (0: none). A line that is in under one method and out
    under another is marked ``crosses_cut``.
    """
    if not rows or not methods:
        return None
    ranks = [[int(r) if (r := _finite(v)) is not None else None for v in values] for _label, values in rows]
    deepest = max((r for line in ranks for r in line if r is not None), default=0)
    if deepest == 0:
        return None
    left, right = LABEL_WIDTH, WIDTH - LABEL_WIDTH
    step = (right - left) / max(len(methods) - 1, 1)
    xs = [round(left + i * step, 2) for i in range(len(methods))] if len(methods) > 1 else [(left + right) / 2]
    row_height = ROW_HEIGHT

    def y(rank: int) -> float:
        return TOP + (rank - 1) * row_height + row_height / 2

    lines = []
    for (label, _values), line in zip(rows, ranks, strict=True):
        points = tuple((xs[i], y(r)) for i, r in enumerate(line) if r is not None)
        known = [r for r in line if r is not None]
        crosses = bool(cut) and bool(known) and min(known) <= cut < max(known)
        lines.append(BumpLine(label, points, tuple(line), crosses, line[chosen] if chosen < len(line) else None))
    height = TOP + deepest * row_height + BOTTOM
    rank_ticks = tuple((y(r), r) for r in range(1, deepest + 1))
    cut_y = TOP + cut * row_height if cut and cut < deepest else None
    return RobustnessChart(
        WIDTH,
        height,
        tuple(Tick(x, m) for x, m in zip(xs, methods, strict=True)),
        tuple(lines),
        rank_ticks,
        cut_y,
        TOP,
        height - BOTTOM,
        chosen,
        left - 8,
        right + 8,
    )


@dataclass
class ResultCharts:
    """The three charts of one category's results, any of which may be missing (no data)."""

    spread: SpreadChart | None = None
    severity: SeverityChart | None = None
    robustness: RobustnessChart | None = None
    methods: list[str] = field(default_factory=list)
    intervals: RankIntervalChart | None = None  # only with a usable fit of the uncertainty model


@dataclass(frozen=True)
class RankInterval:
    y: float
    label: str
    title: str
    expected: float
    low: int
    high: int
    expected_x: float
    low_x: float
    high_x: float
    zone_cuts: tuple[int, ...]  # the cuts whose uncertain zone holds the nomination


@dataclass(frozen=True)
class CutLine:
    x: float
    places: int


@dataclass(frozen=True)
class RankIntervalChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]
    rows: tuple[RankInterval, ...]
    cuts: tuple[CutLine, ...]


def rank_intervals(
    rows: Sequence[Mapping[str, object]], count: int, zones: Mapping[int, set[int]]
) -> RankIntervalChart | None:
    """Expected ranks with their 90% intervals, one row per nomination by expected rank, rank 1 on the left.

    ``rows``: ``nomination_id``, ``reference``, ``title``, ``expected_rank``, ``rank_low``, ``rank_high``.
    ``count``: the number of nominations (the axis runs from 1 to it). ``zones``: per cut N, the nominations in
    its uncertain zone; each cut is drawn as a line between places N and N + 1, and a row in any zone is shaded.
    """
    if not rows or count < 1:
        return None
    left, right = LABEL_WIDTH, WIDTH - RIGHT_MARGIN
    high_end = max(count, 2)
    drawn = []
    for index, row in enumerate(rows):
        expected = _finite(row.get("expected_rank"))
        if expected is None:
            continue
        low, high = int(_finite(row.get("rank_low")) or 1), int(_finite(row.get("rank_high")) or count)
        nomination = int(_finite(row.get("nomination_id")) or 0)
        drawn.append(
            RankInterval(
                y=TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2,
                label=str(row.get("reference") or ""),
                title=str(row.get("title") or ""),
                expected=expected,
                low=low,
                high=high,
                expected_x=_x(expected, 1, high_end, left, right),
                low_x=_x(low, 1, high_end, left, right),
                high_x=_x(high, 1, high_end, left, right),
                zone_cuts=tuple(sorted(cut for cut, zone in zones.items() if nomination in zone)),
            )
        )
    if not drawn:
        return None
    step = max(1, math.ceil(count / 10))
    ticks = tuple(
        Tick(_x(v, 1, high_end, left, right), str(v)) for v in [1, *range(step, count + 1, step)] if v <= count
    )
    cuts = tuple(CutLine(_x(cut + 0.5, 1, high_end, left, right), cut) for cut in sorted(zones) if 0 < cut < count)
    height = TOP + len(rows) * ROW_HEIGHT + BOTTOM
    return RankIntervalChart(WIDTH, height, left, right, TOP, height - BOTTOM, ticks, tuple(drawn), cuts)


@dataclass(frozen=True)
class Band:
    """One band of the distribution: the Scores from ``low`` up to ``high`` (the last band includes 100)."""

    low: float
    high: float
    count: int
    x: float
    width: float
    y: float  # the bar's top
    height: float
    own: bool  # the band holds the nomination the chart is drawn for


@dataclass(frozen=True)
class DistributionChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    top: float
    baseline: float
    ticks: tuple[Tick, ...]
    bands: tuple[Band, ...]
    own_score: float
    own_x: float
    own_label_anchor: str  # "start" or "end": the marker's label reads into the chart, never off its edge
    total: int
    tallest: int

    @property
    def own_band(self) -> Band:
        return next(band for band in self.bands if band.own)


#: The distribution sits in a narrow column of the applicant's page: a smaller canvas keeps its text readable.
DISTRIBUTION_WIDTH = 560
DISTRIBUTION_HEIGHT = 220


def score_distribution(scores: Sequence[object], own: object, band: float = 10) -> DistributionChart | None:
    """How many nominations' Scores fall in each band of ``band`` points of the 0–100 axis, with one Score marked.

    ``scores``: every Score of the category, the marked one among them; ``own``: the marked Score. Bands run from 0
    in steps of ``band``, each holding the Scores from its low end up to (not including) its high end, the last one
    100 too; a Score below 0 or above 100 (a normalised Score can be) counts in the first or last band. The bars are
    as tall as their counts, the tallest reaching the top. None when there is no Score or ``own`` is not a number.
    """
    marked = _finite(own)
    known = [value for value in (_finite(s) for s in scores) if value is not None]
    if marked is None or not known or band <= 0:
        return None
    edges = max(1, math.ceil(100 / band))

    def index(value: float) -> int:
        return min(max(int(value // band), 0), edges - 1)

    counts = [0] * edges
    for value in known:
        counts[index(value)] += 1
    # Room above the tallest bar for its count, and above that for the marker's label.
    left, right = 40.0, DISTRIBUTION_WIDTH - 20.0
    top, baseline = 48.0, DISTRIBUTION_HEIGHT - BOTTOM - 4
    tallest = max(counts)
    slot = (right - left) / edges
    bands = []
    for i, count in enumerate(counts):
        height = round((baseline - top) * count / tallest, 2)
        bands.append(
            Band(
                low=i * band,
                high=min((i + 1) * band, 100.0),
                count=count,
                x=round(left + i * slot + 2, 2),
                width=round(slot - 4, 2),
                y=round(baseline - height, 2),
                height=height,
                own=i == index(marked),
            )
        )
    own_x = _x(marked, 0, 100, left, right)
    ticks = tuple(Tick(_x(v, 0, 100, left, right), f"{v:g}") for v in [i * band for i in range(edges)] + [100])
    return DistributionChart(
        width=DISTRIBUTION_WIDTH,
        height=DISTRIBUTION_HEIGHT,
        plot_left=left,
        plot_right=right,
        top=top,
        baseline=baseline,
        ticks=ticks,
        bands=tuple(bands),
        own_score=marked,
        own_x=own_x,
        own_label_anchor="end" if own_x > (left + right) / 2 else "start",
        total=len(known),
        tallest=tallest,
    )
