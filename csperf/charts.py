"""Altair chart builders, one per chart kind; the same specs render on screen and to PNG and SVG.

Every chart has a title, axis titles with units, tooltips, a text description for screen readers
(``description``), and a colour-blind-safe palette whose colours keep at least 3:1 contrast on
white. Lines differ in dash as well as colour and the legend names each one; bars carry their
category in the legend, the tooltip and the data table, so no meaning is carried by colour alone.
"""

from __future__ import annotations

from typing import cast

import altair as alt
import polars as pl
import vl_convert as vlc

from csperf import formatting, indicators, periods, spc, values

COUNCIL_COLOUR = "#1d4f91"  # dark blue, 8.1:1 on white
ENGLAND_COLOUR = "#636363"  # grey, 6.0:1
REGION_COLOUR = "#b35806"  # burnt orange, 4.9:1
NEIGHBOURS_COLOUR = "#6a3d9a"  # purple, 7.6:1
TARGET_COLOUR = "#1b7837"  # green, 5.5:1
WALES_COLOUR = "#8c510a"  # brown, 6.4:1
# Categories of a breakdown, each at least 4.4:1 on white, alternating hue and lightness.
CATEGORY_COLOURS = [
    "#1d4f91", "#b35806", "#01665e", "#6a3d9a", "#8c510a", "#c51b7d", "#636363", "#1b7837",
]  # fmt: skip
DASHES = {
    "council": [1, 0],
    "england": [6, 4],
    "region": [2, 2],
    "sn_median": [8, 3, 2, 3],
    "wales": [4, 2],
}
WIDTH = 560  # pixels, for PNG and SVG; on screen the chart fills its column
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
QUARTER_AXIS = "Quarter (financial year)"
COMPARATOR_NAMES = {
    "england": "England",
    "region": "Region",
    "sn_median": "Neighbours' median",
    "wales": "Wales",
}
COMPARATOR_COLOURS = {
    "england": ENGLAND_COLOUR,
    "region": REGION_COLOUR,
    "sn_median": NEIGHBOURS_COLOUR,
    "wales": WALES_COLOUR,
}


def series_title(ind: indicators.Indicator, ref: str, nation: str) -> str:
    title = ind.title_for(nation)
    if ref.startswith("measure:"):
        return f"{title}: {ind.series_label(ref)}"
    return title


def _shown(code: str) -> pl.Expr:
    return pl.col("value").map_elements(
        lambda v: formatting.fmt(v, code), return_dtype=pl.String
    )


def _comparator_shown(code: str) -> pl.Expr:
    return pl.col("value").map_elements(
        lambda v: formatting.fmt(v, formatting.comparator_code(code, v)),
        return_dtype=pl.String,
    )


def trend_data(
    ind: indicators.Indicator, stored: pl.DataFrame, ref: str | None = None
) -> pl.DataFrame:
    """One row per quarter of the series: quarter, value, comparators, target, value as shown."""
    ref = ref or ind.headline
    code = ind.series_format(ref)
    rows = values.series(stored.filter(pl.col("indicator_id") == ind.id), ref)
    extra = [c for c in ("region", "sn_median", "wales", "target") if c in rows.columns]
    frame = rows.select(
        "quarter", "value", "england", *extra, shown=_shown(code)
    ).with_columns(
        *(pl.lit(None, pl.Float64).alias(c)
          for c in ("region", "sn_median", "wales", "target") if c not in extra)
    )  # fmt: skip
    return frame.select(
        "quarter", "value", "england", "region", "sn_median", "wales", "target", "shown"
    )


def _tooltip() -> list[alt.Tooltip]:
    return [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("quarter:N", title="Quarter"),
        alt.Tooltip("shown:N", title="Value"),
    ]


def _quarter_axis(quarters: list[str]) -> alt.X:
    return alt.X(
        "quarter:O", title=QUARTER_AXIS, sort=quarters, axis=alt.Axis(labelAngle=-40)
    )


