"""Commentary: review the drafted paragraph of every indicator and the overall summary."""

import streamlit as st

from csperf.ui import commentary, data, page, widgets

con = page.setup("Commentary")
name, nation = data.council(con)
quarter = widgets.pick_quarter(con)
if quarter is None:
    st.stop()
st.caption(
    f"{name}: {quarter.label_long}. Each paragraph is drafted from the quarter's figures. "
    "Accept it, edit it, or regenerate it; a reviewed paragraph whose figures change later "
    "is marked stale and keeps your text until you review it again."
)
paragraphs = commentary.paragraphs(con, quarter)
commentary.progress(paragraphs)
chosen = commentary.status_filter(paragraphs)
titles = commentary.titles(data.indicators_for(con, nation), nation)
commentary.message()
for paragraph in commentary.shown(paragraphs, chosen):
    commentary.paragraph(paragraph, titles)
