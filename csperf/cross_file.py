"""Checks across the files of one upload (formats.md §A.4, §B.4, §D.2 K04 and K05).

K04: a child's attributes (sex, birth month, ethnicity, disability, UASC) or allocation differ
between files; the value of the highest-precedence source is used (csperf CSV, then CIN census
and SSDA903, then Annex A; ties by the latest extract date), as the ``child_v`` view does.
K05: a csperf CSV event refers to a child with no child row in any file of the snapshot; a stub
child (sex ``U``) is added so that the child exists, and the event rows are flagged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import polars as pl

from csperf import active_rows, schemas, store
from csperf.validate import Issue

CSPERF_CSV = "csperf_csv"
CHILD_ATTRIBUTES = ["sex", "birth_month", "ethnicity", "disability", "uasc"]
MAX_LISTED = 20
PRECEDENCE_WORDS = (
    "the source of highest precedence (csperf CSV, then CIN census or SSDA903, then "
    "Annex A; between equals, the latest extract)"
)


@dataclasses.dataclass(frozen=True)
class Checked:
    """The stub child loads to add (each with its event file's hash) and the issues."""

    stubs: list[store.TableLoad]
    issues: list[Issue]


def check(
    loads: Sequence[store.TableLoad],
    held: Mapping[str, frozenset[str]] | None = None,
) -> Checked:
    """K04 and K05 over the loads of one upload; frames are flagged in place.

    ``held`` is, per source format, the child ids already stored for the quarter (pseudonymised);
    those of formats whose child rows this upload does not replace still count as child rows.
    Without it, only the upload's own child rows count, and K05 needs a child file in the upload.
    """
    out = list(loads)
    issues = _child_conflicts(out)
    issues += _allocation_conflicts(out)
    stubs, more = _stub_children(out, held)
    return Checked(stubs, issues + more)


def _rank(load: store.TableLoad, index: int) -> tuple[int, dt.date, int]:
    return (
        active_rows.PRECEDENCE.get(load.source_format, 0),
        load.extract_date or dt.date.min,
        index,
    )


def _sheet(load: store.TableLoad) -> str | None:
    if load.source_format == "annex_a" and load.detected and ":" in load.detected:
        return load.detected.split(":", 1)[1]
    return None


def _located(
    load: store.TableLoad,
    code: str,
    rows: Sequence[tuple[int, str, str | None]],
    column: str,
    field: str,
    summary: str,
    total: int | None = None,
) -> list[Issue]:
    """One issue per (row, message, value), the first 20 only, then one for the rest of the
    ``total`` rows (by default, those given)."""
    total = len(rows) if total is None else total
    out = [
        Issue(code, "warning", load.file_name, message, row=str(row), column=column,
              field=field, value=value, sheet=_sheet(load))
        for row, message, value in rows[:MAX_LISTED]
    ]  # fmt: skip
    if total > MAX_LISTED:
        out.append(
            Issue(code, "warning", load.file_name,
                  f"{total - MAX_LISTED} more rows: {summary}", column=column,
                  field=field, sheet=_sheet(load))
        )  # fmt: skip
    return out


def _add_flag(frame: pl.DataFrame, mask: pl.Expr, code: str) -> pl.DataFrame:
    return frame.with_columns(
        dq_flags=pl.when(mask & ~pl.col("dq_flags").list.contains(code))
        .then(pl.col("dq_flags").list.concat(pl.lit([code])))
        .otherwise(pl.col("dq_flags"))
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    return str(value)


# ---------------------------------------------------------------- K04: child attributes


def _child_conflicts(loads: list[store.TableLoad]) -> list[Issue]:
    child = [
        (i, ld) for i, ld in enumerate(loads) if ld.table == "child" and ld.frame.height
    ]
    if len(child) < 2:
        return []
    order = sorted(child, key=lambda p: _rank(p[1], p[0]))
    parts = [
        ld.frame.select(
            "child_id",
            "src_row",
            *[pl.col(a).cast(pl.String) for a in CHILD_ATTRIBUTES],
        ).with_columns(_load=pl.lit(i, pl.Int32), _rank=pl.lit(r, pl.Int32))
        for r, (i, ld) in enumerate(order)
    ]
    rows = pl.concat(parts).with_columns(
        # sex U means not known: it never disagrees with a known sex
        sex=pl.when(pl.col("sex") == "U").then(None).otherwise(pl.col("sex"))
    )
    shared = rows.filter(pl.col("_load").n_unique().over("child_id") > 1)
    if shared.height == 0:
        return []
    issues: list[Issue] = []
    flagged: dict[int, set[str]] = {}
    for attr in CHILD_ATTRIBUTES:
        known = shared.filter(pl.col(attr).is_not_null())
        winners = (
            known.sort("_rank")
            .group_by("child_id")
            .agg(
                _n=pl.col(attr).n_unique(),
                _winner=pl.col(attr).last(),
                _from=pl.col("_load").last(),
            )
            .filter(pl.col("_n") > 1)
        )
        if winners.height == 0:
            continue
        hits = known.join(winners, on="child_id")
        for i, ld in child:
            mine = hits.filter(pl.col("_load") == i)
            flagged.setdefault(i, set()).update(mine["child_id"].to_list())
            losing = mine.filter(pl.col(attr) != pl.col("_winner")).sort("src_row")
            if losing.height == 0:
                continue
            listed = [
                (row, _k04_message(row, attr, value, winner, loads[src].file_name),
                 _display(attr, value))
                for row, value, winner, src in losing.select(
                    "src_row", attr, "_winner", "_from"
                ).iter_rows()
            ]  # fmt: skip
            issues += _located(
                ld, "K04", listed, attr, f"child.{attr}",
                f"'{attr}' differs from another file; {PRECEDENCE_WORDS} is used.",
            )  # fmt: skip
    for i, ids in flagged.items():
        loads[i].frame = _add_flag(
            loads[i].frame, pl.col("child_id").is_in(list(ids)), "K04"
        )
    return issues


def _display(attr: str, value: str) -> str:
    return value[:7] if attr == "birth_month" else value


def _k04_message(row: int, attr: str, value: str, winner: str, other: str) -> str:
    return (
        f"Row {row}, '{attr}': '{_display(attr, value)}' differs from "
        f"'{_display(attr, winner)}' in {other} for the same child; csperf uses "
        f"'{_display(attr, winner)}', from {PRECEDENCE_WORDS}. Correct the file that is "
        "wrong if the child's details should agree."
    )


# ---------------------------------------------------------------- K04: allocations


def _allocation_conflicts(loads: list[store.TableLoad]) -> list[Issue]:
    alloc = [
        (i, ld)
        for i, ld in enumerate(loads)
        if ld.table == "allocation" and ld.frame.height
    ]
    if len(alloc) < 2:
        return []
    order = sorted(alloc, key=lambda p: _rank(p[1], p[0]))
    parts = [
        ld.frame.select(
            "child_id",
            "src_row",
            _held=pl.concat_str(
                [pl.col("team").fill_null(""), pl.col("worker").fill_null("")],
                separator="\x1f",
            ),
        ).with_columns(_load=pl.lit(i, pl.Int32), _rank=pl.lit(r, pl.Int32))
        for r, (i, ld) in enumerate(order)
    ]
    rows = pl.concat(parts)
    per_load = rows.group_by("child_id", "_load", "_rank").agg(
        _set=pl.col("_held").unique().sort().str.join("\x1e")
    )
    differ = (
        per_load.sort("_rank")
        .group_by("child_id")
        .agg(
            _files=pl.len(),
            _sets=pl.col("_set").n_unique(),
            _from=pl.col("_load").last(),
        )
        .filter((pl.col("_files") > 1) & (pl.col("_sets") > 1))
    )
    if differ.height == 0:
        return []
    issues: list[Issue] = []
    hits = rows.join(differ.select("child_id", "_from"), on="child_id")
    for i, ld in alloc:
        mine = hits.filter(pl.col("_load") == i)
        if mine.height == 0:
            continue
        losing = mine.filter(pl.col("_from") != i).sort("src_row")
        listed = [
            (row, f"Row {row}: this child's allocated team or worker differs from "
             f"{loads[src].file_name}; where both are loaded, the allocation from "
             f"{PRECEDENCE_WORDS} is used. Check which is current.", None)
            for row, src in losing.select("src_row", "_from").iter_rows()
        ]  # fmt: skip
        issues += _located(
            ld, "K04", listed, "worker", "allocation.worker",
            "a child's allocated team or worker differs from another file.",
        )  # fmt: skip
        ids = mine["child_id"].unique().to_list()
        ld.frame = _add_flag(ld.frame, pl.col("child_id").is_in(ids), "K04")
    return issues


# ---------------------------------------------------------------- K05: stub children


def _stub_children(
    loads: list[store.TableLoad], held: Mapping[str, frozenset[str]] | None
) -> tuple[list[store.TableLoad], list[Issue]]:
    events = [
        (i, ld) for i, ld in enumerate(loads)
        if ld.source_format == CSPERF_CSV and ld.table != "child"
        and "child_id" in ld.frame.columns and ld.frame.height
    ]  # fmt: skip
    if not events:
        return [], []
    child_formats = {ld.source_format for ld in loads if ld.table == "child"}
    if held is None and not child_formats:
        # no child rows to compare with: what the quarter holds is unknown
        return [], []
    ids = [ld.frame["child_id"] for ld in loads if ld.table == "child"]
    ids += [
        pl.Series(list(held_ids), dtype=pl.String)
        for fmt, held_ids in (held or {}).items()
        if fmt not in child_formats
    ]
    known = (
        pl.concat(ids).drop_nulls().unique() if ids else pl.Series([], dtype=pl.String)
    )
    # A stub load replaces the quarter's csperf child rows; it is only made when that loses
    # nothing: the upload has a csperf child file, or the quarter is known to hold no csperf
    # child rows (``held`` None means what the quarter holds was not looked up).
    can_stub = CSPERF_CSV in child_formats or (
        held is not None and not held.get(CSPERF_CSV)
    )
    # one anti-join over every event file finds the children with no child row
    referred = pl.concat(
        ld.frame.select("child_id").with_columns(_event=pl.lit(j, pl.Int32))
        for j, (_, ld) in enumerate(events)
    ).filter(pl.col("child_id").is_not_null())
    unknown = referred.join(known.to_frame("child_id"), on="child_id", how="anti")
    if unknown.height == 0:
        return [], []
    issues: list[Issue] = []
    stubs: list[store.TableLoad] = []
    stubbed = pl.Series([], dtype=pl.String)
    for j, (_, ld) in enumerate(events):
        absent_ids = unknown.filter(pl.col("_event") == j)["child_id"].unique()
        if absent_ids.len() == 0:
            continue
        absent = pl.col("child_id").is_in(absent_ids.implode())
        missing = ld.frame.filter(absent)
        ld.frame = _add_flag(ld.frame, absent, "K05")
        effect = (
            "a child record with sex 'U' was added so the event is counted"
            if can_stub
            else "the event is loaded without a child record"
        )
        what = f"the child is in no child file of the quarter; {effect}"
        fix = "Add the child to child.csv and upload both files again."
        rows = missing["src_row"].sort()
        listed = [(r, f"Row {r}: {what}. {fix}", None) for r in rows.head(MAX_LISTED)]
        issues += _located(
            ld, "K05", listed, "child_id", f"{ld.table}.child_id", f"{what}.",
            total=rows.len(),
        )  # fmt: skip
        if not can_stub:
            continue
        new = (
            missing.select("child_id", "src_row")
            .unique("child_id", keep="first", maintain_order=True)
            .filter(~pl.col("child_id").is_in(stubbed.implode()))
        )
        if new.height:  # one stub per child, with the first file that refers to it
            stubbed = pl.concat([stubbed, new["child_id"]])
            stubs.append(_stub_load(ld, new))
    return stubs, issues


def _stub_load(event: store.TableLoad, ids: pl.DataFrame) -> store.TableLoad:
    """Stub child rows, stored as rows of the event file that refers to them."""
    spec = schemas.TABLES["child"]
    frame = ids.select(
        "src_row",
        dq_flags=pl.lit(["K05"], pl.List(pl.String)),
        child_id="child_id",
        sex=pl.lit("U"),
        birth_month=pl.lit(None, pl.Date),
        ethnicity=pl.lit(None, pl.String),
        disability=pl.lit(None, pl.Boolean),
        uasc=pl.lit(None, pl.Boolean),
    ).select("src_row", "dq_flags", *spec.columns)
    return store.TableLoad(
        table="child",
        source_format=event.source_format,
        frame=frame,
        file_name=event.file_name,
        sha256=event.sha256,
        size_bytes=event.size_bytes,
        extract_date=event.extract_date,
        coverage_start=None,
        detected=f"{event.source_format}:child (stub)",
    )
