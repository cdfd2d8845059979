"""Local measures (formats.md §B.5): aggregate figures no child-level return carries."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import cache
from pathlib import Path

import polars as pl

from csperf import schemas, store
from csperf.formats import csv_text
from csperf.validate import Issue, Located, cast_table

FORMAT = "local_measures"
COLUMNS = list(schemas.AGGREGATE_TABLES["local_measure"].columns)
HEADER = set(COLUMNS)
REQUIRED = {"measure_id", "period_end", "value"}
CATALOGUE = Path(__file__).parent.parent / "reference" / "measure_catalogue.csv"
_ID = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")


@cache
def catalogue() -> pl.DataFrame:
    """The built-in measure catalogue (council rows come with a later release)."""
    return pl.read_csv(CATALOGUE, infer_schema=False)


def recognise(header: list[str]) -> bool:
    cols = {h.strip().lower() for h in header}
    return REQUIRED <= cols <= HEADER


def parse(
    name: str, data: bytes, text: csv_text.CsvText, quarter_end: dt.date
) -> tuple[list[store.TableLoad], list[Issue]]:
    table = schemas.AGGREGATE_TABLES["local_measure"]
    frame = text.frame.rename({h: h.strip().lower() for h in text.header})
    typed, issues = cast_table(frame, table, Located(name))
    issues = list(text.issues) + issues
    known = set(catalogue()["measure_id"].to_list())
    checks = typed.with_columns(
        unknown=~pl.col("measure_id").is_in(list(known)),
        not_month_end=pl.col("period_end") != pl.col("period_end").dt.month_end(),
        future=pl.col("period_end") > quarter_end,
        half=pl.col("breakdown").is_null() != pl.col("category").is_null(),
        dup=pl.struct(
            "measure_id", "period_end", "breakdown", "category"
        ).is_duplicated(),
    )
    for row in checks.iter_rows(named=True):
        issues += _row_issues(name, row)
    blocked = {i.row for i in issues if i.severity == "error"}
    typed = typed.filter(
        ~pl.col("src_row").cast(pl.String).is_in(list(blocked - {None}))
    )
    load = store.TableLoad(
        table="local_measure",
        source_format=FORMAT,
        frame=typed,
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        extract_date=quarter_end,
        coverage_start=typed["period_end"].min() if typed.height else None,  # type: ignore[arg-type]
        detected=f"{FORMAT}:local_measure",
    )
    return [load], issues


def _row_issues(name: str, row: dict[str, object]) -> list[Issue]:
    r = str(row["src_row"])
    out = []
    mid = row["measure_id"]
    if mid is not None and (row["unknown"] or not _ID.match(str(mid))):
        out.append(
            Issue("M01", "error", name,
                  f"Row {r}, 'measure_id': '{mid}' is not in the measure catalogue. "
                  "Use a catalogue id, or add the measure to the catalogue first.",
                  row=r, column="measure_id", field="local_measure.measure_id", value=str(mid))
        )  # fmt: skip
    if row["period_end"] is not None and (row["not_month_end"] or row["future"]):
        why = (
            "is after the quarter end"
            if row["future"]
            else "is not the last day of a month"
        )
        out.append(
            Issue("M02", "error", name,
                  f"Row {r}, 'period_end': {row['period_end']} {why}. Give the month end "
                  "(e.g. 2025-09-30) of a period up to the quarter end.",
                  row=r, column="period_end", field="local_measure.period_end",
                  value=str(row["period_end"]))
        )  # fmt: skip
    if row["half"]:
        out.append(
            Issue("M04", "error", name,
                  f"Row {r}: a breakdown needs both 'breakdown' and 'category'. "
                  "Fill in both, or leave both blank for the headline figure.",
                  row=r, column="breakdown", field="local_measure.breakdown")
        )  # fmt: skip
    if row["dup"]:
        out.append(
            Issue("M03", "error", name,
                  f"Row {r}: the same measure, period and category appear more than once. "
                  "Keep one row for each.",
                  row=r, column="measure_id", field="local_measure.measure_id", value=str(mid))
        )  # fmt: skip
    return out
