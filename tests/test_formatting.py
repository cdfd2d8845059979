from decimal import Decimal

import pytest

from csperf import formatting


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (1234.4, "num0", "1,234"),
        (22.45, "pct1", "22.5%"),
        (66.5, "pct0", "67%"),
        (52.25, "rate1", "52.3"),
        (86.248, "rate0", "86"),
        (38.4, "days0", "38 days"),
        (3.45, "days1", "3.5 days"),
        (2_500_000, "gbp0", "£2.5 million"),
        (1250.5, "gbp2", "£1,250.50"),
        (0.845, "dec2", "0.85"),
        (None, "pct1", "\u2013"),
    ],
)
def test_fmt_rounds_half_up_and_adds_the_unit(value, code, shown):
    assert formatting.fmt(value, code) == shown


def test_an_unknown_format_code_is_refused():
    with pytest.raises(ValueError, match="unknown format code"):
        formatting.fmt(1.0, "pct3")


def test_a_change_is_the_difference_of_the_displayed_values():
    delta = formatting.displayed(24.06, "pct1") - formatting.displayed(22.44, "pct1")
    assert delta == Decimal("1.7")
    assert formatting.fmt_change(delta, "pct1") == "1.7 percentage points"
    assert formatting.fmt_change(Decimal("-3.2"), "rate1") == "3.2 per 10,000"


def test_whole_number_comparators_are_shown_without_decimals():
    assert formatting.comparator_code("rate1", 67.0) == "rate0"
    assert formatting.comparator_code("pct1", 85.7) == "pct1"
    assert formatting.comparator_code("dec1", 17.0) == "dec1"  # there is no dec0
