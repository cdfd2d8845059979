"""Chart specs as data: the values plotted, England's line, axis titles with units, description."""

from __future__ import annotations

import datetime as dt

import polars as pl

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
