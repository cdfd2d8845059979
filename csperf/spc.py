"""Statistical process control: NHS "Making Data Count" XmR charts (commentary.md §3).

``analyse`` takes an indicator's non-overlapping series in time order, as (period label, value or
None, suppressed) points, and returns one ``SpcResult``: the state, the baseline mean, process
limits and two-sigma lines, a ``SpcPoint`` per input point with the rules that flagged it, the
variation of the latest point, target assurance, the text labels and the method note. The series
is cut at the latest break (a definition change, given by the caller as the position of the first
point after it). Missing and suppressed points are left out of the series, and no moving range is
taken across the gap they leave. Pure Python: no database, no user interface.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple, get_args

Rule = Literal["astronomical", "shift", "trend", "two_of_three"]
Side = Literal["high", "low"]
State = Literal[
    "insufficient", "provisional", "fixed", "not_applicable", "rare_counts", "flat", "suppressed"
]  # fmt: skip
Variation = Literal[
    "improvement_high", "improvement_low", "concern_high", "concern_low",
    "neither_high", "neither_low", "common_cause",
]  # fmt: skip
Assurance = Literal["pass", "fail", "hit_and_miss"]
Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
Point = tuple[str, float | None, bool]

RULES: tuple[Rule, ...] = get_args(Rule)
# When screening is on, a moving range above 3.267 x the average is left out.
SCREEN_FACTOR = 3.267
DASH = "\u2013"  # en dash, as in "Special cause - improvement (higher)"

_VARIATION: dict[tuple[Polarity, Side], Variation] = {
    ("higher_is_better", "high"): "improvement_high",
    ("higher_is_better", "low"): "concern_low",
    ("lower_is_better", "high"): "concern_high",
    ("lower_is_better", "low"): "improvement_low",
    ("neutral", "high"): "neither_high",
    ("neutral", "low"): "neither_low",
}
ASSURANCE_LABELS: dict[Assurance, str] = {
    "pass": "Target consistently met",
    "hit_and_miss": "Target met inconsistently",
    "fail": "Target consistently missed",
}
_RULE_WORDS: dict[Rule, str] = {
    "astronomical": "a point outside the limits",
    "shift": "a run on one side of the mean",
    "trend": "a run each higher or lower than the one before",
    "two_of_three": "2 of 3 points beyond two-thirds of the way to a limit",
}


@dataclass(frozen=True)
class SpcSettings:
    """The installation's SPC settings (commentary.md §13), with the spec's defaults."""

    min_points: int = 6
    provisional_below: int = 12
    fix_after_points: int = 12  # 0: limits from all points of the segment, recomputed
    limit_multiplier: float = 2.66
    shift_points: int = 7
    trend_points: int = 6
    two_of_three: bool = True
    screen_moving_ranges: bool = False
    min_mean_count: float = 5
    allow_rolling: bool = False
    precedence: tuple[Rule, ...] = ("astronomical", "trend", "two_of_three", "shift")

    def __post_init__(self) -> None:
        if sorted(self.precedence) != sorted(RULES):
            raise ValueError(f"precedence must list each of {', '.join(RULES)} once")
        if not 2 <= self.min_points <= self.provisional_below:
            raise ValueError(
                "min_points must be at least 2 and at most provisional_below"
            )
        if self.fix_after_points < 0 or self.fix_after_points == 1:
            raise ValueError("fix_after_points must be 0 (all points) or at least 2")
        if self.limit_multiplier <= 0 or min(self.shift_points, self.trend_points) < 2:
            raise ValueError(
                "limit_multiplier must be positive; shift and trend need 2 points"
            )


DEFAULTS = SpcSettings()


@dataclass(frozen=True)
class Flag:
    rule: Rule
    side: Side


@dataclass(frozen=True)
class SpcPoint:
    period: str
    # None when missing or suppressed: a suppressed value is never carried.
    value: float | None
    suppressed: bool
    in_segment: bool  # on or after the latest break
    in_baseline: bool  # one of the points the mean and limits come from
    moving_range: float | None  # None at the start of the segment and after a gap
    flags: tuple[Flag, ...] = ()  # in the order of precedence


@dataclass(frozen=True)
class SpcResult:
    """The summary for the latest point, and every point of the series."""

    state: State
    points: tuple[SpcPoint, ...]
    since: str | None  # the first period with a value in the segment
    n: int  # points with a value in the segment
    baseline_points: int = 0
    mean: float | None = None
    mean_moving_range: float | None = None
    upper_limit: float | None = None  # rules and assurance use these unclamped limits
    lower_limit: float | None = None
    upper_two_sigma: float | None = None
    lower_two_sigma: float | None = None
    display_upper: float | None = None  # at most 100 for percentages
    display_lower: float | None = None  # at least 0
    variation: Variation | None = None  # None when not assessed
    winning_rule: Rule | None = None
    winning_side: Side | None = None
    # A losing rule on the latest point that points the other way.
    other_rule: Rule | None = None
    other_side: Side | None = None
    returned_within_range: bool = False  # a signal ended at the previous point
    previous_rule: Rule | None = None  # the rule that flagged that previous point
    assurance: Assurance | None = None
    label: str = ""
    assurance_label: str | None = None
    method_note: str = ""


class _Lines(NamedTuple):
    mean: float
    upper: float
    lower: float
    upper2: float  # two-sigma lines
    lower2: float


def analyse(
    points: Sequence[Point],
    polarity: Polarity,
    unit: str,
    target: float | None = None,
    settings: SpcSettings = DEFAULTS,
    breaks: Sequence[int] = (),
    rolling: bool = False,
) -> SpcResult:
    """SPC for a series in time order; ``breaks`` are positions of the first point after a break.

    ``rolling`` marks overlapping figures (R12 or YTD with no quarter-only series): they are not
    assessed unless ``settings.allow_rolling`` is set.
    """
    if any(not 0 <= b < len(points) for b in breaks):
        raise ValueError("a break must be the position of a point in the series")
    start = max(breaks, default=0)
    seg = [
        (i, float(v))
        for i, (_, v, hid) in enumerate(points)
        if i >= start and v is not None and not hid
    ]
    values = [v for _, v in seg]
    ranges = [None, *(abs(values[j] - values[j - 1]) if seg[j][0] == seg[j - 1][0] + 1 else None
                      for j in range(1, len(seg)))]  # fmt: skip
    k = _baseline_size(len(values), settings)
    mean = math.fsum(values[:k]) / k if k else None
    base_ranges = [r for r in ranges[1:k] if r is not None]
    state = _state(points, len(values), mean, base_ranges, unit, rolling, settings)
    result = SpcResult(
        state=state,
        points=(),
        since=points[seg[0][0]][0] if seg else None,
        n=len(values),
        label=_label(state, points, settings),
        method_note=method_note(settings),
    )
    flags: list[tuple[Flag, ...]] = [() for _ in values]
    if mean is None or state not in ("rare_counts", "flat", "provisional", "fixed"):
        k = 0
    elif state == "rare_counts":
        result = replace(result, baseline_points=k, mean=mean)
    else:
        mr_bar = _average_range(base_ranges, settings)
        result = replace(result, baseline_points=k, mean=mean, mean_moving_range=mr_bar)
        if state != "flat":
            lines = _limits(mean, mr_bar, settings)
            result = replace(
                result,
                upper_limit=lines.upper,
                lower_limit=lines.lower,
                upper_two_sigma=lines.upper2,
                lower_two_sigma=lines.lower2,
                display_upper=min(
                    lines.upper, 100.0 if unit == "percent" else math.inf
                ),
                display_lower=max(lines.lower, 0.0),
            )
            flags = _flags(values, lines, settings)
            result = _assure(_latest(result, flags, polarity), lines, target, polarity)
    where = {i: j for j, (i, _) in enumerate(seg)}
    return replace(result, points=tuple(_point(p, i >= start, where.get(i), k, ranges, flags)
                                        for i, p in enumerate(points)))  # fmt: skip


def _state(
    points: Sequence[Point],
    n: int,
    mean: float | None,
    base_ranges: list[float],
    unit: str,
    rolling: bool,
    settings: SpcSettings,
) -> State:
    if rolling and not settings.allow_rolling:
        return "not_applicable"
    if points and (points[-1][1] is None or points[-1][2]):
        return "suppressed"
    if mean is None or not base_ranges:  # too few points, or no two of them consecutive
        return "insufficient"
    if unit == "count" and mean < settings.min_mean_count:
        return "rare_counts"
    if _average_range(base_ranges, settings) == 0:
        return "flat"
    return "provisional" if n < settings.provisional_below else "fixed"


def _point(
    point: Point,
    in_segment: bool,
    j: int | None,
    k: int,
    ranges: list[float | None],
    flags: list[tuple[Flag, ...]],
) -> SpcPoint:
    """One input point; ``j`` is its place among the segment's points with a value."""
    period, value, hidden = point
    return SpcPoint(
        period=period,
        value=None if hidden or value is None else float(value),
        suppressed=hidden,
        in_segment=in_segment,
        in_baseline=j is not None and j < k,
        moving_range=None if j is None else ranges[j],
        flags=() if j is None else flags[j],
    )


