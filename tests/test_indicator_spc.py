"""SPC of an indicator from its stored values: the series, months, breaks and settings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from csperf import indicator_spc, indicators, periods

REG = indicators.registry()
Q = periods.Quarter.parse


def quarterly(ind_id: str, values: list[float]) -> pl.DataFrame:
    quarters = [Q("2023-24Q3").shift(i) for i in range(len(values))]
    return pl.DataFrame(
        {
            "quarter": [str(q) for q in quarters],
            "indicator_id": [ind_id] * len(values),
            "period_end": [q.end for q in quarters],
            "breakdown": ["all"] * len(values),
            "category": ["all"] * len(values),
            "value": values,
        }
    )


SERIES = [10.0, 12, 11, 13, 12, 14, 12, 11, 13, 12, 11, 12]  # mean 11.9166..


def test_the_quarter_series_up_to_the_chosen_quarter_is_analysed():
    stored = quarterly("cla_rate", [*SERIES, 30.0])
    last = Q("2023-24Q3").shift(12)
    result = indicator_spc.analyse(REG["cla_rate"], stored, last)
    assert result.n == 13
    assert (
        result.variation == "neither_high"
    )  # 30 is far above the limits; neutral polarity
    earlier = indicator_spc.analyse(REG["cla_rate"], stored, last.previous)
    assert (earlier.n, earlier.variation) == (12, "common_cause")


def test_a_definition_change_starts_a_new_segment():
    ind = dataclasses.replace(
        REG["cla_rate"],
        definition_change=({"date": Q("2025-26Q1").start, "note": "changed"},),
    )
    stored = quarterly("cla_rate", SERIES)
    result = indicator_spc.analyse(ind, stored, Q("2023-24Q3").shift(11))
    assert result.since == Q("2025-26Q1").label_short
    # 2025-26Q1 to 2026-27Q2: six quarters, so provisional limits from those six only
    assert (result.state, result.n) == ("provisional", 6)


def test_a_monthly_series_uses_every_month_of_every_quarter():
    quarters = [Q("2025-26Q1"), Q("2025-26Q2")]
    rows = []
    for q in quarters:
        for i, month in enumerate(q.months):
            rows.append((str(q), q.end, f"{month:%Y-%m}", 400.0 + 10 * i))
    stored = pl.DataFrame(
        rows, schema=["quarter", "period_end", "category", "value"], orient="row"
    ).with_columns(indicator_id=pl.lit("phone_demand"), breakdown=pl.lit("month"))
    ind = dataclasses.replace(REG["cla_rate"], id="phone_demand", headline="month",
                              spc_series="month", breakdowns=("month",))  # fmt: skip
    got = indicator_spc.points(ind, stored, quarters[-1])
    assert [p[0] for p in got] == ["Apr 2025", "May 2025", "Jun 2025", "Jul 2025",
                                   "Aug 2025", "Sep 2025"]  # fmt: skip
    assert got[-1][3] == dt.date(2025, 9, 30)


def test_small_counts_are_suppressed_points():
    ind = REG["cla_starts_ceases"]
    stored = quarterly("cla_starts_ceases", [3.0, 40.0]).with_columns(
        breakdown=pl.lit("measure"), category=pl.lit("starts_quarter")
    )
    got = indicator_spc.points(ind, stored, Q("2023-24Q4"))
    assert [(p[1], p[2]) for p in got] == [(3.0, True), (40.0, False)]


def test_stored_settings_reach_the_analysis():
    settings = indicator_spc.settings_from(
        {"spc": {"shift_points": 8, "min_points": 7}}
    )
    assert (settings.shift_points, settings.min_points, settings.trend_points) == (
        8,
        7,
        6,
    )


def test_a_distribution_is_not_assessed_and_says_why():
    ind = dataclasses.replace(
        REG["cla_rate"], headline="team", spc_series="none", breakdowns=("team",)
    )
    result = indicator_spc.analyse(ind, quarterly("cla_rate", SERIES), Q("2026-27Q1"))
    assert result.state == "not_applicable"
    assert result.label == "Not assessed \u2013 a distribution, not a single series"
