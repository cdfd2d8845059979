"""Reference checks (indicators.md): values read by hand from the official files, hard-coded."""

import datetime as dt

import pytest

from csperf import benchmarks

Q1_2025_26 = dt.date(2025, 6, 30)


def test_worcestershire_looked_after_comparators_match_the_reference_checks():
    c = benchmarks.comparators(
        "LAIT:LAC", benchmarks.council("885"), Q1_2025_26, "neutral"
    )
    assert c.england == 67
    assert c.region == 86
    assert c.sn_median == pytest.approx(56.5)
    assert c.sn_mean == pytest.approx(61.2)
    assert c.sn_rank == "2nd highest of 11"
    assert c.period == "31 March 2025"


def test_worcestershire_cp_rate_comparators_match_the_reference_checks():
    c = benchmarks.comparators(
        "LAIT:CPP_rate", benchmarks.council("885"), Q1_2025_26, "neutral"
    )
    assert c.england == pytest.approx(40.6)
    assert c.region == pytest.approx(40.3)
    assert c.sn_median == pytest.approx(32.5)
    assert c.sn_mean == pytest.approx(35.04)
    assert c.sn_rank == "3rd highest of 11"


def test_the_demo_council_has_worcestershires_neighbours_and_region():
    demo = benchmarks.council("999")
    assert demo.neighbours == (933, 916, 838, 937, 893, 938, 878, 830, 881, 815)
    assert demo.region == "West Midlands"
    c = benchmarks.comparators("LAIT:LAC", demo, Q1_2025_26, "neutral")
    assert (c.england, c.region, c.sn_median) == (67, 86, pytest.approx(56.5))
    assert c.sn_rank is None  # no published value of its own


def test_a_quarter_keeps_the_latest_figure_published_by_its_end():
    demo = benchmarks.council("999")
    before = benchmarks.comparators("LAIT:LAC", demo, dt.date(2025, 3, 30), "neutral")
    at = benchmarks.comparators("LAIT:LAC", demo, dt.date(2025, 3, 31), "neutral")
    assert (before.england, before.period) == (69, "31 March 2024")
    assert (at.england, at.period) == (67, "31 March 2025")


def test_an_ons_code_finds_the_same_council():
    assert benchmarks.council("E10000034").la_number == 885


def test_an_unknown_code_is_refused_with_the_forms_shown():
    with pytest.raises(benchmarks.UnknownCouncilError, match="E10000034"):
        benchmarks.council("E99999999")


def test_englands_population_file_gives_worcestershire_mid_2024():
    assert benchmarks.population(885)[2024] == 120119


def test_the_welsh_demo_gets_the_wales_looked_after_rate():
    c = benchmarks.comparators("extra:cla_rate", benchmarks.council("W06999999"),
                               dt.date(2025, 6, 30), "neutral")  # fmt: skip
    assert c.wales == pytest.approx(116.3)
    assert c.england is None


def test_ranks_share_places_on_ties_and_follow_polarity():
    assert benchmarks.rank(5, [5, 7, 3], "higher_is_better") == "2nd highest of 4"
    assert benchmarks.rank(5, [5, 7, 3], "lower_is_better") == "2nd lowest of 4"
    assert benchmarks.rank(3, [5, 7, 4], "neutral") == "1st lowest of 4"


def test_a_suppressed_figure_is_not_published_with_its_reason_never_zero():
    # england_wales_extra.csv: residential schools, England, 2025 = "k" (rounds to zero).
    comp = benchmarks.comparators(
        "extra:cla_placement_pct_residential_schools",
        benchmarks.council("885"),
        dt.date(2026, 3, 31),
        "neutral",
    )
    assert comp.england is None
    assert comp.note == "England's figure for 31 March 2025 not published (rounds to zero)"


def test_a_neighbour_without_a_published_figure_is_left_out_and_said():
    # LAIT LAC 2019: neighbour 838 (Dorset) is "-"; nine neighbours remain.
    comp = benchmarks.comparators(
        "LAIT:LAC", benchmarks.council("885"), dt.date(2019, 3, 31), "neutral"
    )
    assert comp.sn_median is not None
    assert comp.note == "1 of 10 neighbours' figures not published"
