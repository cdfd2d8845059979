"""Local measures (formats.md §B.5): aggregate figures no child-level return carries."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

import polars as pl

from csperf import schemas, store
from csperf.formats import csv_text
from csperf.validate import Issue, Located, cast_table, clean_text

FORMAT = "local_measures"
COLUMNS = list(schemas.AGGREGATE_TABLES["local_measure"].columns)
HEADER = set(COLUMNS)
REQUIRED = {"measure_id", "period_end", "value"}
CATALOGUE = Path(__file__).parent.parent / "reference" / "measure_catalogue.csv"
_ID = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")
# A council's measure catalogue file (§B.5.2), recognised by its header set.
CATALOGUE_REQUIRED = ["measure_id", "title", "unit", "polarity", "description"]
CATALOGUE_COLUMNS = [*CATALOGUE_REQUIRED, "frequency", "benchmark"]
UNITS = ("count", "percent", "rate_per_10k", "days", "weeks", "ratio", "currency_gbp",
         "fte", "number")  # fmt: skip
POLARITIES = ("higher_is_better", "lower_is_better", "neutral")
FREQUENCIES = ("month", "quarter", "year")
# The council's stored catalogue rows, for the read of one upload (``council_catalogue``).
_STORED: ContextVar[pl.DataFrame | None] = ContextVar("council_catalogue", default=None)


@cache
def catalogue() -> pl.DataFrame:
    """The built-in measure catalogue; councils' own rows are in the database."""
    return pl.read_csv(CATALOGUE, infer_schema=False)


@contextmanager
def council_catalogue(rows: pl.DataFrame | None) -> Iterator[None]:
    """Within the block, values files may use the council's stored catalogue rows too."""
    token = _STORED.set(rows)
    try:
        yield
    finally:
        _STORED.reset(token)


def built_in_ids() -> frozenset[str]:
    """Ids a council row may not reuse (M08): built-in measures and the registry's indicators."""
    from csperf import indicators

    return frozenset(catalogue()["measure_id"].to_list()) | frozenset(
        indicators.registry()
    )


def recognise_catalogue(header: list[str]) -> bool:
    cols = {h.strip().lower() for h in header}
    return {"measure_id", "title"} <= cols <= set(CATALOGUE_COLUMNS)


def recognise(header: list[str]) -> bool:
    cols = {h.strip().lower() for h in header}
    return REQUIRED <= cols <= HEADER


