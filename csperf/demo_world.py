"""The state of one demo simulation: settings, the story over time, the records made so far."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass

from csperf.demo_codes import TEAM_SIZES
from csperf.demo_model import Case, Child, Period, Rng, WorkCalendar, to_day
from csperf.periods import Nation

# The simulated calendar: care histories from 1996, the front door from April 2014,
# contacts with no referral and missing-from-home episodes from 2021 (the windows need 2022 on).
PRE_START = to_day(dt.date(1996, 4, 1))
SIM_START = to_day(dt.date(2014, 4, 1))
NOISE_START = to_day(dt.date(2021, 1, 1))

# The staffing shortage of 2025-26: assessments run late, more cases wait for a worker.
_SHORTAGE = tuple(
    (to_day(d), level)
    for d, level in (
        (dt.date(2025, 4, 15), 0.0),
        (dt.date(2025, 5, 15), 1.0),
        (dt.date(2025, 10, 1), 1.0),
        (dt.date(2025, 11, 15), 0.0),
    )
)

# child_no, looked_after, kind, start, end, rhi_offered, rhi_accepted, rhi_completed
MissingRow = tuple[int, str, str, int, int, str | None, str | None, int | None]


def shortage(day: int) -> float:
    """0 normally, 1 at the height of the 2025 social worker shortage (linear ramps)."""
    (d0, _), *_, (d3, _) = _SHORTAGE
    if day <= d0 or day >= d3:
        return 0.0
    for (a, va), (b, vb) in itertools.pairwise(_SHORTAGE):
        if a <= day <= b:
            return va + (vb - va) * (day - a) / (b - a)
    return 0.0


@dataclass(frozen=True)
class Settings:
    nation: Nation
    scale: int
    vol: float  # volumes relative to the English demo at scale 1
    prefix: str  # of child ids
    end: int  # the last simulated day: the latest quarter's end

    @property
    def assessment_days(self) -> int:
        return 42 if self.nation == "wales" else 45


class Pool:
    """Cases that can be picked at random, with constant-time add and remove."""

    def __init__(self) -> None:
        self.items: list[Case] = []
        self.pos: dict[Case, int] = {}

    def add(self, case: Case) -> None:
        if case not in self.pos:
            self.pos[case] = len(self.items)
            self.items.append(case)

    def discard(self, case: Case) -> None:
        i = self.pos.pop(case, None)
        if i is None:
            return
        last = self.items.pop()
        if last is not case:
            self.items[i] = last
            self.pos[last] = i

    def pick(self, rng: Rng) -> Case | None:
        return self.items[rng.below(len(self.items))] if self.items else None


class World:
    """Everything simulated so far; the tables are built from it at the end."""

    def __init__(self, settings: Settings, rng: Rng, cal: WorkCalendar) -> None:
        self.s = settings
        self.rng = rng
        self.cal = cal
        self.children: list[Child] = []
        self.recent: list[Child] = []  # children known to the front door, newest last
        self.cases: list[Case] = []
        self.periods: list[Period] = []
        self.contacts: list[tuple[int, int, str]] = []
        self.early_help: list[tuple[int, int, int, str]] = []
        self.cla_reviews: list[tuple[int, int, str]] = []
        self.missing: list[MissingRow] = []
        # (child, the day they left care, eligible for leaving-care support)
        self.leavers: list[tuple[Child, int, bool]] = []
        self.cp_pool, self.cin_pool, self.disabled_pool = Pool(), Pool(), Pool()
        self.today = 0
        self.events: dict[int, list[tuple[int, Case]]] = {}  # day -> (kind, case)
        # (day, tie-break, the closed case, its version): re-referrals due
        self.rereferrals: list[tuple[int, int, Case, int]] = []
        self.seq = itertools.count()
        self.cla_stock = 0
        self.cla_ends: dict[int, int] = {}
        self.rosters = self._rosters()

    def _rosters(self) -> dict[str, range]:
        out, first = {}, 1
        for team, size in TEAM_SIZES.items():
            n = max(2, round(size * self.s.vol))
            out[team] = range(first, first + n)
            first += n
        return out

    def worker(self, team: str) -> int:
        roster = self.rosters[team]
        return roster[self.rng.below(len(roster))]

    def schedule(self, day: int, kind: int, case: Case) -> None:
        """Something to do on ``day`` (or tomorrow, if ``day`` is today or has passed)."""
        self.events.setdefault(max(day, self.today + 1), []).append((kind, case))

    def rerefer(self, day: int, case: Case) -> None:
        heapq.heappush(self.rereferrals, (day, next(self.seq), case, case.version))
