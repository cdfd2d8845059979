"""The demo council's day-by-day simulation: referrals, contacts, children entering care
(steered towards a looked-after population that rises over the reported quarters) and the
pools of open cases those children come from."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools

from csperf.demo_care import make_period, short_breaks
from csperf.demo_codes import (
    DISABLED,
    IN_CARE,
    LEAVING_CARE,
    REFERRAL_SOURCE,
    UASC_SOURCE,
    locality_team,
)
from csperf.demo_frontdoor import (
    CARE_AGE,
    EMERGENCY_AGE,
    REFERRAL_AGE,
    YEAR,
    contacts_only,
    draw_age,
    missing_from_home,
    new_child,
)
from csperf.demo_model import Case, Choice, Rng, WorkCalendar, to_day
from csperf.demo_referrals import ADD_CIN, ADD_CP, ADD_DIS, open_case
from csperf.demo_world import NOISE_START, PRE_START, SIM_START, Pool, Settings, World

# A year's referrals, contacts that go no further and referrals of disabled children
# (scale 1, England).
REFERRALS, CONTACTS_ONLY, DISABLED_REFERRALS = 4700, 14500, 110
MISSING_SPELLS = 0.9  # spells of missing from home a day
WEIGHT_YEAR = 270.0  # a year's day weights: working days 1, other days 0.15
CONTROL_FROM = to_day(dt.date(2012, 4, 1))
STARTS_BEFORE = 300  # children starting care a year before the steering begins
MEAN_STAY = 3.4  # years: the steering's guess of the time a child stays
# The looked-after population the steering aims at (scale 1, England).
TARGET = (
    (CONTROL_FROM, 870.0),
    (to_day(dt.date(2020, 3, 31)), 930.0),
    (to_day(dt.date(2023, 12, 31)), 960.0),
    (to_day(dt.date(2026, 9, 30)), 1060.0),
)
ROUTES = Choice(
    {"cp": 38, "cin": 27, "emergency": 20, "uasc": 7, "disabled": 5, "remand": 3}
)
CASE_CLOSURE = {
    "E11": "RC1",
    "E12": "RC1",
    "E45": "RC4",
    "E46": "RC4",
    "E47": "RC4",
    "E48": "RC4",
    "E41": "RC3",
    "E3": "RC5",
    "E2": "RC2",
    "E7": "RC6",
}


def simulate(settings: Settings, seed: int) -> World:
    rng = Rng(seed)
    cal = WorkCalendar(settings.nation, PRE_START - 400, settings.end + 800)
    w = World(settings, rng, cal)
    decade = (
        w.s.end - 3652
    )  # front-door volumes grow by a tenth over ten years to the end
    for day in range(PRE_START, w.s.end + 1):
        w.cla_stock -= w.cla_ends.pop(day, 0)
        _events(w, day)
        if day >= SIM_START:
            weight = (1.0 if day in cal.working else 0.15) / WEIGHT_YEAR
            trend = w.s.vol * (0.95 + 0.1 * (day - decade) / 3652)
            _referrals(w, day, REFERRALS * weight * trend)
            for _ in range(rng.poisson(DISABLED_REFERRALS * w.s.vol * weight)):
                _disabled_referral(w, day)
            if day >= NOISE_START:
                contacts_only(w, day, CONTACTS_ONLY * weight * trend)
                missing_from_home(w, day, MISSING_SPELLS * w.s.vol)
        for _ in range(rng.poisson(_care_starts(w, day))):
            start_care(w, day, ROUTES.draw(rng))
    return w


def _events(w: World, day: int) -> None:
    pools = {ADD_CP: w.cp_pool, ADD_CIN: w.cin_pool, ADD_DIS: w.disabled_pool}
    w.today = day
    for kind, case in w.events.pop(day, []):
        if kind in pools:
            if (
                not case.in_care
                and case.end > day
                and (kind != ADD_CP or _on_plan(case, day))
            ):
                pools[kind].add(case)
        else:  # DEL_x = ADD_x + 1
            pools[kind - 1].discard(case)


def _on_plan(case: Case, day: int) -> bool:
    return case.cp is not None and case.cp.start <= day < case.cp.end


def _referrals(w: World, day: int, lam: float) -> None:
    """New referrals: children re-referred when due, the rest children new to the council."""
    rng = w.rng
    n = rng.poisson(lam)
    while n and w.rereferrals and w.rereferrals[0][0] <= day:
        _, _, case, version = heapq.heappop(w.rereferrals)
        child = case.child
        if case.version != version or max(child.case_until, child.cla_until) >= day:
            continue
        if child.short_breaks or day >= child.adult - 60:
            continue
        open_case(w, child, day, REFERRAL_SOURCE.draw(rng))
        n -= 1
    for _ in range(n):
        child = new_child(w, day, draw_age(rng, REFERRAL_AGE))
        open_case(w, child, day, REFERRAL_SOURCE.draw(rng))


def _disabled_referral(w: World, day: int) -> None:
    rng = w.rng
    child = new_child(w, day, rng.uniform(0.5, 16.5), disabled=True)
    child.short_breaks = rng.chance(0.035)
    case = open_case(w, child, day, REFERRAL_SOURCE.draw(rng), "disabled")
    if child.short_breaks and case.assessment:
        short_breaks(
            w, child, case.assessment.auth + rng.between(20, 90), case.end - 10
        )


def _target(day: int) -> tuple[float, float]:
    """The steering's target and its slope (a day) on ``day``."""
    for (a, va), (b, vb) in itertools.pairwise(TARGET):
        if day <= b:
            slope = (vb - va) / (b - a)
            return va + slope * (max(day, a) - a), slope
    return TARGET[-1][1], 0.0


