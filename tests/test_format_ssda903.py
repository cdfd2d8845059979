"""SSDA903 CSV tables and XML: recognition, located issues, safety, and the demo round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from csperf import demo, periods
from csperf.formats import canonical, frames, ssda903, ssda903_write
from csperf.validate import Issue

DATA = Path(__file__).parent / "data"
Q = periods.Quarter.parse("2019-20Q4")


def parse(name: str, text: str, others: dict[str, bytes] | None = None):
    return ssda903.parse_csv(name, text.encode(), Q, others)


def codes(issues) -> list[str]:
    return [i.code for i in issues]


def located(issues, code: str) -> list[tuple[str | None, str | None]]:
    return [(i.row, i.column) for i in issues if i.code == code]


# ------------------------------------------------------------------ public samples


def test_the_episodes_sample_loads_with_its_issues_located():
    data = (DATA / "SSDA903_2020_episodes.csv").read_bytes()
    [load], issues = ssda903.parse_csv("SSDA903_2020_episodes.csv", data, Q)
    assert (load.table, load.source_format, load.detected) == (
        "cla_episode", "ssda903_csv", "ssda903:Episodes")  # fmt: skip
    assert located(issues, "H03") == [(None, "TEST_COLUMN")]
    [r04] = [i for i in issues if i.code == "R04"]
    assert (r04.row, r04.column, r04.value, r04.severity) == (
        "6", "RNE", "*DUMMY*", "warning")  # fmt: skip
    frame = load.frame.sort("src_row")
    assert frame.height == 5
    assert frame["reason_ceased"].to_list() == ["E15", "X1", "E2", "X1", "X1"]
    assert frame["legal_status"].to_list() == ["V4", None, "J2", "J3", "V3"]
    assert frame["reason_new"].to_list() == ["P", "S", "T", "L", None]
    assert frame["dq_flags"].to_list()[-1] == ["R04"]
    assert frame["start_date"][0] == dt.date(2018, 12, 11)
    assert frame["placement_location"].null_count() == 5
    assert len(frame["child_id"][0]) == 64  # pseudonymised
    assert load.extract_date == Q.end


def test_the_header_sample_keeps_one_row_per_child_and_maps_sex():
    data = (DATA / "SSDA903_2020_header.csv").read_bytes()
    [load], issues = ssda903.parse_csv("SSDA903_2020_header.csv", data, Q)
    assert located(issues, "K02") == [("3", "CHILD"), ("4", "CHILD"), ("6", "CHILD")]
    assert located(issues, "R04") == [("6", "ETHNIC")]
    assert [i.value for i in issues if i.code == "R04"] == ["UNKN"]
    frame = load.frame.sort("src_row")
    assert frame["src_row"].to_list() == [
        2,
        5,
    ]  # the first of equals; the most filled in
    assert frame["sex"].to_list() == ["M", "F"]
    assert frame["birth_month"].to_list() == [dt.date(2015, 7, 1), dt.date(2013, 1, 1)]
    assert frame["ethnicity"].to_list() == ["WBRI", "WBRI"]
    assert frame["uasc"].null_count() == 2  # no UASC table in the load
    assert frame["dq_flags"].to_list() == [["K02"], ["K02"]]


# ------------------------------------------------------------------ recognition


@pytest.mark.parametrize("table", list(ssda903.TABLES))
def test_each_table_is_recognised_by_its_header_in_any_order(table):
    columns = ssda903.TABLES[table]
    assert ssda903.recognise_csv(list(reversed(columns))) == table
    assert ssda903.recognise_csv([f" {c.lower()} " for c in columns]) == table


def test_the_table_with_fewest_extra_columns_wins_and_a_tie_is_ambiguous():
    assert ssda903.recognise_csv([*ssda903.TABLES["Header"], "DUC"]) == "Header"
    both = sorted({*ssda903.TABLES["OC3"], *ssda903.TABLES["PrevPerm"]})
    assert ssda903.recognise_csv(both) == ssda903.AMBIGUOUS
    assert ssda903.recognise_csv(["CHILD", "DOB"]) is None
    loads, issues = parse(
        "mixed.csv", ",".join(both) + "\n" + ",".join("1" * len(both))
    )
    assert (loads, codes(issues)) == ([], ["F08"])


def test_file_names_are_irrelevant():
    [load], issues = parse(
        "export (3).csv", "REVIEW_CODE,REVIEW,DOB,CHILD\nPN1,03/02/2020,,A1\n"
    )
    assert load.table == "cla_review" and issues == []
    assert load.frame.select("review_date", "participation").row(0) == (
        dt.date(2020, 2, 3), "PN1")  # fmt: skip


def test_a_table_csperf_does_not_use_is_recognised_and_not_loaded():
    text = "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\nA1,01/01/2010,W1,01/01/2020,,\n"
    loads, issues = parse("workers.csv", text)
    assert (loads, codes(issues)) == ([], ["I04"])
    assert issues[0].severity == "info"


def test_a_table_with_no_rows_replaces_nothing():
    loads, issues = parse("SSDA903_Reviews.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\n")
    assert (loads, codes(issues)) == ([], ["I04"])


def test_unreadable_csvs_are_refused_without_an_exception():
    for data in (b"", b"CHILD\x00,DOB", b'CHILD,DOB,REVIEW,REVIEW_CODE\n"A1,x'):
        loads, issues = ssda903.parse_csv("x.csv", data, Q)
        assert loads == [] and issues and issues[0].severity == "error"


# ------------------------------------------------------------------ mapping and checks


def test_sex_codes_old_and_new_and_anything_else_as_u():
    text = (
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
        + "A,1\nB,2\nC,u\nD,9\nE,\n".replace("\n", ",,,,,\n")
    )
    [load], issues = parse("h.csv", text)
    assert load.frame.sort("src_row")["sex"].to_list() == ["M", "F", "U", "U", "U"]
    assert located(issues, "R04") == [("5", "SEX")]
    assert "recorded as U" in issues[0].message


def test_oc3_accommodation_and_suitability_come_from_accom():
    text = (
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nA,,YES,F2,U1\nB,,NO,G5,S2\nC,,0,0,0\nD,,YES,F1,K\n"
        "E,,YES,F1,Q1\nF,,YES,F1,B7\n"
    )
    [load], issues = parse("o.csv", text)
    rows = load.frame.sort("src_row").select(
        "in_touch", "activity", "accommodation", "suitable"
    )
    assert rows.rows() == [
        ("YES", "F2", "U", True), ("NO", "G5", "S", False), (None, None, None, None),
        ("YES", "F1", "K", None), ("YES", "F1", None, True), ("YES", "F1", "B", None),
    ]  # fmt: skip
    assert located(issues, "R04") == [("6", "ACCOM")]
    assert located(issues, "R06") == [("7", "ACCOM")]


def test_missing_episodes_are_from_care_and_xxxxxxx_urns_are_blank():
    [load], _ = parse(
        "m.csv", "CHILD,DOB,MISSING,MIS_START,MIS_END\nA,,a,2020-01-05,06/01/2020\n"
    )
    assert load.frame.select("looked_after", "kind", "start_date", "end_date").row(0) == (
        True, "A", dt.date(2020, 1, 5), dt.date(2020, 1, 6))  # fmt: skip
    episodes = ssda903.TABLES["Episodes"]
    row = dict.fromkeys(episodes, "")
    row.update(CHILD="A", DECOM="01/01/2020", URN="XXXXXXX")
    [load], _ = parse(
        "e.csv", ",".join(episodes) + "\n" + ",".join(row.values()) + "\n"
    )
    assert load.frame["urn"].to_list() == [None]
    assert load.coverage_start == dt.date(2020, 1, 1)


def test_exact_duplicates_are_dropped_and_the_fullest_of_a_key_is_kept():
    text = (
        "CHILD,DOB,REVIEW,REVIEW_CODE\nA,,01/02/2020,\nA,,01/02/2020,PN1\n"
        "A,,01/02/2020,PN1\nB,,02/02/2020,PN2\n"
    )
    [load], issues = parse("r.csv", text)
    assert located(issues, "K01") == [("4", None)]
    assert located(issues, "K02") == [("2", "CHILD, REVIEW")]
    assert "row 3" in next(i for i in issues if i.code == "K02").message
    frame = load.frame.sort("src_row")
    assert frame.select("src_row", "participation").rows() == [(3, "PN1"), (5, "PN2")]
    assert frame["dq_flags"].to_list() == [["K02"], []]


def test_blank_ids_dates_and_excel_mangled_ids_are_errors():
    text = (
        "CHILD,DOB,REVIEW,REVIEW_CODE\n,,01/02/2020,PN1\nA,,31/02/2020,PN1\n"
        "1.23457E+12,,01/03/2020,\n"
    )
    _, issues = parse("r.csv", text)
    assert {(i.code, i.row, i.column) for i in issues if i.severity == "error"} == {
        ("R01", "2", "CHILD"), ("R03", "3", "REVIEW"), ("R10", "4", "CHILD")}  # fmt: skip
    assert all(i.value is None for i in issues if i.column == "CHILD")


HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA,M,15/06/2010,WBRI,,,\nB,F,01/02/2011,AIND,,,\n"
UASC = "CHILD,SEX,DOB,DUC\nA,M,15/06/2010,\n"


def test_a_uasc_table_in_the_load_sets_uasc_for_the_header():
    others = {"SSDA903_UASC.csv": UASC.encode(), "SSDA903_Header.csv": HEADER.encode()}
    [header], _ = parse("SSDA903_Header.csv", HEADER, others)
    assert header.frame.sort("src_row")["uasc"].to_list() == [True, False]
    [uasc], issues = parse("SSDA903_UASC.csv", UASC, others)
    assert (uasc.table, uasc.frame["uasc"].to_list(), issues) == ("child", [True], [])
    assert uasc.frame["sex"].to_list() == [None]  # the Header is the source of the rest


def test_a_dob_that_differs_from_the_header_gets_k07():
    others = {"h.csv": HEADER.encode()}
    text = (
        "CHILD,DOB,REVIEW,REVIEW_CODE\nA,15/06/2010,01/02/2020,PN1\n"
        "B,02/02/2011,01/02/2020,PN1\n"
    )
    [load], issues = parse("r.csv", text, others)
    assert located(issues, "K07") == [("3", "DOB")]
    assert load.frame.sort("src_row")["dq_flags"].to_list() == [[], ["K07"]]


# ------------------------------------------------------------------ XML

XML = """<?xml version="1.0" encoding="utf-8"?>
<EXPSSDA903 xmlns="http://example.invalid/903">
  <CHILD>
    <HEADER>
      <CHILDID>A</CHILDID><UPN>X123</UPN><SEX>1</SEX><DOB>15/06/2005</DOB><ETHNIC>WBRI</ETHNIC>
      <UASC>1</UASC><DUC/>
      <IN_TOUCH>YES</IN_TOUCH><ACTIV>F2</ACTIV><ACCOM>U1</ACCOM>
      <AREVIEW><REVIEW>01/02/2020</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
      <AREVIEW><REVIEW>01/08/2020</REVIEW><REVIEW_CODE>PN7</REVIEW_CODE></AREVIEW>
      <AMISSING><MISSING>M</MISSING><MIS_START>03/03/2020</MIS_START><MIS_END/></AMISSING>
      <MOTHER/><MC_DOB/>
    </HEADER>
    <EPISODE>
      <DECOM>01/01/2020</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>
      <PL_POST>AB1 2CD</PL_POST><HOME_POST/><URN>SC123456</URN>
      <PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>01/03/2020</DEC><REC>X1</REC>
      <REASON_PLACE_CHANGE/>
    </EPISODE>
    <EPISODE>
      <DECOM>01/03/2020</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>K2</PL>
      <PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC/><REC/><REASON_PLACE_CHANGE>CARPL</REASON_PLACE_CHANGE>
    </EPISODE>
  </CHILD>
  <CHILD>
    <HEADER>
      <CHILDID>B</CHILDID><SEX>F</SEX><DOB>01/02/2011</DOB><ETHNIC>AIND</ETHNIC><UASC/>
    </HEADER>
    <EPISODE>
      <DECOM>2020-02-01</DECOM><RNE>S</RNE><LS>V2</LS><CIN>N4</CIN><PL>U6</PL>
      <PLACE_PROVIDER>PR1</PLACE_PROVIDER>
    </EPISODE>
  </CHILD>
