"""Indicator: one generic page for every indicator (trend, data table, definition)."""

import streamlit as st

from csperf.ui import data, page, widgets

con = page.setup("Indicator")
name, nation = data.council(con)
quarter = widgets.pick_quarter(con)
indicator = widgets.pick_indicator(nation)
if quarter is None:
    st.stop()
widgets.indicator_body(indicator, data.stored_values(con), quarter, name, nation)
