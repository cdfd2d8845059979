"""Shared widgets: the quarter and indicator pickers, the overview rows, the indicator body."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
import streamlit as st

from csperf import indicators, overrides, overview, periods
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


def pick_indicator(
    nation: str, available: list[indicators.Indicator]
) -> indicators.Indicator:
    """?id= from Overview's links, else a selectbox (kept in the URL for deep links)."""
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
    return next(i for i in available if i.id == chosen)


def change_text(change: overview.Change | None) -> str:
    if change is None:
        return "No earlier figure to compare"
    judgement = JUDGEMENT_WORDS[change.judgement]
    tail = f" ({judgement})" if judgement else ""
    return f"{ARROWS[change.direction]} {change.text} on {change.since}{tail}"


SPC_SYMBOLS = {"improvement": "↑", "concern": "⚠", "neither": "◆", "common": "●"}


def spc_text(row: overview.HeadlineRow) -> str:
    """The SPC label with a symbol; the words carry the meaning, the symbol only helps scanning."""
    if not row.variation:
        return f":gray[{row.spc_label}]" if row.spc_label else ""
    kind = row.variation.split("_")[0]
    text = f"{SPC_SYMBOLS.get(kind, '')} {row.spc_label}".strip()
    return f":orange[{text}]" if kind == "concern" else text


def overview_rows(
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    nation: str,
    chosen: overrides.Overrides | None = None,
    inds: list[indicators.Indicator] | None = None,
    analysis: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Every indicator of the quarter grouped by theme: value, change, SPC, benchmarks, target;
    filtered by theme and by 'needs attention'."""
    rows = overview.headline_rows(stored, quarter, nation, chosen, inds, analysis)
    themes = ["All themes", *indicators.THEME_TITLES.values()]
    cols = st.columns([2, 2, 3])
    theme = cols[0].selectbox("Theme", themes, key="overview_theme")
    only = cols[1].toggle("Only those needing attention", key="overview_attention")
    flagged = sum(1 for r in rows if r.needs_attention)
    cols[2].markdown(
        f"{len(rows)} indicators; **{flagged}** need attention (a concern signal, a target "
        "missed, or worse than the national figure)."
    )
    for code, title in indicators.THEME_TITLES.items():
        if theme not in ("All themes", title):
            continue
        in_theme = [
            r for r in rows
            if r.indicator.theme == code and (r.needs_attention or not only)
        ]  # fmt: skip
        if not in_theme:
            continue
        st.subheader(title)
        widths = [4, 2.4, 3, 3, 3.6, 2.6]
        head = st.columns(widths)
        for col, text in zip(
            head,
            ["Indicator", "Value", "Change", "Variation (SPC)", "Benchmarks", "Target"],
            strict=True,
        ):
            col.caption(text)
        for r in in_theme:
            cols = st.columns(widths, vertical_alignment="top")
            cols[0].page_link(
                "pages/indicator.py",
                label=r.title,
                query_params={"id": r.indicator.id},
                width="stretch",
            )
            if r.needs_attention:
                cols[0].markdown(
                    f":orange[⚠ Needs attention: {'; '.join(r.attention)}]"
                )
            cols[1].markdown(f"**{r.value_text}**  \n:gray[{r.window_short}]")
            cols[2].markdown(change_text(r.change))
            cols[3].markdown(spc_text(r))
            bench = [r.england_text]
            if r.national_position:
                bench.append(r.national_position)
            if r.neighbours_text:
                bench.append(r.neighbours_text)
            cols[4].markdown("  \n".join(bench))
            cols[5].markdown(r.target_text or ":gray[No target]")
