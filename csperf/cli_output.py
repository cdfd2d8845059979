"""What the command line prints: issue lists and the long values table (cli.md)."""

from __future__ import annotations

import sys
from typing import TextIO

import duckdb
import polars as pl

from csperf import periods, store, values
from csperf.validate import Issue, issues_frame

VALUE_COLUMNS = [
    "indicator_id", "period_end", "breakdown", "category", "value", "numerator", "denominator",
    "unit", "england", "region", "sn_median", "sn_mean", "sn_rank", "wales", "target", "status",
    "status_reason",
]  # fmt: skip


def write(frame: pl.DataFrame, fmt: str, file: TextIO | None = None) -> None:
    out = file or sys.stdout
    if fmt == "json":
        out.write(frame.write_json())
        out.write("\n")
    else:
        out.write(frame.write_csv())


def print_issues(issues: list[Issue], fmt: str, file: TextIO | None = None) -> None:
    """Issues without personal values (issue records never hold child ids)."""
    write(issues_frame(issues), fmt, file)


def values_table(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> pl.DataFrame:
    """The quarter's stored values and the earlier quarters its trend uses, long form."""
    rows = values.read(con, up_to=quarter)
    loaded = store.quarters(con)
    keep = [str(q) for q in values.trend_quarters(quarter, loaded)]
    return rows.filter(pl.col("quarter").is_in(keep)).select(VALUE_COLUMNS)
