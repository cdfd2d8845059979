"""Commentary: review the drafted paragraph of every indicator and the overall summary."""

import streamlit as st

from csperf import charts
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
inds = {i.id: i for i in data.indicators_for(con, nation)}
titles = commentary.titles(list(inds.values()), nation)
stored = data.stored_values(con)
upto = stored.filter(stored["quarter"].is_in([str(q) for q in data.loaded_quarters(con)
                                               if q <= quarter]))  # fmt: skip


def chart(indicator_id: str):  # type: ignore[no-untyped-def]
    ind = inds.get(indicator_id)
    single = ind is not None and (
        ind.headline in ("all", "month") or ind.headline.startswith("measure:")
    )
    return charts.trend(ind, upto, name, nation) if ind is not None and single else None


commentary.message()
for paragraph in commentary.shown(paragraphs, chosen):
    commentary.paragraph(paragraph, titles, chart)
