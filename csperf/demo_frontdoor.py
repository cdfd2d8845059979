"""The demo council's children and its front door: children becoming known, contacts that go no
further, early help and children missing from home (referrals: ``demo_referrals``)."""

from __future__ import annotations

from csperf.demo_codes import (
    CONTACT_SOURCE,
    EARLY_HELP_ORG,
    ETHNICITY,
    LOCALITIES,
    UASC_ETHNICITY,
)
from csperf.demo_model import (
    Child,
    Choice,
    Rng,
    months_later,
)
from csperf.demo_world import World

P_KNOWN = 0.45  # of contacts that go no further: about a child already known
P_EARLY_HELP = 0.14  # of those contacts: an early-help assessment follows
KNOWN_RING = 20_000  # contacts about known children pick among this many recent ones
MISSING_DAYS = Choice({"0": 40, "1": 38, "2": 10, "3": 5, "5": 4, "10": 3})
AgeBands = tuple[tuple[float, float, float], ...]
REFERRAL_AGE: AgeBands = (
    (-0.6, -0.05, 3),
    (0, 1, 9),
    (1, 5, 19),
    (5, 10, 24),
    (10, 16, 32),
    (16, 17.8, 13),
)
CONTACT_AGE: AgeBands = (
    (0, 1, 7),
    (1, 5, 18),
    (5, 10, 25),
    (10, 16, 36),
    (16, 17.8, 14),
)
CARE_AGE: AgeBands = ((0, 1, 20), (1, 5, 15), (5, 10, 16), (10, 16, 35), (16, 17.4, 14))
EMERGENCY_AGE: AgeBands = (
    (0, 1, 8),
    (1, 5, 8),
    (5, 10, 12),
    (10, 16, 47),
    (16, 17.4, 25),
)
YEAR = 365.25


def draw_age(rng: Rng, bands: AgeBands) -> float:
    """An age in years from bands of (from, to, percentage of children)."""
    pick = rng.random() * 100
    for low, high, weight in bands:
        if pick < weight:
            return rng.uniform(low, high)
        pick -= weight
    return rng.uniform(bands[-1][0], bands[-1][1])


def new_child(
    w: World, day: int, age: float, *, uasc: bool = False, disabled: bool = False
) -> Child:
    """A child first known on ``day`` aged ``age`` years (negative: not yet born)."""
    rng = w.rng
    birth = day - int(age * YEAR)
    prior = 0 if rng.chance(0.86) else (1 if rng.chance(0.75) else 2)
    child = Child(
        no=len(w.children) + 1,
        birth=birth,
        adult=months_later(birth, 216),
        sex=("M" if rng.chance(0.9) else "F")
        if uasc
        else ("M" if rng.chance(0.51) else "F"),
        ethnicity=(UASC_ETHNICITY if uasc else ETHNICITY[w.s.nation]).draw(rng),
        disabled=disabled or rng.chance(0.05),
        uasc=uasc,
        locality=rng.below(len(LOCALITIES)),
        prior_plans=prior,
    )
    w.children.append(child)
    w.recent.append(child)
    return child


def known_child(w: World, day: int, low: float, high: float) -> Child | None:
    """A recently known child aged low to high on ``day``, if a few tries find one."""
    ring = min(len(w.recent), round(KNOWN_RING * w.s.vol))
    for _ in range(4):
        if not ring:
            return None
        child = w.recent[len(w.recent) - 1 - w.rng.below(ring)]
        if child.birth + low * YEAR <= day <= child.birth + high * YEAR:
            return child
    return None


def start_early_help(w: World, child: Child, day: int, org: str | None = None) -> None:
    """An early-help assessment and episode (for children already born)."""
    rng = w.rng
    if day < child.birth:
        return
    org = org or EARLY_HELP_ORG.draw(rng)
    if org == "Family Hub":
        org = f"Family Hub {LOCALITIES[child.locality]}"
    w.early_help.append(
        (child.no, day, day + rng.lognormal_days(150, 0.5, 30, 540), org)
    )


def contacts_only(w: World, day: int, lam: float) -> None:
    """Contacts that lead to no referral; some lead to early help."""
    rng = w.rng
    for _ in range(rng.poisson(lam)):
        child = known_child(w, day, 0, 17.8) if rng.chance(P_KNOWN) else None
        child = child or new_child(w, day, draw_age(rng, CONTACT_AGE))
        w.contacts.append((child.no, day, CONTACT_SOURCE.draw(rng)))
        if rng.chance(P_EARLY_HELP):
            start_early_help(w, child, day + rng.between(3, 30))


def missing_from_home(w: World, day: int, lam: float) -> None:
    """Spells of one or more missing-from-home episodes of children not looked after."""
    rng = w.rng
    for _ in range(rng.poisson(lam)):
        child = known_child(w, day, 11, 17.5)
        if child is None or child.cla_from <= day < child.cla_until:
            continue
        start = max(day, child.missing_until + 2)
        for _ in range(1 if rng.chance(0.55) else rng.between(2, 6)):
            end = start + int(MISSING_DAYS.draw(rng))
            if end >= child.adult:
                break
            rhi = return_interview(rng, end, 0.9, 0.55)
            w.missing.append((child.no, "N", "M", start, end, *rhi))
            child.missing_until = end
            start = end + rng.between(3, 25)


def return_interview(
    rng: Rng, end: int, offered: float, accepted: float
) -> tuple[str, str | None, int | None]:
    """rhi_offered, rhi_accepted and the interview's day, after a return on ``end``."""
    if not rng.chance(offered):
        return "N", None, None
    if not rng.chance(accepted):
        return "Y", "N", None
    return (
        "Y",
        "Y",
        end + (rng.between(0, 3) if rng.chance(0.8) else rng.between(4, 10)),
    )
