"""AppTest runs of every page over the demo database, asserting what each shows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from csperf import formatting, indicators, store, values
from tests import bad_inputs

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "app.py")
REGISTRY = indicators.registry()


@pytest.fixture
def app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CSPERF_DB", str(demo_db))
    return AppTest.from_file(APP, default_timeout=60)


def stored(demo_db: Path):  # type: ignore[no-untyped-def]
    con = store.connect(demo_db)
    try:
        return values.read(con), [str(q) for q in store.quarters(con)]
    finally:
        con.close()


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_overview_lists_every_indicator_with_its_latest_value(app, demo_db):
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    links = [p.proto.label for p in at.get("page_link")]
    for ind in REGISTRY.values():
        assert ind.title in links
    rows, quarters = stored(demo_db)
    latest = rows.filter(
        (rows["quarter"] == quarters[-1]) & (rows["indicator_id"] == "cla_rate")
    )
    shown = formatting.fmt(latest["value"][0], "rate1")
    assert f"**{shown}**" in texts(at)
    assert at.selectbox(key="quarter").value == quarters[-1]


def test_overview_shows_england_at_its_published_precision(app):
    at = app.run()
    assert "67 (31 March 2025)" in texts(at)  # LAIT LAC, England, 2025


def test_choosing_an_earlier_quarter_changes_the_overview(app, demo_db):
    rows, quarters = stored(demo_db)
    at = app.run()
    at.selectbox(key="quarter").set_value(quarters[0]).run()
    first = rows.filter(
        (rows["quarter"] == quarters[0]) & (rows["indicator_id"] == "cp_rate")
    )
    assert f"**{formatting.fmt(first['value'][0], 'rate1')}**" in texts(at)
    assert "No earlier figure to compare" in texts(at)


def test_indicator_page_shows_the_title_a_chart_and_one_point_per_quarter(app, demo_db):
    _, quarters = stored(demo_db)
    at = app.run()
    at.query_params["id"] = "cla_rate"
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert at.title[0].value == "Indicator"
    assert at.header[0].value == REGISTRY["cla_rate"].title
    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # the trend, then the variation (XmR) chart
    spec = json.loads(charts[0].proto.spec)
    assert spec["description"].startswith(
        "Line chart of Looked-after children per 10,000"
    )
    assert json.loads(charts[1].proto.spec)["description"].startswith(
        "XmR chart of Looked-after children per 10,000, 12 points"
    )
    tables = [
        pa.ipc.open_stream(d.data.data).read_all() for d in charts[0].proto.datasets
    ]
    points = next(
        t
        for t in tables
        if set(t.column("series").to_pylist()) == {"Northfield (fictional)"}
    )
    assert points.column("quarter").to_pylist() == quarters


@pytest.mark.parametrize("indicator_id", list(REGISTRY))
def test_every_indicator_page_renders_its_chart_and_definition(app, indicator_id):
    at = app.run()
    at.query_params["id"] = indicator_id
    at.switch_page("pages/indicator.py").run()
    assert not at.exception
    assert at.header[0].value == REGISTRY[indicator_id].title
    assert len(at.get("vega_lite_chart")) >= 1
    assert REGISTRY[indicator_id].definition[:40] in texts(at)


def test_upload_page_offers_templates_and_a_file_picker(app):
    at = app.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert at.title[0].value == "Upload"
    assert at.selectbox(key="upload_quarter").value is not None


def test_uploading_and_loading_a_file_changes_the_overview(
    tmp_path, demo_db, monkeypatch
):
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("CSPERF_DB", str(db))
    rows, quarters = stored(db)
    latest = quarters[-1]
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="upload_quarter").set_value(latest).run()
    # Two children on plans at the quarter end replace the quarter's CP plans.
    plans = b"child_id,start_date,end_date\nX1,2020-01-01,\nX2,2020-01-01,\n"
    at.file_uploader(key="upload_files").upload("cp_plan.csv", plans, "text/csv").run()
    assert not at.exception
    summary = at.dataframe[0].value  # the recognition summary comes first
    assert list(summary["tables"]) == ["cp_plan"]
    at.checkbox(key="upload_confirm").check().run()
    at.button(key="load_quarter").click().run()
    assert not at.exception
    assert any("Loaded" in s.value for s in at.success)
    at.switch_page("app.py").run()
    population = rows.filter(
        (rows["quarter"] == latest) & (rows["indicator_id"] == "cp_rate")
    )["denominator"][0]
    assert f"**{formatting.fmt(2 / population * 10000, 'rate1')}**" in texts(at)


CORPUS = {i.number: i for i in bad_inputs.items()}
FAMILIES = [1, 26, 29, 37, 39, 41, 43, 44, 45]  # one of F, H, R, D, K, C, M; and 44-45


@pytest.mark.parametrize("number", FAMILIES)
def test_the_upload_page_shows_each_issue_family_without_an_error(app, number):
    item = CORPUS[number]
    at = app.run()
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="upload_quarter").set_value(
        "2025-26Q2"
    ).run()  # the corpus's quarter
    uploader = at.file_uploader(key="upload_files")
    for name, data in item.files:
        uploader.upload(name, data, "application/octet-stream")
    at.run()
    assert not at.exception
    summary = at.dataframe[0].value
    assert list(summary["file"]) == [n for n, _ in item.files]  # names shown literally
    shown_codes = set()
    for frame in at.dataframe[1:]:
        if "code" in frame.value.columns:
            shown_codes |= set(frame.value["code"])
    if item.code and item.code != "C03":
        assert item.code in shown_codes
    refused = item.outcome == "refused"
    assert bool(at.error) == refused
    assert any("Load quarter" in b.label for b in at.button) != refused


def test_the_issues_csv_escapes_formula_like_text():
    from csperf.ui import upload
    from csperf.validate import Issue, issues_frame

    frame = issues_frame([Issue("R04", "warning", "=cmd|'/c calc'!A1.csv", "msg.", row="2",
                                value="+SUM(A1)")])  # fmt: skip
    text = upload.safe_csv(frame).decode()
    assert "'=cmd|" in text and "'+SUM(A1)" in text


def test_after_a_load_the_upload_page_lists_what_the_quarter_cannot_support(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CSPERF_DB", str(tmp_path / "new.duckdb"))
    from csperf import first_start

    monkeypatch.setattr(
        first_start, "install_demo", lambda *a, **k: []
    )  # an empty database
    con = store.connect(tmp_path / "new.duckdb")
    store.set_setting(con, "council.code", "885")
    store.set_setting(con, "council.name", "Worcestershire")
    store.set_setting(con, "council.nation", "england")
    con.close()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="upload_quarter").set_value("2025-26Q2").run()
    at.file_uploader(key="upload_files").upload(
        "cp_plan.csv", b"child_id,start_date\nA,2025-01-01\n", "text/csv"
    ).run()
    at.checkbox(key="upload_confirm").check().run()
    at.button(key="load_quarter").click().run()
    assert not at.exception
    [warning] = at.warning
    assert (
        "cla_rate: not covered. No looked-after episodes are loaded for the quarter."
        in warning.value
    )


def test_before_loading_the_upload_page_shows_the_coverage_the_files_would_give(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CSPERF_DB", str(tmp_path / "new.duckdb"))
    from csperf import first_start

    monkeypatch.setattr(first_start, "install_demo", lambda *a, **k: [])
    con = store.connect(tmp_path / "new.duckdb")
    store.set_setting(con, "council.code", "885")
    store.set_setting(con, "council.nation", "england")
    con.close()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/upload.py").run()
    at.selectbox(key="upload_quarter").set_value("2025-26Q2").run()
    at.file_uploader(key="upload_files").upload(
        "cp_plan.csv", b"child_id,start_date\nA,2024-11-02\n", "text/csv"
    ).run()
    assert not at.exception
    frames = {tuple(f.value.columns): f.value for f in at.dataframe}
    periods_shown = frames[
        ("table", "source", "from", "to", "rows", "from these files")
    ]
    assert periods_shown.to_dict("records") == [
        # child A has no child row: a stub child comes with the plans (K05)
        {"table": "child", "source": "csperf CSV", "from": "",
         "to": "30 September 2025", "rows": 1, "from these files": "yes"},
        {"table": "cp_plan", "source": "csperf CSV", "from": "1 November 2024",
         "to": "30 September 2025", "rows": 1, "from these files": "yes"}]  # fmt: skip
    gaps = frames[("indicator", "id", "coverage", "what is missing")]
    cla = gaps[gaps["id"] == "cla_rate"].to_dict("records")
    assert cla[0]["coverage"] == "not covered"
    assert "looked-after episodes" in cla[0]["what is missing"]
    assert "cp_rate" not in set(gaps["id"])
    assert any("would not fully support" in m.value for m in at.markdown)
    # nothing is written until the analyst confirms and loads
    con = store.connect(tmp_path / "new.duckdb")
    assert store.quarters(con) == []
    con.close()


def test_a_distribution_headline_gives_the_change_of_its_largest_category(demo_db):
    from csperf import overview, periods

    rows, quarters = stored(demo_db)
    latest, before = quarters[-1], quarters[-2]
    mine = rows.filter(
        (rows["indicator_id"] == "placement_types")
        & (rows["breakdown"] == "placement_group")
    )
    now = mine.filter(mine["quarter"] == latest).sort("value", descending=True)
    top = now["category"][0]
    then = mine.filter((mine["quarter"] == before) & (mine["category"] == top))
    # the change shown is the difference of the two displayed percentages
    delta = float(formatting.fmt(now["value"][0], "pct1").rstrip("%")) - float(
        formatting.fmt(then["value"][0], "pct1").rstrip("%")
    )
    shown = overview.headline_rows(rows, periods.Quarter.parse(latest), "england")
    (row,) = [r for r in shown if r.indicator.id == "placement_types"]
    assert row.change is not None
    assert row.change.since == periods.Quarter.parse(before).label_short
    if round(delta, 1) == 0:
        assert row.change.text == "No change"
    else:
        word = "Up" if delta > 0 else "Down"
        points = f"{abs(delta):.1f}"
        assert row.change.text.startswith(f"{word} {points} percentage point")
