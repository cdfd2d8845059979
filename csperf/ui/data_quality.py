"""The Data quality page's parts: the quarter's issues with filters and a CSV download, what each
table covers, and each indicator's coverage."""

from __future__ import annotations

import duckdb
import polars as pl
import streamlit as st

from csperf import data_quality, periods, safe_export


def issues(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> None:
    st.subheader("Validation issues")
    frame = data_quality.issues(con, quarter)
    if frame.height == 0:
        st.success(f"No validation issues were recorded for {quarter.label_long}.")
        return
    counts = frame.group_by("severity").len().sort("severity")
    st.write(
        ", ".join(f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in counts.iter_rows())
    )
    cols = st.columns(3)
    severities = cols[0].multiselect(
        "Severity",
        ["error", "warning", "info"],
        default=["error", "warning", "info"],
        key="dq_severity",
    )
    codes = cols[1].multiselect(
        "Rule", sorted(frame["code"].unique().to_list()), key="dq_code"
    )
    files = cols[2].multiselect(
        "File",
        sorted(f for f in frame["file"].unique().to_list() if f is not None),
        key="dq_file",
    )
    shown = frame.filter(pl.col("severity").is_in(severities))
    if codes:
        shown = shown.filter(pl.col("code").is_in(codes))
    if files:
        shown = shown.filter(pl.col("file").is_in(files))
    st.caption(f"{shown.height} of {frame.height} issues shown.")
    st.dataframe(shown, hide_index=True, width="stretch", key="dq_issues")
    st.download_button(
        "Download these issues (CSV)",
        data=safe_export.csv_bytes(shown),
        file_name=f"validation_issues_{quarter}.csv",
        mime="text/csv",
        on_click="ignore",
    )


def coverage(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, nation: str
) -> None:
    st.subheader("What the data cover")
    tables = data_quality.tables(con, quarter)
    if tables.height:
        st.dataframe(tables, hide_index=True, width="stretch", key="dq_tables")
    st.subheader("Indicator coverage")
    frame = data_quality.indicator_coverage(con, quarter, nation)
    gaps = frame.filter(pl.col("Coverage") != "Covered")
    st.write(
        f"{frame.height - gaps.height} of {frame.height} indicators are covered in full."
    )
    only_gaps = st.toggle("Only indicators not fully covered", key="dq_gaps")
    st.dataframe(
        (gaps if only_gaps else frame).drop("id"),
        hide_index=True,
        width="stretch",
        key="dq_coverage",
    )
