"""Which rows the indicators read when several formats or files feed one table (formats.md §A.4)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from csperf import active_rows, periods, store
from csperf.formats import frames

Q = periods.Quarter.parse("2025-26Q2")
D = dt.date


def load(table: str, fmt: str, rows: list[dict], sha: str, extract: dt.date = Q.end):  # type: ignore[type-arg]
    from csperf import schemas

    spec = schemas.TABLES[table]
    frame = pl.DataFrame(
        [{c: r.get(c) for c in spec.columns} for r in rows],
        schema={c: frames.polars_type(table, c) for c in spec.columns},
    ).with_columns(src_row=pl.int_range(2, len(rows) + 2, dtype=pl.Int32),
                   dq_flags=pl.lit([], pl.List(pl.String)))  # fmt: skip
    return store.TableLoad(table, fmt, frame, f"{sha}.x", sha, 1, extract_date=extract)


def read(con, table: str, snapshot_id: int) -> list[tuple]:  # type: ignore[type-arg]
    with active_rows.views(con, snapshot_id):
        return con.execute(f"select * from {table} order by all").fetchall()  # noqa: S608 -- test


def test_the_highest_precedence_format_is_active(con):
    loads = [
        load(
            "cp_plan", "annex_a", [{"child_id": "a", "start_date": D(2025, 1, 1)}], "1"
        ),
        load(
            "cp_plan", "cin_xml", [{"child_id": "b", "start_date": D(2025, 2, 1)}], "2"
        ),
    ]
    with store.transaction(con):
        sid = store.replace_quarter(con, "999", "england", Q, loads)
    rows = read(con, "cp_plan", sid)
    assert [r[0] for r in rows] == ["b"]


def test_child_attributes_come_from_the_highest_format_that_has_them(con):
    loads = [
        load(
            "child",
            "annex_a",
            [{"child_id": "a", "sex": "F", "ethnicity": "WBRI"}],
            "1",
        ),
        load("child", "ssda903_csv", [{"child_id": "a", "sex": "M"}], "2"),
    ]
    with store.transaction(con):
        sid = store.replace_quarter(con, "999", "england", Q, loads)
    [(child_id, sex, _birth, ethnicity, _dis, _uasc)] = read(con, "child", sid)
    assert (child_id, sex, ethnicity) == ("a", "M", "WBRI")


def test_a_record_in_two_census_years_is_taken_once_from_the_later_file(con):
    older = load("cin_episode", "cin_xml",
                 [{"child_id": "a", "start_date": D(2024, 1, 1)}], "1", D(2025, 3, 31))  # fmt: skip
    newer = load("cin_episode", "cin_xml",
                 [{"child_id": "a", "start_date": D(2024, 1, 1), "end_date": D(2025, 8, 1)}],
                 "2", D(2025, 9, 30))  # fmt: skip
    with store.transaction(con):
        sid = store.replace_quarter(con, "999", "england", Q, [older, newer])
    rows = read(con, "cin_episode", sid)
    assert [(r[0], r[3]) for r in rows] == [("a", D(2025, 8, 1))]


def test_placement_location_is_filled_from_annex_a(con):
    loads = [
        load("cla_episode", "ssda903_csv",
             [{"child_id": "a", "start_date": D(2025, 1, 1), "reason_new": "S"}], "1"),
        load("cla_episode", "annex_a",
             [{"child_id": "a", "start_date": D(2025, 1, 1), "placement_location": "OUT"}], "2"),
    ]  # fmt: skip
    with store.transaction(con):
        sid = store.replace_quarter(con, "999", "england", Q, loads)
    rows = read(con, "cla_episode", sid)
    assert len(rows) == 1
    assert rows[0][10] == "OUT"  # placement_location
