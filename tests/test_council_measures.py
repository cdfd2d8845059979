"""A council's own local measures: catalogue upload, stored rows, computed like built-in ones."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from csperf import council_measures, indicators, ingest, periods, schemas, store, values
from csperf.formats import frames

Q2 = periods.Quarter.parse("2025-26Q2")
Q3 = periods.Quarter.parse("2025-26Q3")
CATALOGUE = (
    b"measure_id,title,unit,polarity,description,frequency,benchmark\n"
    b"foster_enquiries,Fostering enquiries,count,higher_is_better,"
    b"Enquiries from people interested in fostering,month,\n"
    b"sw_absence,Social workers' sickness absence,percent,lower_is_better,"
    b"Working days social workers lost to sickness,quarter,LAIT:Work_Force_SWAbsence\n"
)
VALUES = (
    b"measure_id,period_end,value,numerator,denominator\n"
    b"foster_enquiries,2025-07-31,12,,\n"
    b"foster_enquiries,2025-08-31,9,,\n"
    b"foster_enquiries,2025-09-30,15,,\n"
    b"sw_absence,2025-09-30,4.2,84,2000\n"
)


def load(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, files, **kw) -> int:
    upload = ingest.read(files, quarter, **kw)
    assert not upload.blocked, upload.issues
    store.set_setting(con, "population", {"2025": 1000})
    return ingest.load(con, "999", upload)


def by_series(con: duckdb.DuckDBPyConnection, quarter, measure_id: str) -> dict:
    rows = values.read(con, quarter, measure_id)
    return {(r["breakdown"], r["category"]): r for r in rows.iter_rows(named=True)}


def test_a_catalogue_row_and_its_values_load_and_are_computed(con):
    load(
        con, Q2, [("measure_catalogue.csv", CATALOGUE), ("local_measures.csv", VALUES)]
    )
    stored = council_measures.rows(con)
    assert stored["measure_id"].to_list() == ["foster_enquiries", "sw_absence"]
    assert (
        stored.filter(pl.col("measure_id") == "sw_absence")["frequency"][0] == "quarter"
    )
    # monthly count, worked by hand: 12 + 9 + 15 = 36 for the quarter
    got = by_series(con, Q2, "foster_enquiries")
    assert {k: r["value"] for k, r in got.items()} == {
        ("all", "all"): 36.0, ("month", "2025-07"): 12.0, ("month", "2025-08"): 9.0,
        ("month", "2025-09"): 15.0}  # fmt: skip
    assert {r["status"] for r in got.values()} == {"ok"}
    assert got[("all", "all")]["unit"] == "count"
    # quarterly percent with the row's benchmark key: England's 2025 figure (30 Sep 2025), 3.5
    [absence] = by_series(con, Q2, "sw_absence").values()
    assert (absence["value"], absence["numerator"], absence["denominator"]) == (
        4.2,
        84,
        2000,
    )
    assert absence["england"] == pytest.approx(3.5)


def test_a_catalogue_that_reuses_a_built_in_id_is_refused_with_a_located_m08():
    bad = CATALOGUE + b"sickness,Sickness,percent,lower_is_better,Days lost,quarter,\n"
    [f] = ingest.read([("measure_catalogue.csv", bad)], Q2).files
    assert f.blocked
    [issue] = f.issues
    assert (issue.code, issue.severity, issue.row, issue.column, issue.value) == (
        "M08", "error", "4", "measure_id", "sickness")  # fmt: skip


def test_a_unit_outside_the_vocabulary_is_located_and_an_unknown_key_is_a_warning():
    bad = (
        b"measure_id,title,unit,polarity,description,benchmark\n"
        b"calls_answered,Calls answered,percentage,higher_is_better,Calls answered,LAIT:NOPE\n"
    )
    [f] = ingest.read([("catalogue.csv", bad)], Q2).files
    assert sorted((i.code, i.severity, i.row, i.column) for i in f.issues) == [
        ("R04", "error", "2", "unit"), ("R04", "warning", "2", "benchmark")]  # fmt: skip


def test_values_of_a_measure_with_no_catalogue_row_are_a_located_m01():
    [f] = ingest.read([("local_measures.csv", VALUES)], Q2).files
    assert sorted({(i.code, i.row) for i in f.issues}) == [
        ("M01", "2"), ("M01", "3"), ("M01", "4"), ("M01", "5")]  # fmt: skip
    assert f.blocked


def test_a_stored_catalogue_serves_a_later_upload_of_values(con):
    load(
        con, Q2, [("measure_catalogue.csv", CATALOGUE), ("local_measures.csv", VALUES)]
    )
    later = b"measure_id,period_end,value\nfoster_enquiries,2025-10-31,7\n"
    without = ingest.read([("local_measures.csv", later)], Q3)
    assert [i.code for i in without.issues] == ["M01"]
    load(
        con, Q3, [("local_measures.csv", later)], catalogue=council_measures.stored(con)
    )
    got = by_series(con, Q3, "foster_enquiries")
    assert got[("month", "2025-10")]["value"] == 7.0
    assert got[("all", "all")]["value"] is None  # November and December not uploaded


def test_a_catalogue_alone_is_stored_and_a_changed_row_restates_the_values(con):
    load(
        con, Q2, [("measure_catalogue.csv", CATALOGUE), ("local_measures.csv", VALUES)]
    )
    changed = CATALOGUE.replace(b"count,higher_is_better", b"number,neutral")
    upload = ingest.read([("measure_catalogue.csv", changed)], Q3)
    assert upload.files[0].tables == ["measure_catalogue"]
    assert ingest.load(con, "999", upload) == 0
    assert store.quarters(con) == [Q2]  # no quarter was created for the catalogue
    stored = council_measures.rows(con).filter(
        pl.col("measure_id") == "foster_enquiries"
    )
    assert (stored["unit"][0], stored["polarity"][0]) == ("number", "neutral")
    assert set(values.read(con, Q2, "foster_enquiries")["unit"]) == {"number"}
    audit = con.execute(
        "select count(*) from audit_log where event = 'measure_catalogue'"
    )
    assert audit.fetchone() == (2,)


def test_a_changed_row_loaded_with_values_restates_earlier_quarters(con):
    load(
        con, Q2, [("measure_catalogue.csv", CATALOGUE), ("local_measures.csv", VALUES)]
    )
    changed = CATALOGUE.replace(b"count,higher_is_better", b"number,neutral")
    later = b"measure_id,period_end,value\nfoster_enquiries,2025-10-31,7\n"
    load(con, Q3, [("c.csv", changed), ("v.csv", later)])
    assert set(values.read(con, Q2, "foster_enquiries")["unit"]) == {"number"}
    assert set(values.read(con, Q3, "foster_enquiries")["unit"]) == {"number"}


def test_percent_values_that_look_like_fractions_load_with_m06():
    vals = b"measure_id,period_end,value\nsw_absence,2025-06-30,0.05\nsw_absence,2025-09-30,0.04\n"
    upload = ingest.read([("c.csv", CATALOGUE), ("v.csv", vals)], Q2)
    [issue] = upload.files[1].issues
    assert (issue.code, issue.severity, issue.row) == ("M06", "warning", "2")
    assert upload.files[1].loads[0].frame["dq_flags"].to_list() == [["M06"], ["M06"]]


def test_a_quarterly_measure_needs_a_quarter_end():
    vals = b"measure_id,period_end,value\nsw_absence,2025-08-31,4\n"
    upload = ingest.read([("c.csv", CATALOGUE), ("v.csv", vals)], Q2)
    assert [(i.code, i.row) for i in upload.files[1].issues] == [("M02", "2")]


@pytest.mark.parametrize(
    ("unit", "frequency", "family", "fmt", "basis", "headline"),
    [
        ("count", "month", "count", "num0", "month", "month"),
        ("percent", "quarter", "proportion", "pct1", "quarter", "all"),
        ("rate_per_10k", "year", "rate", "rate1", "r12", "all"),
        ("days", "quarter", "duration", "days0", "quarter", "all"),
        ("weeks", "quarter", "duration", "weeks0", "quarter", "all"),
        ("ratio", "quarter", "average", "dec1", "quarter", "all"),
        ("number", "quarter", "average", "dec1", "quarter", "all"),
        ("fte", "quarter", "average", "dec1", "quarter", "all"),
        ("currency_gbp", "quarter", "money", "gbp0", "quarter", "all"),
    ],
)
def test_registry_fields_follow_from_the_row(
    unit, frequency, family, fmt, basis, headline
):
    ind = council_measures.indicator({
        "measure_id": "own_measure", "title": "Own measure", "unit": unit,
        "polarity": "neutral", "description": "Something counted.", "frequency": frequency,
        "benchmark": None,
    })  # fmt: skip
    assert (ind.family, ind.format, ind.basis, ind.headline, ind.spc_series) == (
        family, fmt, basis, headline, headline)  # fmt: skip
    assert (ind.theme, ind.benchmarks, ind.query) == ("local", (), "local_measure")
    assert ind.benchmark_none


def test_a_benchmark_key_attaches_only_when_it_exists():
    row = {"measure_id": "sw_absence", "title": "Absence", "unit": "percent",
           "polarity": "lower_is_better", "description": "Days lost",
           "frequency": "quarter"}  # fmt: skip
    known = council_measures.indicator(
        {**row, "benchmark": "LAIT:Work_Force_SWAbsence"}
    )
    assert [b.key for b in known.benchmarks] == ["LAIT:Work_Force_SWAbsence"]
    assert known.headline_priority == 1
    assert (
        council_measures.indicator({**row, "benchmark": "LAIT:NOPE"}).benchmarks == ()
    )


def compute(measure: dict, given: list[dict], quarter: periods.Quarter) -> list[tuple]:
    con = duckdb.connect(":memory:")
    store.prepare(con)
    cols = schemas.ALL_TABLES["local_measure"].columns
    schema = {c: frames.polars_type("local_measure", c) for c in cols}
    con.register(
        "local_measure",
        pl.DataFrame([{c: r.get(c) for c in cols} for r in given], schema=schema),
    )
    fixed = {"title": "T", "polarity": "neutral", "description": "D", "benchmark": None}
    ind = council_measures.indicator({**fixed, **measure})
    ctx = indicators.QueryContext(quarter, "england", 1000.0)
    got = indicators.compute(con, ind, ctx)
    return [tuple(r.values()) for r in got.iter_rows(named=True)]


def row(
    day: dt.date, value: float, num: float | None = None, den: float | None = None
) -> dict:
    return {"measure_id": "own", "period_end": day, "value": value, "numerator": num,
            "denominator": den}  # fmt: skip


def test_the_generic_query_combines_a_monthly_percentage_by_hand():
    # 2025-26Q2. July 10 of 40, August 6 of 20, September 9 of 40 (a team row ignored; June and
    # October outside the quarter). Quarter: (10 + 6 + 9) / (40 + 20 + 40) = 25 / 100 = 25%.
    d = dt.date
    given = [
        row(d(2025, 6, 30), 90.0, 9.0, 10.0),
        row(d(2025, 7, 31), 25.0, 10.0, 40.0),
        row(d(2025, 8, 31), 30.0, 6.0, 20.0),
        row(d(2025, 9, 30), 22.5, 9.0, 40.0),
        {**row(d(2025, 9, 30), 50.0), "breakdown": "team", "category": "A"},
        row(d(2025, 10, 31), 1.0, 1.0, 100.0),
        {**row(d(2025, 9, 30), 3.0), "measure_id": "other"},
    ]
    end = d(2025, 9, 30)
    assert compute({"measure_id": "own", "unit": "percent", "frequency": "month"}, given, Q2) == [
        (end, "all", "all", 25.0, 100.0, 25.0),
        (end, "month", "2025-07", 10.0, 40.0, 25.0),
        (end, "month", "2025-08", 6.0, 20.0, 30.0),
        (end, "month", "2025-09", 9.0, 40.0, 22.5),
    ]  # fmt: skip


def test_the_generic_query_takes_the_latest_year_in_the_12_months():
    # 2025-26Q2 (Qend 30 Sep 2025): the year to 31 Mar 2025 is within the 12 months to Qend; the
    # year to 31 Mar 2024 is not. A count: numerator = value, no denominator.
    d = dt.date
    given = [
        {"measure_id": "own", "period_end": d(2024, 3, 31), "value": 40.0},
        {"measure_id": "own", "period_end": d(2025, 3, 31), "value": 52.0},
    ]
    assert compute({"measure_id": "own", "unit": "count", "frequency": "year"}, given, Q2) == [
        (d(2025, 9, 30), "all", "all", 52.0, None, 52.0)]  # fmt: skip
    nothing = compute(
        {"measure_id": "own", "unit": "count", "frequency": "year"}, given[:1], Q2
    )
    assert nothing == [(d(2025, 9, 30), "all", "all", None, None, None)]
