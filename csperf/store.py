"""The DuckDB file: explicit DDL, snapshots, one-transaction quarter replace, stored values.

Everything the app keeps lives in one DuckDB file (product.md "Storage"). Canonical tables carry
``snapshot_id`` and ``source_format``; loading files of a format for a quarter replaces that
quarter's rows from that format in the tables those files fill, and no others (formats.md §A.4).
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from csperf import periods, schemas

APP_VERSION = "0.1.0"
DEFAULT_DB = Path("data/csperf.duckdb")

META_DDL = [
    """create table if not exists settings (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
)""",
    """create table if not exists snapshot (
  snapshot_id BIGINT PRIMARY KEY,
  la_code VARCHAR NOT NULL,
  quarter VARCHAR NOT NULL UNIQUE,
  as_at DATE NOT NULL,
  nation VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  loaded_by VARCHAR,
  app_version VARCHAR NOT NULL
)""",
    """create table if not exists snapshot_file (
  snapshot_id BIGINT NOT NULL,
  file_no SMALLINT NOT NULL,
  table_name VARCHAR NOT NULL,
  display_name VARCHAR NOT NULL,
  source_format VARCHAR NOT NULL,
  detected VARCHAR,
  sha256 VARCHAR NOT NULL,
  size_bytes BIGINT NOT NULL,
  extract_date DATE,
  coverage_start DATE,
  collection_year VARCHAR,
  la_code_in_file VARCHAR,
  rows INTEGER NOT NULL,
  carried_from BIGINT
)""",
    """create table if not exists snapshot_table (
  snapshot_id BIGINT NOT NULL,
  table_name VARCHAR NOT NULL,
  source_format VARCHAR NOT NULL,
  grain VARCHAR NOT NULL,
  coverage_start DATE,
  extract_date DATE,
  rows INTEGER NOT NULL
)""",
    """create table if not exists load_issue (
  snapshot_id BIGINT NOT NULL,
  file VARCHAR,
  sheet VARCHAR,
  row VARCHAR,
  "column" VARCHAR,
  field VARCHAR,
  value VARCHAR,
  code VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,
  message VARCHAR NOT NULL
)""",
    """create table if not exists indicator_value (
  snapshot_id BIGINT NOT NULL,
  indicator_id VARCHAR NOT NULL,
  period_end DATE NOT NULL,
  breakdown VARCHAR NOT NULL,
  category VARCHAR NOT NULL,
  numerator DOUBLE,
  denominator DOUBLE,
  value DOUBLE,
  unit VARCHAR NOT NULL,
  england DOUBLE,
  region DOUBLE,
  sn_median DOUBLE,
  sn_mean DOUBLE,
  sn_rank VARCHAR,
  wales DOUBLE,
  target DOUBLE,
  status VARCHAR NOT NULL,
  flags VARCHAR[],
  comparator_period VARCHAR,
  comparator_release VARCHAR,
  wales_period VARCHAR,
  wales_release VARCHAR,
  status_reason VARCHAR,
  comparator_note VARCHAR
)""",
    """create table if not exists audit_log (
  event_time TIMESTAMP NOT NULL,
  "user" VARCHAR,
  event VARCHAR NOT NULL,
  quarter VARCHAR,
  detail VARCHAR,
  outcome VARCHAR NOT NULL,
  app_version VARCHAR NOT NULL
)""",
    # The council's own rows of the measure catalogue (formats.md §B.5.2): installation-wide,
    # not per quarter; the built-in rows ship in csperf/reference/measure_catalogue.csv.
    """create table if not exists measure_catalogue (
  measure_id VARCHAR PRIMARY KEY,
  title VARCHAR NOT NULL,
  unit VARCHAR NOT NULL,
  polarity VARCHAR NOT NULL,
  description VARCHAR NOT NULL,
  frequency VARCHAR NOT NULL,
  benchmark VARCHAR,
  source VARCHAR NOT NULL,
  loaded_at TIMESTAMP NOT NULL
)""",
    # Commentary under review (commentary.md §10; csperf.commentary_review): one paragraph per
    # (quarter, indicator_id), "_summary" for the overall summary.
    """create table if not exists commentary_paragraph (
  quarter VARCHAR NOT NULL,
  indicator_id VARCHAR NOT NULL,
  position INTEGER NOT NULL,
  generated_text VARCHAR NOT NULL,
  facts_json VARCHAR NOT NULL,
  facts_hash VARCHAR NOT NULL,
  template_hash VARCHAR NOT NULL,
  engine_version VARCHAR NOT NULL,
  text VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  reviewed_status VARCHAR,
  reviewed_facts_json VARCHAR,
  reviewed_facts_hash VARCHAR,
  updated_by VARCHAR,
  updated_at TIMESTAMP NOT NULL,
  stale_diff VARCHAR,
  source_version VARCHAR NOT NULL,
  refreshed_at TIMESTAMP NOT NULL,
  PRIMARY KEY (quarter, indicator_id)
)""",
    # Append-only: rows are inserted, never updated or deleted. ``text`` is the text before the
    # action (the paragraph's previous text); ``status_after`` what the action left.
    """create table if not exists commentary_history (
  quarter VARCHAR NOT NULL,
  indicator_id VARCHAR NOT NULL,
  seq INTEGER NOT NULL,
  action VARCHAR NOT NULL,
  status_before VARCHAR NOT NULL,
  status_after VARCHAR NOT NULL,
  text VARCHAR NOT NULL,
  facts_hash VARCHAR NOT NULL,
  updated_by VARCHAR,
  updated_at TIMESTAMP NOT NULL
)""",
]

META_TABLES = (
    "settings", "snapshot", "snapshot_file", "snapshot_table", "load_issue",
    "indicator_value", "audit_log", "measure_catalogue", "commentary_paragraph",
    "commentary_history",
)  # fmt: skip
INDICATOR_VALUE_COLUMNS = [
    "snapshot_id", "indicator_id", "period_end", "breakdown", "category", "numerator",
    "denominator", "value", "unit", "england", "region", "sn_median", "sn_mean", "sn_rank",
    "wales", "target", "status", "flags", "comparator_period", "comparator_release",
    "wales_period", "wales_release", "status_reason", "comparator_note",
]  # fmt: skip


class StoreError(Exception):
    """A problem with the database the user can act on; the message says what to do."""


class DatabaseLockedError(StoreError):
    pass


_LOCK_PID = re.compile(r"PID (\d+)")


def run(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> None:
    """Execute a statement and finish its result (DuckDB 2 blocks on unfinished results)."""
    con.execute(sql, params or []).fetchall()


def first(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query (all rows are fetched, so the connection is free again)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and make sure every table exists."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            m = _LOCK_PID.search(str(exc))
            pid = f" (PID {m.group(1)})" if m else ""
            raise DatabaseLockedError(
                f"The database {path.name} is open in another csperf window or process{pid}. "
                "Close it and try again."
            ) from None
        raise StoreError(
            f"The database {path.name} could not be opened: {exc}"
        ) from None
    if not read_only:
        create_tables(con)
    prepare(con)
    return con


# Columns added since a database may have been created: (table, column, type).
ADDED_COLUMNS = [("indicator_value", "comparator_note", "VARCHAR")]


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in META_DDL:
        run(con, stmt)
    for table in schemas.ALL_TABLES.values():
        run(con, schemas.ddl(table))
    for table_name, column, kind in ADDED_COLUMNS:
        run(con, f"alter table {table_name} add column if not exists {column} {kind}")


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Per-connection helpers the indicator queries use: ratio macros and working days."""
    run(
        con,
        "create or replace temp macro pct(n, d) as "
        "case when d is null or d = 0 then null else 100.0 * n / d end",
    )
    run(
        con,
        "create or replace temp macro per_10k(n, pop) as "
        "case when pop is null or pop = 0 then null else 10000.0 * n / pop end",
    )
    cal = working_calendar()
    con.register("_working_calendar_df", cal)
    run(
        con,
        "create or replace temp table working_calendar as select * from _working_calendar_df",
    )
    con.unregister("_working_calendar_df")
    groups = placement_groups()
    con.register("_placement_groups_df", groups)
    run(
        con,
        "create or replace temp table placement_group_map as "
        "select * from _placement_groups_df",
    )
    con.unregister("_placement_groups_df")
    # rule 7: a is day 0; count working days after a up to and including b
    run(
        con,
        "create or replace temp macro working_days(a, b, nat) as "
        "(select n from working_calendar where day = b and nation = nat) - "
        "(select n from working_calendar where day = a and nation = nat)",
    )


