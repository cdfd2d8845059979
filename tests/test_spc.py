"""SPC (commentary.md §3): every expected number below is worked by hand, never read from the code.

Most cases sit on a 12-point baseline B (mean 10, every moving range 1, so the average moving range
is 1): the limits are fixed from those 12 points at 12.66 and 7.34 and the two-sigma lines at
11.7733 and 8.2267, whatever is appended after them. B itself raises no signal.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from csperf import spc
from csperf.spc import Flag, SpcSettings, analyse

B = [10, 11, 10, 9] * 3
DASH = "\u2013"
SPEC_NOTE = (
    "XmR charts; limits are the mean \u00b1 2.66 \u00d7 the average moving range of the first"
    " 12 points (provisional below 12); signals: a point outside the limits, 7 points in a row"
    " on one side of the mean, 6 points in a row each higher or lower than the one before, 2 of"
    " 3 points beyond two-thirds of the way to a limit on the same side; fewer than 6 points"
    " are not assessed."
)


def series(*values, suppressed=()):
    """Points labelled P1, P2, ...; ``suppressed`` holds positions whose value is suppressed."""
    return [(f"P{i + 1}", v, i in suppressed) for i, v in enumerate(values)]


def run(*values, polarity="higher_is_better", unit="number", **kw):
    return analyse(series(*values), polarity, unit, **kw)


def rules(result, position=-1):
    return {(f.rule, f.side) for f in result.points[position].flags}


def flagged(result, rule):
    return [
        i for i, p in enumerate(result.points) if any(f.rule == rule for f in p.flags)
    ]


# ------------------------------------------------------------------ formulas


def test_the_worked_check_of_the_spec():
    r = run(10, 12, 11, 13, 12, 14)
    assert r.state == "provisional"
    assert r.mean == pytest.approx(12)
    assert r.mean_moving_range == pytest.approx(1.6)
    assert r.upper_limit == pytest.approx(16.256)
    assert r.lower_limit == pytest.approx(7.744)
    assert r.upper_two_sigma == pytest.approx(14.837, abs=5e-4)
    assert r.lower_two_sigma == pytest.approx(9.163, abs=5e-4)
    assert [p.moving_range for p in r.points] == [None, 2, 1, 2, 1, 2]
    assert r.variation == "common_cause"
    assert r.label == "Common cause"
    assert all(p.flags == () for p in r.points)


def test_the_baseline_alone_has_the_documented_lines_and_no_signal():
    r = run(*B)
    assert r.state == "fixed"
    assert (r.mean, r.mean_moving_range) == (pytest.approx(10), pytest.approx(1))
    assert r.upper_limit == pytest.approx(12.66)
    assert r.lower_limit == pytest.approx(7.34)
    assert r.upper_two_sigma == pytest.approx(11.7733, abs=1e-4)
    assert r.lower_two_sigma == pytest.approx(8.2267, abs=1e-4)
    assert all(p.flags == () for p in r.points)
    assert r.variation == "common_cause" and not r.returned_within_range


# ------------------------------------------------------------------ rules


def test_a_point_above_the_upper_limit_is_astronomical_and_one_just_inside_is_not():
    r = run(*B, 12.7)
    assert rules(r) == {("astronomical", "high")}
    assert r.winning_rule == "astronomical" and r.variation == "improvement_high"
    assert r.label == f"Special cause {DASH} improvement (higher)"
    assert rules(run(*B, 12.6)) == set()


def test_a_point_exactly_on_a_limit_or_two_sigma_line_is_not_beyond_it():
    # Multiplier 3 on B: limits exactly 13 and 7, two-sigma lines exactly 12 and 8.
    three = SpcSettings(limit_multiplier=3)
    assert rules(run(*B, 13, settings=three)) == set()
    assert rules(run(*B, 7, settings=three)) == set()
    assert rules(run(*B, 13.01, settings=three)) == {("astronomical", "high")}
    assert flagged(run(*B, 12, 10.5, 12, settings=three), "two_of_three") == []
    assert flagged(run(*B, 12.1, 10.5, 12.1, settings=three), "two_of_three") == [
        12,
        14,
    ]


def test_a_point_below_the_lower_limit_is_astronomical_low():
    r = run(*B, 7.3)
    assert rules(r) == {("astronomical", "low")}
    assert r.variation == "concern_low"
    assert r.label == f"Special cause {DASH} concern (lower)"
    assert rules(run(*B, 7.4)) == set()


def test_six_points_above_the_mean_are_not_a_shift_but_seven_are():
    assert rules(run(*B, *[11] * 6)) == set()
    r = run(*B, *[11] * 7)
    assert rules(r) == {("shift", "high")}
    assert flagged(r, "shift") == list(range(12, 19))


def test_a_point_equal_to_the_mean_breaks_a_run():
    r = run(*B, 11, 11, 11, 10, 11, 11, 11, 11)
    assert flagged(r, "shift") == []
    r = run(*B, 11, 11, 11, 10, *[11] * 7)
    assert flagged(r, "shift") == list(range(16, 23))


def test_seven_points_below_the_mean_are_a_shift_low():
    # B ends 10, 9: the 10 equals the mean, so the run starts at the final 9 of B.
    assert rules(run(*B, *[9] * 5)) == set()
    r = run(*B, *[9] * 6)
    assert rules(r) == {("shift", "low")}
    assert flagged(r, "shift") == list(range(11, 18))


def test_five_rising_points_are_not_a_trend_but_six_are_even_across_the_mean():
    # The rise starts at B's last point, 9.
    assert rules(run(*B, 9.2, 9.4, 9.6, 9.8)) == set()
    r = run(*B, 9.2, 9.4, 9.6, 9.8, 10.2)
    assert rules(r) == {("trend", "high")}
    assert flagged(r, "trend") == list(range(11, 17))
    assert r.variation == "improvement_high"


def test_a_tie_breaks_a_trend():
    r = run(*B, 9.2, 9.4, 9.4, 9.6, 9.8, 10.2)
    assert flagged(r, "trend") == []


def test_a_falling_trend_is_low_and_an_improvement_when_lower_is_better():
    falling = [11.5, 11.3, 11.1, 10.9, 10.7, 10.5]
    assert rules(run(*B, *falling)) == {("trend", "low")}
    assert run(*B, *falling).variation == "concern_low"
    assert run(*B, *falling[:-1]).variation == "common_cause"  # five points falling
    r = run(*B, *falling, polarity="lower_is_better")
    assert r.variation == "improvement_low"


def test_two_of_three_flags_only_the_points_beyond_two_sigma():
    r = run(*B, 12, 10.5, 12)
    assert flagged(r, "two_of_three") == [12, 14]
    assert rules(r) == {("two_of_three", "high")}
    assert r.winning_rule == "two_of_three"


def test_two_of_three_needs_all_three_points_on_one_side_of_the_mean():
    assert flagged(run(*B, 12, 9.5, 12), "two_of_three") == []


def test_two_of_three_needs_two_points_beyond_two_sigma():
    assert flagged(run(*B, 12, 10.5, 11.5), "two_of_three") == []


def test_a_point_beyond_the_limit_counts_towards_two_of_three():
    r = run(*B, 13, 10.5, 12)
    assert flagged(r, "two_of_three") == [12, 14]
    assert rules(r, 12) == {("astronomical", "high"), ("two_of_three", "high")}
    assert r.points[12].flags[0] == Flag("astronomical", "high")  # precedence order


def test_two_of_three_low():
    r = run(*B, 8, 9.5, 8)
    assert flagged(r, "two_of_three") == [12, 14]
    assert rules(r) == {("two_of_three", "low")}


# ------------------------------------------------------------------ precedence and variation

# Seven points above the mean (a shift high) whose last six each fall (a trend low).
CONFLICT = [*B, 11.5, 11.5, 11.4, 11.3, 11.2, 11.1, 11.0]


def test_the_winning_rule_follows_precedence_and_the_opposed_loser_is_named():
    r = run(*CONFLICT)
    assert rules(r) == {("shift", "high"), ("trend", "low")}
    assert (r.winning_rule, r.winning_side) == ("trend", "low")
    assert (r.other_rule, r.other_side) == ("shift", "high")
    assert r.variation == "concern_low"
    assert r.label == f"Special cause {DASH} concern (lower)"


def test_precedence_is_configurable():
    order = ("shift", "astronomical", "trend", "two_of_three")
    r = run(*CONFLICT, settings=SpcSettings(precedence=order))
    assert (r.winning_rule, r.winning_side) == ("shift", "high")
    assert (r.other_rule, r.other_side) == ("trend", "low")
    assert r.variation == "improvement_high"


def test_a_loser_on_the_same_side_is_not_named():
    r = run(*B, 13, 10.5, 12.8)  # astronomical and two_of_three, both high
    assert r.winning_rule == "astronomical"
    assert r.other_rule is None and r.other_side is None


def test_neutral_polarity_gives_neither():
    r = run(*B, *[11] * 7, polarity="neutral")
    assert r.variation == "neither_high"
    assert r.label == f"Special cause {DASH} neither (higher)"
    assert run(*B, *[9] * 6, polarity="neutral").variation == "neither_low"


def test_lower_is_better_turns_a_high_signal_into_a_concern():
    r = run(*B, 12.7, polarity="lower_is_better")
    assert r.variation == "concern_high"
    assert r.label == f"Special cause {DASH} concern (higher)"
    assert run(*B, 7.3, polarity="lower_is_better").variation == "improvement_low"


def test_a_signal_that_ended_at_the_previous_point_is_reported_once():
    r = run(*B, 13, 10)
    assert r.variation == "common_cause"
    assert r.returned_within_range and r.previous_rule == "astronomical"
    r = run(*B, 13, 10, 10.5)
    assert not r.returned_within_range and r.previous_rule is None


# ------------------------------------------------------------------ states


def test_five_points_are_insufficient_and_six_are_provisional():
    r = run(10, 12, 11, 13, 12)
    assert r.state == "insufficient"
    assert r.label == f"Not assessed {DASH} fewer than 6 points"
    assert (r.mean, r.upper_limit, r.variation) == (None, None, None)
    assert run(10, 12, 11, 13, 12, 14).state == "provisional"


def test_eleven_points_are_provisional_and_twelve_are_fixed():
    assert run(*B[:11]).state == "provisional"
    assert run(*B).state == "fixed"


def test_provisional_limits_are_recomputed_from_all_points():
    # B[:11] sums to 111, plus 14 is 125; moving ranges ten 1s and 4, so 14/11.
    r = run(*B[:11], 14, settings=SpcSettings(provisional_below=13))
    assert r.state == "provisional" and r.baseline_points == 12
    assert r.mean == pytest.approx(125 / 12)
    assert r.mean_moving_range == pytest.approx(14 / 11)


def test_fixed_limits_come_from_the_first_twelve_points():
    r = run(*B, 20, 30)
    assert r.state == "fixed" and r.baseline_points == 12
    assert (r.mean, r.upper_limit) == (pytest.approx(10), pytest.approx(12.66))
    assert [p.in_baseline for p in r.points] == [True] * 12 + [False] * 2
    assert rules(r) == {("astronomical", "high")}


def test_fix_after_points_zero_uses_every_point():
    r = run(*B, 23, settings=SpcSettings(fix_after_points=0))
    # 13 points summing 143; moving ranges eleven 1s and 14, so 25/12.
    assert r.baseline_points == 13
    assert r.mean == pytest.approx(11)
    assert r.mean_moving_range == pytest.approx(25 / 12)


def test_rolling_figures_are_not_applicable_unless_allowed():
    r = run(*B, rolling=True)
    assert r.state == "not_applicable"
    assert r.label == f"Not assessed {DASH} rolling figures overlap"
    assert r.upper_limit is None
    r = run(*B, rolling=True, settings=SpcSettings(allow_rolling=True))
    assert r.state == "fixed"


def test_counts_averaging_below_five_are_rare():
    r = run(4, 5, 4, 6, 4, 6, unit="count")  # mean 29/6, just under 5
    assert r.state == "rare_counts"
    assert r.label == f"Not assessed {DASH} average count below 5"
    assert r.mean == pytest.approx(29 / 6) and r.upper_limit is None
    assert run(4, 6, 4, 6, 4, 6, unit="count").state == "provisional"  # mean exactly 5
    assert run(4, 5, 4, 6, 4, 6, unit="number").state == "provisional"


def test_the_same_value_every_point_is_flat():
    r = run(*[7] * 8)
    assert r.state == "flat" and r.since == "P1"
    assert (r.mean, r.mean_moving_range) == (7, 0)
    assert (r.upper_limit, r.lower_limit, r.variation) == (None, None, None)
    assert all(p.flags == () for p in r.points)


def test_a_suppressed_latest_point_is_not_assessed_and_its_value_is_not_carried():
    r = analyse(series(*B, 3, suppressed={12}), "higher_is_better", "count")
    assert r.state == "suppressed"
    assert r.label == f"Not assessed {DASH} latest value suppressed"
    assert r.points[-1].value is None and r.points[-1].suppressed
    assert r.variation is None and r.mean is None


def test_a_missing_latest_point_is_not_assessed():
    r = run(*B, None)
    assert r.state == "suppressed"
    assert r.label == f"Not assessed {DASH} no latest value"


# ------------------------------------------------------------------ gaps and breaks


def test_a_gap_is_left_out_and_no_moving_range_spans_it():
    # Values 10, 12, 11, 13, 12, 14: mean 12; moving ranges 2, 1, 1, 2 (none across the gap).
    r = run(10, 12, 11, None, 13, 12, 14)
    assert r.state == "provisional" and r.n == 6
    assert [p.moving_range for p in r.points] == [None, 2, 1, None, None, 1, 2]
    assert r.mean == pytest.approx(12)
    assert r.mean_moving_range == pytest.approx(1.5)
    assert r.upper_limit == pytest.approx(15.99)
    assert r.lower_limit == pytest.approx(8.01)


def test_a_suppressed_point_in_the_middle_is_a_gap_too():
    points = series(10, 12, 11, 99, 13, 12, 14, suppressed={3})
    r = analyse(points, "higher_is_better", "number")
    assert r.mean_moving_range == pytest.approx(1.5)
    assert r.points[3].value is None and r.points[3].moving_range is None


def test_runs_continue_over_a_gap():
    r = run(*B, 11, 11, 11, None, 11, 11, 11, 11)
    assert flagged(r, "shift") == [12, 13, 14, 16, 17, 18, 19]


def test_points_with_no_consecutive_pair_are_insufficient():
    assert (
        run(10, None, 12, None, 11, None, 13, None, 12, None, 14).state
        == "insufficient"
    )


def test_a_break_starts_a_new_segment():
    values = [50, 60, 55, 65, 58, 62, 10, 12, 11, 13, 12, 14]
    r = run(*values, breaks=[6])
    assert r.state == "provisional" and r.n == 6 and r.since == "P7"
    assert r.mean == pytest.approx(12) and r.upper_limit == pytest.approx(16.256)
    assert [p.in_segment for p in r.points] == [False] * 6 + [True] * 6
    assert all(p.flags == () and p.moving_range is None for p in r.points[:6])
    assert r.points[0].value == 50
    assert run(*values).mean == pytest.approx(422 / 12)


def test_the_latest_break_wins_and_a_short_segment_is_insufficient():
    r = run(*B, 10, 11, 12, breaks=[4, 12])
    assert r.state == "insufficient" and r.n == 3 and r.since == "P13"


def test_a_break_outside_the_series_is_refused():
    with pytest.raises(ValueError, match="break"):
        run(*B, breaks=[12])


# ------------------------------------------------------------------ assurance


@pytest.mark.parametrize(
    ("polarity", "target", "assurance", "label"),
    [
        ("higher_is_better", 7, "pass", "Target consistently met"),
        ("higher_is_better", 10, "hit_and_miss", "Target met inconsistently"),
        ("higher_is_better", 13, "fail", "Target consistently missed"),
        ("lower_is_better", 13, "pass", "Target consistently met"),
        ("lower_is_better", 10, "hit_and_miss", "Target met inconsistently"),
        ("lower_is_better", 7, "fail", "Target consistently missed"),
    ],
)
def test_assurance_against_the_limits(polarity, target, assurance, label):
    r = run(*B, polarity=polarity, target=target)
    assert (r.assurance, r.assurance_label) == (assurance, label)


def test_assurance_needs_a_target_a_direction_and_limits():
    assert run(*B).assurance is None
    assert run(*B, polarity="neutral", target=7).assurance is None
    assert run(*B[:5], target=7).assurance is None  # insufficient
    assert run(*[7] * 8, target=5).assurance is None  # flat
    # Provisional, from 10, 11, 10, 9, 10, 11: mean 61/6, ranges all 1, LPL about 7.51.
    assert run(*B[:6], target=7).assurance == "pass"


# ------------------------------------------------------------------ display


def test_percentage_limits_are_clamped_for_display_only():
    # [1, 5] x 6: mean 3, moving ranges all 4, so limits 3 +/- 10.64.
    low = run(*[1, 5] * 6, 0, unit="percent")
    assert low.lower_limit == pytest.approx(-7.64) and low.display_lower == 0
    assert low.upper_limit == pytest.approx(13.64) == low.display_upper
    assert rules(low) == set()  # 0 is inside the unclamped limits
    high = run(*[99, 95] * 6, unit="percent")
    assert high.upper_limit == pytest.approx(107.64) and high.display_upper == 100
    assert high.lower_limit == pytest.approx(86.36) == high.display_lower
    days = run(*[99, 95] * 6, unit="days")
    assert days.display_upper == pytest.approx(107.64)


# ------------------------------------------------------------------ settings and note


def test_the_default_method_note_is_the_spec_wording():
    assert spc.method_note(SpcSettings()) == SPEC_NOTE
    assert run(*B).method_note == SPEC_NOTE


@pytest.mark.parametrize(
    "change",
    [
        {"min_points": 5},
        {"provisional_below": 10},
        {"fix_after_points": 0},
        {"fix_after_points": 15},
        {"limit_multiplier": 3.0},
        {"shift_points": 8},
        {"trend_points": 7},
        {"two_of_three": False},
        {"screen_moving_ranges": True},
        {"min_mean_count": 10},
        {"allow_rolling": True},
        {"precedence": ("astronomical", "two_of_three", "trend", "shift")},
    ],
    ids=lambda c: next(iter(c)),
)
def test_changing_any_setting_changes_the_method_note(change):
    note = spc.method_note(SpcSettings(**change))
    assert note != SPEC_NOTE
    assert run(*B, settings=SpcSettings(**change)).method_note == note


def test_the_method_note_says_what_changed():
    assert "mean \u00b1 3 \u00d7" in spc.method_note(SpcSettings(limit_multiplier=3))
    assert "8 points in a row on one side" in spc.method_note(
        SpcSettings(shift_points=8)
    )
    assert "moving range of all points" in spc.method_note(
        SpcSettings(fix_after_points=0)
    )
    assert "2 of 3" not in spc.method_note(SpcSettings(two_of_three=False))
    assert "fewer than 5 points" in spc.method_note(SpcSettings(min_points=5))


def test_each_rule_setting_changes_the_signal():
    assert rules(run(*B, *[11] * 6, settings=SpcSettings(shift_points=6))) == {
        ("shift", "high")
    }
    rise = [*B, 9.2, 9.4, 9.6, 9.8]
    assert rules(run(*rise, settings=SpcSettings(trend_points=5))) == {
        ("trend", "high")
    }
    assert (
        rules(run(*B, 12, 10.5, 12, settings=SpcSettings(two_of_three=False))) == set()
    )
    # Multiplier 3: limits 13 and 7, so 12.7 is inside.
    assert rules(run(*B, 12.7, settings=SpcSettings(limit_multiplier=3))) == set()
    assert run(*B[:5], settings=SpcSettings(min_points=5)).state == "provisional"
    assert run(*B[:11], settings=SpcSettings(provisional_below=11)).state == "fixed"
    assert run(
        4, 6, 4, 6, 4, 6, unit="count", settings=SpcSettings(min_mean_count=6)
    ).state == ("rare_counts")


def test_screening_leaves_out_a_moving_range_above_3_267_times_the_average():
    values = (10, 11, 10, 11, 10, 11, 10, 25)  # ranges six 1s and 15: average 3
    assert run(*values).mean_moving_range == pytest.approx(3)
    screened = run(*values, settings=SpcSettings(screen_moving_ranges=True))
    assert screened.mean_moving_range == pytest.approx(1)  # 15 > 9.801 is left out


def test_settings_are_frozen_and_checked():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SpcSettings().min_points = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="precedence"):
        SpcSettings(precedence=("astronomical", "trend", "shift"))
    with pytest.raises(ValueError, match="min_points"):
        SpcSettings(min_points=13)


# ------------------------------------------------------------------ properties

VALUES = st.lists(st.integers(0, 40), min_size=6, max_size=24)


@given(VALUES, st.integers(-500, 500))
def test_adding_a_constant_shifts_the_lines_and_leaves_the_signals(values, c):
    before, after = run(*values), run(*(v + c for v in values))
    assert after.state == before.state
    if before.upper_limit is None:
        return
    lines = (
        before.upper_limit,
        before.lower_limit,
        before.upper_two_sigma,
        before.lower_two_sigma,
    )
    assume(all(abs(v - line) > 1e-6 for v in values for line in lines))
    assert before.upper_limit - before.mean == pytest.approx(
        before.mean - before.lower_limit
    )
    assert after.mean == pytest.approx(before.mean + c)
    assert after.upper_limit == pytest.approx(before.upper_limit + c)
    assert after.lower_limit == pytest.approx(before.lower_limit + c)
    assert [p.flags for p in after.points] == [p.flags for p in before.points]
    assert after.variation == before.variation


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=24))
def test_turning_the_series_upside_down_mirrors_lines_and_sides(values):
    up, down = run(*values), run(*(-v for v in values), polarity="lower_is_better")
    assert down.state == up.state
    if up.upper_limit is None:
        return
    assert down.upper_limit == -up.lower_limit and down.lower_limit == -up.upper_limit
    for a, b in zip(up.points, down.points, strict=True):
        mirrored = {(f.rule, swap_side(f.side)) for f in a.flags}
        assert mirrored == {(f.rule, f.side) for f in b.flags}
    assert down.variation == mirror(up.variation)


def mirror(variation):
    kind, _, side = variation.partition("_")
    return variation if kind == "common" else f"{kind}_{swap_side(side)}"


def swap_side(side):
    return {"high": "low", "low": "high"}[side]
