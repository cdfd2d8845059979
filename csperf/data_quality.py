"""What the Data quality page shows for a loaded quarter: its validation issues, what each table's
data cover, and each indicator's coverage (formats.md §D.4)."""

from __future__ import annotations

import duckdb
import polars as pl

from csperf import council_measures, coverage, periods, store, validate

STATUS_WORDS = {"full": "Covered", "partial": "Partly covered", "none": "Not covered"}


def issues(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> pl.DataFrame:
    """The quarter's stored validation issues, in the order the Upload page lists them."""
    snap = store.snapshot_for(con, quarter)
    columns = validate.DISPLAY_ORDER
    if snap is None:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    frame: pl.DataFrame = con.sql(
        'select severity, code, file, sheet, "row", "column", field, value, message '
        "from load_issue where snapshot_id = ? "
        "order by case severity when 'error' then 0 when 'warning' then 1 else 2 end, "
        "code, file",
        params=[snap.snapshot_id],
    ).pl()
    return frame.select([c for c in columns if c in frame.columns])


def tables(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> pl.DataFrame:
    """Per table: the active source, its grain, the dates its data cover, and rows."""
    snap = store.snapshot_for(con, quarter)
    if snap is None:
        return pl.DataFrame()
    active = coverage.tables(con, snap.snapshot_id)
    rows = con.execute(
        "select table_name, source_format, grain, sum(rows) from snapshot_table "
        "where snapshot_id = ? group by all order by table_name",
        [snap.snapshot_id],
    ).fetchall()
    out = []
    for table, fmt, grain, count in rows:
        have = active.get(table)
        if have is None or have.source_format != fmt:
            continue
        out.append(
            {
                "Table": coverage.RECORD_WORDS.get(table, table).capitalize(),
                "Source": coverage.FORMAT_LABELS.get(fmt, fmt),
                "Grain": grain or "full",
                "From": periods.format_date(have.start) if have.start else "",
                "To": periods.format_date(have.end) if have.end else "",
                "Rows": int(count or 0),
            }
        )
    return pl.DataFrame(
        out,
        schema={"Table": pl.String, "Source": pl.String, "Grain": pl.String,
                "From": pl.String, "To": pl.String, "Rows": pl.Int64},
    )  # fmt: skip


def indicator_coverage(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, nation: str
) -> pl.DataFrame:
    """Per indicator: covered, partly covered or not, and what is missing."""
    snap = store.snapshot_for(con, quarter)
    loaded = coverage.tables(con, snap.snapshot_id) if snap is not None else {}
    rows = []
    for ind in council_measures.for_nation(con, nation):
        result = coverage.check(ind, quarter, loaded)
        rows.append(
            {
                "id": ind.id,
                "Indicator": ind.title_for(nation),
                "Coverage": STATUS_WORDS[result.status],
                "What is missing": result.reason,
            }
        )
    return pl.DataFrame(
        rows,
        schema={"id": pl.String, "Indicator": pl.String, "Coverage": pl.String,
                "What is missing": pl.String},
    )  # fmt: skip
