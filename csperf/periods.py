"""Financial-year quarters, months, year-to-date and rolling windows, and working days.

A quarter is written ``2025-26Q2`` (cli.md): financial year 2025-26, July to September 2025.
Working days follow indicators.md rule 7: day 0 is the start date; Mondays to Fridays after it, up
to and including the end date, minus the bank holidays of the council's nation.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import holidays

Nation = Literal["england", "wales"]

_QUARTER = re.compile(r"^(\d{4})-(\d{2})Q([1-4])$")
_MONTHS = [calendar.month_name[m] for m in range(13)]
HOLIDAY_YEARS = range(2012, 2031)


class PeriodError(ValueError):
    """A quarter written in a form csperf does not read."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A financial-year quarter: ``fy`` is the year the financial year starts (2025 = 2025-26)."""

    fy: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER.match(text.strip())
        if not m:
            raise PeriodError(
                f"'{text}' is not a quarter. Write it as YYYY-YYQn, e.g. 2025-26Q1 for "
                "April to June 2025 or 2025-26Q4 for January to March 2026."
            )
        fy, yy, q = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if (fy + 1) % 100 != yy:
            raise PeriodError(
                f"'{text}' is not a quarter: the financial year {fy} runs to {fy + 1}, so "
                f"write {fy}-{(fy + 1) % 100:02d}Q{q}."
            )
        return cls(fy, q)

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        fy = day.year if day.month >= 4 else day.year - 1
        return cls(fy, (day.month - 4) % 12 // 3 + 1)

    def __str__(self) -> str:
        return f"{self.fy}-{(self.fy + 1) % 100:02d}Q{self.q}"

    @property
    def fy_label(self) -> str:
        return f"{self.fy}-{(self.fy + 1) % 100:02d}"

    @property
    def start(self) -> dt.date:
        month = 4 + 3 * (self.q - 1)
        return dt.date(self.fy + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> dt.date:
        last = self.months[-1]
        return month_end(last)

    @property
    def months(self) -> list[dt.date]:
        """First days of the quarter's three months."""
        return [add_months(self.start, i) for i in range(3)]

    @property
    def ytd_start(self) -> dt.date:
        return dt.date(self.fy, 4, 1)

    @property
    def r12_start(self) -> dt.date:
        """First day of the 12 months ending at the quarter end."""
        return add_months(self.end, -12) + dt.timedelta(days=1)

    @property
    def label_long(self) -> str:
        """'Quarter 2 2025-26 (July to September 2025)'."""
        first, last = self.months[0], self.months[-1]
        span = f"{_MONTHS[first.month]} to {_MONTHS[last.month]} {last.year}"
        if first.year != last.year:
            span = f"{_MONTHS[first.month]} {first.year} to {_MONTHS[last.month]} {last.year}"
        return f"Quarter {self.q} {self.fy_label} ({span})"

    @property
    def label_short(self) -> str:
        """'Q2 2025-26'."""
        return f"Q{self.q} {self.fy_label}"

    def shift(self, quarters: int) -> Quarter:
        n = self.fy * 4 + self.q - 1 + quarters
        return Quarter(n // 4, n % 4 + 1)

    @property
    def previous(self) -> Quarter:
        return self.shift(-1)

    @property
    def year_ago(self) -> Quarter:
        return self.shift(-4)

    @property
    def population_year(self) -> int:
        """Mid-year of the 0-17 estimate used for rates: the mid-year before the FY ends."""
        return self.fy


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Same calendar day ``months`` later, clamped to the month end (30 Nov + 3 = 28/29 Feb)."""
    n = day.year * 12 + day.month - 1 + months
    year, month = divmod(n, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def format_date(day: dt.date) -> str:
    """'30 September 2025' (house style: no leading zero, month in full)."""
    return f"{day.day} {_MONTHS[day.month]} {day.year}"


@cache
def bank_holidays(nation: Nation) -> frozenset[dt.date]:
    """The nation's bank holidays, 2012-2030, weekdays only."""
    subdiv = "ENG" if nation == "england" else "WLS"
    days = holidays.country_holidays("GB", subdiv=subdiv, years=HOLIDAY_YEARS)
    return frozenset(d for d in days if d.weekday() < 5)


def is_working_day(day: dt.date, nation: Nation) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(nation)


def working_days(start: dt.date, end: dt.date, nation: Nation) -> int:
    """Working days from ``start`` (day 0) to ``end`` inclusive; negative if end is earlier."""
    if end < start:
        return -working_days(end, start, nation)
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    for i in range(1, extra + 1):
        if (start + dt.timedelta(days=i)).weekday() < 5:
            count += 1
    holidays_in = sum(1 for d in bank_holidays(nation) if start < d <= end)
    return count - holidays_in


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    out = []
    q = first
    while q <= last:
        out.append(q)
        q = q.shift(1)
    return out