@functools.cache
def placement_groups() -> pl.DataFrame:
    """placement_type -> placement group (formats.md §C.6), for the indicator queries."""
    return pl.read_csv(
        Path(__file__).parent / "reference" / "placement_groups.csv", infer_schema=False
    )


def ensure_prepared(con: duckdb.DuckDBPyConnection) -> None:
    """Prepare a cursor (a new connection of its own) that has not been prepared yet."""
    row = first(
        con,
        "select count(*) from duckdb_functions() where function_name = 'working_days'",
    )
    if not row or not row[0]:
        prepare(con)


def working_calendar() -> pl.DataFrame:
    """Cumulative working-day index per nation, 2005-2035: n(d) = working days on or before d."""
    start, end = dt.date(2005, 1, 1), dt.date(2035, 12, 31)
    days = pl.date_range(start, end, "1d", eager=True).alias("day")
    frames = []
    for nation in ("england", "wales"):
        hols = sorted(periods.bank_holidays(nation))
        frames.append(
            pl.DataFrame({"day": days})
            .with_columns(
                nation=pl.lit(nation),
                working=(pl.col("day").dt.weekday() <= 5) & ~pl.col("day").is_in(hols),
            )
            .with_columns(n=pl.col("working").cast(pl.Int32).cum_sum())
            .select("nation", "day", "n")
        )
    return pl.concat(frames)


