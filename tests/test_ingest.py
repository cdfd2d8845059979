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


CHILD = b"child_id,sex,birth_month,ethnicity,disability,uasc\n"


def codes_rows(f: ingest.FileResult, code: str) -> list[tuple[str | None, str | None]]:
    return [(i.row, i.column) for i in f.issues if i.code == code]


def test_child_details_that_differ_between_child_files_give_k04_on_the_losing_rows():
    first = CHILD + b"A,F,2015-03,WBRI,N,N\nB,M,2016-01,,N,N\n"
    second = (
        CHILD + b"A,M,2015-03,WBRI,N,N\nB,U,2016-01,,N,N\n"
    )  # U is not known: no K04
    upload = ingest.read([("child.csv", first), ("children_later.csv", second)], Q)
    older, later = upload.files
    assert later.tables == ["child"] and not upload.blocked
    # equal formats and extract dates: the later file wins, so the first file's row loses
    assert codes_rows(older, "K04") == [("2", "sex")]
    assert codes_rows(later, "K04") == []
    [issue] = [i for i in older.issues if i.code == "K04"]
    assert (issue.field, issue.value, issue.severity) == ("child.sex", "F", "warning")
    assert "children_later.csv" in issue.message
    for f in (older, later):
        frame = f.loads[0].frame.sort("src_row")
        assert [("K04" in flags) for flags in frame["dq_flags"].to_list()] == [
            True,
            False,
        ]


def test_allocations_that_differ_between_files_give_k04():
    one = b"child_id,team,worker\nA,North,Sam Smith\nB,North,Sam Smith\n"
    two = b"child_id,team,worker\nA,South,Jo Bloggs\nB,North,Sam Smith\n"
    upload = ingest.read([("allocation.csv", one), ("allocation_b.csv", two)], Q)
    first, second = upload.files
    assert codes_rows(first, "K04") == [("2", "worker")]
    assert codes_rows(second, "K04") == []
    [issue] = [i for i in first.issues if i.code == "K04"]
    assert issue.value is None  # worker names are never shown
    assert first.loads[0].frame.sort("src_row")["dq_flags"].to_list() == [["K04"], []]


def test_an_event_for_a_child_with_no_child_row_gives_k05_and_a_stub_child():
    child = CHILD + b"A,F,2015-03,WBRI,N,N\n"
    plans = b"child_id,start_date\nA,2025-01-01\nZ,2025-02-01\nZ,2025-03-01\n"
    upload = ingest.read([("child.csv", child), ("cp_plan.csv", plans)], Q)
    _, plan_file = upload.files
    assert codes_rows(plan_file, "K05") == [("3", "child_id"), ("4", "child_id")]
    assert all(i.value is None for i in plan_file.issues)
    assert (plan_file.tables, plan_file.rows) == (["cp_plan"], 3)  # the file's own rows
    assert [t.table for t in upload.loads] == ["child", "cp_plan", "child"]
    stub = plan_file.loads[1]
    assert (stub.table, stub.source_format, stub.frame.height) == (
        "child",
        "csperf_csv",
        1,
    )
    assert stub.frame.row(0, named=True) | {"child_id": "-"} == {
        "src_row": 3, "dq_flags": ["K05"], "child_id": "-", "sex": "U", "birth_month": None,
        "ethnicity": None, "disability": None, "uasc": None}  # fmt: skip
    flags = plan_file.loads[0].frame.sort("src_row")["dq_flags"].to_list()
    assert flags == [[], ["K05"], ["K05"]]


def test_a_child_loaded_earlier_for_the_quarter_is_not_a_missing_child(con):
    child = CHILD + b"A,F,2015-03,WBRI,N,N\n"
    plans = b"child_id,start_date\nA,2025-01-01\n"
    first = ingest.read([("child.csv", child), ("cp_plan.csv", plans)], Q, held={})
    ingest.load(con, "885", first)
    held = ingest.held_children(con, Q)
    assert set(held) == {"csperf_csv"} and len(held["csperf_csv"]) == 1
    again = ingest.read([("cp_plan.csv", plans)], Q, held=held)
    assert [i.code for i in again.issues] == []
    other = b"child_id,start_date\nA,2025-01-01\nZ,2025-02-01\n"
    unknown = ingest.read([("cp_plan.csv", other)], Q, held=held)
    assert codes_rows(unknown.files[0], "K05") == [("3", "child_id")]
    # no stub: it would replace the quarter's csperf child rows
    assert [t.table for t in unknown.loads] == ["cp_plan"]
    assert "without a child record" in unknown.issues[0].message


def test_events_alone_with_nothing_known_of_the_quarter_give_no_k05():
    f = read_one("cp_plan.csv", b"child_id,start_date\nZ,2025-01-01\n")
    assert f.issues == [] and f.tables == ["cp_plan"]