def _baseline_size(n: int, settings: SpcSettings) -> int:
    if n < settings.min_points:
        return 0
    if n < settings.provisional_below or settings.fix_after_points == 0:
        return n
    return min(n, settings.fix_after_points)


def _average_range(ranges: list[float], settings: SpcSettings) -> float:
    average = math.fsum(ranges) / len(ranges)
    if settings.screen_moving_ranges:
        ranges = [r for r in ranges if r <= SCREEN_FACTOR * average]
        average = math.fsum(ranges) / len(ranges)
    return average


def _limits(mean: float, mr_bar: float, settings: SpcSettings) -> _Lines:
    spread = settings.limit_multiplier * mr_bar
    two = settings.limit_multiplier * 2 / 3 * mr_bar
    return _Lines(mean, mean + spread, mean - spread, mean + two, mean - two)


def _side(a: float, b: float) -> Side | None:
    return "high" if a > b else "low" if a < b else None


def _runs(marks: Sequence[Side | None], length: int) -> Iterator[tuple[int, int, Side]]:
    """Maximal runs of one side at least ``length`` long, as (first, last + 1, side)."""
    start = 0
    for i in range(1, len(marks) + 1):
        if i == len(marks) or marks[i] != marks[start]:
            side = marks[start]
            if side is not None and i - start >= length:
                yield start, i, side
            start = i


