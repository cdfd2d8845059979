"""Row checks every loaded table passes after parsing (formats.md §D.2-D.3), whatever its format.

D01 dates after the extract date, D02 end before start, K01 exact duplicates (dropped), K02 the
same natural key with different values (the fullest row kept), K03 overlapping looked-after
episodes, R05 codes of other collection years. Warnings add their code to the row's
``dq_flags``; nothing here blocks a load.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csperf import schemas, store, validate
from csperf.formats import deadline
from csperf.validate import Issue

# (start column, end column) per table for D02
INTERVALS = {
    "early_help": ("start_date", "end_date"),
    "assessment": ("start_date", "authorised_date"),
    "s47": ("start_date", "icpc_date"),
    "cin_episode": ("start_date", "end_date"),
    "cin_plan": ("start_date", "end_date"),
    "cp_plan": ("start_date", "end_date"),
    "cla_episode": ("start_date", "end_date"),
    "missing_episode": ("start_date", "end_date"),
}
MAX_LISTED = 20


def check(
    load: store.TableLoad, extract_date: dt.date | None
) -> tuple[store.TableLoad, list[Issue]]:
    deadline.check()
    spec = schemas.ALL_TABLES[load.table]
    frame, issues = _duplicates(load, spec)
    if extract_date is not None:
        frame, more = _after_extract(load, spec, frame, extract_date)
        issues += more
    frame, more = _end_before_start(load, frame)
    issues += more
    if load.table == "cla_episode":
        frame, more = _overlaps(load, frame)
        issues += more
    frame, more = _other_years(load, spec, frame, extract_date)
    issues += more
    load.frame = frame
    return load, issues


def _flag(frame: pl.DataFrame, mask: pl.Expr, code: str) -> pl.DataFrame:
    return frame.with_columns(
        dq_flags=pl.when(mask)
        .then(pl.col("dq_flags").list.concat(pl.lit([code])))
        .otherwise(pl.col("dq_flags"))
    )


def _issues(
    load: store.TableLoad, rows: list[int], code: str, what: str, column: str | None
) -> list[Issue]:
    sheet = (
        load.detected.split(":", 1)[1]
        if load.detected and load.source_format == "annex_a"
        else None
    )
    listed = rows[:MAX_LISTED]
    out = [
        Issue(code, "warning", load.file_name, f"Row {r}: {what}", row=str(r), column=column,
              field=f"{load.table}.{column}" if column else load.table, sheet=sheet)
        for r in listed
    ]  # fmt: skip
    if len(rows) > MAX_LISTED:
        out.append(
            Issue(code, "warning", load.file_name,
                  f"{len(rows) - MAX_LISTED} more rows: {what}", column=column, sheet=sheet)
        )  # fmt: skip
    return out


def _duplicates(
    load: store.TableLoad, spec: schemas.Table
) -> tuple[pl.DataFrame, list[Issue]]:
    frame = load.frame
    cols = list(spec.columns)
    row = pl.struct(cols)
    exact = frame.select(~row.is_first_distinct()).to_series()
    issues: list[Issue] = []
    dropped = frame.filter(exact)["src_row"].to_list()
    if dropped:
        issues += _issues(load, dropped, "K01", "an exact copy of an earlier row; the copy "
                          "was dropped.", None)  # fmt: skip
        frame = frame.filter(~exact)
    key = list(spec.key)
    clash = frame.select(pl.struct(key).is_duplicated()).to_series()
    if clash.any():
        filled = pl.sum_horizontal(
            [pl.col(c).is_not_null().cast(pl.Int32) for c in cols]
        )
        ranked = frame.with_columns(_filled=filled, _n=pl.int_range(pl.len()))
        keep = ranked.sort(["_filled", "_n"], descending=[True, False]).unique(
            subset=key, keep="first", maintain_order=True
        )["_n"]
        lost = ranked.filter(~pl.col("_n").is_in(keep.to_list()))["src_row"].to_list()
        issues += _issues(load, lost, "K02", "the same record as another row with different "
                          "values; the row with most values filled in was kept.", None)  # fmt: skip
        frame = ranked.filter(pl.col("_n").is_in(keep.to_list())).drop("_filled", "_n")
    return frame, issues


def _after_extract(
    load: store.TableLoad, spec: schemas.Table, frame: pl.DataFrame, extract: dt.date
) -> tuple[pl.DataFrame, list[Issue]]:
    issues: list[Issue] = []
    for name, col in spec.columns.items():
        if col.type != "date" or name not in frame.columns:
            continue
        late = pl.col(name) > extract
        rows = frame.filter(late)["src_row"].to_list()
        if not rows:
            continue
        is_end = name in {
            "end_date",
            "authorised_date",
            "icpc_date",
            "rhi_completed_date",
        }
        effect = ("treated as not yet ended" if is_end else
                  "the row is left out of the indicators")  # fmt: skip
        issues += _issues(load, rows, "D01", f"'{name}' is after the extract date "
                          f"{extract.isoformat()}; {effect}.", name)  # fmt: skip
        frame = _flag(frame, late, "D01")
        if is_end:
            frame = frame.with_columns(
                pl.when(late).then(None).otherwise(pl.col(name)).alias(name)
            )
    return frame, issues


def _end_before_start(
    load: store.TableLoad, frame: pl.DataFrame
) -> tuple[pl.DataFrame, list[Issue]]:
    if load.table not in INTERVALS:
        return frame, []
    start, end = INTERVALS[load.table]
    bad = pl.col(end) < pl.col(start)
    rows = frame.filter(bad)["src_row"].to_list()
    if not rows:
        return frame, []
    issues = _issues(load, rows, "D02", f"'{end}' is before '{start}'; the row is left out of "
                     "duration and timeliness measures.", end)  # fmt: skip
    return _flag(frame, bad, "D02"), issues


def _overlaps(
    load: store.TableLoad, frame: pl.DataFrame
) -> tuple[pl.DataFrame, list[Issue]]:
    ordered = frame.with_columns(_n=pl.int_range(pl.len())).sort(
        "child_id", "start_date"
    )
    prev_end = pl.col("end_date").shift(1).over("child_id")
    prev_open = pl.col("end_date").is_null().shift(1).over("child_id")
    overlap = (pl.col("start_date") < prev_end) | prev_open.fill_null(False)
    marked = ordered.with_columns(_overlap=overlap.fill_null(False))
    hit = marked.filter(pl.col("_overlap"))
    if hit.height == 0:
        return frame, []
    rows = hit["src_row"].to_list()
    what = "this looked-after episode starts before the child's previous episode ends."
    issues = _issues(load, rows, "K03", what, "start_date")
    flagged = _flag(marked, pl.col("_overlap"), "K03").sort("_n").drop("_n", "_overlap")
    return flagged, issues


def _other_years(
    load: store.TableLoad,
    spec: schemas.Table,
    frame: pl.DataFrame,
    extract: dt.date | None,
) -> tuple[pl.DataFrame, list[Issue]]:
    """R05: a code of a list whose codes change by year, not valid in the collection year the
    record belongs to (formats.md §B.0.8, §C). The code is kept.

    A record belongs to the collection year of its end date; one still open, or without dates,
    to the year of the extract date (the snapshot's year); an event, to the year of its date.
    """
    bounded = {
        name: validate.code_years(col.codes)
        for name, col in spec.columns.items()
        if col.codes and col.type in ("code", "codes") and name in frame.columns
    }
    bounded = {name: years for name, years in bounded.items() if years}
    if not bounded or frame.height == 0:
        return frame, []
    today = validate.collection_year(extract or dt.date.today())
    spans = frame.with_columns(
        _n=pl.int_range(pl.len()), _year=_record_years(load.table, spec, today)
    )
    issues: list[Issue] = []
    hit_rows: set[int] = set()
    for name, years in bounded.items():
        limits = pl.DataFrame(
            {
                "_code": list(years),
                "_first": [f for f, _ in years.values()],
                "_last": [t for _, t in years.values()],
            },
            schema={"_code": pl.String, "_first": pl.Int32, "_last": pl.Int32},
        )
        codes = spans.select("_n", "src_row", "_year", _code=pl.col(name))
        if spec.columns[name].type == "codes":
            codes = codes.explode("_code")
        outside = (
            codes.join(limits, on="_code")
            .filter(
                (pl.col("_last") < pl.col("_year"))
                | (pl.col("_first") > pl.col("_year"))
            )
            .unique("_n", keep="first", maintain_order=True)
            .sort("_n")
        )
        if outside.height == 0:
            continue
        hit_rows.update(outside["_n"].to_list())
        issues += _r05_issues(load, name, spec.columns[name], outside)
    if not hit_rows:
        return frame, issues
    flagged = _flag(spans, pl.col("_n").is_in(list(hit_rows)), "R05")
    return flagged.drop("_n", "_year"), issues


def _record_years(table: str, spec: schemas.Table, today: int) -> pl.Expr:
    """The collection year each row of a table belongs to (an expression)."""
    start, end = INTERVALS.get(table, (None, None))
    if start is None:
        dated = [
            c for c, col in spec.columns.items() if col.type == "date" and col.required
        ]
        start = dated[0] if dated else None
    if start is None:
        return pl.lit(today, pl.Int32)

    def year(col: str) -> pl.Expr:
        return pl.col(col).dt.year().cast(pl.Int32) + (
            pl.col(col).dt.month() >= 4
        ).cast(pl.Int32)

    if end is None:  # an event: the year of its date
        return year(start).fill_null(today)
    return year(end).fill_null(today).clip(upper_bound=today)


def _valid_years(first: int | None, last: int | None) -> str:
    if first is None and last is not None:
        return f"up to {validate.year_label(last)}"
    if last is None and first is not None:
        return f"from {validate.year_label(first)}"
    return f"{validate.year_label(first or 0)} to {validate.year_label(last or 0)}"


def _r05_issues(
    load: store.TableLoad, name: str, col: schemas.Column, outside: pl.DataFrame
) -> list[Issue]:
    sheet = (
        load.detected.split(":", 1)[1]
        if load.detected and load.source_format == "annex_a"
        else None
    )
    out = []
    rows = outside.select("src_row", "_code", "_first", "_last", "_year")
    for row, code, first, last, year in rows.head(MAX_LISTED).iter_rows():
        when = validate.year_label(year)
        out.append(
            Issue("R05", "warning", load.file_name,
                  f"Row {row}, '{name}': '{code}' is a code of the collection years "
                  f"{_valid_years(first, last)}, and this record belongs to {when}. It was kept; "
                  f"check the code against the {col.codes} codes in use for the year.",
                  row=str(row), column=name, field=f"{load.table}.{name}",
                  value=str(code)[:100], sheet=sheet)
        )  # fmt: skip
    if outside.height > MAX_LISTED:
        out.append(
            Issue("R05", "warning", load.file_name,
                  f"{outside.height - MAX_LISTED} more rows: '{name}' holds a code of other "
                  "collection years.", column=name, field=f"{load.table}.{name}", sheet=sheet)
        )  # fmt: skip
    return out
