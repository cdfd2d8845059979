"""Annex A lists mapped to canonical tables (formats.md §B.1.5).

One canonical row per source row, except: ``child`` one row per child across the lists (each
attribute from the highest list that has it, order 8, 7, 6, 9, 5, 4, 3, 2, 1; K04 where they
differ); ``cla_episode`` from List 8 at grain *period* (``reason_new`` = ``S``); ``cp_review`` and
``cla_review`` only where a review date is given (``cla_review`` the latest per child);
``cla_child_state`` from the row of each child's latest period of care; ``allocation`` one row per
child open at the extract date in Lists 4, 6-9 (order 8, 7, 6, 9, 4; K04 where they differ).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from csperf import periods, schemas, store, validate
from csperf.formats import annex_a_values, frames
from csperf.validate import Issue, Located, cast_table

MAIN = {
    1: "contact", 2: "early_help", 3: "referral", 4: "assessment", 5: "s47",
    6: "cin_episode", 7: "cp_plan", 8: "cla_episode", 9: "care_leaver",
}  # fmt: skip
CHILD_ORDER = [8, 7, 6, 9, 5, 4, 3, 2, 1]
ALLOCATION_ORDER = [8, 7, 6, 9, 4]
OPEN_WHEN_BLANK = {4: "authorised_date", 6: "end_date", 7: "end_date", 8: "end_date"}
TEAM_IN_TABLE = {4: ("team", "worker"), 6: ("team",)}
EVENT_LISTS = range(1, 6)  # whose dates give the file's coverage start (§D.4)
OFSTED_MONTHS = 6
CHILD_ATTRIBUTES = ["sex", "birth_month", "ethnicity", "disability", "uasc"]


def _text_id(table: schemas.Table) -> schemas.Table:
    """The table with ``child_id`` typed as text: its id issues come from the list's main table."""
    return dataclasses.replace(
        table,
        columns={**table.columns, "child_id": schemas.Column("text", personal=True)},
    )


_CHILD = _text_id(schemas.TABLES["child"])
_STATE = _text_id(schemas.TABLES["cla_child_state"])
_ALLOCATION = _text_id(schemas.TABLES["allocation"])
_CP_REVIEW_DATE = schemas.Table(
    "cp_review", {"review_date": schemas.Column("date")}, ()
)
_CLA_REVIEW_DATE = schemas.Table(
    "cla_review", {"review_date": schemas.Column("date")}, ()
)


@dataclass
class ListRows:
    """One sheet (or CSV) read as list ``n``: field columns as text, plus ``src_row``."""

    n: int
    sheet: str | None
    frame: pl.DataFrame
    headers: dict[str, str]  # field -> the header as the file has it
    flags: dict[int, list[str]] = field(default_factory=dict)  # src_row -> R08/R09


@dataclass
class _Typed:
    """Typed frames of every list, collected table by table."""

    tables: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    child: list[pl.DataFrame] = field(default_factory=list)
    allocation: list[pl.DataFrame] = field(default_factory=list)
    lists: set[int] = field(default_factory=set)
    issues: list[Issue] = field(default_factory=list)

    def add(self, table: str, frame: pl.DataFrame) -> None:
        self.tables.setdefault(table, []).append(frame)


def build(
    name: str,
    data: bytes,
    quarter: periods.Quarter,
    lists: list[ListRows],
    source_format: str,
) -> tuple[list[store.TableLoad], list[Issue]]:
    """The canonical loads of the lists read from one file."""
    typed = _Typed()
    for rows in lists:
        _type_list(name, rows, typed)
    frames_by_table = {
        t: pl.concat(fs, how="vertical") for t, fs in typed.tables.items()
    }
    issues = typed.issues
    if typed.child:
        frames_by_table["child"], more = _children(name, typed.child)
        issues += more
    if typed.allocation:
        frames_by_table["allocation"], more = _allocations(name, typed.allocation)
        issues += more
    if "cla_review" in frames_by_table:
        frames_by_table["cla_review"] = _latest_review(frames_by_table["cla_review"])
    if "cla_child_state" in frames_by_table:
        frames_by_table["cla_child_state"] = frames_by_table["cla_child_state"].unique(
            "child_id", keep="first", maintain_order=True
        )
    coverage = _coverage(frames_by_table, quarter)
    loads = []
    for table, frame in frames_by_table.items():
        sources = _sources(table, typed.lists)
        numbers = ", ".join(str(n) for n in sources)
        detected = f"List {numbers}" if len(sources) == 1 else f"Lists {numbers}"
        loads.append(
            frames.table_load(
                name=name, data=data, table=table, typed=frame, source_format=source_format,
                extract_date=quarter.end, detected=f"{source_format}:{detected}",
                coverage=coverage,
            )
        )  # fmt: skip
    return loads, issues


