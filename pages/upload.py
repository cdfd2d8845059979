"""Upload: recognise, validate and load a quarter's files."""

import streamlit as st

from csperf.ui import page, upload

con = page.setup("Upload")
quarter = upload.pick_target_quarter()
files = st.file_uploader(
    "Files for the quarter: Annex A workbook, SSDA903 CSV or XML, CIN census XML, csperf CSVs, "
    "local measures",
    type=["csv", "xlsx", "xml"],
    accept_multiple_files=True,
    key=upload.UPLOADER_KEY,
)
if files:
    result = upload.read(files, quarter, page.connection())
    upload.show(result)
    upload.offer_load(page.connection(), result)
upload.templates_download()
