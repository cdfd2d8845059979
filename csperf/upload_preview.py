"""What a quarter would cover if the files read were loaded, before anything is written.

For each table: the source that would be active (formats.md §A.4) and the dates it would cover;
for each indicator the snapshot would not fully support, the coverage check's status and
reason (§D.4). Tables the load keeps from earlier loads of the quarter count as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from csperf import active_rows, coverage, indicators, ingest, periods, store

STATUS_WORDS = {"partial": "partly covered", "none": "not covered"}


@dataclass(frozen=True)
class Part:
    """The rows of one (table, format) pair in the snapshot-to-be."""

    table: str
    source_format: str
    start: dt.date | None
    end: dt.date | None
    rows: int
    kept: bool  # from an earlier load of the quarter, not replaced by these files


def kept_parts(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, upload: ingest.Upload
) -> list[Part]:
    """The quarter's stored (table, format) pairs that loading the upload would keep."""
    snap = store.snapshot_for(con, quarter)
    if snap is None:
        return []
    replaced = {(t.table, t.source_format) for t in upload.loads}
    rows = con.execute(
        "select table_name, source_format, min(coverage_start), max(extract_date), "
        "sum(rows)::BIGINT from snapshot_table where snapshot_id = ? group by all "
        "order by all",
        [snap.snapshot_id],
    ).fetchall()
    return [
        Part(table, fmt, start, end, int(n), kept=True)
        for table, fmt, start, end, n in rows
        if (table, fmt) not in replaced
    ]


def parts(upload: ingest.Upload, kept: Sequence[Part] = ()) -> list[Part]:
    """The upload's (table, format) pairs (earliest coverage start to latest extract date)
    and the kept ones."""
    grouped: dict[tuple[str, str], list[store.TableLoad]] = {}
    for load in upload.loads:
        grouped.setdefault((load.table, load.source_format), []).append(load)
    out = []
    for (table, fmt), loads in sorted(grouped.items()):
        starts = [t.coverage_start for t in loads if t.coverage_start]
        ends = [t.extract_date for t in loads if t.extract_date]
        out.append(
            Part(table, fmt, min(starts, default=None), max(ends, default=None),
                 sum(t.frame.height for t in loads), kept=False)
        )  # fmt: skip
    return [*out, *kept]


def active(all_parts: Sequence[Part]) -> dict[str, Part]:
    """Per table, the part whose rows would be active: by precedence, then latest extract."""
    best: dict[str, tuple[tuple[int, str, str], Part]] = {}
    for part in all_parts:
        key = (
            active_rows.PRECEDENCE.get(part.source_format, 0),
            str(part.end or ""),
            part.source_format,
        )
        if part.table not in best or key > best[part.table][0]:
            best[part.table] = (key, part)
    return {table: part for table, (_, part) in best.items()}


def table_coverage(all_parts: Sequence[Part]) -> dict[str, coverage.TableCoverage]:
    return {
        table: coverage.TableCoverage(table, p.source_format, p.start, p.end)
        for table, p in active(all_parts).items()
    }


def periods_frame(all_parts: Sequence[Part]) -> pl.DataFrame:
    """One row per table: the active source, the dates it covers and its rows."""
    rows = [
        {
            "table": table,
            "source": coverage.FORMAT_LABELS.get(p.source_format, p.source_format),
            "from": periods.format_date(p.start) if p.start else "",
            "to": periods.format_date(p.end) if p.end else "",
            "rows": p.rows,
            "from these files": "no, loaded earlier" if p.kept else "yes",
        }
        for table, p in sorted(active(all_parts).items())
    ]
    schema = {"table": pl.String, "source": pl.String, "from": pl.String,
              "to": pl.String, "rows": pl.Int64, "from these files": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def unsupported(
    all_parts: Sequence[Part], quarter: periods.Quarter, nation: str
) -> pl.DataFrame:
    """The indicators the snapshot would not fully support, with what is missing."""
    loaded = table_coverage(all_parts)
    rows = []
    for ind in indicators.for_nation(nation):
        result = coverage.check(ind, quarter, loaded)
        if result.status == "full":
            continue
        rows.append(
            {
                "indicator": ind.title_for(nation),
                "id": ind.id,
                "coverage": STATUS_WORDS[result.status],
                "what is missing": result.reason,
            }
        )
    schema = dict.fromkeys(
        ["indicator", "id", "coverage", "what is missing"], pl.String
    )
    return pl.DataFrame(rows, schema=schema)
