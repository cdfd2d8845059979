"""The demo council's local measures (formats.md §B.5): workforce, phone demand, visits, family
support and youth justice figures. Each value is a fixed function of its period, so every
quarter's file agrees with the others on the periods they share."""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from pathlib import Path

from csperf.demo_model import to_day, unit_hash
from csperf.demo_world import shortage
from csperf.formats import local_measures
from csperf.periods import Quarter, month_end

HISTORY = 8  # earlier quarters in each file, for trends
SEASON = {8: 0.85, 9: 1.08, 12: 0.9, 1: 1.05}  # school holidays and the new term
Row = tuple[str, dt.date, float, float | None, float | None, str, str]


def _noise(key: str, period: dt.date, spread: float, k: int = 0) -> float:
    """A fixed wobble in [-spread, spread] for a measure and period."""
    return (unit_hash(zlib.crc32(key.encode()), to_day(period), k) - 0.5) * 2 * spread


def _percent(measure: str, end: dt.date, num: float, den: float) -> Row:
    return measure, end, round(100 * num / den, 1), num, den, "", ""


def quarterly(q: Quarter, vol: float) -> list[Row]:
    end = q.end
    staff = round(132 * vol)
    rate = 0.135 + 0.1 * shortage(to_day(end) - 45) + _noise("vacancy", end, 0.012)
    sick = 0.041 + (0.008 if q.q == 3 else 0) + 0.006 * shortage(to_day(end) - 45)
    days = round(420 * vol) * 63
    cohort = max(5, round(38 * vol * (1 + _noise("yos", end, 0.15))))
    reoffended = round(cohort * (0.27 + _noise("yos", end, 0.05, 1)))
    rows = [
        _percent("sw_vacancy_rate", end, round(staff * rate, 1), staff),
        _percent(
            "sickness", end, round(days * (sick + _noise("sick", end, 0.004))), days
        ),
        _percent("yos_reoffending", end, reoffended, cohort),
    ]
    for i, base in enumerate((840, 410, 300), start=1):
        growth = 1 + 0.015 * (q.fy - 2021) + _noise(f"fam{i}", end, 0.06)
        rows.append(
            (f"fam_kpi_0{i}", end, round(base * vol * growth), None, None, "", "")
        )
    return rows


def monthly(month: dt.date, vol: float) -> list[Row]:
    end = month_end(month)
    season = SEASON.get(month.month, 1.0)
    level = shortage(to_day(end))
    rows: list[Row] = []
    for measure, breakdown, parts, spread in (
        ("phone_demand", "service", {"MASH": 1450, "Early Help Hub": 620}, 0.05),
        ("visits", "mode", {"face_to_face": 2650, "virtual": 360 / season}, 0.05),
        (
            "sw_net_starters",
            "flow",
            {"starters": 3 - level, "leavers": 3 + 2 * level},
            0.6,
        ),
    ):
        values = {
            k: round(v * vol * season * (1 + _noise(measure + k, end, spread)))
            for k, v in parts.items()
        }
        first, second = values.values()
        headline = first - second if measure == "sw_net_starters" else first + second
        rows.append((measure, end, headline, None, None, "", ""))
        rows += [(measure, end, v, None, None, breakdown, k) for k, v in values.items()]
    contacts = round(430 * vol * season * (1 + _noise("supervised", end, 0.06)))
    rows.append(("supervised_contacts", end, contacts, None, None, "", ""))
    return rows


def rows_for(quarter: Quarter, vol: float) -> list[Row]:
    """The quarter's own periods and the eight quarters before it."""
    rows: list[Row] = []
    for back in range(HISTORY, -1, -1):
        q = quarter.shift(-back)
        rows += quarterly(q, vol)
        for month in q.months:
            rows += monthly(month, vol)
    return sorted(rows, key=lambda r: (r[0], r[1], r[5], r[6]))


def _text(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def write(path: Path, quarter: Quarter, vol: float) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(local_measures.COLUMNS)
        for m, end, value, num, den, breakdown, category in rows_for(quarter, vol):
            out.writerow(
                [
                    m,
                    end.isoformat(),
                    _text(value),
                    _text(num),
                    _text(den),
                    breakdown,
                    category,
                ]
            )
    return path
