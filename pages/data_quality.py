"""Data quality: the validation issues of each loaded quarter and each indicator's coverage."""

from csperf.ui import data, data_quality, page, widgets

con = page.setup("Data quality")
_, nation = data.council(con)
quarter = widgets.pick_quarter(con)
if quarter is not None:
    data_quality.issues(con, quarter)
    data_quality.coverage(con, quarter, nation)
