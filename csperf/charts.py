"""Altair chart builders; the same specs render on screen and (later) to PNG and SVG.

Every chart has a title, axis titles with units, tooltips, a text description for screen readers,
and a colour-blind-safe palette whose colours keep at least 3:1 contrast on white; the legend
names each line and the lines differ in dash as well as colour, so no meaning is carried by
colour alone.
"""

from __future__ import annotations

from typing import cast

import altair as alt
import polars as pl

from csperf import formatting, indicators, overview

COUNCIL_COLOUR = "#1d4f91"  # dark blue, 8.6:1 on white
ENGLAND_COLOUR = "#636363"  # grey, 6.0:1 on white
AXIS_TITLES = {
    "rate_per_10k": "Per 10,000 children aged under 18",
    "percent": "Percentage (%)",
    "count": "Number",
    "days": "Days",
    "weeks": "Weeks",
    "ratio": "Ratio",
    "number": "Number",
    "fte": "Full-time equivalent staff",
    "currency_gbp": "Pounds (£)",
}


def series_title(ind: indicators.Indicator, ref: str, nation: str) -> str:
    title = ind.title_for(nation)
    if ref.startswith("measure:"):
        return f"{title}: {ind.series_label(ref)}"
    return title


def trend_data(
    ind: indicators.Indicator, stored: pl.DataFrame, ref: str | None = None
) -> pl.DataFrame:
    """One row per quarter of the series: quarter, value, England, value as displayed."""
    ref = ref or ind.headline
    code = ind.series_format(ref)
    rows = overview.series(stored.filter(pl.col("indicator_id") == ind.id), ref)
    return rows.select(
        quarter=pl.col("quarter"),
        value=pl.col("value"),
        england=pl.col("england"),
        shown=pl.col("value").map_elements(
            lambda v: formatting.fmt(v, code), return_dtype=pl.String
        ),
    )


def trend(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    council_name: str,
    nation: str = "england",
    ref: str | None = None,
) -> alt.LayerChart:
    """The indicator's value each quarter, with England's published figure where there is one."""
    ref = ref or ind.headline
    data = trend_data(ind, stored, ref)
    y_title = AXIS_TITLES[ind.series_unit(ref)]
    code = ind.series_format(ref)
    x = alt.X(
        "quarter:O",
        title="Quarter (financial year)",
        sort=data["quarter"].to_list(),
        axis=alt.Axis(labelAngle=-40),
    )
    has_england = data["england"].is_not_null().any()
    names = [council_name, "England"] if has_england else [council_name]
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(
            domain=names, range=[COUNCIL_COLOUR, ENGLAND_COLOUR][: len(names)]
        ),
        legend=alt.Legend(title=None, orient="bottom", symbolType="stroke"),
    )
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=names, range=[[1, 0], [6, 4]][: len(names)]),
        legend=None,
    )
    local = data.select("quarter", "value", "shown").with_columns(
        series=pl.lit(council_name)
    )
    england = data.filter(pl.col("england").is_not_null()).select(
        "quarter", value=pl.col("england"), series=pl.lit("England")
    )
    england = england.with_columns(
        shown=pl.col("value").map_elements(
            lambda v: formatting.fmt(v, formatting.comparator_code(code, v)),
            return_dtype=pl.String,
        )
    )
    lines = pl.concat([local, england.select(local.columns)])
    y = alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    tooltip = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("quarter:N", title="Quarter"),
        alt.Tooltip("shown:N", title="Value"),
    ]
    layers: list[alt.Chart] = [
        alt.Chart(lines)
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=y, color=colour, strokeDash=dash, tooltip=tooltip),
        alt.Chart(local)
        .mark_point(filled=True, size=64, opacity=1)
        .encode(x=x, y=y, color=colour, tooltip=tooltip),
    ]
    chart = alt.layer(*layers).properties(
        title=series_title(ind, ref, nation),
        description=describe(ind, data, council_name, nation, ref),
        height=320,
    )
    return cast(alt.LayerChart, chart)


def describe(
    ind: indicators.Indicator,
    data: pl.DataFrame,
    council_name: str,
    nation: str,
    ref: str,
) -> str:
    """A text equivalent of the trend chart for screen readers."""
    points = data.filter(pl.col("value").is_not_null())
    title = series_title(ind, ref, nation)
    if points.height == 0:
        return f"Line chart of {title}: no values to show."
    first, last = points.row(0, named=True), points.row(-1, named=True)
    text = (
        f"Line chart of {title} for {council_name}, {points.height} quarters from "
        f"{first['quarter']} ({first['shown']}) to {last['quarter']} ({last['shown']})."
    )
    eng = data.filter(pl.col("england").is_not_null())
    if eng.height:
        code = formatting.comparator_code(ind.series_format(ref), eng["england"][-1])
        text += f" England's latest published figure: {formatting.fmt(eng['england'][-1], code)}."
    return text