def _two_of_three(values: list[float], lines: _Lines) -> Iterator[tuple[int, Flag]]:
    """Windows of 3 on one side of the mean with 2 or more beyond that side's two-sigma line."""
    bands: tuple[tuple[Side, float], ...] = (
        ("high", lines.upper2),
        ("low", lines.lower2),
    )
    for i in range(len(values) - 2):
        for side, line in bands:
            if all(_side(x, lines.mean) == side for x in values[i : i + 3]):
                beyond = [
                    i + j
                    for j, x in enumerate(values[i : i + 3])
                    if _side(x, line) == side
                ]
                yield from (
                    (j, Flag("two_of_three", side)) for j in beyond if len(beyond) >= 2
                )


def _flags(
    values: list[float], lines: _Lines, settings: SpcSettings
) -> list[tuple[Flag, ...]]:
    found: list[set[Flag]] = [set() for _ in values]
    for i, x in enumerate(values):
        if x > lines.upper or x < lines.lower:
            found[i].add(Flag("astronomical", "high" if x > lines.upper else "low"))
    for a, b, side in _runs(
        [_side(x, lines.mean) for x in values], settings.shift_points
    ):
        for i in range(a, b):
            found[i].add(Flag("shift", side))
    steps = [_side(values[i], values[i - 1]) for i in range(1, len(values))]
    for a, b, side in _runs(steps, settings.trend_points - 1):
        for i in range(a, b + 1):  # step i joins points i and i + 1
            found[i].add(Flag("trend", side))
    for i, flag in _two_of_three(values, lines) if settings.two_of_three else ():
        found[i].add(flag)
    order = {rule: n for n, rule in enumerate(settings.precedence)}
    return [tuple(sorted(f, key=lambda g: (order[g.rule], g.side))) for f in found]