def _care_starts(w: World, day: int) -> float:
    """Expected children starting care on ``day``: steady before the steering begins, then
    nudged towards the target population."""
    if day < CONTROL_FROM:
        return STARTS_BEFORE * w.s.vol / 365
    target, slope = _target(day)
    target, slope = target * w.s.vol, slope * w.s.vol
    nudge = min(2.0, max(0.25, 1 + 4 * (target - w.cla_stock) / target))
    return (target / MEAN_STAY / 365 + slope) * nudge


def start_care(w: World, day: int, route: str) -> None:
    """A child starts to be looked after: from an open case where the route has one, else a
    child new to the council (emergencies, unaccompanied children, remands)."""
    rng = w.rng
    pool: Pool | None = {
        "cp": w.cp_pool,
        "cin": w.cin_pool,
        "disabled": w.disabled_pool,
    }.get(route)
    case = None
    for _ in range(8 if pool and day >= SIM_START else 0):
        found = pool.pick(rng) if pool else None
        if found is None:
            break
        child = found.child
        if found.in_care or found.end <= day or day <= child.cla_until:
            continue
        if child.birth + 30 < day < child.adult - 120:
            case = found
            break
    if case is None:
        case = _new_case(w, day, route)
    enter_care(w, case, day, route)


def _new_case(w: World, day: int, route: str) -> Case:
    rng = w.rng
    if route == "uasc":
        child = new_child(w, day, rng.uniform(14, 17.6), uasc=True)
        return open_case(w, child, day, UASC_SOURCE.draw(rng), "uasc")
    age = (
        rng.uniform(12, 17.5)
        if route == "remand"
        else draw_age(rng, EMERGENCY_AGE if route == "emergency" else CARE_AGE)
    )
    child = new_child(w, day, max(age, 0.02), disabled=route == "disabled")
    lead = 0 if route in ("emergency", "remand") else rng.between(5, 90)
    kind = "disabled" if route == "disabled" else "care"
    return open_case(w, child, day - lead, REFERRAL_SOURCE.draw(rng), kind)


def enter_care(w: World, case: Case, day: int, route: str) -> None:
    """The case's child becomes looked after on ``day``; plans and closure follow from it."""
    rng, child = w.rng, case.child
    period = make_period(w, child, day, route)
    case.in_care, case.version = True, case.version + 1
    for pool in (w.cp_pool, w.cin_pool, w.disabled_pool):
        pool.discard(case)
    _end_plans(w, case, day, period.end)
    tail = (
        0
        if period.reason in CASE_CLOSURE or period.end >= child.adult
        else (rng.between(14, 150))
    )
    case.end = min(child.adult, period.end + tail)
    case.closure = CASE_CLOSURE.get(period.reason, "RC7")
    stages = [s for s in case.stages if s[0] <= day]
    if (
        route != "disabled"
    ):  # to the children in care team, and the leaving care team at 16
        moved = min(period.end, day + rng.between(1, 120))
        sixteen = child.birth + int(16 * YEAR)
        team = IN_CARE if moved < sixteen else LEAVING_CARE
        stages.append((moved, team, w.worker(team)))
        if moved < sixteen < period.end:
            stages.append((sixteen, LEAVING_CARE, w.worker(LEAVING_CARE)))
    if tail:
        team = DISABLED if route == "disabled" else locality_team(child.locality)
        stages.append((period.end, team, w.worker(team)))
    case.stages = sorted(stages)
    child.cla_from, child.cla_until = day, period.end
    child.case_until = case.end
    w.cla_stock += 1
    w.cla_ends[period.end] = w.cla_ends.get(period.end, 0) + 1
    if case.closure == "RC7" and tail and rng.chance(0.3):
        w.rerefer(case.end + rng.between(30, 700), case)


def _end_plans(w: World, case: Case, day: int, care_end: int) -> None:
    """CP plans mostly end soon after the child becomes looked after; CIN plans end then."""
    rng, cp = w.rng, case.cp
    if cp and cp.start >= day:
        case.cp = None
        case.child.cp_plans -= 1
        if case.s47:
            case.s47.resulted = False
    elif cp and cp.end > day:
        cp.end = min(cp.end, day + rng.between(0, 40) if rng.chance(0.75) else care_end)
        cp.reviews = [r for r in cp.reviews if r <= cp.end]
    case.cin_plans = [[s, min(e, day)] for s, e in case.cin_plans if s < day]
