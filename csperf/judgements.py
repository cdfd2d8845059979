"""Comparisons of a value with a comparator or a target (commentary.md §2.2), on unrounded values.

A value is ``similar`` to a comparator when the difference is within the tolerance
``max(relative_tolerance * |comparator|, abs_floor[unit])``, or (``use_ci``) when the comparator
lies inside the value's 95% interval: Wilson's for percentages, Byar's for rates. Otherwise it is
``higher`` or ``lower``. A target is ``met`` (in the polarity's direction), ``near`` (not met but
within the tolerance) or ``not_met``; on a neutral indicator it is judged like a benchmark.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Position = Literal["similar", "higher", "lower"]
TargetStatus = Literal["met", "near", "not_met", "similar", "higher", "lower"]

ABS_FLOOR = {
    "percent": 1.0, "rate_per_10k": 1.0, "days": 1.0, "weeks": 1.0, "ratio": 0.5,
    "number": 0.5, "fte": 0.5, "count": 0.0, "currency_gbp": 0.0,
}  # fmt: skip
Z = {0.95: 1.959964, 0.9: 1.644854, 0.99: 2.575829, 0.8: 1.281552}


@dataclass(frozen=True)
class Rules:
    relative_tolerance: float = 0.05
    use_ci: bool = True
    confidence: float = 0.95

    @classmethod
    def from_settings(cls, benchmarks: dict[str, Any] | None) -> Rules:
        if not benchmarks:
            return cls()
        return cls(
            float(benchmarks.get("relative_tolerance", 0.05)),
            bool(benchmarks.get("use_ci", True)),
            float(benchmarks.get("confidence", 0.95)),
        )

    @property
    def z(self) -> float:
        return Z.get(round(self.confidence, 2)) or _z(self.confidence)


DEFAULT_RULES = Rules()


def _z(confidence: float) -> float:
    """Two-sided normal quantile by bisection (for confidence levels not in the table)."""
    lo, hi, target = 0.0, 6.0, 1 - (1 - confidence) / 2
    for _ in range(80):
        mid = (lo + hi) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def wilson(
    numerator: float, denominator: float, z: float = 1.959964
) -> tuple[float, float]:
    """Wilson score interval of a percentage, in percent (45 of 200: 17.3% to 28.8%)."""
    p = numerator / denominator
    centre = (p + z * z / (2 * denominator)) / (1 + z * z / denominator)
    half = (
        z
        * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator * denominator))
        / (1 + z * z / denominator)
    )
    return 100 * (centre - half), 100 * (centre + half)


def byar(count: float, z: float = 1.959964) -> tuple[float, float]:
    """Byar's interval of a count (120: 99.5 to 143.5)."""
    lower = (
        0.0
        if count <= 0
        else count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    )
    upper = (count + 1) * (
        1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))
    ) ** 3
    return lower, upper


def interval(
    unit: str,
    numerator: float | None,
    denominator: float | None,
    z: float = 1.959964,
) -> tuple[float, float] | None:
    """The value's interval where the unit has one (percentages and rates), else None."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    if unit == "percent":
        return wilson(numerator, denominator, z)
    if unit == "rate_per_10k":
        low, high = byar(numerator, z)
        return low * 10000 / denominator, high * 10000 / denominator
    return None


def tolerance(unit: str, comparator: float, rules: Rules = DEFAULT_RULES) -> float:
    return max(rules.relative_tolerance * abs(comparator), ABS_FLOOR.get(unit, 0.0))


def position(
    value: float,
    comparator: float,
    unit: str,
    numerator: float | None = None,
    denominator: float | None = None,
    rules: Rules = DEFAULT_RULES,
) -> Position:
    """Similar, higher or lower than the comparator."""
    if abs(value - comparator) <= tolerance(unit, comparator, rules):
        return "similar"
    if rules.use_ci:
        span = interval(unit, numerator, denominator, rules.z)
        if span is not None and span[0] <= comparator <= span[1]:
            return "similar"
    return "higher" if value > comparator else "lower"


def target_status(
    value: float,
    target: float,
    unit: str,
    polarity: str,
    numerator: float | None = None,
    denominator: float | None = None,
    rules: Rules = DEFAULT_RULES,
) -> TargetStatus:
    """Met, near or not met (neutral indicators: similar, higher or lower)."""
    if polarity == "neutral":
        return position(value, target, unit, numerator, denominator, rules)
    met = value >= target if polarity == "higher_is_better" else value <= target
    if met:
        return "met"
    if abs(value - target) <= tolerance(unit, target, rules):
        return "near"
    return "not_met"


def worse(pos: Position, polarity: str) -> bool:
    """A difference in the bad direction for the polarity."""
    return (pos == "lower" and polarity == "higher_is_better") or (
        pos == "higher" and polarity == "lower_is_better"
    )
