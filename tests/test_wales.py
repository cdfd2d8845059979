"""The Welsh demo council: Wales wording, the 42-working-day limit and Wales comparators."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import polars as pl

from csperf import __main__ as cli
from csperf import active_rows, benchmarks, indicators, periods, store, values

Q = periods.Quarter.parse("2026-27Q2")


def _values(db) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["values", "--db", str(db), "--quarter", str(Q)]) == 0
    return pl.read_csv(io.StringIO(out.getvalue()))


def test_every_wales_indicator_has_a_value_or_a_stated_reason(wales_db):
    frame = _values(wales_db).filter(pl.col("period_end") == "2026-09-30")
    wanted = {i.id for i in indicators.for_nation("wales")}
    assert set(frame["indicator_id"]) == wanted
    for row in frame.iter_rows(named=True):
        assert (row["value"] is not None) == (row["status"] == "ok"), row


def test_the_welsh_council_gets_wales_comparators_and_no_english_ones(wales_db):
    frame = _values(wales_db).filter(pl.col("period_end") == "2026-09-30")
    cla = frame.filter(pl.col("indicator_id") == "cla_rate").row(0, named=True)
    assert cla["wales"] == 116.3  # Welsh Government, 31 March 2023
    assert cla["england"] is None and cla["region"] is None and cla["sn_median"] is None


def test_wales_assessments_are_timely_within_42_working_days(wales_db):
    con = store.connect(wales_db)
    try:
        stored = values.read(con, Q, "assessment_timeliness").row(0, named=True)
        snap = store.snapshot_for(con, Q)
        assert snap is not None
        ind = indicators.registry()["assessment_timeliness"]
        with active_rows.views(con, snap.snapshot_id):
            pop = values.population(con, benchmarks.council("W06999999"), Q).value
            as_england = indicators.compute(
                con, ind, indicators.QueryContext(Q, "england", pop, snap.snapshot_id)
            ).row(0, named=True)
    finally:
        con.close()
    assert ind.param("working_days", "wales") == 42
    assert stored["denominator"] == as_england["denominator"]
    # Fewer assessments are on time against 42 days than against England's 45.
    assert stored["numerator"] < as_england["numerator"]
    assert (
        ind.title_for("wales")
        == "Well-being assessments completed within 42 working days"
    )


def test_rates_without_a_population_say_so_instead_of_giving_no_cases(wales_db, tmp_path):
    import shutil

    copy = tmp_path / "w.duckdb"
    shutil.copy(wales_db, copy)
    con = store.connect(copy)
    try:
        store.set_setting(con, "population", {})
        values.recompute(con)
        row = values.read(con, Q, "cla_rate").row(0, named=True)
        timely = values.read(con, Q, "assessment_timeliness").row(0, named=True)
    finally:
        con.close()
    assert (row["status"], row["value"]) == ("not covered", None)
    assert row["status_reason"] == values.NO_POPULATION
    assert row["numerator"] == 700  # the count is still there for the analyst
    assert timely["status"] == "ok"  # percentages need no population
