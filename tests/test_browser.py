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