def trend(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    council_name: str,
    nation: str = "england",
    ref: str | None = None,
) -> alt.LayerChart:
    """The series each quarter, with England, the region and the neighbours' median (or Wales)
    where published, and the target as a labelled line."""
    ref = ref or ind.headline
    data = trend_data(ind, stored, ref)
    code = ind.series_format(ref)
    x = _quarter_axis(data["quarter"].to_list())
    local = data.select("quarter", "value", "shown").with_columns(
        series=pl.lit(council_name)
    )
    parts, names, colours, dashes = (
        [local],
        [council_name],
        [COUNCIL_COLOUR],
        [DASHES["council"]],
    )
    for column, name in COMPARATOR_NAMES.items():
        have = data.filter(pl.col(column).is_not_null())
        if have.height == 0:
            continue
        comp = have.select("quarter", value=pl.col(column), series=pl.lit(name))
        parts.append(
            comp.with_columns(shown=_comparator_shown(code)).select(local.columns)
        )
        names.append(name)
        colours.append(COMPARATOR_COLOURS[column])
        dashes.append(DASHES[column])
    lines = pl.concat(parts)
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=names, range=colours),
        legend=alt.Legend(title=None, orient="bottom", symbolType="stroke", columns=3),
    )
    dash = alt.StrokeDash(
        "series:N", scale=alt.Scale(domain=names, range=dashes), legend=None
    )
    y = alt.Y(
        "value:Q", title=AXIS_TITLES[ind.series_unit(ref)], scale=alt.Scale(zero=False)
    )
    layers: list[alt.Chart] = [
        alt.Chart(lines)
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=y, color=colour, strokeDash=dash, tooltip=_tooltip()),
        alt.Chart(local)
        .mark_point(filled=True, size=64, opacity=1)
        .encode(x=x, y=y, color=colour, tooltip=_tooltip()),
    ]
    target = data.filter(pl.col("target").is_not_null()).select(
        "quarter", value=pl.col("target")
    )
    if target.height:
        target = target.with_columns(
            series=pl.lit("Target"), shown=_shown(code)
        ).select(local.columns)
        layers.append(
            alt.Chart(target)
            .mark_line(
                strokeWidth=1.5,
                strokeDash=[2, 4],
                color=TARGET_COLOUR,
                point=alt.OverlayMarkDef(color=TARGET_COLOUR, size=20),
            )
            .encode(x=x, y=y, tooltip=_tooltip())
        )
        last = target.tail(1)
        layers.append(
            alt.Chart(last)
            .mark_text(
                align="left", dx=8, dy=-8, color=TARGET_COLOUR, fontWeight="bold"
            )
            .encode(x=x, y=y, text=alt.Text("label:N"))
            .transform_calculate(label="'Target ' + datum.shown")
        )
    chart = alt.layer(*layers).properties(
        title=series_title(ind, ref, nation),
        description=describe(ind, data, council_name, nation, ref),
        height=320,
        width=WIDTH,
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
    code = ind.series_format(ref)
    for column, name in COMPARATOR_NAMES.items():
        have = data.filter(pl.col(column).is_not_null())
        if have.height:
            value = have[column][-1]
            shown = formatting.fmt(value, formatting.comparator_code(code, value))
            who = f"{name}'s" if column in ("england", "wales") else f"{name}:"
            text += (
                f" {who} latest published figure: {shown}."
                if column in ("england", "wales")
                else f" {who} {shown}."
            )
    target = data.filter(pl.col("target").is_not_null())
    if target.height:
        text += f" Target: {formatting.fmt(target['target'][-1], code)}."
    return text


def breakdown_trend(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    dimension: str,
    nation: str = "england",
    order: list[str] | None = None,
) -> alt.Chart:
    """Stacked bars: each quarter's breakdown by category (counts, or the numerators of a
    percentage breakdown)."""
    rows = stored.filter(
        (pl.col("indicator_id") == ind.id) & (pl.col("breakdown") == dimension)
    )
    counts = rows.select(
        "quarter",
        "category",
        value=pl.when(pl.lit(ind.unit in ("percent", "rate_per_10k")))
        .then(pl.col("numerator"))
        .otherwise(pl.col("value")),
    ).with_columns(shown=_shown("num0"))
    cats = order or sorted(counts["category"].unique().to_list())
    counts = counts.with_columns(
        category_order=pl.col("category").replace_strict(
            cats, list(range(len(cats))), default=len(cats), return_dtype=pl.Int64
        )
    )
    title = f"{ind.title_for(nation)} by {dimension.replace('_', ' ')}"
    quarters = sorted(counts["quarter"].unique().to_list())
    latest = counts.filter(pl.col("quarter") == (quarters[-1] if quarters else ""))
    described = ", ".join(
        f"{r['category']} {r['shown']}"
        for r in latest.sort("category").iter_rows(named=True)
    )
    description = f"Stacked bar chart of {title}, {len(quarters)} quarters. " + (
        f"Latest quarter {quarters[-1]}: {described}." if quarters else "No values."
    )
    chart = (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=_quarter_axis(quarters),
            y=alt.Y("value:Q", title=_count_title(ind), stack=True),
            color=alt.Color(
                "category:N",
                title=dimension.replace("_", " ").capitalize(),
                scale=alt.Scale(domain=cats, range=_palette(len(cats))),
                sort=cats,
                legend=alt.Legend(orient="bottom", columns=3),
            ),
            order=alt.Order("category_order:Q"),
            tooltip=[
                alt.Tooltip("quarter:N", title="Quarter"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("shown:N", title="Number"),
            ],
        )
        .properties(title=title, description=description, height=320, width=WIDTH)
    )
    return cast(alt.Chart, chart)


def distribution(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    quarter: str,
    dimension: str,
    council_name: str,
    nation: str = "england",
    order: list[str] | None = None,
) -> alt.LayerChart:
    """Horizontal bars of one quarter's distribution, the council beside England (or Wales)
    where a published share exists for the category."""
    rows = stored.filter(
        (pl.col("indicator_id") == ind.id)
        & (pl.col("breakdown") == dimension)
        & (pl.col("quarter") == quarter)
    )
    comp_col = "wales" if nation == "wales" else "england"
    comp_name = COMPARATOR_NAMES[comp_col]
    code = ind.format
    local = rows.select("category", "value").with_columns(
        series=pl.lit(council_name), shown=_shown(code)
    )
    comp = (
        rows.filter(pl.col(comp_col).is_not_null())
        .select("category", value=pl.col(comp_col))
        .with_columns(series=pl.lit(comp_name), shown=_comparator_shown(code))
    )
    data = pl.concat([local, comp.select(local.columns)])
    cats = order or local["category"].to_list()
    names = [council_name, comp_name] if comp.height else [council_name]
    unit = AXIS_TITLES[ind.unit]
    title = f"{ind.title_for(nation)}, {periods.Quarter.parse(quarter).label_long}"
    parts = [f"{r['category']} {r['shown']}" for r in local.iter_rows(named=True)]
    description = f"Bar chart of {title} for {council_name}: {', '.join(parts)}."
    if comp.height:
        description += (
            f" {comp_name}: "
            + ", ".join(
                f"{r['category']} {r['shown']}" for r in comp.iter_rows(named=True)
            )
            + "."
        )
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(
                "category:N",
                sort=cats,
                # DfE group names are long: never cut. The heading above the chart names
                # the breakdown, so the axis needs no title of its own to crowd the labels.
                axis=alt.Axis(labelLimit=480, title=None),
            ),
            yOffset=alt.YOffset("series:N", sort=names),
            x=alt.X("value:Q", title=unit),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(
                    domain=names, range=[COUNCIL_COLOUR, ENGLAND_COLOUR][: len(names)]
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            opacity=alt.Opacity(
                "series:N",
                scale=alt.Scale(domain=names, range=[1.0, 0.75][: len(names)]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("shown:N", title="Value"),
            ],
        )
        .properties(title=title, description=description)
    )
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=3, fontSize=11)
        .encode(
            y=alt.Y("category:N", sort=cats),
            yOffset=alt.YOffset("series:N", sort=names),
            x="value:Q",
            text="shown:N",
        )
    )
    return cast(
        alt.LayerChart,
        alt.layer(chart, labels).properties(title=title, description=description),
    )