def _sources(table: str, lists: set[int]) -> list[int]:
    if table == "child":
        return sorted(lists)
    if table == "allocation":
        return sorted(lists & set(ALLOCATION_ORDER))
    if table == "cp_review":
        return [7]
    if table in ("cla_review", "cla_child_state"):
        return [8]
    return [n for n, t in MAIN.items() if t == table]


# ---------------------------------------------------------------- one list


def _type_list(name: str, rows: ListRows, out: _Typed) -> None:
    n = rows.n
    table = MAIN[n]
    where = Located(name, rows.sheet)
    text = annex_a_values.normalise(validate.nfkc(rows.frame))
    out.lists.add(n)
    columns = _columns(text, table)
    if n in TEAM_IN_TABLE:
        columns.update({c: c for c in TEAM_IN_TABLE[n] if c in text.columns})
    main_text = text.select(
        "src_row", *[pl.col(f).alias(c) for f, c in columns.items()]
    )
    if n == 8:
        main_text = main_text.with_columns(reason_new=pl.lit("S"))
    main, issues = cast_table(main_text, schemas.TABLES[table], where)
    main = _flag(main, rows.flags)
    out.issues += _relocate(issues, rows, columns)
    out.add(table, main)
    out.child.append(_child(text, rows, where, out))
    if n == 7:
        _cp_review(text, rows, where, main, out)
    if n == 8:
        _cla_extras(text, rows, where, main, out)
    if n in ALLOCATION_ORDER:
        out.allocation.append(_open_cases(text, rows, where, main, out))


def _columns(text: pl.DataFrame, table: str) -> dict[str, str]:
    """Field key -> canonical column, for the fields of ``table`` the text frame holds."""
    cols = {"child_id": "child_id"} if "child_id" in text.columns else {}
    prefix = f"{table}."
    cols.update(
        {f: f.removeprefix(prefix) for f in text.columns if f.startswith(prefix)}
    )
    return cols


def _child(
    text: pl.DataFrame, rows: ListRows, where: Located, out: _Typed
) -> pl.DataFrame:
    columns = _columns(text, "child")
    child_text = text.select(
        "src_row", *[pl.col(f).alias(c) for f, c in columns.items()]
    )
    typed, issues = cast_table(child_text, _CHILD, where)
    out.issues += _relocate(issues, rows, columns)
    return (
        _flag(typed, rows.flags)
        .with_columns(_rank=pl.lit(CHILD_ORDER.index(rows.n), pl.Int32))
        .filter(pl.col("child_id").is_not_null())
    )


def _cp_review(
    text: pl.DataFrame, rows: ListRows, where: Located, plan: pl.DataFrame, out: _Typed
) -> None:
    """cp_review rows where the review date is given: (child, plan start, review date)."""
    if "cp_review.review_date" not in text.columns:
        return
    columns = {"cp_review.review_date": "review_date"}
    review, issues = _cast_where_given(text, columns, _CP_REVIEW_DATE, where)
    out.issues += _relocate(issues, rows, columns)
    joined = review.join(
        plan.select(
            "src_row", "child_id", pl.col("start_date").alias("plan_start_date")
        ),
        on="src_row",
    ).filter(
        pl.col("plan_start_date").is_not_null() & pl.col("review_date").is_not_null()
    )
    out.add("cp_review", _flag(joined, rows.flags))


