"""Indicator: one generic page for every indicator (trend, data table, definition)."""

import streamlit as st

from csperf.ui import data, page, widgets

con = page.setup("Indicator")
name, nation = data.council(con)
quarter = widgets.pick_quarter(con)
indicator = widgets.pick_indicator(nation)
if quarter is None:
    st.stop()
stored = data.stored_values(con)
if widgets.indicator_body(indicator, stored, quarter, name, nation, data.choices(con)):
    data.accept_partial(con, indicator.id, quarter)
    st.rerun()
