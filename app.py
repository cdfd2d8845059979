"""Overview: every indicator of the chosen quarter at a glance."""

import streamlit as st

from csperf.ui import data, page, widgets

con = page.setup("Overview")
name, nation = data.council(con)
quarter = widgets.pick_quarter(con)
if quarter is not None:
    st.caption(
        f"{name}: {quarter.label_long}. Changes compare with the previous quarter for quarterly "
        "and quarter-end figures, and with the same quarter last year for 12-month and "
        "year-to-date figures. England: the latest published figure for a period ending by "
        "the quarter end."
    )
    widgets.overview_rows(
        data.stored_values(con),
        quarter,
        nation,
        data.choices(con),
        data.indicators_for(con, nation),
        data.analysis(con),
    )
