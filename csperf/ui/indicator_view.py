"""The Indicator page's body: headline figures, trend with benchmarks and target, SPC view,
breakdown charts, the data table, the method note and caveats, and downloads."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from csperf import (
    category_labels,
    charts,
    formatting,
    indicator_spc,
    indicators,
    method_notes,
    overrides,
    overview,
    periods,
    safe_export,
)
from csperf.ui import widgets

CHART_HEIGHT = 420


def show(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    council_name: str,
    nation: str,
    chosen: overrides.Overrides | None = None,
    analysis: dict[str, dict[str, Any]] | None = None,
    population_year: int | None = None,
) -> bool:
    """Draw the indicator; True when the analyst asked for a labelled partial figure."""
    upto = stored.filter(
        pl.col("quarter").map_elements(
            lambda q: periods.Quarter.parse(q) <= quarter, return_dtype=pl.Boolean
        )
    )
    st.header(ind.title_for(nation))
    [row] = overview.headline_rows(upto, quarter, nation, chosen, [ind], analysis)
    accept = _headline(row)
    mine = upto.filter(pl.col("indicator_id") == ind.id)
    now = mine.filter(pl.col("quarter") == str(quarter))
    flags = sorted({f for fl in now["flags"].to_list() if fl for f in fl})
    notes = sorted(
        {
            f"{category_labels.label(r['breakdown'], r['category'])}: {r['comparator_note']}"
            if r["breakdown"] not in ("all", "measure", "month")
            else r["comparator_note"]
            for r in now.iter_rows(named=True)
            if r["comparator_note"]
        }
    )
    for caveat in method_notes.caveats(
        flags, population_year, "; ".join(notes) or None
    ):
        st.caption(caveat)

    single = ind.headline in ("all", "month") or ind.headline.startswith("measure:")
    if single:  # a distribution is shown by its breakdown charts below
        trend = charts.trend(ind, upto, council_name, nation)
        st.altair_chart(trend, width="stretch", height=CHART_HEIGHT)
        _downloads(trend, f"{ind.id}_trend", "trend")
        for bench in ind.benchmarks:
            if bench.series != ind.headline and bench.series.startswith("measure:"):
                st.altair_chart(
                    charts.trend(ind, upto, council_name, nation, bench.series),
                    width="stretch",
                    height=CHART_HEIGHT,
                )
        _spc(ind, upto, quarter, row, analysis, nation)
    _breakdowns(ind, upto, quarter, council_name, nation)
    if st.toggle("Show the data table", key="show_table", value=False):
        shown = table(ind, upto)
        st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "Download the data (CSV)",
        data=safe_export.csv_bytes(table(ind, upto)),
        file_name=f"{ind.id}.csv",
        mime="text/csv",
        on_click="ignore",
        key="download_data",
    )
    with st.expander("Method note", expanded=False):
        for heading, text in method_notes.note(ind, nation):
            st.markdown(f"**{heading}.** {text}")
    return accept


def _headline(row: overview.HeadlineRow) -> bool:
    cols = st.columns([3, 3, 3, 3])
    label = row.window_short[:1].upper() + row.window_short[1:]
    if len(row.value_text) > 12:  # a distribution's headline: words, not one number
        cols[0].markdown(f"**{label}**  \n{row.value_text}")
    else:
        cols[0].metric(label, row.value_text)
    cols[1].markdown(f"**Change**  \n{widgets.change_text(row.change)}")
    bench = [
        row.england_text,
        *(t for t in (row.national_position, row.neighbours_text) if t),
    ]
    cols[2].markdown("**Benchmarks**  \n" + "  \n".join(bench))
    cols[3].markdown(
        f"**Variation**  \n{widgets.spc_text(row)}"
        + (f"  \n{row.target_text}" if row.target_text else "")
        + (f"  \n{row.assurance}" if row.assurance else "")
    )
    if row.needs_attention:
        st.warning(f"Needs attention: {'; '.join(row.attention)}.")
    accept = False
    if row.status != "ok":
        st.info(f"No figure for this quarter: {row.status}. {row.reason}".strip())
        if row.status == "partial coverage":
            accept = st.button(
                "Show a partial figure, labelled as such",
                help="The figure is computed from the data loaded and marked as partial "
                "wherever it appears.",
            )
    elif row.reason:
        st.warning(row.reason)
    return accept


def _spc(
    ind: indicators.Indicator,
    upto: pl.DataFrame,
    quarter: periods.Quarter,
    row: overview.HeadlineRow,
    analysis: dict[str, dict[str, Any]] | None,
    nation: str,
) -> None:
    target = None
    now = upto.filter(
        (pl.col("indicator_id") == ind.id)
        & (pl.col("quarter") == str(quarter))
        & pl.col("target").is_not_null()
    )
    if now.height:
        target = now["target"][0]
    result = indicator_spc.analyse(ind, upto, quarter, target, analysis)
    st.subheader("Variation over time")
    if result.mean is None:
        st.caption(f"{result.label}.")
        return
    chart = charts.spc_chart(ind, result, nation)
    st.altair_chart(chart, width="stretch", height=CHART_HEIGHT)
    st.caption(result.method_note)


def _breakdowns(
    ind: indicators.Indicator,
    upto: pl.DataFrame,
    quarter: periods.Quarter,
    council_name: str,
    nation: str,
) -> None:
    mine = upto.filter(pl.col("indicator_id") == ind.id)
    for dimension in ind.breakdowns:
        if dimension in ("month", "measure"):
            continue
        rows = mine.filter(pl.col("breakdown") == dimension)
        if rows.height == 0:
            continue
        order = category_labels.order(dimension) or None
        codes = rows["category"].unique().to_list()
        labels = {c: category_labels.label(dimension, c) for c in codes}
        labelled = rows.with_columns(
            category=pl.col("category").replace_strict(labels, return_dtype=pl.String)
        )
        label_order = (
            [category_labels.label(dimension, c) for c in order] if order else None
        )
        compared = rows.filter(
            (pl.col("quarter") == str(quarter))
            & (pl.col("england").is_not_null() | pl.col("wales").is_not_null())
        )
        st.subheader(f"By {dimension.replace('_', ' ')}")
        if compared.height:
            chart: alt.Chart | alt.LayerChart = charts.distribution(
                ind,
                labelled,
                str(quarter),
                dimension,
                council_name,
                nation,
                label_order,
            )
        else:
            chart = charts.breakdown_trend(
                ind, labelled, dimension, nation, label_order
            )
        st.altair_chart(chart, width="stretch", height=CHART_HEIGHT)
        if compared.height:
            _downloads(chart, f"{ind.id}_{dimension}", dimension)


def _downloads(chart: alt.TopLevelMixin, stem: str, key: str) -> None:
    cols = st.columns([1, 1, 4])
    cols[0].download_button(
        "Chart (PNG)",
        data=lambda: charts.to_png(chart),
        file_name=f"{stem}.png",
        mime="image/png",
        on_click="ignore",
        key=f"png_{key}",
    )
    cols[1].download_button(
        "Chart (SVG)",
        data=lambda: charts.to_svg(chart),
        file_name=f"{stem}.svg",
        mime="image/svg+xml",
        on_click="ignore",
        key=f"svg_{key}",
    )


def table(ind: indicators.Indicator, stored: pl.DataFrame) -> pl.DataFrame:
    """The indicator's rows as displayed: every series, every loaded quarter."""
    rows = stored.filter(pl.col("indicator_id") == ind.id)

    def series_of(b: str, c: str) -> str:
        return f"measure:{c}" if b == "measure" else "all"

    out = []
    for r in rows.iter_rows(named=True):
        code = ind.series_format(series_of(r["breakdown"], r["category"]))
        series = (
            "All"
            if r["breakdown"] == "all"
            else f"{r['breakdown'].replace('_', ' ')}: "
            f"{category_labels.label(r['breakdown'], r['category'])}"
        )
        out.append(
            {
                "Quarter": r["quarter"],
                "Series": series,
                "Value": formatting.fmt(r["value"], code)
                if r["value"] is not None
                else "",
                "Numerator": r["numerator"],
                "Denominator": r["denominator"],
                "England": r["england"],
                "Region": r["region"],
                "Statistical neighbours (median)": r["sn_median"],
                "Wales": r["wales"],
                "Target": r["target"],
                "Status": r["status"],
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "Quarter": pl.String, "Series": pl.String, "Value": pl.String,
            "Numerator": pl.Float64, "Denominator": pl.Float64, "England": pl.Float64,
            "Region": pl.Float64, "Statistical neighbours (median)": pl.Float64,
            "Wales": pl.Float64, "Target": pl.Float64, "Status": pl.String,
        },
    )  # fmt: skip
