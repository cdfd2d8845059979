"""Report: meeting details, cover-report fields, indicators, and the committee pack download."""

from csperf.ui import page, report, widgets

con = page.setup("Report")
quarter = widgets.pick_quarter(con)
if quarter is not None:
    settings = report.form(con)
    allow_draft = report.commentary_check(con, quarter)
    if allow_draft is not None:
        report.download(con, quarter, settings, allow_draft)
