"""Page setup every page calls first: page config, the database (demo on first start), sidebar."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import streamlit as st

from csperf import first_start, store

PAGES = [
    ("pages/upload.py", "Upload"),
    ("app.py", "Overview"),
    ("pages/indicator.py", "Indicator"),
    ("pages/commentary.py", "Commentary"),
    ("pages/report.py", "Report"),
    ("pages/data_quality.py", "Data quality"),
    ("pages/settings.py", "Settings"),
]
_FIRST_START = threading.Lock()


def db_path() -> Path:
    return Path(os.environ.get("CSPERF_DB", str(store.DEFAULT_DB)))


@st.cache_resource(show_spinner=False)
def _connection(path: str) -> duckdb.DuckDBPyConnection:
    return store.connect(Path(path))


def connection() -> duckdb.DuckDBPyConnection:
    """The process's one connection (writes go through it, under the write lock)."""
    try:
        return _connection(str(db_path()))
    except store.StoreError as exc:
        st.error(str(exc))
        st.stop()
        raise


WRITE_LOCK = threading.Lock()
# Page links wrap instead of cutting long indicator titles short (a literal style, no user text).
STYLE = """<style>
[data-testid="stPageLink-NavLink"] p { white-space: normal; overflow: visible; }
</style>"""


def _ensure_data(con: duckdb.DuckDBPyConnection) -> None:
    """First start: generate and load the fictional demo council, with visible progress."""
    if store.quarters(con):
        return
    with _FIRST_START, WRITE_LOCK:
        if store.quarters(con):
            return
        bar = st.progress(
            0.0, text="Setting up the fictional demo council (first start only)"
        )

        def show(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        first_start.install_demo(con, db_path().parent / "demo", progress=show)
        bar.empty()


def setup(title: str) -> duckdb.DuckDBPyConnection:
    """Page config, database and sidebar; returns a cursor for this rerun's reads."""
    st.set_page_config(page_title=f"{title} · csperf", layout="wide")
    st.markdown(STYLE, unsafe_allow_html=True)
    con = connection()
    _ensure_data(con)
    with st.sidebar:
        st.markdown("**csperf** · children's social care performance")
        for path, label in PAGES:
            st.page_link(path, label=label)
        name = store.get_setting(con, "council.name", "No council loaded")
        code = store.get_setting(con, "council.code", "")
        st.caption(f"{name} · {code}" if code else name)
        if str(code) in ("999", "W06999999"):
            st.caption("Demonstration data: a fictional council, not real children.")
    st.title(title)
    return con.cursor()
