"""Periods of care of the demo council: episodes (legal status changes and placement moves),
reviews, missing-from-care episodes, short breaks and care leavers (placements:
``demo_placements``)."""

from __future__ import annotations

from csperf.demo_codes import (
    PARTICIPATION,
)
from csperf.demo_frontdoor import MISSING_DAYS, YEAR, return_interview
from csperf.demo_model import Child, Choice, Episode, Period, months_later
from csperf.demo_placements import Move, age_band, placed, placement_moves
from csperf.demo_world import World

OUTCOME = {
    "baby": Choice({"adopt": 45, "sgo": 15, "home": 20, "long": 20}),
    "young": Choice({"adopt": 25, "sgo": 18, "home": 28, "long": 29}),
    "child": Choice({"adopt": 2, "sgo": 13, "home": 40, "long": 45}),
    "teen": Choice({"sgo": 3, "home": 50, "long": 42, "other": 5}),
    "older": Choice({"home": 35, "long": 65}),
    "disabled": Choice({"home": 30, "long": 70}),
}
CEASE = {
    "home": Choice({"E4A": 65, "E4B": 15, "E13": 15, "E8": 5}),
    "sgo": Choice({"E45": 30, "E46": 12, "E47": 30, "E48": 13, "E41": 15}),
    "adopt": Choice({"E11": 70, "E12": 30}),
    "adult": Choice(
        {"E17": 25, "E5": 37, "E6": 15, "E4A": 10, "E13": 5, "E7": 2, "E8": 6}
    ),
    "disabled_adult": Choice({"E7": 45, "E17": 25, "E4A": 20, "E5": 10}),
    "other": Choice({"E3": 30, "E8": 35, "E9": 10, "E2": 5, "E16": 20}),
    "remand": Choice({"E14": 60, "E9": 20, "E4B": 20}),
    "uasc": Choice({"E15": 40, "E16": 30, "E8": 30}),
}
LEGAL0 = {
    "cp": Choice({"C1": 60, "V2": 30, "L1": 8, "L2": 2}),
    "cin": Choice({"V2": 62, "C1": 30, "L1": 8}),
    "emergency": Choice({"L1": 25, "V2": 50, "C1": 25}),
    "uasc": Choice({"V2": 1}),
    "disabled": Choice({"V2": 80, "C1": 20}),
    "remand": Choice({"J1": 1}),
}
NOT_LEAVERS = {"E2", "E3", "E11", "E12", "E15", "E16"}
OTHER_NEED = Choice({"N4": 8, "N5": 10, "N6": 4, "N3": 4, "N2": 2, "N7": 1})  # than N1


def make_period(w: World, child: Child, start: int, route: str) -> Period:
    """A period of care starting on ``start``, with its episodes, reviews and missing episodes."""
    rng = w.rng
    age = (start - child.birth) / YEAR
    band = "disabled" if route == "disabled" else age_band(age)
    kind = OUTCOME["older" if band == "older" else band].draw(rng)
    legal, order_day = _legal(w, start, LEGAL0[route].draw(rng), kind)
    end, reason, adopt_day = _end(w, child, start, route, kind, order_day)
    changes = [day for day, _ in legal[1:]]
    placements = placement_moves(
        w, child, (start, end), route, kind, (adopt_day, changes)
    )
    need = "N8" if route == "uasc" else "N2" if route == "disabled" else "N1"
    if route not in ("uasc", "disabled") and rng.chance(0.35):
        need = OTHER_NEED.draw(rng)
    period = Period(
        child,
        start,
        end,
        reason,
        _episodes(start, end, reason, need, legal, placements),
    )
    w.periods.append(period)
    _reviews(w, child, start, end)
    _missing(w, child, start, end)
    if end <= w.s.end and reason not in NOT_LEAVERS and end >= child.birth + 16 * YEAR:
        w.leavers.append(
            (child, end, end - max(start, child.birth + int(14 * YEAR)) >= 91)
        )
    return period


def _legal(
    w: World, start: int, legal0: str, kind: str
) -> tuple[list[tuple[int, str]], int]:
    """Legal statuses from ``start`` and the placement order's day (0 if none)."""
    rng = w.rng
    events, day, code = [(start, legal0)], start, legal0
    if code in ("L1", "L2"):
        # Police protection or an emergency protection order: days, then s20 or an ICO.
        day += rng.between(1, 3)
        code = (
            "C1"
            if rng.chance(0.75 if kind in ("adopt", "long", "sgo") else 0.3)
            else "V2"
        )
        events.append((day, code))
    if code == "V2" and (
        kind == "adopt" or rng.chance(0.6 if kind in ("long", "sgo") else 0.08)
    ):
        day += rng.between(20, 200)
        code = "C1"
        events.append((day, code))
    if code == "C1":  # care proceedings end in a care order, or a placement order
        day += rng.between(170, 330)
        events.append((day, "E1" if kind == "adopt" else "C2"))
        return events, day if kind == "adopt" else 0
    return events, 0


