"""The command line over the demo database: values, issues, exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import polars as pl

from csperf import __main__ as cli
from csperf import indicators

ROOT = Path(__file__).parent.parent
FOUNDATION = {"cla_rate", "cla_starts_ceases", "cp_rate", "cin_rate", "assessment_timeliness",
              "placement_stability_short"}  # fmt: skip
ENGLISH = {i.id for i in indicators.load_registry().values() if "england" in i.nations}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_values_prints_every_indicator_for_twelve_quarters_with_england(demo_db):
    code, out, _ = run("values", "--db", str(demo_db), "--quarter", "2026-27Q2")
    assert code == 0
    frame = pl.read_csv(io.StringIO(out))
    assert frame.columns[:8] == ["indicator_id", "period_end", "breakdown", "category", "value",
                                 "numerator", "denominator", "unit"]  # fmt: skip
    assert FOUNDATION <= set(frame["indicator_id"]) <= ENGLISH
    assert frame["period_end"].n_unique() == 12
    cla = frame.filter(pl.col("indicator_id") == "cla_rate").sort("period_end")
    assert cla["england"].to_list()[-1] == 67  # LAIT LAC 2025, England
    assert cla["region"].to_list()[-1] == 86  # West Midlands
    starts = frame.filter(pl.col("category") == "starts_ytd")
    assert (
        starts["england"].is_null().all()
    )  # counts are never compared with a national count
    rate = frame.filter(pl.col("category") == "starts_rate_r12")
    assert rate["england"].is_not_null().all()


def test_values_for_an_unloaded_quarter_is_one_line_and_exit_1(demo_db):
    code, _, err = run("values", "--db", str(demo_db), "--quarter", "2019-20Q1")
    assert code == 1
    assert err.startswith("csperf: No data loaded for 2019-20Q1")
    assert "Traceback" not in err


def test_a_badly_written_quarter_is_refused_with_the_form_shown(demo_db):
    code, _, err = run("values", "--db", str(demo_db), "--quarter", "Q2 2026")
    assert code == 1
    assert "2025-26Q1" in err


def test_load_with_validation_errors_exits_2_and_loads_nothing(tmp_path):
    bad = tmp_path / "cp_plan.csv"
    bad.write_bytes(b"child_id,start_date\n,2025-01-01\n")
    db = tmp_path / "t.duckdb"
    code, out, _ = run("load", "--db", str(db), "--council", "999", "--quarter", "2025-26Q2",
                       str(bad))  # fmt: skip
    assert code == 2
    assert "R01" in out
    code, _, err = run("values", "--db", str(db), "--quarter", "2025-26Q2")
    assert code == 1 and "No data loaded" in err


def test_load_then_values_and_issues(tmp_path):
    plans = tmp_path / "cp_plan.csv"
    plans.write_bytes(
        b"child_id,start_date,latest_category\nA,2025-01-01,NEG\nB,2025-02-01,ZZZ\n"
    )
    db = tmp_path / "t.duckdb"
    code, out, err = run("load", "--db", str(db), "--council", "885", "--quarter", "2025-26Q2",
                         str(plans))  # fmt: skip
    assert code == 0, err
    assert "replacing cp_plan from csperf_csv: 0 rows now" in err
    code, out, _ = run("values", "--db", str(db), "--quarter", "2025-26Q2")
    cp = pl.read_csv(io.StringIO(out)).filter(pl.col("indicator_id") == "cp_rate")
    assert cp["numerator"][0] == 2
    assert (
        cp["denominator"][0] == 120119
    )  # Worcestershire, mid-2024: the latest estimate
    code, out, _ = run("issues", "--db", str(db), "--quarter", "2025-26Q2")
    issues = pl.read_csv(io.StringIO(out)).filter(pl.col("code") != "C03")
    assert issues.select("code", "row", "value").rows() == [("R04", 3, "ZZZ")]


def test_loading_another_council_into_the_database_is_refused(tmp_path):
    plans = tmp_path / "cp_plan.csv"
    plans.write_bytes(b"child_id,start_date\nA,2025-01-01\n")
    db = tmp_path / "t.duckdb"
    assert (
        run(
            "load",
            "--db",
            str(db),
            "--council",
            "885",
            "--quarter",
            "2025-26Q2",
            str(plans),
        )[0]
        == 0
    )
    code, _, err = run("load", "--db", str(db), "--council", "999", "--quarter", "2025-26Q2",
                       str(plans))  # fmt: skip
    assert code == 1
    assert "holds council 885" in err and "999" in err


def test_the_module_runs_as_a_command():
    args = [sys.executable, "-m", "csperf", "values", "--db", "x", "--quarter", "bad"]
    out = subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr


def test_worcestershires_printed_comparators_equal_the_reference_checks(tmp_path):
    """indicators.md reference checks 1, 2, 4 and 5, read by hand from the official files."""
    episodes = tmp_path / "cla_episode.csv"
    episodes.write_bytes(
        b"child_id,start_date,reason_new,legal_status,placement_type\n"
        b"A,2025-01-01,S,C2,U1\n"
    )
    plans = tmp_path / "cp_plan.csv"
    plans.write_bytes(b"child_id,start_date,latest_category\nA,2025-01-01,NEG\n")
    db = tmp_path / "t.duckdb"
    code, _, err = run("load", "--db", str(db), "--council", "885", "--quarter", "2025-26Q4",
                       str(episodes), str(plans))  # fmt: skip
    assert code == 0, err
    code, out, _ = run("values", "--db", str(db), "--quarter", "2025-26Q4")
    frame = pl.read_csv(io.StringIO(out), infer_schema_length=0)
    cla = frame.filter(pl.col("indicator_id") == "cla_rate").row(0, named=True)
    assert [cla[c] for c in ("england", "region", "sn_median", "sn_mean", "sn_rank")] == [
        "67.0", "86.0", "56.5", "61.2", "2nd highest of 11",
    ]  # fmt: skip
    cp = frame.filter(pl.col("indicator_id") == "cp_rate").row(0, named=True)
    assert [cp[c] for c in ("england", "region", "sn_median", "sn_mean", "sn_rank")] == [
        "40.6", "40.3", "32.5", "35.04", "3rd highest of 11",
    ]  # fmt: skip


def test_commentary_prints_every_paragraph_with_its_status(demo_db, tmp_path):
    import json
    import shutil

    db = tmp_path / "csperf.duckdb"
    shutil.copy(demo_db, db)
    code, out, _ = run("commentary", "--db", str(db), "--quarter", "2026-27Q2")
    assert code == 0
    assert out.startswith("# Northfield")
    assert "0 of 49 reviewed." in out
    assert out.count("*DRAFT \u2013 not reviewed*") == 49
    assert "## Overall summary" in out and "## Looked-after children per 10,000" in out
    code, out, _ = run(
        "commentary", "--db", str(db), "--quarter", "2026-27Q2", "--format", "json"
    )
    assert code == 0
    items = json.loads(out)
    assert items[0]["indicator_id"] == "_summary"
    assert {i["indicator_id"] for i in items[1:]} == ENGLISH
    first = items[1]
    assert set(first) == {"indicator_id", "status", "text", "facts", "facts_hash"}
    assert first["facts"]["period"]["quarter"] == "2026-27Q2"
    code, _, err = run("commentary", "--db", str(db), "--quarter", "2019-20Q1")
    assert code == 1 and "No data loaded for 2019-20Q1" in err
