"""Placement unit costs (formats.md §B.6): recognition, the P01-P04 errors, loading."""

from __future__ import annotations

from csperf import ingest, periods

Q = periods.Quarter.parse("2025-26Q2")
HEADER = b"placement_group,placement_type,provider,weekly_cost,valid_from\n"


def read(body: bytes) -> ingest.FileResult:
    return ingest.read([("costs.csv", HEADER + body)], Q).files[0]


def test_a_cost_file_is_recognised_by_its_header_and_loads():
    f = read(
        b"FOSTER,,PR1,\"\xc2\xa3450.00\",2025-04-01\n"
        b",K2,PR4,5800,01/04/2025\n,U4,*,900,2025-04-01\n"
    )
    assert (f.source_format, f.tables, f.rows, f.issues) == (
        "placement_costs", ["placement_cost_rate"], 3, [])  # fmt: skip
    frame = f.loads[0].frame
    assert frame["weekly_cost"].to_list() == [450.0, 5800.0, 900.0]


def test_a_row_needs_exactly_one_of_group_or_type():
    f = read(b"FOSTER,U4,PR1,450,2025-04-01\n,,PR1,450,2025-04-01\n")
    assert [(i.code, i.row) for i in f.issues] == [("P01", "2"), ("P01", "3")]
    assert f.blocked


def test_unknown_codes_bad_costs_and_duplicates_are_errors():
    f = read(
        b"HOTEL,,PR1,450,2025-04-01\n,U4,PR9,450,2025-04-01\n,U6,PR1,-5,2025-04-01\n"
        b",K2,PR4,5800,2025-04-01\n,K2,PR4,5900,2025-04-01\n"
    )
    codes = sorted((i.code, i.row) for i in f.issues)
    assert codes == [("P02", "2"), ("P02", "3"), ("P03", "4"), ("P04", "5"), ("P04", "6")]
