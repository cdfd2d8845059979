"""Referrals of the demo council and what follows each: assessment, section 47 enquiry, child
protection plan and its reviews, CIN plan, closure, and perhaps a re-referral."""

from __future__ import annotations

from csperf.demo_codes import (
    CATEGORY,
    CLOSE_NO_SUPPORT,
    CLOSE_SUPPORT,
    DISABLED,
    FACTORS,
    FRONT_DOOR,
    NEED_NO_SUPPORT,
    NEED_SUPPORT,
    locality_team,
)
from csperf.demo_frontdoor import start_early_help
from csperf.demo_model import (
    OPEN,
    S47,
    Assessment,
    Case,
    Child,
    Choice,
    CPPlan,
    Rng,
    months_later,
)
from csperf.demo_world import World, shortage

P_NFA = 0.08  # referrals closed with no further action
P_S47 = 0.25  # of assessments
P_SUPPORT = 0.40  # of assessments without an enquiry
P_ICPC = 0.5  # of enquiries
P_PLAN = 0.87  # of conferences
P_CIN_PLAN = 0.6  # of children supported without a CP plan
P_REREFER = 0.50  # of closed cases
CP_STOCK = 450  # CP plans open at any time (scale 1, England), steered gently
REVIEWS_TO_END = Choice({"1": 10, "2": 50, "3": 25, "4": 8, "5": 4, "6": 2, "7": 1})


def open_case(
    w: World, child: Child, day: int, source: str, kind: str = "standard"
) -> Case:
    """A referral on ``day`` and its whole course as far as can be known (entering care is
    decided later, by the simulation). ``kind``: standard, disabled, care, uasc."""
    rng = w.rng
    case = Case(child, day, source, need="N1")
    w.cases.append(case)
    w.contacts.append(
        (child.no, day - (0 if rng.chance(0.7) else rng.between(1, 3)), source)
    )
    child.case_until = OPEN
    if kind == "standard" and rng.chance(P_NFA):
        case.nfa, case.need, case.end, case.closure = True, "N9", day, "RC8"
        case.stages.append((day, FRONT_DOOR, w.worker(FRONT_DOOR)))
        _finish(w, case)
        return case
    enquiry = kind in ("standard", "care") and rng.chance(
        P_S47 * (1.4 if kind == "care" else 1)
    )
    support = enquiry or kind != "standard" or rng.chance(P_SUPPORT)
    a = _assessment(w, case, kind, support)
    case.assessment = a
    case.stages.append((day, a.team, a.worker))
    case.need = {"disabled": "N2", "uasc": "N8"}.get(kind) or (
        NEED_SUPPORT if support else NEED_NO_SUPPORT
    ).draw(rng)
    if enquiry:
        _enquiry(w, case, a)
    if support:
        team = DISABLED if kind == "disabled" else locality_team(child.locality)
        keep = team == a.team and rng.chance(0.7)
        case.stages.append((a.auth, team, a.worker if keep else w.worker(team)))
    _course(w, case, a, kind)
    if case.end >= child.adult:
        _close_at_18(case)
    if kind in ("standard", "disabled"):
        _finish(w, case)
        _pools(w, case, kind)
    child.case_until = case.end
    return case


def p_late(w: World, day: int) -> float:
    """Chance that an assessment starting on ``day`` runs past the working-day limit."""
    return 0.105 + 0.21 * shortage(day)


def _assessment(w: World, case: Case, kind: str, support: bool) -> Assessment:
    rng = w.rng
    lag = 0 if rng.chance(0.4) else (1 if rng.chance(0.4) else rng.between(2, 6))
    start = case.ref_day + lag
    if kind == "disabled":
        team = DISABLED
    else:
        team = FRONT_DOOR if rng.chance(0.45) else locality_team(case.child.locality)
    limit = w.s.assessment_days
    if rng.chance(p_late(w, start)):
        days = limit + 1 + min(110, int(rng.expovariate(1 / 14)))
    else:
        days = min(limit, int(rng.triangular(6, limit + 1, limit - 8)))
    factors = _factors(rng, support, kind)
    return Assessment(
        start, w.cal.add(start, days), support, factors, team, w.worker(team)
    )


def _factors(rng: Rng, support: bool, kind: str) -> str:
    """Assessment factors (§C.14) as written: codes joined by ';', ``21`` = none identified."""
    if kind == "uasc":
        return "9A" if rng.chance(0.7) else "4A;9A"
    codes: list[str] = []
    if rng.chance(0.34 if support else 0.22):
        codes += [
            c for c, p in (("3A", 0.3), ("3B", 0.85), ("3C", 0.12)) if rng.chance(p)
        ]
        codes = codes or ["3B"]
    u, scale = rng.random, 1.0 if support else 0.5
    codes += [c for c, p in FACTORS if u() < p * scale]
    if not codes or (not support and rng.chance(0.25)):
        return "21"
    codes.sort(key=lambda c: (int(c.rstrip("ABCDEF")), c))
    return ";".join(codes)


