"""Shared widgets: the quarter and indicator pickers, the overview rows, the indicator body."""

from __future__ import annotations

import duckdb
import polars as pl
import streamlit as st

from csperf import charts, formatting, indicators, overrides, overview, periods
from csperf.ui import data

QUARTER_KEY = "quarter"
INDICATOR_KEY = "indicator"
ARROWS = {"up": "▲", "down": "▼", "same": "▬"}
JUDGEMENT_WORDS = {"better": "better", "worse": "worse", "neutral": ""}


def pick_quarter(con: duckdb.DuckDBPyConnection) -> periods.Quarter | None:
    """Keyed selectbox of loaded quarters, latest first; shared by every page."""
    loaded = data.loaded_quarters(con)
    if not loaded:
        st.info("No quarter is loaded yet. Use Upload to load a quarter's files.")
        return None
    options = [str(q) for q in reversed(loaded)]
    current = st.session_state.get(QUARTER_KEY)
    if current not in options:
        st.session_state[QUARTER_KEY] = options[0]
    choice = st.selectbox(
        "Quarter",
        options,
        key=QUARTER_KEY,
        format_func=lambda q: periods.Quarter.parse(q).label_long,
    )
    return periods.Quarter.parse(choice)


def pick_indicator(nation: str) -> indicators.Indicator:
    """?id= from Overview's links, else a selectbox (kept in the URL for deep links)."""
    available = indicators.for_nation(nation)
    ids = [i.id for i in available]
    wanted = st.query_params.get("id")
    if wanted in ids and st.session_state.get(INDICATOR_KEY) != wanted:
        st.session_state[INDICATOR_KEY] = wanted
    if st.session_state.get(INDICATOR_KEY) not in ids:
        st.session_state[INDICATOR_KEY] = ids[0]
    titles = {i.id: i.title_for(nation) for i in available}
    chosen = st.selectbox(
        "Indicator", ids, key=INDICATOR_KEY, format_func=lambda i: titles[i]
    )
    st.query_params["id"] = chosen
    return indicators.registry()[chosen]


def change_text(change: overview.Change | None) -> str:
    if change is None:
        return "No earlier figure to compare"
    judgement = JUDGEMENT_WORDS[change.judgement]
    tail = f" ({judgement})" if judgement else ""
    return f"{ARROWS[change.direction]} {change.text} on {change.since}{tail}"


def overview_rows(
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    nation: str,
    chosen: overrides.Overrides | None = None,
) -> None:
    """Every indicator of the quarter grouped by theme: value, change, England."""
    rows = overview.headline_rows(stored, quarter, nation, chosen)
    for theme, title in indicators.THEME_TITLES.items():
        in_theme = [r for r in rows if r.indicator.theme == theme]
        if not in_theme:
            continue
        st.subheader(title)
        head = st.columns([4, 3, 4, 3])
        for col, text in zip(
            head, ["Indicator", "Value", "Change", "England"], strict=True
        ):
            col.caption(text)
        for r in in_theme:
            cols = st.columns([4, 3, 4, 3], vertical_alignment="center")
            cols[0].page_link(
                "pages/indicator.py",
                label=r.title,
                query_params={"id": r.indicator.id},
                width="stretch",
            )
            cols[1].markdown(f"**{r.value_text}**  \n:gray[{r.window}]")
            cols[2].markdown(change_text(r.change))
            cols[3].markdown(r.england_text)


def indicator_body(
    ind: indicators.Indicator,
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    council_name: str,
    nation: str,
    chosen: overrides.Overrides | None = None,
) -> bool:
    """Trend chart over the loaded quarters up to the chosen one, data table, definition."""
    upto = stored.filter(
        pl.col("quarter").map_elements(
            lambda q: periods.Quarter.parse(q) <= quarter, return_dtype=pl.Boolean
        )
    )
    st.header(ind.title_for(nation))
    row = next(
        r
        for r in overview.headline_rows(upto, quarter, nation, chosen)
        if r.indicator.id == ind.id
    )
    cols = st.columns(3)
    cols[0].metric(row.window[:1].upper() + row.window[1:], row.value_text)
    cols[1].markdown(f"**Change**  \n{change_text(row.change)}")
    cols[2].markdown(f"**England**  \n{row.england_text}")
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
    chart = charts.trend(ind, upto, council_name, nation)
    st.altair_chart(chart, width="stretch", height=380)
    for bench in ind.benchmarks:
        if bench.series != ind.headline and bench.series.startswith("measure:"):
            st.altair_chart(
                charts.trend(ind, upto, council_name, nation, bench.series),
                width="stretch",
                height=380,
            )
    if st.toggle("Show the data table", key="show_table", value=True):
        st.dataframe(table(ind, upto), hide_index=True, width="stretch")
    st.markdown("**Definition**")
    st.markdown(ind.definition)
    return accept


def table(ind: indicators.Indicator, stored: pl.DataFrame) -> pl.DataFrame:
    """The indicator's rows as displayed: every series, every loaded quarter."""
    rows = stored.filter(pl.col("indicator_id") == ind.id)

    def shown(col: str, code_col: str = "code") -> pl.Expr:
        return pl.struct(col, code_col).map_elements(
            lambda s: formatting.fmt(s[col], s[code_col]) if s[col] is not None else "",
            return_dtype=pl.String,
        )

    codes = rows.with_columns(
        code=pl.struct("breakdown", "category").map_elements(
            lambda s: ind.series_format(
                f"measure:{s['category']}" if s["breakdown"] == "measure" else "all"
            ),
            return_dtype=pl.String,
        )
    )
    return codes.select(
        Quarter=pl.col("quarter"),
        Series=pl.when(pl.col("breakdown") == "all")
        .then(pl.lit("All"))
        .otherwise(pl.col("breakdown") + ": " + pl.col("category")),
        Value=shown("value"),
        Numerator=pl.col("numerator"),
        Denominator=pl.col("denominator"),
        England=pl.col("england"),
        Region=pl.col("region"),
        **{"Statistical neighbours (median)": pl.col("sn_median")},
        Status=pl.col("status"),
    )
