"""The score scale of a criterion and a judge's weighted total: pure functions, no Flask, no database.

For one judge and one nomination, with criteria c of weight w_c on the scale [min_c, max_c]::

    total = 100 × Σ_c w_c × (s_c − min_c) / (max_c − min_c) / Σ_c w_c

a number from 0 to 100. While a judge is still scoring, a criterion not yet scored adds nothing, so the total
grows towards its final value as they go (``complete`` says whether every criterion has a score). A score is
valid when it lies within [min_c, max_c] and is a whole number of steps above min_c.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, Inexact, InvalidOperation

from .rules.criteria import DEFAULT_SCALE

# Arithmetic that refuses to round: 7.00000000000000000000000000001 − 1 must not become 6 and pass as on the step.
_EXACT = Context(prec=28, traps=[Inexact, InvalidOperation])


@dataclass(frozen=True)
class Scale:
    """A criterion as the arithmetic sees it."""

    criterion_id: int
    weight: Decimal
    minimum: Decimal = DEFAULT_SCALE.minimum
    maximum: Decimal = DEFAULT_SCALE.maximum
    step: Decimal = DEFAULT_SCALE.step

    def choices(self) -> list[Decimal]:
        """Every valid score, lowest first."""
        values, value = [], self.minimum
        while value <= self.maximum:
            values.append(value)
            value += self.step
        return values


@dataclass(frozen=True)
class Total:
    value: float  # 0–100
    scored: int  # criteria with a score
    criteria: int  # criteria in the rubric

    @property
    def complete(self) -> bool:
        return self.scored == self.criteria


class ScoreError(ValueError):
    """A score that the criterion's scale does not allow; ``code`` names the rule broken."""

    def __init__(self, code: str, scale: Scale) -> None:
        super().__init__(code)
        self.code = code
        self.scale = scale


def parse_score(text: str | None, scale: Scale) -> Decimal | None:
    """Read a typed score: empty is None (not scored yet); anything else must be a valid score of the scale."""
    if text is None or not str(text).strip():
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation as error:
        raise ScoreError("not-a-number", scale) from error
    if not value.is_finite():
        raise ScoreError("not-a-number", scale)
    check_score(value, scale)
    return value


def check_score(value: Decimal, scale: Scale) -> None:
    """Raise ScoreError unless the value lies on the scale and on its step."""
    if value < scale.minimum or value > scale.maximum:
        raise ScoreError("out-of-range", scale)
    try:
        on_step = _EXACT.remainder(_EXACT.subtract(value, scale.minimum), scale.step) == 0
    except (Inexact, InvalidOperation):  # more digits than 28: no step of a scale is that fine
        on_step = False
    if not on_step:
        raise ScoreError("off-step", scale)


def check_scale(minimum: Decimal, maximum: Decimal, step: Decimal, weight: Decimal) -> str | None:
    """Why a criterion's scale is unusable, or None: positive weight, max above min, a step that fits."""
    if weight <= 0:
        return "weight"
    if maximum <= minimum:
        return "range"
    if step <= 0 or (maximum - minimum) % step != 0:
        return "step"
    return None


def weighted_total(scales: Sequence[Scale], scores: Mapping[int, Decimal | None]) -> Total:
    """The judge's total from 0 to 100, with the criteria not yet scored adding nothing."""
    total_weight = sum((s.weight for s in scales), Decimal(0))
    if not scales or total_weight <= 0:
        return Total(0.0, 0, len(scales))
    accumulated, scored = Decimal(0), 0
    for scale in scales:
        value = scores.get(scale.criterion_id)
        if value is None:
            continue
        scored += 1
        accumulated += scale.weight * (value - scale.minimum) / (scale.maximum - scale.minimum)
    return Total(float(100 * accumulated / total_weight), scored, len(scales))


def weight_shares(scales: Sequence[Scale]) -> dict[int, float]:
    """Each criterion's share of the total weight, in percent."""
    total_weight = sum((s.weight for s in scales), Decimal(0))
    if total_weight <= 0:
        return {s.criterion_id: 0.0 for s in scales}
    return {s.criterion_id: float(100 * s.weight / total_weight) for s in scales}


def score_text(value: Decimal | float | None) -> str:
    """A score or a scale's bound as a person reads and types it: 7, 7.5 (never 7.00, 7.0 or 1E+1)."""
    if value is None:
        return ""
    return format(Decimal(str(value)).normalize(), "f")
