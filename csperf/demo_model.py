"""Building blocks of the demo council simulation: days, random draws and the simulated records.

Days are whole numbers (days since 1 January 1970, as polars stores dates), so the simulation does
arithmetic on ints and the tables convert them to dates once, at the end.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import itertools
import math
import random
from dataclasses import dataclass, field

from csperf.periods import Nation, is_working_day

EPOCH = dt.date(1970, 1, 1)
OPEN = 1_000_000  # the end day of something that has not ended
MASK = (1 << 64) - 1
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def to_date(n: int) -> dt.date:
    return EPOCH + dt.timedelta(days=n)


def months_later(day: int, months: int) -> int:
    """Same calendar day ``months`` later (clamped to the month end): periods.add_months on
    day numbers, without its calendar lookups (the simulation calls it some 200,000 times)."""
    d = EPOCH + dt.timedelta(days=day)
    year, month = divmod(d.year * 12 + d.month - 1 + months, 12)
    last = _MONTH_DAYS[month] + (month == 1 and calendar.isleap(year))
    return (dt.date(year, month + 1, min(d.day, last)) - EPOCH).days


def unit_hash(*keys: int) -> float:
    """A number in [0, 1) fixed by the keys (splitmix64): draws that must not use the Random."""
    x = 0x9E3779B97F4A7C15
    for k in keys:
        x = ((x ^ (k & MASK)) + 0x9E3779B97F4A7C15) & MASK
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
        x ^= x >> 31
    return x / 2.0**64


class Rng(random.Random):
    """The simulation's single seeded generator, with the draws it needs."""

    def chance(self, p: float) -> bool:
        return self.random() < p

    def between(self, a: int, b: int) -> int:
        """A whole number from a to b inclusive (quicker than randint, which is exact)."""
        return a + int(self.random() * (b - a + 1))

    def below(self, n: int) -> int:
        """A whole number from 0 to n - 1."""
        return int(self.random() * n)

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, round(self.gauss(lam, math.sqrt(lam))))
        limit, k, prod = math.exp(-lam), 0, self.random()
        while prod > limit:
            k += 1
            prod *= self.random()
        return k

    def lognormal_days(self, median: float, sigma: float, low: int, high: int) -> int:
        return min(high, max(low, round(median * math.exp(self.gauss(0.0, sigma)))))


class Choice:
    """A weighted code list: ``Choice({"A": 3, "B": 1}).draw(rng)`` gives A three times in four."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.codes = list(weights)
        self.cum = list(itertools.accumulate(weights.values()))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> str:
        return self.codes[bisect.bisect_right(self.cum, rng.random() * self.total)]

    def at(self, u: float) -> str:
        """The code at ``u`` in [0, 1) of the cumulative weights."""
        return self.codes[bisect.bisect_right(self.cum, u * self.total)]


class WorkCalendar:
    """Working days of a nation (periods.is_working_day), for dates counted in working days."""

    def __init__(self, nation: Nation, first: int, last: int) -> None:
        self.days = [
            d for d in range(first, last + 1) if is_working_day(to_date(d), nation)
        ]
        self.working = frozenset(self.days)

    def add(self, start: int, n: int) -> int:
        """The day that is ``n`` working days after ``start`` (periods.working_days gives n)."""
        if n <= 0:
            return start
        return self.days[bisect.bisect_right(self.days, start) + n - 1]


@dataclass(slots=True, eq=False)
class Child:
    no: int
    birth: int
    adult: int  # 18th birthday
    sex: str
    ethnicity: str
    disabled: bool
    uasc: bool
    locality: int
    prior_plans: int  # CP plans before the simulation or elsewhere
    cp_plans: int = 0
    case_until: int = -1  # end of the child's latest case (CIN episode)
    cla_from: int = -1
    cla_until: int = -1  # latest period of care
    missing_until: int = -1  # end of the latest missing episode
    short_breaks: bool = False


@dataclass(slots=True, eq=False)
class Assessment:
    start: int
    auth: int
    support: bool
    factors: str
    team: str
    worker: int


@dataclass(slots=True, eq=False)
class S47:
    start: int
    icpc: int | None
    decided: int  # the day the ICPC was held or found not to be needed
    not_required: bool
    resulted: bool | None


@dataclass(slots=True, eq=False)
class CPPlan:
    start: int
    end: int
    initial: str
    latest: str
    change_day: int  # from this day latest_category differs from the initial one
    previous: int
    reviews: list[int]


@dataclass(slots=True, eq=False)
class Case:
    """One CIN episode, from referral to closure, with what happened inside it."""

    child: Child
    ref_day: int
    source: str
    need: str
    nfa: bool = False
    end: int = OPEN
    closure: str | None = None
    assessment: Assessment | None = None
    s47: S47 | None = None
    cp: CPPlan | None = None
    cin_plans: list[list[int]] = field(default_factory=list)
    stages: list[tuple[int, str, int]] = field(
        default_factory=list
    )  # (from, team, worker)
    in_care: bool = False
    version: int = 0


# start, end, reason_new, legal_status, need, placement_type, provider, reason_ceased,
# reason_place_change, placement_location, urn
Episode = tuple[
    int,
    int,
    str,
    str,
    str,
    str,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
]


@dataclass(slots=True, eq=False)
class Period:
    """One period of care: consecutive episodes from an S episode to a ceasing other than X1."""

    child: Child
    start: int
    end: int
    reason: str
    episodes: list[Episode]