def parse(
    name: str,
    data: bytes,
    text: csv_text.CsvText,
    quarter_end: dt.date,
    others: dict[str, bytes] | None = None,
) -> tuple[list[store.TableLoad], list[Issue]]:
    table = schemas.AGGREGATE_TABLES["local_measure"]
    frame = text.frame.rename({h: h.strip().lower() for h in text.header})
    typed, issues = cast_table(frame, table, Located(name))
    issues = list(text.issues) + issues
    known = measures(others)
    checks = typed.join(
        known, on="measure_id", how="left", maintain_order="left"
    ).with_columns(
        unknown=pl.col("unit").is_null(),
        not_month_end=pl.col("period_end") != pl.col("period_end").dt.month_end(),
        not_period_end=(
            (pl.col("frequency") == "quarter")
            & ~pl.col("period_end").dt.month().is_in([3, 6, 9, 12])
        )
        | ((pl.col("frequency") == "year") & (pl.col("period_end").dt.month() != 3)),
        future=pl.col("period_end") > quarter_end,
        half=pl.col("breakdown").is_null() != pl.col("category").is_null(),
        dup=pl.struct(
            "measure_id", "period_end", "breakdown", "category"
        ).is_duplicated(),
    )
    for row in checks.iter_rows(named=True):
        issues += _row_issues(name, row)
    fractions = _fractions(name, checks)
    issues += [issue for issue, _ in fractions]
    typed = _flag(typed, {mid for _, mid in fractions}, "M06")
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
    if row["period_end"] is not None and (
        row["not_month_end"] or row["future"] or row["not_period_end"]
    ):
        why = (
            "is after the quarter end"
            if row["future"]
            else "is not the last day of a month"
            if row["not_month_end"]
            else f"is not the end of a {row['frequency']}, and the catalogue gives '{mid}' "
            f"as a {row['frequency']}ly measure"
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


def _fractions(name: str, checks: pl.DataFrame) -> list[tuple[Issue, str]]:
    """M06: a percent measure whose every value is at most 1 looks like fractions (0.12 for 12%).

    One warning per measure, at its first row; the measure's rows still load.
    """
    out = []
    percent = checks.filter(pl.col("unit") == "percent", pl.col("value").is_not_null())
    for (mid,), rows in percent.group_by("measure_id", maintain_order=True):
        if rows["value"].max() <= 1:  # type: ignore[operator]
            first = rows.sort("src_row").row(0, named=True)
            r = str(first["src_row"])
            out.append((
                Issue("M06", "warning", name,
                      f"Row {r}, 'value': every value of '{mid}' is 1 or less, which looks "
                      "like fractions (0.12) rather than percentages (12). Give percentages as "
                      "0 to 100 if so.",
                      row=r, column="value", field="local_measure.value",
                      value=str(first["value"])),
                str(mid),
            ))  # fmt: skip
    return out


def _flag(typed: pl.DataFrame, ids: set[str | None], code: str) -> pl.DataFrame:
    """Add a warning code to the dq_flags of every row of the given measures."""
    if not ids:
        return typed
    return typed.with_columns(
        dq_flags=pl.when(pl.col("measure_id").is_in(list(ids)))
        .then(pl.col("dq_flags").list.concat(pl.lit([code])))
        .otherwise(pl.col("dq_flags"))
    )


def measures(others: dict[str, bytes] | None = None) -> pl.DataFrame:
    """Every measure a values file may use: id, unit, frequency.

    Built-in rows, then the council's stored rows (``council_catalogue``), then the rows of a
    catalogue file in the same upload (the later wins; a built-in id is never replaced, M08).
    """
    cols = ["measure_id", "unit", "frequency"]
    frames = [catalogue().select(cols)]
    stored = _STORED.get()
    if stored is not None and stored.height:
        frames.append(stored.select(cols))
    for other, data in (others or {}).items():
        text = csv_text.read(other, data)
        if isinstance(text, list) or not recognise_catalogue(text.header):
            continue
        rows, issues = parse_catalogue(other, text)
        bad = {i.row for i in issues if i.severity == "error"}
        frames.append(
            rows.filter(
                ~pl.col("src_row").cast(pl.String).is_in(list(bad - {None}))
            ).select(cols)
        )
    built_in = built_in_ids()
    merged = pl.concat(frames, how="vertical_relaxed")
    return (
        merged.with_row_index("_n")
        .filter(
            (pl.col("_n") < catalogue().height)
            | ~pl.col("measure_id").is_in(list(built_in))
        )
        .unique("measure_id", keep="last", maintain_order=True)
        .drop("_n")
        .with_columns(pl.col("frequency").fill_null("quarter"))
    )


# ---------------------------------------------------------------- catalogue file


def parse_catalogue(
    name: str, text: csv_text.CsvText
) -> tuple[pl.DataFrame, list[Issue]]:
    """A council's measure catalogue rows (§B.5.2), typed, with located issues.

    Required columns missing: H01. A required cell blank, or a unit, polarity or frequency not in
    its vocabulary: R04 (error: the row cannot become a measure). An id that breaks the id rule,
    reuses a built-in measure or indicator id, or appears twice in the file: M08 (error). A
    benchmark key that is not in the shipped files: R04 (warning: the measure has no comparator).
    """
    frame = text.frame.rename({h: h.strip().lower() for h in text.header})
    issues = list(text.issues)
    missing = [c for c in CATALOGUE_REQUIRED if c not in frame.columns]
    for col in missing:
        issues.append(
            Issue("H01", "error", name,
                  f"{name} has no '{col}' column, which a measure catalogue needs. Add it "
                  f"(the columns are {', '.join(CATALOGUE_COLUMNS)}).",
                  column=col, field=f"measure_catalogue.{col}")
        )  # fmt: skip
    frame = frame.with_columns(
        *(
            pl.lit(None, pl.String).alias(c)
            for c in CATALOGUE_COLUMNS
            if c not in frame.columns
        )
    )
    frame = (
        frame.with_columns(clean_text(c) for c in CATALOGUE_COLUMNS)
        .with_columns(
            *(
                pl.col(c).str.to_lowercase()
                for c in ("measure_id", "unit", "polarity", "frequency")
            ),
            pl.when(pl.col("benchmark").str.to_lowercase() != "none").then(
                pl.col("benchmark")
            ),
        )
        .select("src_row", *CATALOGUE_COLUMNS)
    )
    if missing:
        return frame, issues
    from csperf import benchmarks

    built_in, keys = built_in_ids(), benchmarks.keys_available()
    seen: set[str] = set()
    for row in frame.iter_rows(named=True):
        issues += _catalogue_issues(name, row, built_in, keys, seen)
    frame = frame.with_columns(
        pl.col("frequency").fill_null("quarter"),
        pl.when(pl.col("benchmark").is_in(list(keys))).then(pl.col("benchmark")),
    )
    return frame, issues


def _catalogue_issues(
    name: str,
    row: dict[str, str | None],
    built_in: frozenset[str],
    keys: set[str],
    seen: set[str],
) -> list[Issue]:
    r = str(row["src_row"])
    out = []

    def issue(code: str, severity: str, col: str, message: str) -> None:
        value = row[col]
        out.append(
            Issue(code, severity, name, f"Row {r}, '{col}': {message}",  # type: ignore[arg-type]
                  row=r, column=col, field=f"measure_catalogue.{col}",
                  value=None if value is None else str(value)[:100])
        )  # fmt: skip

    _id_issues(row, built_in, seen, issue)
    for col in CATALOGUE_REQUIRED:
        if row[col] is None:
            issue("R04", "error", col, "is blank. Fill it in: every measure needs "
                  f"{', '.join(CATALOGUE_REQUIRED)}.")  # fmt: skip
    for col, allowed in (("unit", UNITS), ("polarity", POLARITIES),
                         ("frequency", FREQUENCIES)):  # fmt: skip
        if row[col] is not None and row[col] not in allowed:
            issue("R04", "error", col, f"'{row[col]}' is not a {col} csperf knows. Use one of "
                  f"{', '.join(allowed)}.")  # fmt: skip
    bench = row["benchmark"]
    if bench is not None and bench not in keys:
        issue(
            "R04",
            "warning",
            "benchmark",
            f"'{bench}' is not a benchmark key in the shipped files, so the measure has no "
            "comparator. Use a key such as LAIT:Work_Force_SWAbsence, or leave it blank.",
        )
    return out


def _id_issues(
    row: dict[str, str | None],
    built_in: frozenset[str],
    seen: set[str],
    issue: Callable[[str, str, str, str], None],
) -> None:
    """M08: an id that breaks the id rule, reuses a built-in id or repeats within the file."""
    mid = row["measure_id"]
    if mid is not None and (not _ID.match(mid) or "__" in mid or len(mid) > 64):
        issue("M08", "error", "measure_id",
              f"'{mid}' is not a valid measure id. Use lower-case letters, digits and single "
              "underscores, starting with a letter, at most 64 characters.")  # fmt: skip
    elif mid is not None and mid in built_in:
        issue("M08", "error", "measure_id",
              f"'{mid}' is a measure or indicator csperf already has. Give your own measure "
              "another id.")  # fmt: skip
    elif mid is not None and mid in seen:
        issue(
            "M08",
            "error",
            "measure_id",
            f"'{mid}' appears more than once in the catalogue. Keep one row for it.",
        )
    if mid is not None:
        seen.add(mid)
