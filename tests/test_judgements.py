"""Comparisons with comparators and targets (commentary.md §2.2), worked by hand."""

from __future__ import annotations

import pytest

from csperf import judgements as j


def test_wilson_interval_of_45_in_200_is_the_specifications_example():
    low, high = j.wilson(45, 200)
    assert (round(low, 1), round(high, 1)) == (17.3, 28.8)


def test_byar_interval_of_a_count_of_120_is_the_specifications_example():
    low, high = j.byar(120)
    assert (round(low, 1), round(high, 1)) == (99.5, 143.5)


def test_within_the_tolerance_is_similar_and_its_edge_counts():
    # tolerance = max(5% of 40, 1 point) = 2 points; 42 is exactly at it
    assert j.position(42.0, 40.0, "percent") == "similar"
    assert j.position(42.01, 40.0, "percent", None, None) == "higher"


def test_the_floor_stops_tiny_differences_being_called_higher():
    # 5% of 3% is 0.15 points, but the floor for percentages is 1 point
    assert j.position(3.9, 3.0, "percent") == "similar"


def test_a_comparator_inside_the_interval_is_similar():
    # 22.5% of 200 (45): interval 17.3 to 28.8 contains England's 26.0, beyond the 1.3 tolerance
    assert j.position(22.5, 26.0, "percent", 45, 200) == "similar"
    assert j.position(22.5, 26.0, "percent", 45, 200, j.Rules(use_ci=False)) == "lower"
    # a comparator on the interval's bound is inside it
    low, _ = j.wilson(45, 200)
    assert j.position(22.5, low, "percent", 45, 200) == "similar"


def test_a_rate_uses_byars_interval_scaled_to_the_population():
    # 120 children of 12,000: 100.0 per 10,000, interval 82.9 to 119.6
    assert j.position(100.0, 118.0, "rate_per_10k", 120, 12000) == "similar"
    assert j.position(100.0, 121.0, "rate_per_10k", 120, 12000) == "lower"


@pytest.mark.parametrize(
    ("value", "polarity", "expected"),
    [
        (86.0, "higher_is_better", "met"),
        (85.0, "higher_is_better", "met"),
        (81.0, "higher_is_better", "near"),  # tolerance 4.25 points
        (80.0, "higher_is_better", "not_met"),
        (84.0, "lower_is_better", "met"),
        (89.0, "lower_is_better", "near"),
        (90.0, "lower_is_better", "not_met"),
        (90.0, "neutral", "higher"),
        (87.0, "neutral", "similar"),
    ],
)
def test_targets_follow_polarity(value, polarity, expected):
    assert j.target_status(value, 85.0, "percent", polarity) == expected


def test_worse_is_the_bad_direction_only():
    assert j.worse("lower", "higher_is_better")
    assert j.worse("higher", "lower_is_better")
    assert not j.worse("higher", "neutral")
    assert not j.worse("similar", "lower_is_better")
