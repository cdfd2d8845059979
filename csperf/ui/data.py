"""Cached reads of stored values: keyed by the data version, so a load refreshes them."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl
import streamlit as st

from csperf import (
    analysis_settings,
    benchmarks,
    council_measures,
    indicators,
    overrides,
    periods,
    store,
    values,
)


def version(con: duckdb.DuckDBPyConnection) -> str:
    """Changes whenever any quarter is loaded or recomputed."""
    row = store.first(con, "select count(*), max(loaded_at) from snapshot")
    return f"{row} {store.get_setting(con, values.COMPUTED_AT, '')}"


@st.cache_data(show_spinner=False, max_entries=32)
def _stored(
    _con: duckdb.DuckDBPyConnection, db: str, data_version: str
) -> pl.DataFrame:
    return values.read(_con)


def stored_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    from csperf.ui import page

    return _stored(con, str(page.db_path()), version(con))


def loaded_quarters(con: duckdb.DuckDBPyConnection) -> list[periods.Quarter]:
    return store.quarters(con)


def choices(con: duckdb.DuckDBPyConnection) -> overrides.Overrides:
    """The council's targets, polarity and accepted partial figures."""
    return overrides.read(con)


def analysis(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """The analysis settings in force (commentary.md §13)."""
    return analysis_settings.read(con)


def indicators_for(
    con: duckdb.DuckDBPyConnection, nation: str
) -> list[indicators.Indicator]:
    """The nation's built-in indicators, then the council's own measures."""
    return council_measures.for_nation(con, nation)


def council(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    """(name, nation) of the council the database holds."""
    name = store.get_setting(con, "council.name", "Council")
    nation = store.get_setting(con, "council.nation", "england")
    return str(name), str(nation)


def accept_partial(
    con: duckdb.DuckDBPyConnection, indicator_id: str, quarter: periods.Quarter
) -> None:
    """Store the choice to show a labelled partial figure and recompute the stored values."""
    from csperf.ui import page

    with page.WRITE_LOCK, st.spinner("Recomputing"):
        overrides.accept_partial(con, indicator_id, quarter, True)
        values.recompute(con)


def population_year(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> int | None:
    """The mid-year of the population estimate the quarter's rates use."""
    code = store.council_code(con)
    if code is None:
        return None
    who = overrides.read(con).council(benchmarks.council(code))
    return values.population(con, who, quarter).year