def _count_title(ind: indicators.Indicator) -> str:
    if ind.unit in ("percent", "rate_per_10k", "count"):
        return "Number"
    return AXIS_TITLES[ind.unit]


def _palette(n: int) -> list[str]:
    return [CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i in range(n)]


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as PNG, rendered from the same Vega-Lite spec (vl-convert)."""
    return bytes(vlc.vegalite_to_png(chart.to_json(), scale=scale))


def to_svg(chart: alt.TopLevelMixin) -> str:
    return str(vlc.vegalite_to_svg(chart.to_json()))


SPC_KIND_COLOURS = {
    "Common cause": COUNCIL_COLOUR,
    "Special cause: improvement": "#01665e",  # teal, 6.9:1
    "Special cause: concern": "#b35806",  # burnt orange, 4.9:1
    "Special cause: neither": NEIGHBOURS_COLOUR,
}
SPC_KIND_SHAPES = {
    "Common cause": "circle",
    "Special cause: improvement": "triangle-up",
    "Special cause: concern": "diamond",
    "Special cause: neither": "square",
}


def _point_kind(flags: tuple[spc.Flag, ...], polarity: str) -> str:
    if not flags:
        return "Common cause"
    side = flags[0].side
    if polarity == "neutral":
        return "Special cause: neither"
    good = "high" if polarity == "higher_is_better" else "low"
    return "Special cause: improvement" if side == good else "Special cause: concern"


def spc_chart(
    ind: indicators.Indicator,
    result: spc.SpcResult,
    nation: str = "england",
) -> alt.LayerChart:
    """XmR chart: the values, their mean, the process limits, and special-cause points marked
    by shape and named in the legend and tooltips (not by colour alone)."""
    ref = ind.spc_series
    code = ind.series_format(ref)
    rows = [
        {
            "period": p.period,
            "value": p.value,
            "shown": formatting.fmt(p.value, code),
            "kind": _point_kind(p.flags, ind.polarity),
            "rules": ", ".join(f.rule.replace("_", " ") for f in p.flags) or "none",
        }
        for p in result.points
        if p.value is not None and p.in_segment
    ]
    data = pl.DataFrame(
        rows,
        schema={"period": pl.String, "value": pl.Float64, "shown": pl.String,
                "kind": pl.String, "rules": pl.String},
    )  # fmt: skip
    periods_ = data["period"].to_list()
    x = alt.X("period:O", title=_period_title(ref), sort=periods_,
              axis=alt.Axis(labelAngle=-40))  # fmt: skip
    y = alt.Y(
        "value:Q", title=AXIS_TITLES[ind.series_unit(ref)], scale=alt.Scale(zero=False)
    )
    kinds = list(SPC_KIND_COLOURS)
    layers: list[alt.Chart] = [
        alt.Chart(data).mark_line(color=COUNCIL_COLOUR, strokeWidth=2).encode(x=x, y=y),
        alt.Chart(data)
        .mark_point(filled=True, size=80, opacity=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=list(SPC_KIND_COLOURS.values())),
                legend=alt.Legend(orient="bottom", columns=2),
            ),
            shape=alt.Shape(
                "kind:N",
                scale=alt.Scale(domain=kinds, range=list(SPC_KIND_SHAPES.values())),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("shown:N", title="Value"),
                alt.Tooltip("kind:N", title="Variation"),
                alt.Tooltip("rules:N", title="Rules"),
            ],
        ),
    ]
    lines = []
    if result.mean is not None:
        lines.append(("Mean", result.mean, [1, 0]))
    if result.display_upper is not None and result.display_lower is not None:
        lines += [
            ("Upper process limit", result.display_upper, [6, 4]),
            ("Lower process limit", result.display_lower, [6, 4]),
        ]
    if lines:
        ref_data = pl.DataFrame(
            {
                "line": [n for n, _, _ in lines],
                "value": [v for _, v, _ in lines],
                "shown": [formatting.fmt(v, code) for _, v, _ in lines],
            }
        )
        layers.append(
            alt.Chart(ref_data)
            .mark_rule(color=ENGLAND_COLOUR, strokeWidth=1.5)
            .encode(
                y="value:Q",
                strokeDash=alt.StrokeDash(
                    "line:N",
                    scale=alt.Scale(
                        domain=[n for n, _, _ in lines], range=[d for _, _, d in lines]
                    ),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                tooltip=[
                    alt.Tooltip("line:N", title="Line"),
                    alt.Tooltip("shown:N", title="Value"),
                ],
            )
        )
    title = f"{ind.title_for(nation)}: variation (XmR chart)"
    chart = alt.layer(*layers).properties(
        title=title,
        description=describe_spc(ind, result, nation, code),
        height=300,
        width=WIDTH,
    )
    return cast(alt.LayerChart, chart)


def _period_title(ref: str) -> str:
    return "Month" if ref == "month" else QUARTER_AXIS


def describe_spc(
    ind: indicators.Indicator, result: spc.SpcResult, nation: str, code: str
) -> str:
    title = ind.title_for(nation)
    if result.mean is None or result.upper_limit is None:
        return f"XmR chart of {title}: {result.label}."
    return (
        f"XmR chart of {title}, {result.n} points since {result.since}: mean "
        f"{formatting.fmt(result.mean, code)}, process limits "
        f"{formatting.fmt(result.display_lower, code)} to "
        f"{formatting.fmt(result.display_upper, code)}. Latest point: {result.label}."
    )
