"""csperf canonical CSVs (formats.md §B.4): one file ``<table>.csv`` per canonical table.

Recognition: a file named after a table (case-insensitive) with a ``child_id`` column is that
table; any other file is a table only if its header set equals one table's full column set.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path, PurePath

import polars as pl

from csperf import schemas, store
from csperf.formats import csv_text, frames
from csperf.validate import Issue, Located, cast_table

FORMAT = "csperf_csv"
# Annex A summary data has no template (formats.md §B.4).
TEMPLATE_EXCLUDED = {"cla_child_state"}
NOT_IN_TEMPLATE = {"referral": {"previous_referrals_12m"}}


def template_columns(table: str) -> list[str]:
    skip = NOT_IN_TEMPLATE.get(table, set())
    return [c for c in schemas.TABLES[table].columns if c not in skip]


def template_tables() -> list[str]:
    return [t for t in schemas.TABLES if t not in TEMPLATE_EXCLUDED]


def recognise(name: str, header: list[str]) -> str | None:
    cols = {h.strip().lower() for h in header}
    if "child_id" not in cols:
        return None
    stem = PurePath(name).stem.lower()
    if stem in template_tables():
        return stem
    matches = [t for t in template_tables() if set(template_columns(t)) == cols]
    return matches[0] if len(matches) == 1 else None


def parse(
    name: str,
    data: bytes,
    text: csv_text.CsvText,
    table_name: str,
    quarter_end: dt.date,
) -> tuple[list[store.TableLoad], list[Issue]]:
    table = schemas.TABLES[table_name]
    issues: list[Issue] = list(text.issues)
    lower = {h: h.strip().lower() for h in text.header}
    frame = text.frame.rename(lower)
    allowed = set(template_columns(table_name))
    extra = [h for h in text.header if lower[h] not in allowed]
    if extra:
        issues.append(
            Issue(
                "H03",
                "info",
                name,
                f"{name}: columns ignored and not stored: {', '.join(extra)}.",
            )
        )
    missing = [c for c in table.required if c not in frame.columns]
    if missing:
        issues.append(
            Issue(
                "H01", "error", name,
                f"{name} has no column {', '.join(missing)}, which {table_name}.csv requires. "
                "Add it (download the templates to see every column) and upload the file again.",
                column=", ".join(missing),
            )
        )  # fmt: skip
        return [], issues
    keep = ["src_row", *[c for c in frame.columns if c in allowed]]
    typed, cell_issues = cast_table(frame.select(keep), table, Located(name))
    issues += cell_issues
    load = frames.table_load(
        name=name,
        data=data,
        table=table_name,
        typed=typed,
        source_format=FORMAT,
        extract_date=quarter_end,
        detected=f"{FORMAT}:{table_name}",
    )
    return [load], issues


def read_dir(folder: Path) -> dict[str, pl.DataFrame]:
    """The csperf CSVs of a folder as typed canonical frames with the raw ids (not stored).

    Used to write the same data in the statutory formats (demo, round-trip tests).
    """
    out: dict[str, pl.DataFrame] = {}
    for table in template_tables():
        path = folder / f"{table}.csv"
        if not path.exists():
            continue
        text = csv_text.read(path.name, path.read_bytes())
        if isinstance(text, list):
            continue
        frame = text.frame.rename({h: h.strip().lower() for h in text.header})
        typed, _ = cast_table(frame, schemas.TABLES[table], Located(path.name))
        out[table] = typed.drop("src_row", "dq_flags")
    return out
