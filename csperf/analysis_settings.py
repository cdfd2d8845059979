"""The analysis settings of commentary.md §13 (SPC, benchmarks, numbers, disclosure, headlines).

Each has the spec's default; a council's choices are stored in the database (Settings page) and
merged over the defaults. Values are checked against their kind and range before they are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from csperf import store

SETTINGS_KEY = "analysis"  # {section: {key: value}}


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    default: Any
    label: str
    low: float | None = None
    high: float | None = None
    recompute: bool = False  # stored values depend on it

    @property
    def kind(self) -> type:
        return type(self.default)


CATALOGUE: tuple[Setting, ...] = (
    Setting("spc", "min_points", 6, "Fewest points for SPC", 3, 24),
    Setting(
        "spc",
        "provisional_below",
        12,
        "Limits are provisional below this many points",
        6,
        40,
    ),
    Setting(
        "spc",
        "fix_after_points",
        12,
        "Limits fixed from the first this many points",
        0,
        40,
    ),
    Setting(
        "spc",
        "limit_multiplier",
        2.66,
        "Limit multiplier (times the average moving range)",
        1,
        4,
    ),
    Setting(
        "spc",
        "shift_points",
        7,
        "Points in a row on one side of the mean (shift)",
        5,
        12,
    ),
    Setting(
        "spc", "trend_points", 6, "Points in a row each higher or lower (trend)", 5, 12
    ),
    Setting(
        "spc", "two_of_three", True, "Two of three points beyond two-thirds of the way"
    ),
    Setting(
        "spc", "min_mean_count", 5, "Smallest average count for SPC on counts", 0, 50
    ),
    Setting("spc", "allow_rolling", False, "Run SPC on rolling 12-month figures"),
    Setting(
        "benchmarks",
        "relative_tolerance",
        0.05,
        "Relative tolerance (similar within)",
        0,
        0.5,
    ),
    Setting(
        "benchmarks",
        "use_ci",
        True,
        "Similar when the comparator is inside the interval",
    ),
    Setting(
        "benchmarks", "confidence", 0.95, "Confidence level of intervals", 0.8, 0.99
    ),
    Setting(
        "benchmarks", "min_neighbours", 5, "Fewest neighbours for a median", 3, 10, True
    ),
    Setting(
        "benchmarks",
        "comparator_max_age_months",
        24,
        "Comparator is old after (months)",
        6,
        60,
        True,
    ),
    Setting(
        "numbers",
        "min_base_pct_change",
        20,
        "Smallest base for a percentage change",
        1,
        1000,
    ),
    Setting(
        "numbers", "small_denominator", 20, "Small denominator (caveat) below", 1, 1000
    ),
    Setting(
        "disclosure", "threshold", 5, "Counts from 1 to this are shown as c", 1, 10
    ),
    Setting("headlines", "max", 6, "Most headlines in the summary", 1, 10),
    Setting("headlines", "min_score", 3, "Lowest salience score for a headline", 0, 20),
    Setting("headlines", "balance", True, "Balance concerns with improvements"),
)
BY_KEY = {(s.section, s.key): s for s in CATALOGUE}
SECTION_TITLES = {
    "spc": "Statistical process control",
    "benchmarks": "Benchmarks",
    "numbers": "Small numbers",
    "disclosure": "Disclosure control",
    "headlines": "Headlines",
}


def read(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Every setting by section: the council's choice, else the default."""
    chosen = store.get_setting(con, SETTINGS_KEY, {}) or {}
    out: dict[str, dict[str, Any]] = {}
    for s in CATALOGUE:
        out.setdefault(s.section, {})[s.key] = chosen.get(s.section, {}).get(
            s.key, s.default
        )
    return out


def value(con: duckdb.DuckDBPyConnection, section: str, key: str) -> Any:
    return read(con)[section][key]


def check(section: str, key: str, given: Any) -> Any:
    """The value as stored, or ValueError saying what is allowed."""
    setting = BY_KEY.get((section, key))
    if setting is None:
        raise ValueError(f"There is no setting {section}.{key}.")
    if setting.kind is bool:
        if not isinstance(given, bool):
            raise ValueError(f"{setting.label}: choose yes or no.")
        return given
    try:
        number = setting.kind(given)
    except (TypeError, ValueError):
        raise ValueError(f"{setting.label}: {given!r} is not a number.") from None
    if setting.kind is int and float(given) != number:
        raise ValueError(f"{setting.label}: use a whole number.")
    if (setting.low is not None and number < setting.low) or (
        setting.high is not None and number > setting.high
    ):
        raise ValueError(
            f"{setting.label}: use a value from {setting.low:g} to {setting.high:g}."
        )
    return number


def save(con: duckdb.DuckDBPyConnection, changes: dict[tuple[str, str], Any]) -> bool:
    """Store checked changes; True when stored values must be recomputed."""
    checked = {k: check(k[0], k[1], v) for k, v in changes.items()}
    chosen = store.get_setting(con, SETTINGS_KEY, {}) or {}
    before = read(con)
    for (section, key), v in checked.items():
        chosen.setdefault(section, {})[key] = v
    store.set_setting(con, SETTINGS_KEY, chosen)
    return any(
        BY_KEY[k].recompute and before[k[0]][k[1]] != v for k, v in checked.items()
    )


def reset(con: duckdb.DuckDBPyConnection) -> None:
    store.set_setting(con, SETTINGS_KEY, {})