</EXPSSDA903>
"""

CSVS = {
    "h.csv": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA,1,15/06/2005,WBRI,X123,,\n"
    "B,F,01/02/2011,AIND,,,\n",
    "u.csv": "CHILD,SEX,DOB,DUC\nA,1,15/06/2005,\n",
    "e.csv": "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    "HOME_POST,PL_POST,URN\nA,01/01/2020,S,C2,N1,U4,PR1,01/03/2020,X1,,,AB1 2CD,SC123456\n"
    "A,01/03/2020,P,C2,N1,K2,PR4,,,CARPL,,,\nB,01/02/2020,S,V2,N4,U6,PR1,,,,,,\n",
    "r.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\nA,15/06/2005,01/02/2020,PN1\n"
    "A,15/06/2005,01/08/2020,PN7\n",
    "m.csv": "CHILD,DOB,MISSING,MIS_START,MIS_END\nA,15/06/2005,M,03/03/2020,\n",
    "o.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nA,15/06/2005,YES,F2,U1\n",
}


def _by_table(loads) -> dict[str, pl.DataFrame]:
    out: dict[str, pl.DataFrame] = {}
    for load in loads:
        frame = load.frame.drop("src_row", "dq_flags")
        out[load.table] = (
            pl.concat([out[load.table], frame]) if load.table in out else frame
        )
    return {t: f.sort(f.columns, nulls_last=True) for t, f in out.items()}


def test_an_xml_document_gives_the_same_rows_as_the_equivalent_csvs():
    assert ssda903.recognise_xml(XML.encode())
    loads, issues = ssda903.parse_xml("903.xml", XML.encode(), Q)
    assert issues == []
    assert {load.source_format for load in loads} == {"ssda903_xml"}
    others = {n: t.encode() for n, t in CSVS.items()}
    csv_loads = [load for n, t in CSVS.items() for load in parse(n, t, others)[0]]
    csv_tables = _by_table(
        load for load in csv_loads if load.detected != "ssda903:UASC"
    )
    xml_tables = _by_table(loads)
    assert sorted(xml_tables) == sorted(csv_tables)
    for table, frame in xml_tables.items():
        assert_frame_equal(frame, csv_tables[table])
    assert xml_tables["child"]["uasc"].to_list() == [True, False]


def test_xml_issues_are_located_by_element_path():
    bad = XML.replace("<PL>K2</PL>", "<PL>Q9</PL>").replace(
        "<CHILDID>B</CHILDID>", "<CHILDID/>"
    )
    loads, issues = ssda903.parse_xml("903.xml", bad.encode(), Q)
    assert located(issues, "R04") == [("CHILD[1]/EPISODE[2]", "PL")]
    r04 = next(i for i in issues if i.code == "R04")
    assert "CHILD[1]/EPISODE[2] (line 19), 'PL': 'Q9'" in r04.message
    assert located(issues, "R01") == [
        ("CHILD[2]/HEADER", "CHILDID"), ("CHILD[2]/EPISODE[1]", "CHILDID")]  # fmt: skip
    episodes = next(load for load in loads if load.table == "cla_episode")
    assert episodes.frame.sort("src_row")["src_row"].to_list() == [
        13,
        19,
        28,
    ]  # source lines


def test_xml_recognition_is_by_root_element_only():
    assert ssda903.recognise_xml(b"\xef\xbb\xbf<!-- x --><ns:EXPSSDA903 xmlns:ns='u'/>")
    assert ssda903.recognise_xml(b"<!DOCTYPE x [<!ENTITY a 'b'>]><EXPSSDA903/>")
    assert not ssda903.recognise_xml(b"<Message><Children/></Message>")
    assert not ssda903.recognise_xml(b"CHILD,DOB\n")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (
            b'<!DOCTYPE EXPSSDA903 SYSTEM "http://example.invalid/x.dtd"><EXPSSDA903/>',
            "F05",
        ),
        (
            b'<!DOCTYPE r [<!ENTITY e "lol">]><EXPSSDA903><CHILD>&e;</CHILD></EXPSSDA903>',
            "F05",
        ),
        (XML.encode()[: len(XML) // 2], "F06"),
        (b"", "F06"),
        (b"\x00\xff\xfe garbage", "F06"),
        (b"<Message/>", "F08"),
        (b"<EXPSSDA903></EXPSSDA903>", "I04"),
    ],
)
def test_unsafe_or_broken_xml_is_refused_without_an_exception(data, code):
    loads, issues = ssda903.parse_xml("903.xml", data, Q)
    assert (loads, codes(issues)) == ([], [code])


def test_an_unknown_xml_encoding_is_f07():
    data = b'<?xml version="1.0" encoding="x-unknown"?><EXPSSDA903/>'
    assert codes(ssda903.parse_xml("903.xml", data, Q)[1]) == ["F07"]


@given(st.binary(max_size=300))
def test_any_bytes_after_the_root_give_issues_not_exceptions(tail):
    data = b"<EXPSSDA903><CHILD><HEADER><CHILDID>A</CHILDID>" + tail
    _, issues = ssda903.parse_xml("903.xml", data, Q)
    assert all(isinstance(i, Issue) for i in issues)


@given(st.lists(st.text(max_size=14), min_size=13, max_size=13))
def test_any_cell_values_give_issues_not_exceptions(cells):
    out = io.StringIO()
    csv.writer(out).writerows([ssda903.TABLES["Episodes"], cells])
    loads, issues = ssda903.parse_csv("e.csv", out.getvalue().encode(), Q)
    assert all(isinstance(i, Issue) for i in issues)
    assert all(load.table == "cla_episode" for load in loads)


def test_oversized_xml_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(ssda903, "MAX_XML_BYTES", 100)
    loads, issues = ssda903.parse_xml("903.xml", XML.encode(), Q)
    assert (loads, codes(issues)) == ([], ["F03"])


# ------------------------------------------------------------------ writing and round trip

# formats.md §A.6, SSDA903 column: the (table, column) pairs the format fills.
PAIRS = {
    "child": ["sex", "birth_month", "ethnicity", "uasc"],
    "cla_episode": [
        "start_date", "end_date", "reason_new", "legal_status", "category_of_need",
        "placement_type", "placement_provider", "reason_ceased", "reason_place_change", "urn",
    ],
    "cla_review": ["review_date", "participation"],
    "missing_episode": ["looked_after", "kind", "start_date", "end_date"],
    "care_leaver": ["in_touch", "accommodation", "suitable", "activity"],
}  # fmt: skip


@pytest.fixture(scope="module")
def latest(demo_files: Path) -> tuple[periods.Quarter, dict[str, pl.DataFrame]]:
    quarter = periods.Quarter.parse(demo.LATEST_QUARTER)
    return quarter, canonical.read_dir(demo_files / str(quarter))


def _expected(
    tables: dict[str, pl.DataFrame], quarter: periods.Quarter
) -> dict[str, pl.DataFrame]:
    """The rows the format holds: the window of formats.md §B.7, looked-after children only."""
    end = quarter.end
    start = periods.add_months(end, -30) + dt.timedelta(days=1)
    col = pl.col
    held = {
        "cla_episode": tables["cla_episode"].filter(
            (col("end_date").is_null() | (col("end_date") >= start))
            & (col("start_date") <= end)
        ),
        "cla_review": tables["cla_review"].filter(
            col("review_date").is_between(start, end)
        ),
        "missing_episode": tables["missing_episode"].filter(
            col("looked_after") & col("start_date").is_between(start, end)
        ),
        "care_leaver": tables["care_leaver"],
    }
    ids = pl.concat([f.select("child_id") for f in held.values()]).unique()
    held["child"] = tables["child"].join(ids, on="child_id")
    return {
        t: _rows(frames.pseudonymised(f, t).select("child_id", *PAIRS[t]))
        for t, f in held.items()
    }


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def _check_round_trip(loads, expected: dict[str, pl.DataFrame]) -> None:
    got = {
        load.table: _rows(load.frame.select("child_id", *PAIRS[load.table]))
        for load in loads
        if load.detected != "ssda903:UASC"
    }
    assert sorted(got) == sorted(expected)
    for table, frame in expected.items():
        assert frame.height > 0
        assert_frame_equal(got[table], frame, check_dtypes=True)


def test_the_demo_round_trips_through_the_903_csv_tables(latest):
    quarter, tables = latest
    files = ssda903_write.write_csv(tables, quarter)
    assert sorted(files) == sorted(ssda903.FILE_NAMES.values())
    assert files == ssda903_write.write_csv(tables, quarter)  # deterministic
    loads, issues = [], []
    for name, data in files.items():
        header = data.split(b"\n", 1)[0].decode().split(",")
        assert header == ssda903.TABLES[ssda903.recognise_csv(header) or ""]
        found, problems = ssda903.parse_csv(name, data, quarter, files)
        loads += found
        issues += problems
    assert issues == []
    expected = _expected(tables, quarter)
    _check_round_trip(loads, expected)
    [uasc] = [load for load in loads if load.detected == "ssda903:UASC"]
    assert sorted(uasc.frame["child_id"]) == sorted(
        expected["child"].filter(pl.col("uasc"))["child_id"]
    )


def test_the_demo_round_trips_through_the_903_xml(latest):
    quarter, tables = latest
    data = ssda903_write.write_xml(tables, quarter)
    assert data == ssda903_write.write_xml(tables, quarter)
    assert ssda903.recognise_xml(data)
    loads, issues = ssda903.parse_xml("SSDA903.xml", data, quarter)
    assert issues == []
    _check_round_trip(loads, _expected(tables, quarter))


def test_the_writer_keeps_to_the_window():
    quarter = periods.Quarter.parse("2025-26Q4")  # window 1 Oct 2023 to 31 Mar 2026
    episodes = pl.DataFrame(
        {"child_id": ["A", "A", "B", "C"],
         "start_date": [dt.date(2020, 1, 1), dt.date(2023, 9, 1), dt.date(2024, 1, 1),
                        dt.date(2026, 4, 1)],
         "end_date": [dt.date(2023, 9, 30), dt.date(2023, 10, 1), None, None]},
    )  # fmt: skip
    reviews = pl.DataFrame(
        {"child_id": ["A", "B"], "review_date": [dt.date(2023, 9, 30), dt.date(2026, 3, 31)],
         "participation": ["PN1", "PN0"]}
    )  # fmt: skip
    files = ssda903_write.write_csv(
        {"cla_episode": episodes, "cla_review": reviews}, quarter
    )
    assert files["SSDA903_Episodes.csv"].decode().splitlines()[1:] == [
        "A,01/09/2023,,,,,,01/10/2023,,,,,", "B,01/01/2024,,,,,,,,,,,"]  # fmt: skip
    assert files["SSDA903_Reviews.csv"].decode().splitlines()[1:] == [
        "B,,31/03/2026,PN0"
    ]
    assert files["SSDA903_Header.csv"].decode().splitlines()[1:] == [
        "A,,,,,,",
        "B,,,,,,",
    ]
