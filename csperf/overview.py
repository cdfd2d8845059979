"""The quarter at a glance: each indicator's headline value, primary change and England.

The primary change follows commentary.md §2.1: by the previous quarter for quarter and
quarter-end figures, by the same quarter last year for rolling-12-month and year-to-date
figures. The change shown is the difference of the two displayed values, so a reader can
check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csperf import formatting, indicators, overrides, periods

COMPARED_WITH = {"quarter": 1, "at_qend": 1, "month": 1, "r12": 4, "ytd": 4}


@dataclass(frozen=True)
class Change:
    direction: str  # up, down, same
    judgement: str  # better, worse, neutral
    text: str  # "Up 1.7 percentage points"
    since: str  # "Q1 2026-27"


@dataclass(frozen=True)
class HeadlineRow:
    indicator: indicators.Indicator
    title: str
    value: float | None
    value_text: str
    window: str
    status: str
    reason: str
    change: Change | None
    england: float | None
    england_text: str


def window_text(basis: str, quarter: periods.Quarter) -> str:
    end = periods.format_date(quarter.end)
    return {
        "quarter": f"in {quarter.label_long}",
        "month": f"in {quarter.end.strftime('%B %Y')}",
        "at_qend": f"at {end}",
        "r12": f"in the 12 months to {end}",
        "ytd": f"from 1 April to {end}",
    }[basis]


def series(frame: pl.DataFrame, ref: str) -> pl.DataFrame:
    """Rows of one series reference (indicators.md 'Series references')."""
    if ref == "all":
        return frame.filter(pl.col("breakdown") == "all")
    if ref.startswith("measure:"):
        name = ref.removeprefix("measure:")
        return frame.filter(
            (pl.col("breakdown") == "measure") & (pl.col("category") == name)
        )
    return frame.filter(pl.col("breakdown") == ref)


def primary_change(
    ind: indicators.Indicator,
    now: float | None,
    then: float | None,
    since: periods.Quarter,
) -> Change | None:
    if now is None or then is None:
        return None
    code = ind.series_format(ind.headline)
    delta = formatting.displayed(now, code) - formatting.displayed(then, code)
    direction = "up" if now > then else "down" if now < then else "same"
    if delta == 0:
        return Change("same", "neutral", "No change", since.label_short)
    judgement = "neutral"
    if ind.polarity != "neutral":
        good = "up" if ind.polarity == "higher_is_better" else "down"
        judgement = "better" if direction == good else "worse"
    word = "Up" if delta > 0 else "Down"
    return Change(
        direction,
        judgement,
        f"{word} {formatting.fmt_change(delta, code)}",
        since.label_short,
    )


def headline_rows(
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    nation: str,
    chosen: overrides.Overrides | None = None,
) -> list[HeadlineRow]:
    """One row per indicator of the nation, in registry order, for the chosen quarter."""
    out = []
    for ind in indicators.for_nation(nation):
        ind = chosen.indicator(ind) if chosen else ind
        rows = series(stored.filter(pl.col("indicator_id") == ind.id), ind.headline)
        now = rows.filter(pl.col("quarter") == str(quarter))
        basis = ind.series_basis(ind.headline)
        earlier = quarter.shift(-COMPARED_WITH[basis])
        then = rows.filter(pl.col("quarter") == str(earlier))
        value = now["value"][0] if now.height == 1 else None
        status = now["status"][0] if now.height == 1 else "not loaded"
        reason = (now["status_reason"][0] or "") if now.height == 1 else ""
        prev = then["value"][0] if then.height == 1 else None
        england = _benchmarked_england(stored, ind, quarter)
        code = ind.series_format(ind.headline)
        out.append(
            HeadlineRow(
                indicator=ind,
                title=ind.title_for(nation),
                value=value,
                value_text=formatting.fmt(value, code) if value is not None else status,
                window=window_text(basis, quarter),
                status=status,
                reason=reason,
                change=primary_change(ind, value, prev, earlier),
                england=england[0],
                england_text=england[1],
            )
        )
    return out


def _benchmarked_england(
    stored: pl.DataFrame, ind: indicators.Indicator, quarter: periods.Quarter
) -> tuple[float | None, str]:
    """England's figure on the first benchmarked series, shown at its published precision."""
    for bench in ind.benchmarks:
        rows = series(stored.filter(pl.col("indicator_id") == ind.id), bench.series)
        rows = rows.filter(
            (pl.col("quarter") == str(quarter)) & pl.col("england").is_not_null()
        )
        if rows.height:
            value = rows["england"][0]
            code = formatting.comparator_code(ind.series_format(bench.series), value)
            label = (
                f" ({rows['comparator_period'][0]})"
                if rows["comparator_period"][0]
                else ""
            )
            suffix = (
                ""
                if bench.series == ind.headline
                else f", {ind.series_label(bench.series)}"
            )
            return value, f"{formatting.fmt(value, code)}{label}{suffix}"
    return None, "No national figure"
