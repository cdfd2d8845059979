"""AppTest runs of the Settings and Data quality pages over a copy of the demo database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from csperf import analysis_settings, data_quality, overrides, periods, store, values

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "app.py")
LATEST = periods.Quarter.parse("2026-27Q2")


@pytest.fixture
def db(app_db: Path) -> Path:
    return app_db


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_settings_shows_the_council_and_its_population(db):
    at = open_page("pages/settings.py")
    assert at.title[0].value == "Settings"
    assert at.text_input(key="settings_name").value == "Northfield (fictional)"
    council = at.dataframe[0].value
    assert council["Value"].to_list()[:2] == ["999", "England"]
    population = at.dataframe[1].value
    assert 2025 in population["Year (mid-year)"].to_list()


def test_choosing_neighbours_recomputes_the_median(db):
    at = open_page("pages/settings.py")
    at.multiselect(key="settings_neighbours").set_value([933, 916, 838, 937, 893]).run()
    at.button(key="settings_save_neighbours").click().run()
    assert not at.exception
    assert "Statistical neighbours saved" in at.success[0].value
    con = store.connect(db)
    try:
        assert overrides.read(con).neighbours == (838, 893, 916, 933, 937)
        cla = values.read(con, LATEST, "cla_rate").row(0, named=True)
    finally:
        con.close()
    assert cla["sn_median"] == 57  # LAC 2025: 55, 57, 65, 56, 119


def test_an_analysis_setting_is_saved(db):
    at = open_page("pages/settings.py")
    at.number_input(key="analysis_spc_shift_points").set_value(8).run()
    at.button(key="settings_save_analysis").click().run()
    assert not at.exception
    assert at.success[0].value == "Analysis settings saved."
    con = store.connect(db)
    try:
        assert analysis_settings.value(con, "spc", "shift_points") == 8
    finally:
        con.close()


def test_data_quality_lists_the_quarters_issues_and_coverage(db):
    at = open_page("pages/data_quality.py")
    assert at.title[0].value == "Data quality"
    con = store.connect(db)
    try:
        issues = data_quality.issues(con, LATEST)
        cover = data_quality.indicator_coverage(con, LATEST, "england")
    finally:
        con.close()
    headers = [s.value for s in at.subheader]
    assert headers[:3] == [
        "Validation issues",
        "What the data cover",
        "Indicator coverage",
    ]
    frames = at.dataframe  # issues, tables covered, indicator coverage
    assert len(frames[0].value) == issues.height
    tables = frames[1].value
    assert "Looked-after episodes" in tables["Table"].to_list()
    shown = frames[2].value
    assert shown["Indicator"].to_list() == cover["Indicator"].to_list()
    assert set(shown["Coverage"]) <= {"Covered", "Partly covered", "Not covered"}
    at.multiselect(key="dq_severity").set_value(["warning"]).run()
    warnings = issues.filter(issues["severity"] == "warning").height
    assert len(at.dataframe[0].value) == warnings


def test_settings_offers_the_word_template_and_names_the_one_in_use(db):
    at = open_page("pages/settings.py")
    assert "Word template for the report" in [s.value for s in at.subheader]
    assert any("None is set: a clean default is used." in c.value for c in at.caption)
    from csperf.report import word_template
    from tests.test_report_bundle import _template

    con = store.connect(db)
    try:
        word_template.save(con, "Northfield pack.docx", _template())
    finally:
        con.close()
    at = open_page("pages/settings.py")
    assert any("In use: Northfield pack.docx." in c.value for c in at.caption)
