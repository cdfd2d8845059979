import datetime as dt

import pytest

from csperf import periods
from csperf.periods import Quarter

D = dt.date


def test_quarter_parses_and_prints_in_the_financial_year_form():
    q = Quarter.parse("2025-26Q2")
    assert (q.fy, q.q) == (2025, 2)
    assert str(q) == "2025-26Q2"


def test_quarter_2_is_july_to_september():
    q = Quarter.parse("2025-26Q2")
    assert (q.start, q.end) == (D(2025, 7, 1), D(2025, 9, 30))
    assert q.label_long == "Quarter 2 2025-26 (July to September 2025)"
    assert q.label_short == "Q2 2025-26"


def test_quarter_4_is_january_to_march_of_the_next_calendar_year():
    q = Quarter.parse("2025-26Q4")
    assert (q.start, q.end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert q.label_long == "Quarter 4 2025-26 (January to March 2026)"


@pytest.mark.parametrize("text", ["2025Q1", "2025-27Q1", "2025-26Q5", "Q1 2025-26", ""])
def test_other_quarter_forms_are_refused_with_the_form_shown(text):
    with pytest.raises(periods.PeriodError, match="2025-26Q1"):
        Quarter.parse(text)


def test_year_to_date_starts_on_1_april_and_r12_covers_twelve_months():
    q = Quarter.parse("2025-26Q3")
    assert q.ytd_start == D(2025, 4, 1)
    assert q.r12_start == D(2025, 1, 1)
    assert Quarter.parse("2025-26Q4").r12_start == D(2025, 4, 1)


def test_quarters_step_across_financial_years():
    q = Quarter.parse("2025-26Q1")
    assert str(q.previous) == "2024-25Q4"
    assert str(q.year_ago) == "2024-25Q1"
    assert str(Quarter.parse("2025-26Q4").shift(1)) == "2026-27Q1"
    assert Quarter.containing(D(2026, 2, 14)) == Quarter.parse("2025-26Q4")


def test_month_arithmetic_clamps_to_the_month_end():
    assert periods.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert periods.add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert periods.add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)


def test_working_days_count_from_day_zero_to_the_end_inclusive():
    # Mon 6 Jan 2025 -> Fri 10 Jan 2025: Tue..Fri = 4
    assert periods.working_days(D(2025, 1, 6), D(2025, 1, 10), "england") == 4
    assert periods.working_days(D(2025, 1, 6), D(2025, 1, 6), "england") == 0


def test_working_days_skip_weekends():
    # Fri 10 Jan -> Mon 13 Jan 2025: Sat and Sun do not count
    assert periods.working_days(D(2025, 1, 10), D(2025, 1, 13), "england") == 1


def test_working_days_skip_christmas_and_new_year_across_a_year_end():
    # Fri 19 Dec 2025 -> Fri 2 Jan 2026: 10 weekdays less 25, 26 Dec and 1 Jan
    assert periods.working_days(D(2025, 12, 19), D(2026, 1, 2), "england") == 7


def test_working_days_skip_one_off_bank_holidays():
    # 2022: the platinum jubilee (2 and 3 June) and the state funeral (19 September)
    assert periods.working_days(D(2022, 5, 31), D(2022, 6, 6), "england") == 2
    assert periods.working_days(D(2022, 9, 16), D(2022, 9, 20), "england") == 1
    # 2023 coronation bank holiday, Monday 8 May
    assert periods.working_days(D(2023, 5, 5), D(2023, 5, 9), "wales") == 1


def test_wales_keeps_the_bank_holidays_england_keeps():
    # Easter Monday 21 April 2025 is a bank holiday in both
    for nation in ("england", "wales"):
        assert periods.working_days(D(2025, 4, 17), D(2025, 4, 22), nation) == 1


def test_bank_holidays_are_known_from_2012_to_2030():
    days = periods.bank_holidays("england")
    assert D(2012, 6, 5) in days  # diamond jubilee
    assert D(2030, 12, 25) in days


def test_a_date_is_formatted_in_house_style():
    assert periods.format_date(D(2025, 9, 30)) == "30 September 2025"
