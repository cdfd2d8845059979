"""AppTest runs of the Commentary page over a copy of the demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from csperf import commentary_review, indicators, periods, store

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "app.py")
PAGE = "pages/commentary.py"
LATEST = periods.Quarter.parse("2026-27Q2")
IND = "cla_rate"
TITLE = indicators.registry()[IND].title


@pytest.fixture
def db(app_db: Path) -> Path:
    return app_db


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def stored(db: Path) -> dict[str, commentary_review.Paragraph]:
    con = store.connect(db)
    try:
        return {p.indicator_id: p for p in commentary_review.read(con, LATEST)}
    finally:
        con.close()


def progress_text(at: AppTest) -> str:
    return str(at.get("progress")[0].proto.text)


def subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_the_page_drafts_every_paragraph_and_shows_progress(db):
    at = open_page()
    assert at.title[0].value == "Commentary"
    paragraphs = stored(db)
    assert "_summary" in paragraphs and IND in paragraphs
    assert {p.status for p in paragraphs.values()} == {"draft"}
    assert progress_text(at) == f"0 of {len(paragraphs)} reviewed"
    assert subheaders(at)[0] == "Overall summary"
    assert TITLE in subheaders(at)
    assert len(subheaders(at)) == len(paragraphs)


def test_accept_changes_the_status_and_persists_after_a_rerun(db):
    at = open_page()
    total = len(stored(db))
    at.button(key=f"commentary_accept_{IND}").click().run()
    assert not at.exception
    assert stored(db)[IND].status == "accepted"
    at.run()
    assert progress_text(at) == f"1 of {total} reviewed"
    assert at.selectbox(key="commentary_filter").value == "all"
    at.selectbox(key="commentary_filter").set_value("accepted").run()
    assert subheaders(at) == [TITLE]
    assert any(c.value.startswith("Accepted") for c in at.main.caption)
    at.selectbox(key="commentary_filter").set_value("stale").run()
    assert subheaders(at) == []


def test_an_edit_is_saved_and_an_untraced_number_is_flagged(db):
    at = open_page()
    at.button(key=f"commentary_edit_{IND}").click().run()
    editor = at.text_area(key=f"commentary_text_{IND}")
    assert editor.value == stored(db)[IND].text
    editor.set_value("The rate rose to 937 children per 10,000.")
    at.button(key=f"commentary_save_{IND}").click().run()
    assert not at.exception
    p = stored(db)[IND]
    assert (p.status, p.text) == ("edited", "The rate rose to 937 children per 10,000.")
    captions = [c.value for c in at.caption]
    assert "⚠ 937 is not among this paragraph's figures" in captions


def test_a_stale_paragraph_shows_the_banner_and_keep_my_text_reviews_it(db):
    open_page()
    con = store.connect(db)
    try:  # the analyst's text was written against other figures; then the data were reloaded
        commentary_review.save_edit(con, LATEST, IND, "Analyst text.")
        old = commentary_review.get(con, LATEST, IND).facts
        reviewed = {**old, "latest": {**old["latest"], "display": "1.0"}}
        store.run(
            con,
            "update commentary_paragraph set reviewed_facts_json = ?, "
            "reviewed_facts_hash = 'old', source_version = 'old' "
            "where quarter = ? and indicator_id = ?",
            [json.dumps(reviewed), str(LATEST), IND],
        )
    finally:
        con.close()
    at = open_page()
    p = stored(db)[IND]
    assert (p.status, p.text) == ("stale", "Analyst text.")
    banners = [w.value for w in at.warning]
    new = commentary_review.flatten(p.facts)["latest"]
    assert any(
        b.startswith("Figures changed:") and f"Latest value 1.0 → {new}" in b
        and b.endswith("Keep my text, use the new draft, or edit.")
        for b in banners
    )  # fmt: skip
    assert any(b.startswith("1 paragraph is stale") for b in banners)
    at.button(key=f"commentary_keep_my_text_{IND}").click().run()
    assert not at.exception
    p = stored(db)[IND]
    assert (p.status, p.text, p.stale_diff) == ("edited", "Analyst text.", None)


def test_the_summary_shows_each_headlines_score_and_a_chart_opens_on_request(db):
    at = open_page()
    captions = [c.value for c in at.caption]
    assert any(": score " in c and "(" in c for c in captions), captions
    summary = stored(db)["_summary"]
    assert summary.text.startswith("- ")
    assert len(summary.facts["salience"]) == summary.text.count("- ")
    toggle = at.toggle(key=f"commentary_chart_{IND}")
    toggle.set_value(True).run()
    assert not at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert "Looked-after children" in json.dumps(spec)


def test_pinning_an_indicator_puts_its_headline_in_the_summary(db):
    at = open_page()
    assert "Contacts received" not in stored(db)["_summary"].text
    at.checkbox(key="commentary_pin_contacts").check().run()
    assert not at.exception
    assert any("Pinned to the overall summary." in s.value for s in at.success)
    at.run()  # the summary was drafted again with the pin
    summary = stored(db)["_summary"]
    assert "contacts received" in summary.text.lower()
    assert any(": score 100 (" in c.value for c in at.caption)
