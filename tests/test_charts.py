"""Chart specs as data: the values plotted, England's line, axis titles with units, description."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from csperf import charts, indicators

CLA = indicators.registry()["cla_rate"]


def stored() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "quarter": ["2024-25Q3", "2024-25Q4", "2025-26Q1"],
            "indicator_id": ["cla_rate"] * 3,
            "period_end": [
                dt.date(2024, 12, 31),
                dt.date(2025, 3, 31),
                dt.date(2025, 6, 30),
            ],
            "breakdown": ["all"] * 3,
            "category": ["all"] * 3,
            "value": [69.54, 70.21, 71.4],
            "england": [69.0, 67.0, 67.0],
        }
    )


def datasets(spec: dict) -> list[list[dict]]:  # type: ignore[type-arg]
    return list(spec["datasets"].values())


def test_trend_plots_each_quarter_and_the_england_line():
    spec = charts.trend(CLA, stored(), "Northfield (fictional)").to_dict()
    lines, points = spec["layer"][0], spec["layer"][1]
    plotted = spec["datasets"][points["data"]["name"]]
    assert [r["value"] for r in plotted] == [69.54, 70.21, 71.4]
    assert [r["shown"] for r in plotted] == ["69.5", "70.2", "71.4"]
    both = spec["datasets"][lines["data"]["name"]]
    england = [r["value"] for r in both if r["series"] == "England"]
    assert england == [69.0, 67.0, 67.0]
    assert lines["mark"]["type"] == "line"
    assert points["mark"]["type"] == "point"


def test_trend_axes_carry_their_units():
    spec = charts.trend(CLA, stored(), "Northfield (fictional)").to_dict()
    layer = spec["layer"][1]
    assert layer["encoding"]["y"]["title"] == "Per 10,000 children aged under 18"
    assert layer["encoding"]["x"]["title"] == "Quarter (financial year)"
    assert spec["title"] == "Looked-after children per 10,000"


def test_trend_has_a_text_description_for_screen_readers():
    spec = charts.trend(CLA, stored(), "Northfield (fictional)").to_dict()
    assert spec["description"] == (
        "Line chart of Looked-after children per 10,000 for Northfield (fictional), 3 quarters "
        "from 2024-25Q3 (69.5) to 2025-26Q1 (71.4). England's latest published figure: 67."
    )


def test_the_england_line_is_dashed_so_colour_is_not_the_only_cue():
    spec = charts.trend(CLA, stored(), "Northfield (fictional)").to_dict()
    dash = spec["layer"][0]["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == ["Northfield (fictional)", "England"]
    assert dash["range"] == [[1, 0], [6, 4]]


def test_a_series_without_a_comparator_has_no_england_legend_entry():
    frame = stored().with_columns(england=pl.lit(None, pl.Float64))
    spec = charts.trend(CLA, frame, "Northfield (fictional)").to_dict()
    assert spec["layer"][0]["encoding"]["color"]["scale"]["domain"] == [
        "Northfield (fictional)"
    ]


def with_comparators() -> pl.DataFrame:
    return stored().with_columns(
        region=pl.Series([80.0, 86.0, 86.0]),
        sn_median=pl.Series([55.0, 56.5, 56.5]),
        target=pl.Series([None, 70.0, 70.0], dtype=pl.Float64),
    )


def test_trend_draws_region_neighbours_and_a_labelled_target():
    spec = charts.trend(CLA, with_comparators(), "Northfield (fictional)").to_dict()
    lines = spec["datasets"][spec["layer"][0]["data"]["name"]]
    by_series: dict[str, list[float]] = {}
    for r in lines:
        by_series.setdefault(r["series"], []).append(r["value"])
    assert by_series["Region"] == [80.0, 86.0, 86.0]
    assert by_series["Neighbours' median"] == [55.0, 56.5, 56.5]
    dash = spec["layer"][0]["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == [
        "Northfield (fictional)", "England", "Region", "Neighbours' median",
    ]  # fmt: skip
    assert len({str(d) for d in dash["range"]}) == 4  # every line has its own dash
    target = spec["datasets"][spec["layer"][2]["data"]["name"]]
    assert [r["value"] for r in target] == [70.0, 70.0]
    label = spec["datasets"][spec["layer"][3]["data"]["name"]]
    assert label[0]["shown"] == "70.0"
    assert spec["description"].endswith(
        "England's latest published figure: 67. Region: 86. "
        "Neighbours' median: 56.5. Target: 70.0."
    )


def test_every_colour_keeps_three_to_one_contrast_on_white():
    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    colours = [
        charts.COUNCIL_COLOUR, charts.ENGLAND_COLOUR, charts.REGION_COLOUR,
        charts.NEIGHBOURS_COLOUR, charts.TARGET_COLOUR, charts.WALES_COLOUR,
        *charts.CATEGORY_COLOURS,
    ]  # fmt: skip
    for colour in colours:
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour


def breakdown_rows() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "quarter": ["2025-26Q1"] * 2 + ["2025-26Q2"] * 2,
            "indicator_id": ["cin_rate"] * 4,
            "breakdown": ["team"] * 4,
            "category": ["Locality East", "Front Door"] * 2,
            "numerator": [40.0, 12.0, 44.0, 10.0],
            "value": [33.3, 10.0, 36.7, 8.3],
            "england": [None, None, None, None],
        },
        schema_overrides={"england": pl.Float64},
    )


def test_breakdown_bars_stack_the_counts_of_each_quarter():
    cin = indicators.registry()["cin_rate"]
    spec = charts.breakdown_trend(cin, breakdown_rows(), "team").to_dict()
    data = datasets(spec)[0]
    assert [(r["quarter"], r["category"], r["value"]) for r in data] == [
        ("2025-26Q1", "Locality East", 40.0), ("2025-26Q1", "Front Door", 12.0),
        ("2025-26Q2", "Locality East", 44.0), ("2025-26Q2", "Front Door", 10.0),
    ]  # fmt: skip
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["title"] == "Number"
    assert spec["encoding"]["x"]["title"] == "Quarter (financial year)"
    assert spec["description"] == (
        "Stacked bar chart of Children in need per 10,000 by team, 2 quarters. "
        "Latest quarter 2025-26Q2: Front Door 10, Locality East 44."
    )


def test_a_distribution_sits_beside_englands_shares():
    cin = indicators.registry()["cin_rate"]
    rows = breakdown_rows().with_columns(
        england=pl.Series([30.0, None, 30.0, None], dtype=pl.Float64)
    )
    spec = charts.distribution(cin, rows, "2025-26Q2", "team", "Northfield").to_dict()
    data = datasets(spec)[0]
    assert [(r["series"], r["category"], r["value"]) for r in data] == [
        ("Northfield", "Locality East", 36.7), ("Northfield", "Front Door", 8.3),
        ("England", "Locality East", 30.0),
    ]  # fmt: skip
    assert (
        spec["layer"][0]["encoding"]["x"]["title"]
        == "Per 10,000 children aged under 18"
    )
    assert "England: Locality East 30" in spec["description"]
    assert spec["title"] == (
        "Children in need per 10,000, Quarter 2 2025-26 (July to September 2025)"
    )


def test_the_same_spec_renders_to_png_and_svg():
    chart = charts.trend(CLA, with_comparators(), "Northfield (fictional)")
    png = charts.to_png(chart)
    svg = charts.to_svg(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg and "Looked-after children per 10,000" in svg


def test_the_spc_chart_plots_the_points_mean_limits_and_named_signals():
    from csperf import spc

    values = [10.0, 12, 11, 13, 12, 14, 30]  # the last point is far above the limits
    result = spc.analyse(
        [(f"P{i}", v, False) for i, v in enumerate(values)], "neutral", "rate_per_10k"
    )
    spec = charts.spc_chart(CLA, result).to_dict()
    points = spec["datasets"][spec["layer"][1]["data"]["name"]]
    assert [p["value"] for p in points] == values
    assert points[-1]["kind"] == "Special cause: neither"
    assert points[0]["kind"] == "Common cause"
    assert "astronomical" in points[-1]["rules"]
    lines = spec["datasets"][spec["layer"][2]["data"]["name"]]
    by_name = {r["line"]: r["value"] for r in lines}
    # provisional limits from all seven points: mean 102 / 7 = 14.571, moving ranges
    # 2, 1, 2, 1, 2, 16 so MR-bar = 24 / 6 = 4, limits 14.571 +/- 10.64
    assert by_name["Mean"] == pytest.approx(102 / 7)
    assert by_name["Upper process limit"] == pytest.approx(102 / 7 + 2.66 * 24 / 6)
    assert by_name["Lower process limit"] == pytest.approx(102 / 7 - 2.66 * 24 / 6)
    shapes = spec["layer"][1]["encoding"]["shape"]["scale"]["range"]
    assert len(set(shapes)) == 4  # each kind of point has its own shape
    assert (
        spec["layer"][1]["encoding"]["y"]["title"]
        == "Per 10,000 children aged under 18"
    )
    assert spec["description"].startswith(
        "XmR chart of Looked-after children per 10,000, 7 points since P0: mean 14.6"
    )