def _cla_extras(
    text: pl.DataFrame,
    rows: ListRows,
    where: Located,
    period: pl.DataFrame,
    out: _Typed,
) -> None:
    """cla_review (where a review date is given) and cla_child_state (the summary counts)."""
    if "cla_review.review_date" in text.columns:
        columns = {"cla_review.review_date": "review_date"}
        review, issues = _cast_where_given(text, columns, _CLA_REVIEW_DATE, where)
        out.issues += _relocate(issues, rows, columns)
        joined = review.join(period.select("src_row", "child_id"), on="src_row").filter(
            pl.col("review_date").is_not_null()
        )
        out.add("cla_review", _flag(joined, rows.flags))
    columns = _columns(text, "cla_child_state")
    if len(columns) > 1:
        state_text = text.select(
            "src_row", *[pl.col(f).alias(c) for f, c in columns.items()]
        )
        state, issues = cast_table(state_text, _STATE, where)
        out.issues += _relocate(issues, rows, columns)
        latest = (
            _flag(state, rows.flags)
            .join(
                period.select("src_row", pl.col("start_date").alias("_start")),
                on="src_row",
            )
            .filter(pl.col("child_id").is_not_null())
            .sort("_start", "src_row", descending=True, nulls_last=True)
            .drop("_start")
        )
        out.add("cla_child_state", latest)


def _cast_where_given(
    text: pl.DataFrame, columns: dict[str, str], table: schemas.Table, where: Located
) -> tuple[pl.DataFrame, list[Issue]]:
    ((f, c),) = columns.items()
    given = text.select("src_row", pl.col(f).alias(c)).filter(
        pl.col(c).is_not_null() & (pl.col(c).str.strip_chars() != "")
    )
    typed, issues = cast_table(given, table, where)
    return typed, issues


def _open_cases(
    text: pl.DataFrame, rows: ListRows, where: Located, main: pl.DataFrame, out: _Typed
) -> pl.DataFrame:
    """Rows of a list open at the extract date, with their team and worker (as text)."""
    columns = {f: f for f in ("child_id", "team", "worker") if f in text.columns}
    alloc_text = text.select("src_row", *columns)
    typed, _ = cast_table(alloc_text, _ALLOCATION, where)
    blank = OPEN_WHEN_BLANK.get(rows.n)
    is_open = main.select(
        "src_row",
        (pl.col(blank).is_null() if blank else pl.lit(True)).alias("_open"),
    )
    return (
        typed.join(is_open, on="src_row")
        .filter(pl.col("_open") & pl.col("child_id").is_not_null())
        .drop("_open")
        .with_columns(_rank=pl.lit(ALLOCATION_ORDER.index(rows.n), pl.Int32))
    )


# ---------------------------------------------------------------- across lists


def _children(name: str, parts: list[pl.DataFrame]) -> tuple[pl.DataFrame, list[Issue]]:
    rows = pl.concat(parts, how="vertical").sort("_rank", "src_row")
    grouped = rows.group_by("child_id", maintain_order=True).agg(
        pl.first("src_row"),
        pl.first("dq_flags"),
        *[pl.col(a).drop_nulls().first() for a in CHILD_ATTRIBUTES],
        *[pl.col(a).drop_nulls().n_unique().alias(f"_n_{a}") for a in CHILD_ATTRIBUTES],
    )
    issues = []
    conflict = pl.lit(False)
    for a in CHILD_ATTRIBUTES:
        count = grouped.filter(pl.col(f"_n_{a}") > 1).height
        conflict = conflict | (pl.col(f"_n_{a}") > 1)
        if count:
            issues.append(
                Issue("K04", "warning", name, f"{name}: {count} children have a different "
                      f"'{a}' in different lists or rows; the value from the highest list "
                      "(in the order 8, 7, 6, 9, 5, 4, 3, 2, 1) was kept.",
                      field=f"child.{a}")
            )  # fmt: skip
    out = grouped.with_columns(
        sex=pl.col("sex").fill_null("U"),  # formats.md §A.2: missing sex is U
        dq_flags=pl.when(conflict)
        .then(pl.col("dq_flags").list.concat(pl.lit(["K04"])))
        .otherwise(pl.col("dq_flags")),
    )
    return out.select("src_row", "dq_flags", "child_id", *CHILD_ATTRIBUTES), issues


