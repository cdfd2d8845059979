"""SPC of one indicator from its stored values (commentary.md §3.1): the registry's ``spc_series``
over every loaded quarter up to the chosen one (its months, for a monthly series), with breaks at
the registry's definition changes, the council's target and polarity, and the analysis settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from csperf import indicators, periods, spc, values

DISTRIBUTION_LABEL = f"Not assessed {spc.DASH} a distribution, not a single series"
SPC_KEYS = (
    "min_points", "provisional_below", "fix_after_points", "limit_multiplier", "shift_points",
    "trend_points", "two_of_three", "min_mean_count", "allow_rolling",
)  # fmt: skip


def settings_from(analysis: dict[str, dict[str, Any]] | None) -> spc.SpcSettings:
    """SpcSettings from the stored analysis settings (analysis_settings.read)."""
    if not analysis:
        return spc.DEFAULTS
    chosen = analysis.get("spc", {})
    return spc.SpcSettings(**{k: chosen[k] for k in SPC_KEYS if k in chosen})


def points(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    threshold: int = 5,
) -> list[tuple[str, float | None, bool, dt.date]]:
    """(label, value, suppressed, period end) of the SPC series, oldest first, up to the quarter.

    A count from 1 to the disclosure threshold is a suppressed point (commentary.md §3.1)."""
    ref = ind.spc_series
    rows = values.series(stored.filter(pl.col("indicator_id") == ind.id), ref)
    rows = rows.filter(
        pl.col("quarter").map_elements(
            lambda q: periods.Quarter.parse(q) <= quarter, return_dtype=pl.Boolean
        )
    )
    unit = ind.series_unit(ref)
    out: list[tuple[str, float | None, bool, dt.date]] = []
    if ref == "month":
        seen: dict[str, tuple[float | None, dt.date]] = {}
        for row in rows.sort("quarter", "category").iter_rows(named=True):
            year, month = (int(x) for x in str(row["category"]).split("-"))
            end = periods.month_end(dt.date(year, month, 1))
            seen[str(row["category"])] = (
                row["value"],
                end,
            )  # a later quarter's figure wins
        for key in sorted(seen):
            value, end = seen[key]
            out.append(
                (end.strftime("%b %Y"), value, _hidden(value, unit, threshold), end)
            )
        return out
    for row in rows.sort("period_end").iter_rows(named=True):
        q = periods.Quarter.parse(str(row["quarter"]))
        value = row["value"]
        out.append((q.label_short, value, _hidden(value, unit, threshold), q.end))
    return out


def _hidden(value: float | None, unit: str, threshold: int) -> bool:
    return unit == "count" and value is not None and 1 <= value <= threshold


def analyse(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    target: float | None = None,
    analysis: dict[str, dict[str, Any]] | None = None,
) -> spc.SpcResult:
    """The indicator's SPC result for the quarter."""
    settings = settings_from(analysis)
    threshold = int((analysis or {}).get("disclosure", {}).get("threshold", 5))
    if ind.spc_series == "none":
        result = spc.analyse([], ind.polarity, ind.unit, target, settings, rolling=True)
        if ind.headline not in ("all", "month") and not ind.headline.startswith(
            "measure:"
        ):
            result = dataclasses.replace(result, label=DISTRIBUTION_LABEL)
        return result
    series = points(ind, stored, quarter, threshold)
    changes = [_as_date(c["date"]) for c in ind.definition_change]
    breaks = [
        i
        for day in changes
        for i, (_, _, _, end) in enumerate(series)
        if i > 0 and end >= day and series[i - 1][3] < day
    ]
    return spc.analyse(
        [(label, value, hidden) for label, value, hidden, _ in series],
        ind.polarity,
        ind.series_unit(ind.spc_series),
        target if ind.spc_series == ind.headline else None,
        settings,
        breaks=breaks,
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
