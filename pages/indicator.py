"""Indicator: one generic page for every indicator (trend, variation, breakdowns, data, method)."""

import streamlit as st

from csperf.ui import data, indicator_view, page, widgets

con = page.setup("Indicator")
name, nation = data.council(con)
quarter = widgets.pick_quarter(con)
available = data.indicators_for(con, nation)
indicator = widgets.pick_indicator(nation, available)
if quarter is None:
    st.stop()
asked = indicator_view.show(
    indicator,
    data.stored_values(con),
    quarter,
    name,
    nation,
    data.choices(con),
    data.analysis(con),
    data.population_year(con, quarter),
)
if asked:
    data.accept_partial(con, indicator.id, quarter)
    st.rerun()