def _allocations(
    name: str, parts: list[pl.DataFrame]
) -> tuple[pl.DataFrame, list[Issue]]:
    rows = pl.concat(parts, how="vertical").sort("_rank", "src_row")
    grouped = rows.group_by("child_id", maintain_order=True).agg(
        pl.first("src_row"),
        pl.first("dq_flags"),
        pl.first("team"),
        pl.first("worker"),
        (
            (pl.col("team").drop_nulls().n_unique() > 1)
            | (pl.col("worker").drop_nulls().str.to_lowercase().n_unique() > 1)
        ).alias("_differ"),
    )
    differ = grouped.filter("_differ").height
    issues = []
    if differ:
        issues.append(
            Issue("K04", "warning", name, f"{name}: {differ} children open in more than one "
                  "list have a different allocated team or worker in each; the one from the "
                  "highest list (in the order 8, 7, 6, 9, 4) was kept.",
                  field="allocation.worker")
        )  # fmt: skip
    out = grouped.with_columns(
        dq_flags=pl.when("_differ")
        .then(pl.col("dq_flags").list.concat(pl.lit(["K04"])))
        .otherwise(pl.col("dq_flags"))
    )
    return out.select("src_row", "dq_flags", "child_id", "team", "worker"), issues


def _latest_review(reviews: pl.DataFrame) -> pl.DataFrame:
    """Grain *latest*: one review per child, its latest date."""
    return reviews.sort("review_date", "src_row", descending=[True, False]).unique(
        "child_id", keep="first", maintain_order=True
    )


def _coverage(tables: dict[str, pl.DataFrame], quarter: periods.Quarter) -> dt.date:
    """§D.4: the month of the earliest List 1-5 date, never later than Q - 6 months + 1 day."""
    cap = periods.add_months(quarter.end, -OFSTED_MONTHS) + dt.timedelta(days=1)
    firsts = []
    for n in EVENT_LISTS:
        frame = tables.get(MAIN[n])
        if frame is not None and frame.height:
            first = frames.coverage_start(frame, MAIN[n])
            if first is not None:
                firsts.append(first)
    return min([*firsts, cap])


# ---------------------------------------------------------------- issues and flags


def _flag(frame: pl.DataFrame, flags: dict[int, list[str]]) -> pl.DataFrame:
    """R08/R09 found while reading the cells, added to the rows' ``dq_flags``."""
    if not flags:
        return frame
    rows = list(flags)
    extra = pl.DataFrame(
        {"src_row": rows, "_extra": [flags[r] for r in rows]},
        schema={"src_row": pl.Int32, "_extra": pl.List(pl.String)},
    )
    return (
        frame.join(extra, on="src_row", how="left")
        .with_columns(
            dq_flags=pl.col("dq_flags")
            .list.concat(pl.col("_extra").fill_null(pl.lit([], pl.List(pl.String))))
            .list.unique(maintain_order=True)
        )
        .drop("_extra")
    )


def _relocate(
    issues: list[Issue], rows: ListRows, columns: dict[str, str]
) -> list[Issue]:
    """Name the sheet's own header and the sheet in each cell issue (formats.md §D.1)."""
    header = {c: rows.headers.get(f, c) for f, c in columns.items()}
    out = []
    for issue in issues:
        source = header.get(issue.column or "", issue.column)
        old = f"Row {issue.row}, '{issue.column}'"
        new = f"Row {issue.row}, '{source}'"
        if rows.sheet:
            new = f"{rows.sheet}, row {issue.row}, '{source}'"
        out.append(
            dataclasses.replace(
                issue, column=source, message=issue.message.replace(old, new, 1)
            )
        )
    return out
