"""The Upload page's parts: target quarter, recognition summary, issues, confirmation, load."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import duckdb
import polars as pl
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from csperf import benchmarks, ingest, periods, schemas, store, upload_preview, validate
from csperf.formats import canonical, local_measures
from csperf.ui import page
from csperf.validate import issues_frame

UPLOADER_KEY = "upload_files"
TARGET_KEY = "upload_quarter"
CONFIRM_KEY = "upload_confirm"


def pick_target_quarter() -> periods.Quarter:
    """The quarter the files are for: the last complete quarter by default."""
    latest = periods.Quarter.containing(dt.date.today()).previous
    options = [str(latest.shift(-i)) for i in range(16)]
    choice = st.selectbox(
        "Quarter these files are for",
        options,
        key=TARGET_KEY,
        format_func=lambda q: periods.Quarter.parse(q).label_long,
    )
    return periods.Quarter.parse(choice)


def read(
    files: list[st.runtime.uploaded_file_manager.UploadedFile],
    quarter: periods.Quarter,
    con: duckdb.DuckDBPyConnection,
) -> ingest.Upload:
    """Parse in memory; nothing is written to disk."""
    code = store.get_setting(con, "council.code")
    return ingest.read(
        [(f.name, f.getvalue()) for f in files],
        quarter,
        str(code) if code else None,
        held=ingest.held_children(con, quarter),
    )


def show(result: ingest.Upload) -> None:
    st.subheader("What was recognised")
    st.dataframe(
        result.summary(), hide_index=True, width="stretch", key="upload_summary"
    )
    issues = issues_frame(result.issues)
    st.subheader("Validation")
    if issues.height == 0:
        st.success("No problems found.")
        return
    counts = issues.group_by("severity").len()
    st.write(
        ", ".join(
            f"{n} {sev}{'s' if n != 1 else ''}"
            for sev, n in counts.sort("severity").iter_rows()
        )
    )
    severities = st.multiselect(
        "Show",
        ["error", "warning", "info"],
        default=["error", "warning", "info"],
        key="issue_filter",
    )
    shown = issues.filter(pl.col("severity").is_in(severities))
    st.caption("Grouped by rule and column; the first 20 rows of each are listed.")
    st.dataframe(validate.grouped(shown), hide_index=True, width="stretch")
    with st.expander(f"Every issue ({shown.height})"):
        st.dataframe(
            shown.select(validate.DISPLAY_ORDER), hide_index=True, width="stretch"
        )
    st.download_button(
        "Download the issues (CSV)",
        data=safe_csv(shown),
        file_name="validation_issues.csv",
        mime="text/csv",
        on_click="ignore",
    )


def safe_csv(frame: pl.DataFrame) -> bytes:
    """CSV with formula-like text cells escaped (a leading quote), for spreadsheet safety."""
    text = [c for c in frame.columns if frame.schema[c] == pl.String]
    escaped = frame.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r\n]"))
        .then("'" + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )
    return escaped.write_csv().encode()


def offer_load(con: duckdb.DuckDBPyConnection, result: ingest.Upload) -> None:
    if result.blocked:
        st.error(
            "Some files have errors, so nothing can be loaded. Fix or remove them and upload again."
        )
        return
    if not result.loads:
        return
    code = store.get_setting(con, "council.code")
    if code is None:
        code = st.text_input(
            "Council code (DfE LA code, e.g. 885, or ONS code)", key="council_code"
        )
        if not code:
            return
    replaced = store.replacements(con, result.quarter, result.loads)
    st.subheader(f"Load {result.quarter.label_long}")
    st.write(
        "Loading replaces these tables of the quarter (other formats and quarters are untouched):"
    )
    st.dataframe(
        pl.DataFrame(
            {
                "table": [r.table for r in replaced],
                "format": [r.source_format for r in replaced],
                "rows now": [r.current_rows for r in replaced],
                "rows after": [
                    sum(
                        t.frame.height
                        for t in result.loads
                        if t.table == r.table and t.source_format == r.source_format
                    )
                    for r in replaced
                ],
            }
        ),
        hide_index=True,
        key="upload_replacements",
    )
    show_coverage(con, result, str(code))
    confirmed = st.checkbox("I understand these rows will be replaced", key=CONFIRM_KEY)
    if st.button(
        "Load quarter", type="primary", disabled=not confirmed, key="load_quarter"
    ):
        bar = st.progress(0.0, text="Loading")
        try:
            with page.WRITE_LOCK:
                ingest.load(con, str(code), result, progress=_progress(bar))
        except ingest.LoadRefusedError as exc:
            st.error(str(exc))
            return
        st.success(f"Loaded {result.quarter.label_long}. The Overview now shows it.")
        gaps = ingest.coverage_gaps(con, result.quarter)
        if gaps:
            st.warning(
                "These indicators cannot be computed from the quarter's data:\n\n"
                + "\n".join(f"- {g}" for g in gaps)
            )
        st.page_link("app.py", label="Go to the Overview")


def _nation(con: duckdb.DuckDBPyConnection, code: str) -> str:
    nation = store.get_setting(con, "council.nation")
    if nation:
        return str(nation)
    try:
        return benchmarks.council(code).nation
    except benchmarks.UnknownCouncilError:
        return "england"


def show_coverage(
    con: duckdb.DuckDBPyConnection, result: ingest.Upload, code: str
) -> None:
    """Before loading: the period each table would cover and the indicators it would not
    support (formats.md §D.4), from these files and what the quarter keeps."""
    kept = upload_preview.kept_parts(con, result.quarter, result)
    parts = upload_preview.parts(result, kept)
    st.markdown(f"**What {result.quarter.label_long} would cover after this load**")
    st.dataframe(
        upload_preview.periods_frame(parts),
        hide_index=True,
        width="stretch",
        key="upload_coverage",
    )
    gaps = upload_preview.unsupported(parts, result.quarter, _nation(con, code))
    if gaps.height == 0:
        st.caption("Every indicator would be covered.")
        return
    st.markdown(
        f"**{gaps.height} indicators the quarter would not fully support** "
        "(they are not computed unless you add files that cover them)"
    )
    st.dataframe(gaps, hide_index=True, width="stretch", key="upload_unsupported")


def _progress(bar: DeltaGenerator) -> ingest.Progress:
    def show(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    return show


def templates_zip() -> bytes:
    """Header-only csperf CSV templates, generated from the schema registry, plus a README."""
    out = io.BytesIO()
    lines = [
        "# csperf CSV templates",
        "",
        "One file per table; dates yyyy-mm-dd or dd/mm/yyyy; Y/N for yes/no.",
        "",
    ]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for table in canonical.template_tables():
            cols = canonical.template_columns(table)
            z.writestr(f"{table}.csv", ",".join(cols) + "\n")
            lines.append(f"## {table}.csv")
            for c in cols:
                col = schemas.TABLES[table].columns[c]
                need = "required" if col.required else "optional"
                codes = f", codes: {col.codes}" if col.codes else ""
                lines.append(f"- `{c}`: {col.type}, {need}{codes}")
            lines.append("")
        z.writestr(
            "local_measures.csv",
            ",".join(local_measures.COLUMNS) + "\n",
        )
        z.writestr("README.md", "\n".join(lines))
    return out.getvalue()


def templates_download() -> None:
    st.divider()
    st.download_button(
        "Download the csperf CSV templates (ZIP)",
        data=templates_zip,
        file_name="csperf_templates.zip",
        mime="application/zip",
        on_click="ignore",
    )