def _end(
    w: World, child: Child, start: int, route: str, kind: str, order_day: int
) -> tuple[int, str, int]:
    """End day and reason of the period, and the day placed for adoption (0 if not)."""
    rng = w.rng
    adopt_day = 0
    if route == "remand":
        end, reason = start + rng.between(7, 120), CEASE["remand"].draw(rng)
    elif route == "uasc" and rng.chance(0.12):
        end, reason = start + rng.between(30, 300), CEASE["uasc"].draw(rng)
    elif route == "uasc" or kind == "long":
        end, reason = child.adult, ""
    elif kind == "adopt" and order_day:
        adopt_day = order_day + rng.between(60, 250)
        end, reason = adopt_day + rng.between(120, 380), CEASE["adopt"].draw(rng)
    elif kind == "sgo":
        end, reason = start + rng.between(300, 900), CEASE["sgo"].draw(rng)
    elif kind == "home":
        end, reason = (
            start + rng.lognormal_days(170, 1.0, 3, 5000),
            CEASE["home"].draw(rng),
        )
    else:
        end, reason = start + rng.between(30, 700), CEASE["other"].draw(rng)
    if end >= child.adult:
        end = child.adult
        reason = CEASE["disabled_adult" if route == "disabled" else "adult"].draw(rng)
    return end, reason, adopt_day if adopt_day < end else 0


def _episodes(
    start: int,
    end: int,
    reason: str,
    need: str,
    legal: list[tuple[int, str]],
    moves: list[Move],
) -> list[Episode]:
    """One episode per change: S first, then L (legal status), P/U (placement), T/B (both)."""
    legal = [e for e in legal if e[0] < end]
    by_day = {m[0]: m for m in moves if m[0] < end}
    legal_days = {d for d, _ in legal}
    days = sorted(legal_days | set(by_day))
    out: list[Episode] = []
    code, li, place = legal[0][1], 0, moves[0][1]
    for i, day in enumerate(days):
        while li < len(legal) and legal[li][0] <= day:
            code, li = legal[li][1], li + 1
        move = by_day.get(day)
        if move:
            place = move[1]
        same = bool(move and move[3])
        if i == 0:
            rne = "S"
        elif move and day in legal_days:
            rne = "B" if same else "T"
        else:
            rne = "L" if move is None else "U" if same else "P"
        last = i == len(days) - 1
        change = move[2] if move and i else None
        until, ceased = (end, reason) if last else (days[i + 1], "X1")
        out.append(
            (day, until, rne, code, need, *place[:2], ceased, change, *place[2:])
        )
    return out


def _reviews(w: World, child: Child, start: int, end: int) -> None:
    """First within 20 working days, second within 3 months, then 6-monthly; ~90% on time."""
    rng = w.rng
    stop = min(end, w.s.end + 1)
    day = w.cal.add(
        start, rng.between(8, 20) if rng.chance(0.9) else rng.between(21, 35)
    )
    months = 3
    while day < stop:
        w.cla_reviews.append((child.no, day, _participation(w, child, day)))
        due = months_later(day, months)
        day = due - rng.between(0, 20) if rng.chance(0.9) else due + rng.between(1, 35)
        months = 6


def _participation(w: World, child: Child, day: int) -> str:
    age = day - child.birth
    under4 = age < 1457 or (age <= 1463 and day < months_later(child.birth, 48))
    return "PN0" if under4 else PARTICIPATION.draw(w.rng)


def _missing(w: World, child: Child, start: int, end: int) -> None:
    """A minority of children aged 11+ go missing (kind M) or are away (kind A), repeatedly."""
    rng = w.rng
    low = max(start, child.birth + int(11 * YEAR), child.missing_until + 2)
    high = min(end, w.s.end + 1)
    if low >= high or not rng.chance(0.22):
        return
    m_rate, a_rate = rng.uniform(1.5, 10) / 365, rng.uniform(0, 4) / 365
    day = low + int(rng.expovariate(m_rate + a_rate))
    while day < high:
        kind = "A" if rng.random() * (m_rate + a_rate) < a_rate else "M"
        back = min(day + int(MISSING_DAYS.draw(rng)), end)
        rhi = (
            return_interview(rng, back, 0.93, 0.62)
            if kind == "M"
            else (None, None, None)
        )
        w.missing.append((child.no, "Y", kind, day, back, *rhi))
        child.missing_until = back
        day = back + 1 + int(rng.expovariate(m_rate + a_rate))


def short_breaks(w: World, child: Child, start: int, end: int) -> None:
    """Short breaks of a disabled child (legal status V4 agreements or V3 stays), each its own
    episode with reason_new S; these children are never otherwise looked after."""
    rng = w.rng
    child.short_breaks = True
    v4 = rng.chance(0.6)
    day = start + rng.between(0, 60)
    while day < min(end, w.s.end + 1):
        stay = min(end, day + (rng.between(180, 365) if v4 else rng.between(2, 7)))
        place = placed(w, "K2" if rng.chance(0.5) else "U6")
        status = "V4" if v4 else "V3"
        episode = (day, stay, "S", status, "N2", *place[:2], "E8", None, *place[2:])
        w.periods.append(Period(child, day, stay, "E8", [episode]))
        day = stay + (rng.between(0, 60) if v4 else rng.between(25, 120))