def _latest(
    r: SpcResult, flags: list[tuple[Flag, ...]], polarity: Polarity
) -> SpcResult:
    """Variation of the latest point: the winning rule by precedence, and a losing one opposed."""
    if not flags[-1]:
        previous = flags[-2] if len(flags) > 1 else ()
        return replace(
            r,
            variation="common_cause",
            label="Common cause",
            returned_within_range=bool(previous),
            previous_rule=previous[0].rule if previous else None,
        )
    win = flags[-1][0]
    other = next((f for f in flags[-1] if f.side != win.side), None)
    variation = _VARIATION[(polarity, win.side)]
    kind = variation.split("_")[0]
    side_word = "higher" if win.side == "high" else "lower"
    return replace(
        r,
        variation=variation,
        winning_rule=win.rule,
        winning_side=win.side,
        other_rule=other.rule if other else None,
        other_side=other.side if other else None,
        label=f"Special cause {DASH} {kind} ({side_word})",
    )


def _assure(
    r: SpcResult, lines: _Lines, target: float | None, polarity: Polarity
) -> SpcResult:
    """Pass when the whole range is on the good side of the target, fail when on the bad side."""
    if target is None or polarity == "neutral":
        return r
    above, below = target > lines.upper, target < lines.lower
    good, bad = (below, above) if polarity == "higher_is_better" else (above, below)
    assurance: Assurance = "pass" if good else "fail" if bad else "hit_and_miss"
    return replace(r, assurance=assurance, assurance_label=ASSURANCE_LABELS[assurance])


def _label(state: State, points: Sequence[Point], settings: SpcSettings) -> str:
    """The label of a state that is not assessed (assessed ones are labelled by variation)."""
    hidden = bool(points) and points[-1][2]
    reasons: dict[State, str] = {
        "insufficient": f"fewer than {settings.min_points} points",
        "not_applicable": "rolling figures overlap",
        "rare_counts": f"average count below {settings.min_mean_count:g}",
        "flat": "the same at every point",
        "suppressed": "latest value suppressed" if hidden else "no latest value",
    }
    return f"Not assessed {DASH} {reasons[state]}" if state in reasons else ""


def method_note(settings: SpcSettings) -> str:
    """The method note for the settings in force; the defaults give the spec's wording."""
    s = settings
    base = (
        "all points"
        if s.fix_after_points == 0
        else f"the first {s.fix_after_points} points"
    )
    signals = [
        "a point outside the limits",
        f"{s.shift_points} points in a row on one side of the mean",
        f"{s.trend_points} points in a row each higher or lower than the one before",
    ]
    if s.two_of_three:
        signals.append(
            "2 of 3 points beyond two-thirds of the way to a limit on the same side"
        )
    parts = [
        f"XmR charts; limits are the mean \u00b1 {s.limit_multiplier:g} \u00d7 the average moving"
        f" range of {base} (provisional below {s.provisional_below})",
        "signals: " + ", ".join(signals),
        f"fewer than {s.min_points} points are not assessed",
    ]
    if s.min_mean_count != DEFAULTS.min_mean_count:
        parts.append(f"counts averaging below {s.min_mean_count:g} are not assessed")
    if s.allow_rolling:
        parts.append("rolling figures are assessed too, although their periods overlap")
    if s.screen_moving_ranges:
        parts.append(
            f"moving ranges above {SCREEN_FACTOR} \u00d7 their average are left out"
        )
    if s.precedence != DEFAULTS.precedence:
        words = ", then ".join(_RULE_WORDS[rule] for rule in s.precedence)
        parts.append(f"when rules disagree on the latest point, the order is {words}")
    return "; ".join(parts) + "."