def test_a_code_of_other_collection_years_is_kept_with_r05():
    data = (
        b"child_id,start_date,end_date,reason_new,legal_status,placement_type\n"
        b"A,2023-01-01,2023-06-01,S,C2,H5\n"  # closed in 2023/24, when H5 was in use
        b"B,2023-01-01,,S,C2,H5\n"  # open in 2025/26: H5 ended with 2024/25
        b"C,2024-01-01,,S,C2,K3\n"  # open now: K3 is in use from 2024/25
        b"D,2023-05-01,2024-03-01,S,C2,K3\n"  # closed in 2023/24, before K3
        b"E,2025-05-01,,S,C2,Z11\n"
    )
    f = read_one("cla_episode.csv", data)
    issues = [i for i in f.issues if i.code == "R05"]
    assert [(i.row, i.column, i.value, i.severity) for i in issues] == [
        ("3", "placement_type", "H5", "warning"),
        ("5", "placement_type", "K3", "warning"),
    ]
    assert "up to 2024/25" in issues[0].message and "2025/26" in issues[0].message
    frame = f.loads[0].frame.sort("src_row")
    assert frame["placement_type"].to_list() == ["H5", "H5", "K3", "K3", "Z11"]  # kept
    assert frame["dq_flags"].to_list() == [[], ["R05"], [], ["R05"], []]
    assert not f.blocked


def test_a_legacy_factor_and_an_event_code_before_its_first_year_give_r05():
    f = read_one("assessment.csv", b"child_id,start_date,factors\nA,2025-05-01,18A;3A\n"
                 b"B,2025-05-01,3A;24A\n")  # fmt: skip
    assert [(i.code, i.row, i.value) for i in f.issues] == [("R05", "2", "18A")]
    assert f.loads[0].frame.sort("src_row")["factors"].to_list()[0] == ["18A", "3A"]
    old = read_one("contact.csv", b"child_id,contact_date,source\nA,2022-03-01,5D\n"
                   b"B,2022-04-01,5D\n")  # fmt: skip
    assert [(i.code, i.row) for i in old.issues] == [("R05", "2")]


def test_collection_years_are_named_by_the_year_they_end():
    import datetime as dt

    from csperf import validate

    assert validate.collection_year(dt.date(2025, 3, 31)) == 2025
    assert validate.collection_year(dt.date(2025, 4, 1)) == 2026
    assert validate.year_label(2026) == "2025/26"
    assert validate.code_years("placement_type")["K3"] == (2025, None)
    assert "U6" not in validate.code_years("placement_type")


class SteppingClock:
    """A clock that moves on by ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_the_parse_time_limit_is_60_seconds_per_file():
    from csperf.formats import deadline

    assert deadline.MAX_PARSE_SECONDS == 60


def test_a_file_whose_parse_passes_the_time_limit_is_refused_with_f03(monkeypatch):
    from csperf.formats import deadline

    plans = b"child_id,start_date\nX,2025-01-01\n"
    # read at the start and at each check: 30 s a step reaches 60 s at the first check
    monkeypatch.setattr(deadline, "clock", SteppingClock(30.0))
    assert read_one("cp_plan.csv", plans).issues == []
    monkeypatch.setattr(deadline, "clock", SteppingClock(30.001))
    upload = ingest.read([("cp_plan.csv", plans), ("child.csv", CHILD)], Q)
    refused = upload.files[0]
    assert [(i.code, i.severity) for i in refused.issues] == [("F03", "error")]
    assert "60 seconds" in refused.issues[0].message
    assert (refused.loads, refused.tables, refused.rows) == ([], [], 0)
    assert upload.blocked


def test_the_time_limit_is_checked_between_the_sheets_of_a_workbook(monkeypatch):
    from pathlib import Path

    from csperf.formats import annex_a, deadline

    read_sheet = annex_a._read_sheet
    sheets: list[str] = []

    def counted(name, data, reader, sheet):  # type: ignore[no-untyped-def]
        sheets.append(sheet.name)
        return read_sheet(name, data, reader, sheet)

    monkeypatch.setattr(annex_a, "_read_sheet", counted)
    # 40 s a read: the first sheet's check is at 40 s, the second's at 80 s
    monkeypatch.setattr(deadline, "clock", SteppingClock(40.0))
    book = Path(__file__).parent / "data" / "Annex_A_2024_Jan.xlsx"
    [issue] = read_one(book.name, book.read_bytes()).issues
    assert (issue.code, issue.severity) == ("F03", "error")
    assert len(sheets) == 1


def test_the_quick_paths_for_text_and_dates_give_the_full_rules_results():
    import polars as pl

    from csperf import validate

    cells = [" x ", "a\u00a0 b", "null", "\u201cq\u201d", None, "t\tb", "ok  x", "N/A",
             "03/04/2025", "2025-04-03 00:00:00", "3-Apr-2025", "3 Apr 2025", "03.04.2025",
             "3Apr2025", "20250403", "31/02/2025", "03-04-2025"]  # fmt: skip
    for column in (cells, [c for c in cells if c is None or "/" not in c], cells[8:9]):
        frame = pl.DataFrame({"v": column}, schema={"v": pl.String})
        full = frame.with_columns(validate.clean_text("v"))
        quick = frame.with_columns(validate.clean_texts(frame, ["v"]))
        assert quick.equals(full)
        forms = validate.date_formats(full, ["v"])["v"]
        assert full.select(validate.parse_date("v", forms)).equals(
            full.select(validate.parse_date("v"))
        )
