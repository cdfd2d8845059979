"""The store: explicit tables, per-(format, table) quarter replace in one transaction."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import duckdb
import polars as pl
import pytest

from csperf import ingest, periods, store

Q1 = periods.Quarter.parse("2025-26Q1")
Q2 = periods.Quarter.parse("2025-26Q2")

EPISODES = b"""child_id,start_date,end_date,reason_new,legal_status
A1,2025-01-10,,S,C2
A2,2025-02-01,2025-05-15,S,V2
"""
REVIEWS = b"""child_id,review_date,participation
A1,2025-04-01,PN1
"""
PLANS = b"""child_id,start_date,end_date
B1,2025-03-01,
"""


def load(con, quarter, files):
    upload = ingest.read(files, quarter)
    assert not upload.blocked, upload.issues
    store.set_setting(con, "population", {"2025": 1000})
    return ingest.load(con, "999", upload)


def hashes(con) -> dict[str, str]:
    return {
        t: store.table_hash(con, t) for t in store.all_table_names() if t != "audit_log"
    }


def test_every_canonical_table_is_created_with_system_columns(con):
    cols = {r[0] for r in con.execute("describe cla_episode").fetchall()}
    assert {"snapshot_id", "source_format", "src_file", "src_row", "dq_flags"} <= cols
    assert {"child_id", "start_date", "legal_status"} <= cols


def test_loading_a_quarter_stores_pseudonymised_ids_never_the_raw_ones(con):
    load(con, Q1, [("cla_episode.csv", EPISODES)])
    ids = [r[0] for r in con.execute("select child_id from cla_episode").fetchall()]
    assert len(ids) == 2
    assert all(len(i) == 64 and i not in ("A1", "A2") for i in ids)


def test_reloading_one_table_replaces_only_that_table_of_that_quarter(con):
    load(con, Q1, [("cla_episode.csv", EPISODES), ("cla_review.csv", REVIEWS)])
    load(con, Q2, [("cla_episode.csv", EPISODES)])
    other_quarter = store.table_hash(con, "cla_episode")
    episodes_q1 = con.execute(
        "select count(*) from cla_episode join snapshot using (snapshot_id) where quarter = ?",
        [str(Q1)],
    ).fetchall()
    load(con, Q1, [("cla_review.csv", REVIEWS.replace(b"PN1", b"PN7"))])
    assert store.table_hash(con, "cla_episode") == other_quarter
    assert (
        con.execute(
            "select count(*) from cla_episode join snapshot using (snapshot_id) where quarter = ?",
            [str(Q1)],
        ).fetchall()
        == episodes_q1
    )
    assert con.execute("select participation from cla_review").fetchall() == [("PN7",)]


def test_a_failed_load_leaves_every_table_as_it_was(con, monkeypatch):
    load(con, Q1, [("cla_episode.csv", EPISODES), ("cp_plan.csv", PLANS)])
    before = hashes(con)
    upload = ingest.read([("cla_episode.csv", EPISODES.replace(b"A2", b"A3"))], Q1)

    def fail(*args, **kwargs):
        raise duckdb.ConversionException("made to fail after the delete")

    monkeypatch.setattr(store, "_refresh_snapshot_tables", fail)
    with pytest.raises(ingest.LoadRefusedError, match="nothing was changed"):
        ingest.load(con, "999", upload)
    assert hashes(con) == before


def test_a_load_stores_the_quarters_values_and_an_audit_row(con):
    load(con, Q1, [("cla_episode.csv", EPISODES)])
    row = con.execute(
        "select numerator, value from indicator_value where indicator_id = 'cla_rate'"
    ).fetchall()
    assert row == [(1.0, 10.0)]  # A2 ended 15 May 2025, before 30 June 2025
    events = con.execute("select event, outcome, quarter from audit_log").fetchall()
    assert events == [("load", "ok", "2025-26Q1")]


def test_loading_another_councils_data_is_refused(con):
    load(con, Q1, [("cla_episode.csv", EPISODES)])
    upload = ingest.read([("cla_episode.csv", EPISODES)], Q2)
    with pytest.raises(ingest.LoadRefusedError, match="holds council 999"):
        ingest.load(con, "885", upload)


def test_a_second_process_gets_a_clear_message_not_a_traceback(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = store.connect(path)
    code = textwrap.dedent(f"""
        from csperf import store
        try:
            store.connect({str(path)!r})
        except store.DatabaseLockedError as exc:
            print(exc)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, timeout=60)  # fmt: skip
    holder.close()
    assert "open in another csperf window or process" in out.stdout
    assert "Traceback" not in out.stderr


def test_settings_round_trip_as_json(con):
    store.set_setting(con, "population", {"2025": 120000})
    assert store.get_setting(con, "population") == {"2025": 120000}
    assert store.get_setting(con, "missing", "default") == "default"


def test_the_working_day_macro_matches_the_python_count(con):
    a, b = dt.date(2025, 12, 19), dt.date(2026, 1, 2)
    got = con.execute("select working_days(?, ?, 'england')", [a, b]).fetchall()[0][0]
    assert got == periods.working_days(a, b, "england") == 7


def test_replacements_list_current_row_counts(con):
    load(con, Q1, [("cla_episode.csv", EPISODES)])
    upload = ingest.read([("cla_episode.csv", EPISODES)], Q1)
    rows = store.replacements(con, Q1, upload.loads)
    assert [(r.table, r.source_format, r.current_rows) for r in rows] == [
        ("cla_episode", "csperf_csv", 2)
    ]


def test_issues_are_stored_with_the_snapshot(con):
    bad = EPISODES + b"A4,2025-03-01,,S,ZZ\n"
    load(con, Q1, [("cla_episode.csv", bad)])
    issues = con.sql("select code, row, field, value from load_issue order by code").pl()
    assert issues.filter(pl.col("code") != "C03").rows() == [
        ("R04", "4", "cla_episode.legal_status", "ZZ")
    ]
    uncovered = issues.filter(pl.col("code") == "C03")["field"].to_list()
    assert "cp_rate" in uncovered  # no CP plans were loaded
    assert "cla_rate" not in uncovered
    assert isinstance(issues, pl.DataFrame)
