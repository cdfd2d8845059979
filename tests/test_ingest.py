"""Reading csperf CSVs and local measures: recognition, located issues, nothing raised."""

from __future__ import annotations

from csperf import ingest, periods

Q = periods.Quarter.parse("2025-26Q2")


def read_one(name: str, data: bytes) -> ingest.FileResult:
    return ingest.read([(name, data)], Q).files[0]


def test_a_table_named_file_is_recognised_as_that_table():
    f = read_one("cp_plan.csv", b"child_id,start_date\nX,2025-01-01\n")
    assert (f.source_format, f.tables, f.rows) == ("csperf_csv", ["cp_plan"], 1)


def test_cin_plan_and_cin_episode_are_told_apart_by_file_name():
    f = read_one("CIN_PLAN.csv", b"child_id,start_date,end_date\nX,2025-01-01,\n")
    assert f.tables == ["cin_plan"]


def test_a_file_nothing_recognises_gets_f08():
    f = read_one("notes.csv", b"a,b\n1,2\n")
    assert [i.code for i in f.issues] == ["F08"]
    assert f.blocked


def test_an_empty_file_gets_f01_and_binary_data_gets_f02():
    assert [i.code for i in read_one("cp_plan.csv", b"").issues] == ["F01"]
    assert [i.code for i in read_one("cp_plan.csv", b"child_id\x00,x").issues] == [
        "F02"
    ]


def test_a_missing_required_column_is_named_in_h01():
    f = read_one("cp_plan.csv", b"child_id,end_date\nX,2025-01-01\n")
    issue = f.issues[0]
    assert (issue.code, issue.column) == ("H01", "start_date")
    assert "start_date" in issue.message


def test_a_bad_date_is_located_by_row_column_and_value():
    f = read_one(
        "cp_plan.csv",
        b"child_id,start_date,end_date\nX,2025-01-01,\nY,2025-01-02,31/02/2025\n",
    )
    [issue] = f.issues
    assert (issue.code, issue.severity, issue.row, issue.column, issue.value) == (
        "R03", "warning", "3", "end_date", "31/02/2025")  # fmt: skip
    assert not f.blocked


def test_a_blank_child_id_is_an_error_that_never_shows_a_value():
    f = read_one("cp_plan.csv", b"child_id,start_date\n,2025-01-01\n")
    [issue] = f.issues
    assert (issue.code, issue.row, issue.value) == ("R01", "2", None)
    assert f.blocked


def test_uk_dates_are_read_day_first():
    f = read_one("cp_plan.csv", b"child_id,start_date\nX,03/04/2025\n")
    assert str(f.loads[0].frame["start_date"][0]) == "2025-04-03"


def test_the_same_file_twice_is_blocked_on_the_second_copy():
    data = b"child_id,start_date\nX,2025-01-01\n"
    upload = ingest.read([("cp_plan.csv", data), ("copy.csv", data)], Q)
    assert [i.code for i in upload.files[1].issues] == ["F10"]


def test_local_measures_need_a_catalogue_id_and_a_month_end():
    data = (b"measure_id,period_end,value\nsw_vacancy_rate,2025-09-30,12.5\n"
            b"not_a_measure,2025-09-30,1\nsickness,2025-09-15,3\n")  # fmt: skip
    f = read_one("local_measures.csv", data)
    assert f.source_format == "local_measures"
    assert sorted((i.code, i.row) for i in f.issues) == [("M01", "3"), ("M02", "4")]


def test_windows_1252_text_is_read_with_an_info_issue():
    f = read_one(
        "cp_plan.csv", "child_id,start_date\nZo\u00eb,2025-01-01\n".encode("cp1252")
    )
    assert [i.code for i in f.issues] == ["I01"]
    assert f.rows == 1


def test_a_display_name_drops_any_path():
    f = read_one("../../etc/cp_plan.csv", b"child_id,start_date\nX,2025-01-01\n")
    assert f.name == "cp_plan.csv"


def test_an_id_mangled_by_excel_is_refused_with_r10():
    f = read_one("cp_plan.csv", b"child_id,start_date\n1.23457E+12,2025-01-01\n")
    assert [(i.code, i.severity, i.row) for i in f.issues] == [("R10", "error", "2")]


def test_a_month_first_date_is_refused_with_a_us_format_hint():
    f = read_one("cp_plan.csv", b"child_id,start_date\nX,03/13/2024\n")
    [issue] = f.issues
    assert (issue.code, issue.severity) == ("R03", "error")
    assert "looks like US format" in issue.message


def test_two_digit_years_and_dates_before_1900_are_not_dates():
    f = read_one("cp_plan.csv", b"child_id,start_date\nX,01/02/24\nY,01/02/1899\n")
    assert [(i.code, i.row) for i in f.issues] == [("R03", "2"), ("R03", "3")]


def test_a_repeated_header_is_refused_with_h02():
    f = read_one(
        "cp_plan.csv", b"child_id,start_date,start_date\nX,2025-01-01,2025-01-01\n"
    )
    assert [(i.code, i.column) for i in f.issues] == [("H02", "start_date")]


def test_a_cell_over_the_excel_limit_is_refused_with_f03():
    f = read_one(
        "cp_plan.csv", b"child_id,start_date\n" + b"X" * 32_768 + b",2025-01-01\n"
    )
    assert [i.code for i in f.issues] == ["F03"]


def test_duplicates_overlaps_and_dates_after_the_extract_are_flagged():
    data = (
        b"child_id,start_date,end_date,reason_new,legal_status\n"
        b"A,2025-01-01,2025-03-01,S,C2\nA,2025-01-01,2025-03-01,S,C2\n"  # K01
        b"A,2025-02-01,,P,C2\n"  # K03: starts before the previous episode ends
        b"B,2025-01-01,2024-12-01,S,C2\n"  # D02
        b"C,2025-01-01,2025-12-01,S,C2\n"  # D01 on an end date: treated as open
        b"E,2025-01-01,,S,C2\nE,2025-01-01,,S,\n"  # K02: the fuller row is kept
    )
    f = read_one("cla_episode.csv", data)
    assert sorted((i.code, i.row) for i in f.issues) == [
        ("D01", "6"), ("D02", "5"), ("K01", "3"), ("K02", "8"), ("K03", "4")]  # fmt: skip
    frame = f.loads[0].frame
    assert frame.height == 5  # seven rows less the K01 copy and the K02 loser
    c_row = frame.filter(frame["src_row"] == 6)
    assert c_row["end_date"][0] is None
    assert c_row["dq_flags"][0].to_list() == ["D01"]
