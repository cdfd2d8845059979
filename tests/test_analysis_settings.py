"""The analysis settings of commentary.md §13: defaults, checks, and what needs a recompute."""

from __future__ import annotations

import pytest

from csperf import analysis_settings as settings


def test_the_defaults_are_those_of_the_specification(con):
    got = settings.read(con)
    assert got["spc"] == {
        "min_points": 6, "provisional_below": 12, "fix_after_points": 12,
        "limit_multiplier": 2.66, "shift_points": 7, "trend_points": 6, "two_of_three": True,
        "min_mean_count": 5, "allow_rolling": False,
    }  # fmt: skip
    assert got["benchmarks"]["relative_tolerance"] == 0.05
    assert got["benchmarks"]["min_neighbours"] == 5
    assert got["benchmarks"]["comparator_max_age_months"] == 24
    assert got["disclosure"] == {"threshold": 5}
    assert got["headlines"] == {"max": 6, "min_score": 3, "balance": True}


def test_a_saved_choice_overrides_its_default_only(con):
    assert settings.save(con, {("spc", "shift_points"): 8}) is False
    assert settings.value(con, "spc", "shift_points") == 8
    assert settings.value(con, "spc", "trend_points") == 6
    settings.reset(con)
    assert settings.value(con, "spc", "shift_points") == 7


def test_settings_that_change_stored_values_ask_for_a_recompute(con):
    assert settings.save(con, {("benchmarks", "min_neighbours"): 6}) is True
    assert (
        settings.save(con, {("benchmarks", "min_neighbours"): 6}) is False
    )  # unchanged


@pytest.mark.parametrize(
    ("section", "key", "given", "message"),
    [
        ("disclosure", "threshold", 0, "use a value from 1 to 10"),
        ("spc", "shift_points", 7.5, "use a whole number"),
        ("spc", "two_of_three", "yes", "choose yes or no"),
        ("spc", "shift_points", "seven", "is not a number"),
        ("spc", "nonsense", 1, "There is no setting spc.nonsense"),
    ],
)
def test_a_bad_value_is_refused_with_what_is_allowed(con, section, key, given, message):
    with pytest.raises(ValueError, match=message):
        settings.save(con, {(section, key): given})
    assert settings.value(con, "disclosure", "threshold") == 5
