"""The coverage check: full, partial and none, with the reason in plain words."""

import datetime as dt

from csperf import coverage, indicators, periods
from csperf.coverage import TableCoverage

Q = periods.Quarter.parse("2025-26Q2")  # 1 July to 30 September 2025
REG = indicators.registry()
D = dt.date


def test_a_twelve_month_window_is_full_when_the_extract_reaches_back_far_enough():
    loaded = {
        "cla_episode": TableCoverage("cla_episode", "csperf_csv", D(2023, 4, 1), Q.end)
    }
    assert coverage.check(REG["placement_stability_short"], Q, loaded).status == "full"


def test_a_short_extract_gives_partial_coverage_with_the_dates():
    loaded = {
        "cla_episode": TableCoverage("cla_episode", "ssda903_csv", D(2025, 4, 1), Q.end)
    }
    result = coverage.check(REG["placement_stability_short"], Q, loaded)
    assert result.status == "partial"
    assert result.reason == (
        "Looked-after episodes from 1 October 2024 are needed; the SSDA903 extract starts on "
        "1 April 2025, so 1 October 2024 to 31 March 2025 is missing (50% of the window is "
        "covered)."
    )


def test_an_extract_ending_before_the_quarter_end_does_not_cover_it():
    loaded = {
        "cp_plan": TableCoverage("cp_plan", "cin_xml", D(2024, 4, 1), D(2025, 3, 31))
    }
    result = coverage.check(REG["cp_rate"], Q, loaded)
    assert result.status == "none"
    assert "30 September 2025" in result.reason


def test_a_missing_table_is_not_covered():
    result = coverage.check(REG["cin_rate"], Q, {})
    assert (result.status, result.reason) == (
        "none",
        "No children-in-need episodes are loaded for the quarter.",
    )


def test_period_grain_episodes_do_not_support_placement_moves():
    loaded = {
        "cla_episode": TableCoverage("cla_episode", "annex_a", D(2023, 1, 1), Q.end)
    }
    assert coverage.check(REG["placement_stability_short"], Q, loaded).status == "none"
    assert coverage.check(REG["cla_rate"], Q, loaded).status == "full"


def test_windows_are_measured_back_from_the_quarter_end():
    assert coverage.window("events_ytd", Q) == (D(2025, 4, 1), D(2025, 9, 30))
    assert coverage.window("lookback_r12_12m", Q) == (D(2023, 10, 1), D(2025, 9, 30))
    assert coverage.window("history_30m", Q) == (D(2023, 4, 1), D(2025, 9, 30))


def test_a_table_with_an_alternative_is_covered_by_either():
    ind = indicators.Indicator(
        **{**REG["cla_rate"].__dict__, "sources": ("cla_episode", "placement_cost_rate",
                                                    "local_measure"),
           "coverage": ({"table": "cla_episode", "window": "state_q"},
                        {"table": "placement_cost_rate", "window": "state_q",
                         "any_of": ["local_measure"]})}
    )  # fmt: skip
    episodes = TableCoverage("cla_episode", "csperf_csv", D(2023, 4, 1), Q.end)
    measures = TableCoverage("local_measure", "local_measures", D(2024, 4, 1), Q.end)
    costs = TableCoverage("placement_cost_rate", "placement_costs", None, Q.end)
    assert coverage.check(
        ind, Q, {"cla_episode": episodes, "local_measure": measures}
    ).status == ("full")
    assert coverage.check(
        ind, Q, {"cla_episode": episodes, "placement_cost_rate": costs}
    ).status == ("full")
    result = coverage.check(ind, Q, {"cla_episode": episodes})
    assert (result.status, result.reason) == (
        "none", "No placement unit costs are loaded for the quarter."
    )  # fmt: skip


# ---------------------------------------------------------------- columns (formats.md §A.6)


def _have(table: str, *formats: str) -> coverage.TableCoverage:
    q = periods.Quarter.parse("2025-26Q2")
    return coverage.TableCoverage(table, formats[0], dt.date(2023, 4, 1), q.end, formats)


def test_a_column_no_loaded_format_fills_makes_the_indicator_not_covered() -> None:
    q = periods.Quarter.parse("2025-26Q2")
    ind = indicators.registry()["placed_in_area"]
    result = coverage.check(ind, q, {"cla_episode": _have("cla_episode", "ssda903_csv")})
    assert result == coverage.Coverage(
        "none",
        "The SSDA903 looked-after episodes do not record placement location; load Annex A "
        "or csperf CSV files that do.",
    )


def test_a_column_from_another_loaded_format_is_enough_where_the_query_falls_back() -> None:
    q = periods.Quarter.parse("2025-26Q2")
    ind = indicators.registry()["placed_in_area"]
    both = {"cla_episode": _have("cla_episode", "ssda903_csv", "annex_a")}
    assert coverage.check(ind, q, both).status == "full"


def test_a_column_the_active_source_must_fill() -> None:
    q = periods.Quarter.parse("2025-26Q2")
    ind = indicators.registry()["cla_review_participation"]
    loaded = {"cla_review": _have("cla_review", "ssda903_xml")}
    assert coverage.check(ind, q, loaded).status == "full"
    assert not coverage.fills("annex_a", "cla_review", "participation")
    assert coverage.fills("ssda903_xml", "cla_review", "participation")
    assert not coverage.fills("ssda903_xml", "cla_episode", "placement_location")