def _enquiry(w: World, case: Case, a: Assessment) -> None:
    rng = w.rng
    start = a.start + (0 if rng.chance(0.5) else rng.between(1, 7))
    if rng.chance(P_ICPC):
        days = rng.between(4, 15) if rng.chance(0.87) else rng.between(16, 32)
        icpc = w.cal.add(start, days)
        stock = len(w.cp_pool.items) / (CP_STOCK * w.s.vol)
        plan = rng.chance(P_PLAN * min(1.12, max(0.5, 1 + 1.5 * (1 - stock))))
        case.s47 = S47(start, icpc, icpc, False, plan)
        if plan:
            case.cp = protection_plan(w, case.child, icpc)
    else:
        case.s47 = S47(start, None, start + rng.between(3, 15), True, None)


def protection_plan(w: World, child: Child, start: int) -> CPPlan:
    """A CP plan from its ICPC: reviews at 3 months then 6-monthly; most end at a review."""
    rng = w.rng
    reviews, due = [], months_later(start, 3)
    for _ in range(int(REVIEWS_TO_END.draw(rng))):
        day = due - rng.between(0, 14) if rng.chance(0.93) else due + rng.between(1, 30)
        reviews.append(day)
        due = months_later(day, 6)
    end = reviews[-1]
    if rng.chance(0.08):  # ended between reviews (moved away, circumstances changed)
        end = max(start + 14, end - rng.between(10, 80))
        reviews = [r for r in reviews if r <= end]
    initial = CATEGORY.draw(rng)
    latest, change = initial, OPEN
    if reviews and rng.chance(0.08):
        latest, change = CATEGORY.draw(rng), reviews[0]
    previous = child.prior_plans + child.cp_plans
    child.cp_plans += 1
    return CPPlan(start, end, initial, latest, change, previous, reviews)


def _course(w: World, case: Case, a: Assessment, kind: str) -> None:
    """Plans after the assessment and the day the case closes."""
    rng = w.rng
    if case.cp:
        after = case.cp.end
        if rng.chance(0.5):  # stepped down to a CIN plan
            case.cin_plans.append([after, after + rng.between(90, 270)])
            after = case.cin_plans[-1][1]
        case.end, case.closure = after + rng.between(0, 40), CLOSE_SUPPORT.draw(rng)
    elif kind == "disabled":
        case.end = a.auth + rng.lognormal_days(3 * 365, 0.6, 180, 5000)
        if rng.chance(0.7):
            case.cin_plans.append(
                [a.auth + rng.between(5, 30), case.end - rng.between(0, 60)]
            )
        case.closure = "RC7"
    elif a.support:
        if rng.chance(P_CIN_PLAN):
            start = a.auth + rng.between(0, 15)
            end = start + rng.lognormal_days(180, 0.5, 60, 720)
            case.cin_plans.append([start, end])
            case.end = end + rng.between(0, 30)
        else:
            case.end = a.auth + rng.between(20, 150)
        case.closure = CLOSE_SUPPORT.draw(rng)
    else:
        case.end, case.closure = a.auth + rng.between(0, 7), CLOSE_NO_SUPPORT.draw(rng)
        if case.closure == "RC9":
            start_early_help(w, case.child, case.end + rng.between(0, 14), "Family Hub")


def _close_at_18(case: Case) -> None:
    adult = case.child.adult
    case.end, case.closure = adult, "RC6" if case.child.disabled else "RC7"
    if case.cp and case.cp.start >= adult:  # no plan for an adult
        case.cp, case.child.cp_plans = None, case.child.cp_plans - 1
        if case.s47:
            case.s47.resulted = False
    if case.cp and case.cp.end > adult:
        case.cp.end = adult
        case.cp.reviews = [r for r in case.cp.reviews if r <= adult]
    case.cin_plans = [[s, min(e, adult)] for s, e in case.cin_plans if s < adult]


def _finish(w: World, case: Case) -> None:
    """Perhaps a re-referral after the case closes (cancelled if the case changes)."""
    rng = w.rng
    if case.closure in ("RC1", "RC2", "RC4", "RC5", "RC6") or not rng.chance(P_REREFER):
        return
    delay = rng.between(14, 330) if rng.chance(0.75) else rng.between(331, 1100)
    if case.end + delay < case.child.adult - 60:
        w.rerefer(case.end + delay, case)


ADD_CP, DEL_CP, ADD_CIN, DEL_CIN, ADD_DIS, DEL_DIS = range(6)


def _pools(w: World, case: Case, kind: str) -> None:
    """When the case can be picked as a child starting to be looked after."""
    a = case.assessment
    if case.cp:
        w.schedule(case.cp.start, ADD_CP, case)
        w.schedule(case.cp.end, DEL_CP, case)
    elif a and a.support and kind == "standard" and not case.s47:
        w.schedule(a.auth, ADD_CIN, case)
        w.schedule(case.end, DEL_CIN, case)
    elif a and kind == "disabled" and not case.child.short_breaks:
        w.schedule(a.auth, ADD_DIS, case)
        w.schedule(case.end, DEL_DIS, case)
