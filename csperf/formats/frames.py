"""What every format does last: pseudonymise the parsed rows and wrap them as a TableLoad."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl

from csperf import pseudonymise, schemas, store

_DIGEST: contextvars.ContextVar[tuple[bytes, str] | None] = contextvars.ContextVar(
    "file_digest", default=None
)


@contextmanager
def file_digest(data: bytes, digest: str) -> Iterator[None]:
    """While one file is parsed, its SHA-256 is known: each table load need not hash it again."""
    token = _DIGEST.set((data, digest))
    try:
        yield
    finally:
        _DIGEST.reset(token)


def sha256(data: bytes) -> str:
    held = _DIGEST.get()
    if held is not None and held[0] is data:
        return held[1]
    return hashlib.sha256(data).hexdigest()


def pseudonymised(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Child ids and worker names replaced by keyed hashes (formats.md §A.1)."""
    out = frame
    if "child_id" in out.columns:
        out = out.with_columns(child_id=pseudonymise.child_ids(out["child_id"]))
    if "worker" in schemas.ALL_TABLES[table].columns and "worker" in out.columns:
        out = out.with_columns(worker=pseudonymise.workers(out["worker"]))
    return out


def coverage_start(frame: pl.DataFrame, table: str) -> dt.date | None:
    """First day of the month of the earliest required date in the rows (formats.md §D.4)."""
    spec = schemas.ALL_TABLES[table]
    dates = [
        c for c, col in spec.columns.items() if col.type == "date" and col.required
    ]
    if not dates or frame.height == 0:
        return None
    first = frame.select(pl.min(dates[0])).item()
    return first.replace(day=1) if isinstance(first, dt.date) else None


def table_load(
    *,
    name: str,
    data: bytes,
    table: str,
    typed: pl.DataFrame,
    source_format: str,
    extract_date: dt.date | None,
    detected: str,
    coverage: dt.date | None = None,
) -> store.TableLoad:
    """A typed frame (``src_row``, ``dq_flags`` and the table's columns, raw ids) ready to store.

    Missing canonical columns are added as nulls, so a format fills only what it carries.
    """
    spec = schemas.ALL_TABLES[table]
    frame = typed
    for col in ["src_row", "dq_flags", *spec.columns]:
        if col not in frame.columns:
            dtype: pl.DataType = (
                pl.List(pl.String) if col == "dq_flags" else _POLARS[spec.columns[col].type]
                if col in spec.columns else pl.Int32()
            )  # fmt: skip
            frame = frame.with_columns(pl.lit(None, dtype).alias(col))
    frame = pseudonymised(frame.select(["src_row", "dq_flags", *spec.columns]), table)
    return store.TableLoad(
        table=table,
        source_format=source_format,
        frame=frame,
        file_name=name,
        sha256=sha256(data),
        size_bytes=len(data),
        extract_date=extract_date,
        coverage_start=coverage
        if coverage is not None
        else coverage_start(frame, table),
        detected=detected,
    )


_POLARS: dict[str, pl.DataType] = {
    "id": pl.String(), "date": pl.Date(), "month": pl.Date(), "text": pl.String(),
    "code": pl.String(), "bool": pl.Boolean(), "int": pl.Int32(), "float": pl.Float64(),
    "codes": pl.List(pl.String),
}  # fmt: skip


def polars_type(table: str, column: str) -> pl.DataType:
    return _POLARS[schemas.ALL_TABLES[table].columns[column].type]
