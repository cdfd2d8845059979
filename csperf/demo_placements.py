"""Placements of looked-after children in the demo council: the first placement, later moves
(planned and unplanned), long-term matches, supported accommodation at 16+ and adoption, with
providers, locations in or out of the area and fictional Ofsted URNs."""

from __future__ import annotations

import datetime as dt

from csperf.demo_codes import PLACE_CHANGE, PLACEMENT, PROVIDER, PROVIDER_OF
from csperf.demo_frontdoor import YEAR
from csperf.demo_model import Child, to_day
from csperf.demo_world import World

K3_FROM = to_day(dt.date(2024, 4, 1))  # supported accommodation: H5 to 2023/24, then K3
Z1_UNTIL = to_day(dt.date(2025, 4, 1))  # Z1 is not valid from 2025/26
# Chance that a placement is in the council's area, by placement group (PROVIDER_OF):
# (own provision or parents, other providers).
IN_AREA = {
    "U1": (0.8, 0.8),
    "U4": (0.88, 0.5),
    "K2": (0.85, 0.3),
    "H5": (0.6, 0.6),
    "P1": (0.9, 0.9),
    "A3": (0.45, 0.45),
    "S1": (0.2, 0.2),
    "R5": (0.1, 0.1),
}
# type, provider, location, urn
Placement = tuple[str, str | None, str | None, str | None]
# day, placement, reason for the change, same carer
Move = tuple[int, Placement, str | None, bool]
# day, placement type (None: any for the age), reason for the change, same carer
Plan = tuple[int, str | None, str, bool]


def age_band(age: float) -> str:
    """baby (under 1), young (1-4), child (5-9), teen (10-15) or older (16+)."""
    for limit, band in ((1, "baby"), (5, "young"), (10, "child"), (16, "teen")):
        if age < limit:
            return band
    return "older"


def placement_moves(
    w: World,
    child: Child,
    span: tuple[int, int],
    route: str,
    kind: str,
    legal: tuple[int, list[int]],
) -> list[Move]:
    """Placements from the start of the period, one per planned move. ``legal``: the day
    placed for adoption (0 if not) and the days the legal status changes."""
    start, end = span
    adopt_day = legal[0]
    stop = min(end, w.s.end + 1)
    band = route if route in ("uasc", "disabled") else ""
    current = _placement(
        w, band or age_band((start - child.birth) / YEAR), start, child
    )
    out: list[Move] = [(start, current, None, False)]
    for day, code, reason, same in _plans(w, child, span, route, kind, legal):
        if day <= out[-1][0] or day >= stop or (adopt_day and current[0][0] == "A"):
            continue
        if code == "U4":  # a long-term match with the same foster carer
            if current[0] != "U6":
                continue
            current = ("U4", *current[1:])
        elif code:
            current = placed(w, _resolve(code, day, 17))
        else:
            current = _placement(
                w, band or age_band((day - child.birth) / YEAR), day, child
            )
        out.append((day, current, reason, same))
    return out


def _plans(
    w: World,
    child: Child,
    span: tuple[int, int],
    route: str,
    kind: str,
    legal: tuple[int, list[int]],
) -> list[Plan]:
    """Days of moves: an emergency placement ended for some, moves at random (a few children
    move often), some with a change of legal status, long-term matches, supported
    accommodation at 16+, adoption; by day."""
    rng = w.rng
    start, end = span
    adopt_day, changes = legal
    plans: list[Plan] = [(d, None, "CARPL", False) for d in changes if rng.chance(0.3)]
    if route != "remand" and rng.chance(0.3):
        plans.append((start + rng.between(4, 60), None, "CARPL", False))
    teen = start - child.birth >= 10 * YEAR
    rate = (3.0 if rng.chance(0.17 if teen else 0.05) else 0.2) / 365
    day = start + int(rng.expovariate(rate)) + 1
    while day < min(end, w.s.end + 1):
        plans.append((day, None, PLACE_CHANGE.draw(rng), False))
        day += int(rng.expovariate(rate)) + 1
    if kind == "long" and rng.chance(0.5):
        plans.append((start + rng.between(365, 900), "U4", "PLACE", True))
    if kind == "long" and rng.chance(0.4):
        sixteen = child.birth + int(16 * YEAR)
        plans.append((sixteen + rng.between(0, 500), "SUPPORTED", "CARPL", False))
    if adopt_day:
        with_carer = rng.chance(0.2)
        adoption = ("A5" if with_carer else "A6") if rng.chance(0.85) else "A4"
        plans.append((adopt_day, adoption, "CARPL", with_carer and adoption == "A5"))
    return sorted(plans, key=lambda p: p[0])


def _resolve(code: str, day: int, age: float) -> str:
    if code == "SUPPORTED":
        return "U6" if age < 16 else "K3" if day >= K3_FROM else "H5"
    return "U6" if code == "Z1" and day >= Z1_UNTIL else code


def _placement(w: World, band: str, day: int, child: Child) -> Placement:
    code = _resolve(PLACEMENT[band].draw(w.rng), day, (day - child.birth) / YEAR)
    return placed(w, code)


def placed(w: World, code: str) -> Placement:
    """A placement of type ``code`` with its provider, location and URN (none for Z1)."""
    rng = w.rng
    if code == "Z1":
        return code, None, None, None
    group = PROVIDER_OF.get(code, code)
    provider = PROVIDER[group].draw(rng)
    p_in = IN_AREA.get(group, (0.4, 0.4))[0 if provider in ("PR0", "PR1") else 1]
    location = "IN" if rng.chance(p_in) else "OUT"
    return code, provider, location, _urn(w, code, provider)


def _urn(w: World, code: str, provider: str) -> str | None:
    """A fictional Ofsted URN (SC99....) for the regulated provider, None where none applies."""
    group = PROVIDER_OF.get(code, code)
    if group in ("U1", "U4") and provider == "PR1":
        return "SC999001"
    if group == "A3":
        return "SC999002" if provider == "PR1" else f"SC997{w.rng.below(6):03d}"
    ranges = {"U4": (991, 12), "K2": (993, 60), "S1": (994, 10), "R1": (995, 10)}
    if code == "K2" and provider == "PR1":
        return f"SC992{w.rng.below(4):03d}"
    if code == "K3":
        return f"SC996{w.rng.below(25):03d}"
    if group in ranges:
        prefix, n = ranges[group]
        return f"SC{prefix}{w.rng.below(n):03d}"
    return None