# ---------------------------------------------------------------- settings


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: Any = None) -> Any:
    row = first(con, "select value from settings where key = ?", [key])
    return default if row is None else json.loads(row[0])


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: Any) -> None:
    run(
        con,
        "insert or replace into settings values (?, ?)",
        [key, json.dumps(value, default=str)],
    )


def audit(
    con: duckdb.DuckDBPyConnection,
    event: str,
    outcome: str,
    quarter: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row: never cell values, ids, file names or commentary (security S44)."""
    run(
        con,
        "insert into audit_log values (?, ?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            _user(),
            event,
            quarter,
            json.dumps(detail or {}, sort_keys=True, default=str),
            outcome,
            APP_VERSION,
        ],
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


# ---------------------------------------------------------------- snapshots


@dataclass
class TableLoad:
    """Rows of one canonical table parsed from one file, ready to store."""

    table: str
    source_format: str
    frame: pl.DataFrame  # canonical columns plus src_row and dq_flags
    file_name: str
    sha256: str
    size_bytes: int
    extract_date: dt.date | None = None
    coverage_start: dt.date | None = None
    detected: str | None = None


@dataclass
class Replacement:
    table: str
    source_format: str
    current_rows: int


@dataclass
class Snapshot:
    snapshot_id: int
    la_code: str
    quarter: periods.Quarter
    nation: str
    loaded_at: dt.datetime
    tables: dict[str, int] = field(default_factory=dict)


def snapshot_for(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> Snapshot | None:
    row = first(
        con,
        "select snapshot_id, la_code, nation, loaded_at from snapshot where quarter = ?",
        [str(quarter)],
    )
    if row is None:
        return None
    return Snapshot(int(row[0]), str(row[1]), quarter, str(row[2]), row[3])


def quarters(con: duckdb.DuckDBPyConnection) -> list[periods.Quarter]:
    rows = con.execute("select quarter from snapshot order by as_at").fetchall()
    return [periods.Quarter.parse(r[0]) for r in rows]


def council_code(con: duckdb.DuckDBPyConnection) -> str | None:
    code = get_setting(con, "council.code")
    return None if code is None else str(code)


def replacements(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, loads: Sequence[TableLoad]
) -> list[Replacement]:
    """The (format, table) pairs a load will replace, with their current row counts."""
    snap = snapshot_for(con, quarter)
    out = []
    for table, fmt in sorted({(t.table, t.source_format) for t in loads}):
        rows = 0
        if snap is not None:
            rows = _count(con, table, snap.snapshot_id, fmt)
        out.append(Replacement(table, fmt, rows))
    return out


def _count(
    con: duckdb.DuckDBPyConnection, table: str, snapshot_id: int, fmt: str
) -> int:
    _check_table(table)
    row = first(
        con,
        f"select count(*) from {table} where snapshot_id = ? and source_format = ?",  # noqa: S608 -- table name checked against the schema registry
        [snapshot_id, fmt],
    )
    return int(row[0]) if row else 0


def _check_table(table: str) -> None:
    if table not in schemas.ALL_TABLES:
        raise StoreError(f"Unknown table {table!r}.")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    else:
        con.commit()


def replace_quarter(
    con: duckdb.DuckDBPyConnection,
    la_code: str,
    nation: str,
    quarter: periods.Quarter,
    loads: Sequence[TableLoad],
    issues: pl.DataFrame | None = None,
) -> int:
    """Write the loads as the quarter's rows of their (format, table) pairs.

    Must run inside ``transaction(con)``: the caller computes indicator values in the same
    transaction, so a failure anywhere leaves the database as it was.
    """
    snap = snapshot_for(con, quarter)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if snap is None:
        row = first(con, "select coalesce(max(snapshot_id), 0) + 1 from snapshot")
        snapshot_id = int(row[0]) if row else 1
        run(
            con,
            "insert into snapshot values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                snapshot_id,
                la_code,
                str(quarter),
                quarter.end,
                nation,
                now,
                _user(),
                APP_VERSION,
            ],
        )
    else:
        snapshot_id = snap.snapshot_id
        run(
            con,
            "update snapshot set loaded_at = ?, loaded_by = ?, app_version = ? "
            "where snapshot_id = ?",
            [now, _user(), APP_VERSION, snapshot_id],
        )
    for table, fmt in sorted({(t.table, t.source_format) for t in loads}):
        _check_table(table)
        run(
            con,
            f"delete from {table} where snapshot_id = ? and source_format = ?",  # noqa: S608 -- table name checked against the schema registry
            [snapshot_id, fmt],
        )
        run(
            con,
            "delete from snapshot_file where snapshot_id = ? and table_name = ? "
            "and source_format = ?",
            [snapshot_id, table, fmt],
        )
    row = first(
        con,
        "select coalesce(max(file_no), 0) from snapshot_file where snapshot_id = ?",
        [snapshot_id],
    )
    file_no = int(row[0]) if row else 0
    file_numbers: dict[str, int] = {}
    for load in loads:
        if load.sha256 not in file_numbers:
            file_no += 1
            file_numbers[load.sha256] = file_no
        _insert_rows(con, snapshot_id, file_numbers[load.sha256], load)
        run(con,
            "insert into snapshot_file values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                snapshot_id, file_numbers[load.sha256], load.table, load.file_name[:100],
                load.source_format, load.detected, load.sha256, load.size_bytes,
                load.extract_date, load.coverage_start, None, None, load.frame.height, None,
            ],
        )  # fmt: skip
    _refresh_snapshot_tables(con, snapshot_id)
    run(con, "delete from load_issue where snapshot_id = ?", [snapshot_id])
    if issues is not None and issues.height:
        frame = issues.with_columns(snapshot_id=pl.lit(snapshot_id, pl.Int64))
        con.register("_issues_df", frame)
        run(
            con,
            'insert into load_issue by name select snapshot_id, file, sheet, "row", "column", '
            "field, value, code, severity, message from _issues_df",
        )
        con.unregister("_issues_df")
    return snapshot_id


def _insert_rows(
    con: duckdb.DuckDBPyConnection, snapshot_id: int, file_no: int, load: TableLoad
) -> None:
    table = schemas.ALL_TABLES[load.table]
    frame = load.frame.with_columns(
        snapshot_id=pl.lit(snapshot_id, pl.Int64),
        source_format=pl.lit(load.source_format),
        src_file=pl.lit(file_no, pl.Int16),
    )
    cols = [
        "snapshot_id",
        "source_format",
        "src_file",
        "src_row",
        "dq_flags",
        *table.columns,
    ]
    con.register("_load_df", frame.select(cols))
    run(
        con,
        f"insert into {load.table} by name select * from _load_df",  # noqa: S608 -- table name from the schema registry
    )
    con.unregister("_load_df")


def _refresh_snapshot_tables(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    run(con, "delete from snapshot_table where snapshot_id = ?", [snapshot_id])
    run(
        con,
        """insert into snapshot_table
        select f.snapshot_id, f.table_name, f.source_format, 'full',
               min(f.coverage_start), max(f.extract_date), sum(f.rows)::INTEGER
        from snapshot_file f where f.snapshot_id = ?
        group by all""",
        [snapshot_id],
    )


def table_hash(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A content hash of a whole table, order-independent (for integrity tests)."""
    _check_table_or_meta(table)
    rows = con.sql(f"select * from {table}").pl()  # noqa: S608 -- table name checked
    digest = hashlib.sha256()
    for line in sorted(str(r) for r in rows.rows()):
        digest.update(line.encode())
    return digest.hexdigest()


def _check_table_or_meta(table: str) -> None:
    if table not in schemas.ALL_TABLES and table not in META_TABLES:
        raise StoreError(f"Unknown table {table!r}.")


def all_table_names() -> list[str]:
    return [*schemas.ALL_TABLES, *META_TABLES]
