"""The active rows of a snapshot, as the indicator queries see them (formats.md §A.4).

When two formats in one snapshot feed a table, one is active by precedence
(csperf CSV > CIN census = SSDA903 > Annex A). ``child`` is the union of every file's child rows,
one per child, each attribute from the highest-precedence file that has it (ties: the latest
extract date). ``cla_episode.placement_location`` left blank by the active source is filled from
Annex A's List 8 for the child's episode open at that workbook's extract date.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from csperf import schemas, store

PRECEDENCE = {
    "csperf_csv": 3,
    "cin_xml": 2,
    "ssda903_csv": 2,
    "ssda903_xml": 2,
    "annex_a": 1,
    "local_measures": 3,
    "placement_costs": 3,
}


def active_sources(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> dict[str, str]:
    """The active source format per table; equal precedence goes to the latest extract."""
    rows = con.execute(
        "select table_name, source_format, max(extract_date) from snapshot_table "
        "where snapshot_id = ? group by all",
        [snapshot_id],
    ).fetchall()
    best: dict[str, tuple[int, str, str]] = {}
    for table, fmt, extract in rows:
        key = (PRECEDENCE.get(fmt, 0), str(extract or ""), fmt)
        if table not in best or key > best[table]:
            best[table] = key
    return {t: k[2] for t, k in best.items()}


def _where(snapshot_id: int, fmt: str, alias: str = "") -> str:
    if fmt not in PRECEDENCE:
        return "false"
    return f"{alias}snapshot_id = {int(snapshot_id)} and {alias}source_format = '{fmt}'"


def _latest_per_key(
    qualified: str, name: str, snapshot_id: int, fmt: str, files: int
) -> str:
    """The active format's rows; a record in several of its files (by natural key) once,
    from the file with the latest extract date (formats.md §A.4)."""
    table = schemas.ALL_TABLES[name]
    cols = ", ".join(f"t.{c}" for c in table.columns)
    key = ", ".join(f"t.{c}" for c in table.key)
    if files <= 1:  # one file: nothing to de-duplicate across files
        return f"select {cols} from {qualified}.{name} t where {_where(snapshot_id, fmt, 't.')}"  # noqa: S608 -- built from registry names, ints and an allow-list, no user text
    return (
        f"select {cols} from {qualified}.{name} t left join {qualified}.snapshot_file f "  # noqa: S608 -- built from registry names, ints and an allow-list, no user text
        f"on f.snapshot_id = t.snapshot_id and f.file_no = t.src_file "
        f"and f.table_name = '{name}' "
        f"where {_where(snapshot_id, fmt, 't.')} "
        f"qualify row_number() over (partition by {key} "
        f"order by f.extract_date desc nulls last, t.src_file desc) = 1"
    )


def _child_view(qualified: str, snapshot_id: int) -> str:
    ranks = " ".join(f"when '{f}' then {r}" for f, r in PRECEDENCE.items())
    cols = [c for c in schemas.TABLES["child"].columns if c != "child_id"]
    picks = ", ".join(
        f"arg_max({c}, rank_key) filter (where {c} is not null) as {c}" for c in cols
    )
    return (
        f"select child_id, {picks} from ("  # noqa: S608 -- built from registry names, ints and an allow-list, no user text
        f"select c.*, (case c.source_format {ranks} else 0 end) * 100000 "
        f"+ coalesce(epoch(f.extract_date) / 86400, 0) as rank_key "
        f"from {qualified}.child c left join {qualified}.snapshot_file f "
        f"on f.snapshot_id = c.snapshot_id and f.file_no = c.src_file and f.table_name = 'child' "
        f"where c.snapshot_id = {int(snapshot_id)}) group by child_id"
    )


def _episode_view(qualified: str, snapshot_id: int, active: str) -> str:
    cols = ", ".join(
        f"e.{c}" if c != "placement_location" else
        "coalesce(e.placement_location, a.placement_location) as placement_location"
        for c in schemas.TABLES["cla_episode"].columns
    )  # fmt: skip
    annex = (
        f"select a.child_id, a.placement_location, f.extract_date "  # noqa: S608 -- built from registry names, ints and an allow-list, no user text
        f"from {qualified}.cla_episode a join {qualified}.snapshot_file f "
        f"on f.snapshot_id = a.snapshot_id and f.file_no = a.src_file "
        f"and f.table_name = 'cla_episode' "
        f"where a.snapshot_id = {int(snapshot_id)} and a.source_format = 'annex_a' "
        f"and a.placement_location is not null "
        f"and a.start_date <= f.extract_date "
        f"and (a.end_date is null or a.end_date > f.extract_date)"
    )
    return (
        f"select {cols} from {qualified}.cla_episode e left join ({annex}) a "  # noqa: S608 -- built from registry names, ints and an allow-list, no user text
        f"on a.child_id = e.child_id and e.start_date <= a.extract_date "
        f"and (e.end_date is null or e.end_date > a.extract_date) "
        f"where {_where(snapshot_id, active, 'e.')}"
    )


def _file_counts(
    con: duckdb.DuckDBPyConnection, snapshot_id: int
) -> dict[tuple[str, str], int]:
    """How many files of each format fed each table of the snapshot."""
    rows = con.execute(
        "select table_name, source_format, count(distinct file_no) "
        "from snapshot_file where snapshot_id = ? group by all",
        [snapshot_id],
    ).fetchall()
    return {(table, fmt): n for table, fmt, n in rows}


@contextmanager
def views(
    con: duckdb.DuckDBPyConnection,
    snapshot_id: int,
    tables: set[str] | None = None,
) -> Iterator[None]:
    """Bind each canonical table name to the snapshot's active rows, for the indicator queries.

    Temporary tables shadow the stored tables on this connection only, so a query written
    against ``cla_episode`` reads exactly one snapshot, the same way the worked examples do.
    """
    db = store.first(con, "select current_database()")
    qualified = f'"{db[0]}".main' if db else "main"
    active = active_sources(con, snapshot_id)
    files = _file_counts(con, snapshot_id)
    for name, table in schemas.ALL_TABLES.items():
        fmt = active.get(name, "") if tables is None or name in tables else ""
        if name == "child" and (tables is None or name in tables):
            body = _child_view(qualified, snapshot_id)
        elif name == "cla_episode" and fmt and fmt != "annex_a":
            body = _episode_view(qualified, snapshot_id, fmt)
        elif fmt:
            body = _latest_per_key(
                qualified, name, snapshot_id, fmt, files.get((name, fmt), 2)
            )
        else:
            cols = ", ".join(table.columns)
            body = f"select {cols} from {qualified}.{name} where false"  # noqa: S608 -- names from the schema registry
        # Materialised once per snapshot: every indicator query then reads plain tables
        # instead of re-running the precedence and de-duplication above.
        store.run(con, f"create or replace temp table {name} as {body}")
    try:
        yield
    finally:
        for name in schemas.ALL_TABLES:
            store.run(con, f"drop table if exists temp.main.{name}")
