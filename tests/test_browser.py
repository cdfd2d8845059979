"""A real browser (Debian's chromium) on the served app: deep links, values and charts."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from csperf import formatting, indicators, store, values

REGISTRY = indicators.registry()
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def latest(demo_db: Path, indicator_id: str) -> tuple[str, int]:
    con = store.connect(demo_db)
    try:
        quarters = [str(q) for q in store.quarters(con)]
        rows = values.read(con, indicator_id=indicator_id)
    finally:
        con.close()
    row = rows.filter((rows["quarter"] == quarters[-1]) & (rows["breakdown"] == "all"))
    return formatting.fmt(row["value"][0], REGISTRY[indicator_id].format), len(quarters)


@pytest.mark.browser
def test_overview_opens_with_every_indicator(page: Page, app_url: str, demo_db: Path):
    page.goto(app_url, timeout=120_000)
    page.get_by_role("heading", name="Overview").wait_for(timeout=120_000)
    page.locator(READY).wait_for(timeout=60_000)
    assert page.title() == "Overview · csperf"
    shown, _ = latest(demo_db, "cla_rate")
    expect(page.get_by_text(shown, exact=True).first).to_be_visible()
    for ind in REGISTRY.values():
        expect(page.get_by_role("link", name=ind.title)).to_be_visible()


@pytest.mark.browser
def test_indicator_deep_link_shows_one_point_per_quarter(
    page: Page, app_url: str, demo_db: Path
):
    page.goto(f"{app_url}/indicator?id=cla_rate", timeout=120_000)
    page.get_by_role("heading", name=REGISTRY["cla_rate"].title).wait_for(
        timeout=120_000
    )
    page.locator(READY).wait_for(timeout=60_000)
    assert page.title() == "Indicator · csperf"
    shown, quarters = latest(demo_db, "cla_rate")
    expect(page.get_by_text(shown, exact=True).first).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("g.mark-symbol.role-mark path")).to_have_count(quarters)


@pytest.mark.browser
def test_uploading_files_shows_recognition_then_loads_and_changes_the_overview(
    page: Page, app_url: str, demo_db: Path
):
    _, quarters = latest(demo_db, "cp_rate")
    page.goto(f"{app_url}/upload", timeout=120_000)
    page.get_by_role("heading", name="Upload").wait_for(timeout=120_000)
    page.locator(READY).wait_for(timeout=60_000)
    # the quarter picker defaults to the last complete quarter: choose the demo's latest
    page.get_by_label("Quarter these files are for").click()
    page.get_by_role("option", name="Quarter 2 2026-27 (July to September 2026)").click()
    page.locator(READY).wait_for(timeout=60_000)
    plans = b"child_id,start_date,end_date\nU1,2020-01-01,\nU2,2020-01-01,\nU3,2021-05-01,\n"
    measures = b"measure_id,period_end,value\nsw_vacancy_rate,2026-09-30,12.5\n"
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files([
        {"name": "cp_plan.csv", "mimeType": "text/csv", "buffer": plans},
        {"name": "local_measures.csv", "mimeType": "text/csv", "buffer": measures},
    ])  # fmt: skip
    page.get_by_role("heading", name="What was recognised").wait_for(timeout=60_000)
    # the three children are in none of the quarter's held CIN records: K04 warns of each
    expect(page.get_by_text("3 warnings", exact=True)).to_be_visible()
    page.get_by_text("I understand these rows will be replaced").click()
    page.get_by_role("button", name="Load quarter").click()
    expect(page.get_by_text("Loaded Quarter 2 2026-27")).to_be_visible(timeout=60_000)
    page.goto(app_url)
    page.get_by_role("heading", name="Child protection").wait_for(timeout=60_000)
    population = 121_300  # the demo's mid-2026 population
    shown = formatting.fmt(3 / population * 10_000, "rate1")
    expect(page.get_by_text(shown, exact=True).first).to_be_visible()
    assert quarters == 12


@pytest.mark.browser
def test_commentary_drafts_every_paragraph_and_accepting_one_counts_it(
    page: Page, app_url: str
):
    n = len(REGISTRY) + 1  # every indicator and the overall summary
    page.goto(f"{app_url}/commentary", timeout=120_000)
    page.get_by_role("heading", name="Commentary").wait_for(timeout=120_000)
    page.locator(READY).wait_for(timeout=120_000)
    expect(page.get_by_text(f"0 of {n} reviewed")).to_be_visible(timeout=60_000)
    summary = page.locator(".st-key-commentary_box__summary")
    expect(summary.get_by_role("heading", name="Overall summary")).to_be_visible()
    expect(summary.get_by_text("Draft \u2013 not reviewed")).to_be_visible()
    summary.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(f"1 of {n} reviewed")).to_be_visible(timeout=60_000)
    expect(summary.get_by_text("Accepted", exact=False).first).to_be_visible()
