"""Ofsted Annex A (formats.md §B.1): the sample workbook, header matching, refusals, per-list
CSVs, and the round trip from the demo's canonical data through the workbook and back (§A.6)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import xlsxwriter

from csperf import demo, periods, pseudonymise, validate
from csperf.formats import annex_a, canonical, frames
from csperf.formats.annex_a_headers import TEMPLATE

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "Annex_A_2024_Jan.xlsx"
Q = periods.Quarter.parse("2020-21Q4")


def _parse(data: bytes, name: str = "annex.xlsx", quarter: periods.Quarter = Q):
    return annex_a.parse_xlsx(name, data, quarter)


def _tables(loads) -> dict[str, pl.DataFrame]:
    return {load.table: load.frame for load in loads}


def _codes(issues, code: str) -> list[validate.Issue]:
    return [i for i in issues if i.code == code]


def _workbook(sheets: dict[str, list[list[Any]]], top: int = 0) -> bytes:
    """A workbook with these rows per sheet, starting ``top`` rows down (a title above)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if top:
            sheet.write_string(0, 0, "Annex A extract, Northfield")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(
                        top + r,
                        c,
                        dt.datetime.combine(value, dt.time()),
                        book.add_format({"num_format": "dd/mm/yyyy"}),
                    )
                elif value is not None:
                    sheet.write(top + r, c, value)
    book.close()
    return out.getvalue()


# ---------------------------------------------------------------- the sample workbook


@pytest.fixture(scope="module")
def sample():
    return _parse(SAMPLE.read_bytes(), SAMPLE.name)


def test_sample_loads_lists_1_to_9_with_their_rows(sample):
    loads, issues = sample
    rows = {load.table: load.frame.height for load in loads}
    assert rows == {
        "contact": 5, "early_help": 5, "referral": 6, "assessment": 5, "s47": 5,
        "cin_episode": 5, "cp_plan": 7, "cp_review": 5, "cla_episode": 5, "cla_review": 5,
        "cla_child_state": 5, "care_leaver": 6, "child": 48, "allocation": 17,
    }  # fmt: skip
    assert not validate.has_errors(issues)
    assert {load.detected for load in loads if load.table == "contact"} == {
        "annex_a:List 1"
    }
    assert all(load.extract_date == Q.end for load in loads)


def test_sample_adoption_lists_are_recognised_and_not_loaded(sample):
    _, issues = sample
    assert {i.sheet for i in _codes(issues, "I04")} == {"List 10", "List 11"}


def test_sample_excel_error_values_are_blank_with_r08(sample):
    loads, issues = sample
    r08 = {(i.sheet, i.column, i.row) for i in _codes(issues, "R08")}
    assert r08 == {
        ("List 6", "Allocated Team", "2"),
        ("List 6", "Allocated Worker", "2"),
    }
    cin = _tables(loads)["cin_episode"]
    assert cin["team"].null_count() == 5
    assert all("R08" in flags for flags in cin["dq_flags"].to_list())


def test_sample_unknown_codes_and_answers_are_warnings(sample):
    _, issues = sample
    r04 = _codes(issues, "R04")
    assert [(i.sheet, i.row, i.column, i.value) for i in r04] == [
        (
            "List 6",
            "2",
            "Primary Need Code",
            "PSRMEM - Support with memory and cognition",
        )
    ]
    r06 = _codes(issues, "R06")
    assert {i.value for i in r06} == {"CS Assessment Updated"}
    assert sorted(int(i.row or 0) for i in r06) == [2, 3, 4, 5, 6]
    assert all(i.sheet == "List 4" for i in r06)
    assert all(i.severity == "warning" for i in r04 + r06)
    assert r06[0].message.startswith("List 4, row 2, 'Was the child assessed")


def test_sample_values_are_normalised(sample):
    loads, _ = sample
    t = _tables(loads)
    assert t["contact"]["source"].to_list() == ["6", "6", "1B", "6", "9"]
    first = pseudonymise.child_ids(pl.Series(["9212044"]))[0]
    assert t["contact"]["child_id"][0] == first  # an Excel number, no ".0"
    cla = t["cla_episode"]
    assert cla["placement_type"].to_list() == ["U6", "U1", "U4", "U6", "H5"]
    assert cla["placement_provider"].to_list() == ["PR4", "PR1", "PR5", "PR4", "PR4"]
    assert cla["legal_status"].to_list() == ["E1", "C2", "C2", "C2", "C1"]
    assert cla["reason_ceased"].to_list()[-1] == "E47"
    assert set(cla["reason_new"]) == {"S"}
    leavers = t["care_leaver"]
    assert set(leavers["eligibility"]) == {"FORMER_RELEVANT"}
    assert set(leavers["in_touch"]) == {"YES"}
    assert leavers["accommodation"].to_list()[:2] == ["Y", "U"]
    assert leavers["activity"].to_list()[0] == "F1"
    child = t["child"]
    assert set(child["sex"]) <= {"M", "F", "U"}
    assert child["birth_month"].dt.day().max() == 1
    cp = t["cp_plan"]
    assert cp["initial_category"].to_list()[:4] == ["PHY", "PHY", "PHY", "EMO"]


def test_sample_issues_carry_sheet_and_excel_row(sample):
    _, issues = sample
    located = [i for i in issues if i.row is not None]
    assert located
    assert all(i.sheet and i.sheet.startswith("List ") for i in located)


# ---------------------------------------------------------------- header matching


LIST3 = [
    ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Referral",
     "Referral Source", "Referral NFA?"],
    [1001, "a) Male", "a) WBRI", dt.date(2015, 5, 17), dt.date(2020, 9, 16), "q) 6: Police",
     "b) No"],
    ["1002", "Female", "White British", dt.date(2012, 1, 3), "16/10/2020", "Schools", "Yes"],
]  # fmt: skip


def _values(loads) -> dict[str, list[tuple[Any, ...]]]:
    return {
        load.table: sorted(load.frame.drop("src_row", "dq_flags").rows())
        for load in loads
    }


def test_headers_match_by_text_in_any_order_and_any_row():
    plain, issues = _parse(_workbook({"List 3": LIST3}))
    assert not issues
    order = [4, 2, 0, 6, 1, 5, 3]
    variant = [["Date of referral", "Ethnicity", "Child ID", "NFA", "Sex", "Referral - source",
                "DOB"]] + [[row[i] for i in order] for row in LIST3[1:]]  # fmt: skip
    shuffled, more = _parse(_workbook({"Referrals": variant}, top=2))
    assert not validate.has_errors(more)
    assert _values(shuffled) == _values(plain)
    referral = _tables(shuffled)["referral"]
    assert referral["src_row"].to_list() == [4, 5]  # title on row 1, headers on row 3
    assert referral["source"].to_list() == ["6", "2A"]
    assert referral["nfa"].to_list() == [False, True]
    assert _tables(shuffled)["child"]["sex"].to_list() == ["M", "F"]


def test_a_variant_header_matching_two_columns_is_h02():
    rows = [["Child Unique ID", "Gender", "Date of first contact", "Date contact received"],
            ["1", "M", "01/01/2021", "02/01/2021"]]  # fmt: skip
    loads, issues = _parse(_workbook({"List 1": rows}))
    h02 = _codes(issues, "H02")
    assert h02 and h02[0].severity == "error" and h02[0].sheet == "List 1"
    assert not [load for load in loads if load.table == "contact"]


def test_a_list_without_child_ids_or_required_dates_is_refused():
    rows = [["Gender", "Ethnicity", "Date of Contact", "Contact Source"], ["M", "WBRI",
            "01/01/2021", "6"]]  # fmt: skip
    _, issues = _parse(_workbook({"List 1": rows}))
    assert [(i.code, i.sheet) for i in issues if i.severity == "error"] == [
        ("H04", "List 1")
    ]
    rows = [["Child Unique ID", "Gender", "Ethnicity", "Contact Source"], ["1", "M", "WBRI",
            "6"]]  # fmt: skip
    _, issues = _parse(_workbook({"List 1": rows}))
    h01 = _codes(issues, "H01")
    assert h01 and h01[0].column == "Date of Contact" and h01[0].sheet == "List 1"


def test_unknown_sheets_and_leftover_headers_are_info():
    rows = [*LIST3[:1], LIST3[1]]
    rows = [[*rows[0], "Postcode"], [*rows[1], "AB1 2CD"]]
    loads, issues = _parse(_workbook({"List 3": rows, "Notes": [["Anything", "else"]]}))
    assert [i.code for i in issues] == ["H03", "I03"]
    assert "Postcode" in issues[0].message
    assert {load.table for load in loads} == {"referral", "child"}


def test_sheets_not_named_list_n_are_assigned_by_headers_or_ignored():
    plan = [
        "1",
        "F",
        "WBRI",
        dt.date(2016, 3, 1),
        9,
        "No",
        dt.date(2020, 11, 23),
        "Neglect",
    ]
    sheets = {
        "Sheet1": [TEMPLATE[7], plan],
        "Care chart": [["Month", "Children"], ["Jan", 3]],
    }
    loads, issues = _parse(_workbook(sheets))
    assert [(i.code, i.sheet) for i in issues] == [
        ("I02", "Sheet1"),
        ("I03", "Care chart"),
    ]
    assert _tables(loads)["cp_plan"]["initial_category"].to_list() == ["NEG"]


def test_cell_rules_r09_r10_and_hidden_sheets():
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("Notes").write_row(0, 0, ["Anything"])
    sheet = book.add_worksheet("List 3")
    sheet.write_row(0, 0, LIST3[0])
    sheet.write_row(1, 0, ["1.23457E+12", "M", "WBRI", "01/02/2015", "16/09/2020"])
    sheet.write_row(2, 0, ["1003", "M", "WBRI", "01/02/2015", "16/09/2020"])
    sheet.write_formula(2, 5, "=VLOOKUP(A3,Codes!A:B,2,FALSE)")
    sheet.hide()
    book.close()
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as package:
        xml = package.read("xl/worksheets/sheet2.xml")
    no_cache = re.sub(rb"(</f>)<v>0</v>", rb"\1", xml)
    data = _rezip(out.getvalue(), {"xl/worksheets/sheet2.xml": no_cache})
    loads, issues = _parse(data)
    found = {(i.code, i.severity, i.sheet, i.row, i.column) for i in issues}
    assert ("R10", "error", "List 3", "2", "Child Unique ID") in found
    assert ("R09", "warning", "List 3", "3", "Referral Source") in found
    assert any(i.code == "I02" and "hidden" in i.message for i in issues)
    referral = _tables(loads)["referral"]
    assert referral.filter(pl.col("src_row") == 3)["dq_flags"].to_list() == [["R09"]]


# ---------------------------------------------------------------- refusals


def _rezip(data: bytes, change: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            if info.filename in change:
                continue
            dst.writestr(info, src.read(info))
        for name, body in change.items():
            if body is not None:
                dst.writestr(name, body)
    return out.getvalue()


def _doctype(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        workbook = package.read("xl/workbook.xml")
    head, _, rest = workbook.partition(b"?>")
    bad = head + b'?><!DOCTYPE workbook [<!ENTITY x "y">]>' + rest
    return _rezip(data, {"xl/workbook.xml": bad})


GOOD = _workbook({"List 3": LIST3})


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"not a workbook at all", "F01"),
        (GOOD[: len(GOOD) // 2], "F01"),
        (_rezip(GOOD, {"xl/vbaProject.bin": b"\x00" * 10}), "F02"),
        (
            _rezip(GOOD, {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
            "F02",
        ),
        (_rezip(GOOD, {"../evil.xml": b"<x/>"}), "F03"),
        (_rezip(GOOD, {"xl\\evil.xml": b"<x/>"}), "F03"),
        (_doctype(GOOD), "F05"),
        (annex_a.xlsx_safety.OLE + "EncryptedPackage".encode("utf-16-le"), "F04"),
        (annex_a.xlsx_safety.OLE + b"\x00" * 512, "F02"),
    ],
    ids=[
        "not-zip",
        "truncated",
        "macro",
        "external-link",
        "dotdot",
        "backslash",
        "doctype",
        "encrypted",
        "xls",
    ],
)
def test_bad_workbooks_are_refused_without_an_exception(data, code):
    loads, issues = _parse(data)
    assert loads == []
    assert [(i.code, i.severity) for i in issues] == [(code, "error")]
    assert not annex_a.recognise_xlsx(data) or code in ("F02", "F03", "F05")


def test_a_zip_bomb_member_is_refused():
    bomb = b"<a/>" + b" " * 5_000_000  # deflates to about 5 KB, a ratio near 1,000
    _, issues = _parse(_rezip(GOOD, {"xl/worksheets/sheet9.xml": bomb}))
    assert [i.code for i in issues] == ["F03"]


def test_recognise_xlsx():
    assert annex_a.recognise_xlsx(SAMPLE.read_bytes())
    assert annex_a.recognise_xlsx(_workbook({"Contacts": [["Child Unique ID"]]}))
    assert not annex_a.recognise_xlsx(_workbook({"Sheet1": [["a", "b"], [1, 2]]}))
    assert not annex_a.recognise_xlsx(b"PK\x03\x04 damaged")


# ---------------------------------------------------------------- per-list CSVs


def _csv(rows: list[list[Any]]) -> bytes:
    lines = [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def test_per_list_csvs_are_recognised_by_name_and_headers():
    header = TEMPLATE[3]
    assert annex_a.recognise_csv("List 3.csv", header) == 3
    assert annex_a.recognise_csv("referrals.csv", header) == 3
    assert annex_a.recognise_csv("export.csv", header) == 3  # by its headers
    assert annex_a.recognise_csv("List 10.csv", TEMPLATE[10]) == 10
    assert annex_a.recognise_csv("List 3.csv", ["Child Unique ID", "Gender"]) is None
    assert annex_a.recognise_csv("children.csv", ["child_id", "sex"]) is None


def test_a_per_list_csv_loads_with_csv_row_numbers():
    rows = [["Child Unique ID", "Gender", "Date of Referral", "Referral Source", "Referral NFA?"],
            ["1001", "a) Male", "16/09/2020", "q) 6: Police", "No"],
            ["1002", "b) Female", "31/02/2020", "Police", "Maybe"],
            ["1003", "U", "44197", "Other", "c) Unknown"]]  # fmt: skip
    loads, issues = annex_a.parse_csv("List 3.csv", _csv(rows), Q)
    referral = _tables(loads)["referral"]
    assert referral["source"].to_list() == ["6", "6", "8"]
    assert referral["referral_date"].to_list()[2] == dt.date(
        2021, 1, 1
    )  # an Excel serial
    assert referral["nfa"].to_list()[2] is None
    assert {(i.code, i.row, i.sheet, i.column) for i in issues} == {
        ("R03", "3", None, "Date of Referral"),
        ("R06", "3", None, "Referral NFA?"),
    }
    loads, issues = annex_a.parse_csv("List 10.csv", _csv([TEMPLATE[10]]), Q)
    assert loads == [] and [i.code for i in issues] == ["I04"]


# ---------------------------------------------------------------- round trip (§A.6)

# The (table, column) pairs Annex A fills (formats.md §A.6), child_id aside.
PAIRS: dict[str, list[str]] = {
    "child": ["sex", "birth_month", "ethnicity", "disability", "uasc"],
    "contact": ["contact_date", "source"],
    "early_help": ["start_date", "end_date", "organisation"],
    "referral": ["referral_date", "source", "nfa", "previous_referrals_12m"],
    "assessment": ["start_date", "authorised_date", "requires_support", "team", "worker"],
    "s47": ["start_date", "icpc_date", "icpc_not_required", "resulted_in_plan"],
    "cin_episode": ["start_date", "end_date", "primary_need", "closure_reason", "team"],
    "cp_plan": ["start_date", "end_date", "initial_category", "latest_category",
                "previous_plans"],
    "cp_review": ["plan_start_date", "review_date"],
    "cla_episode": ["start_date", "end_date", "reason_new", "legal_status", "category_of_need",
                    "placement_type", "placement_provider", "reason_ceased",
                    "placement_location", "urn"],
    "cla_review": ["review_date"],
    "cla_child_state": ["placements_12m", "missing_12m", "absent_12m", "rhi_offered_last",
                        "rhi_accepted_last"],
    "care_leaver": ["eligibility", "in_touch", "accommodation", "suitable", "activity",
                    "latest_contact_date"],
    "allocation": ["team", "worker"],
}  # fmt: skip


@pytest.fixture(scope="module")
def round_trip(demo_files: Path):
    quarter = periods.Quarter.parse(demo.LATEST_QUARTER)
    tables = canonical.read_dir(demo_files / demo.LATEST_QUARTER)
    data = annex_a.write_xlsx(tables, quarter)
    loads, issues = annex_a.parse_xlsx("Annex_A.xlsx", data, quarter)
    return tables, quarter, data, loads, issues


def test_the_written_workbook_has_the_template_headers(round_trip):
    _, quarter, data, _, _ = round_trip
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert "docProps/core.xml" in package.namelist()
    sheets = pl.read_excel(data, sheet_id=0, infer_schema_length=0)
    assert list(sheets) == [f"List {n}" for n in range(1, 10)]
    for n in range(1, 10):
        assert sheets[f"List {n}"].columns == TEMPLATE[n]
    assert annex_a.write_xlsx(round_trip[0], quarter) == data  # deterministic


def test_the_round_trip_loads_without_issues(round_trip):
    _, _, _, loads, issues = round_trip
    assert issues == []
    assert {load.table for load in loads} == set(PAIRS)


@pytest.fixture(scope="module")
def expected(round_trip) -> dict[str, pl.DataFrame]:
    tables, quarter, _, _, _ = round_trip
    return _expected(tables, quarter)


@pytest.mark.parametrize("table", list(PAIRS))
def test_round_trip_gives_the_canonical_values(round_trip, expected, table):
    loads = round_trip[3]
    columns = ["child_id", *PAIRS[table]]
    want = frames.pseudonymised(expected[table].select(columns), table)
    got = _tables(loads)[table].select(columns)
    assert got.height == want.height
    assert sorted(got.rows(), key=repr) == sorted(want.rows(), key=repr)


# What Annex A holds, derived from the canonical rows by formats.md §B.1.5 and §B.7, written
# independently of the module (plain Python over the rows).

Rows = list[dict[str, Any]]
LISTS = {1: "contact", 2: "early_help", 3: "referral", 4: "assessment", 5: "s47",
         6: "cin_episode", 7: "cp_plan", 8: "cla_episode", 9: "care_leaver"}  # fmt: skip


def _expected(
    tables: dict[str, pl.DataFrame], quarter: periods.Quarter
) -> dict[str, pl.DataFrame]:
    rows = {name: frame.to_dicts() for name, frame in tables.items()}
    end = quarter.end
    first = periods.add_months(end, -24) + dt.timedelta(days=1)
    out = _events(rows, first, end)
    out["cp_review"] = _cp_reviews(rows["cp_review"], out["cp_plan"], end)
    care = _periods(rows["cla_episode"], end)
    out["cla_episode"] = [
        p for p in care if _overlaps(p["start_date"], p["end_date"], first, end)
    ]
    looked_after = {p["child_id"] for p in out["cla_episode"]}
    reviews: dict[str, dt.date] = {}
    for r in rows["cla_review"]:
        if r["child_id"] in looked_after and r["review_date"] <= end:
            reviews[r["child_id"]] = max(
                r["review_date"], reviews.get(r["child_id"], r["review_date"])
            )
    out["cla_review"] = [{"child_id": c, "review_date": d} for c, d in reviews.items()]
    out["cla_child_state"] = _child_state(
        rows["cla_episode"],
        rows["missing_episode"],
        looked_after,
        quarter.r12_start,
        end,
    )
    out["care_leaver"] = rows["care_leaver"]
    out["allocation"] = _allocations(rows["allocation"], out)
    out["child"] = _children(rows["child"], out)
    return {
        name: pl.DataFrame(
            [{c: r.get(c) for c in ["child_id", *PAIRS[name]]} for r in found],
            schema={
                "child_id": pl.String,
                **{c: frames.polars_type(name, c) for c in PAIRS[name]},
            },
        )
        for name, found in out.items()
    }


def _overlaps(
    start: dt.date, stop: dt.date | None, first: dt.date, end: dt.date
) -> bool:
    return start <= end and (stop is None or stop >= first)


def _events(rows: dict[str, Rows], first: dt.date, end: dt.date) -> dict[str, Rows]:
    """Lists 1-5 in the 24 months (EH and assessments open in them), Lists 6-7 open or closed
    in them; referrals with the child's referrals in the 12 months before each."""

    def within(d: dt.date | None) -> bool:
        return d is not None and first <= d <= end

    def overlapping(table: str, stop: str) -> Rows:
        return [
            r for r in rows[table] if _overlaps(r["start_date"], r[stop], first, end)
        ]

    dates: dict[str, list[dt.date]] = defaultdict(list)
    for r in rows["referral"]:
        dates[r["child_id"]].append(r["referral_date"])
    referrals = [
        {**r, "previous_referrals_12m": sum(
            periods.add_months(r["referral_date"], -12) <= d < r["referral_date"]
            for d in dates[r["child_id"]])}
        for r in rows["referral"] if within(r["referral_date"])
    ]  # fmt: skip
    return {
        "contact": [r for r in rows["contact"] if within(r["contact_date"])],
        "early_help": overlapping("early_help", "end_date"),
        "referral": referrals,
        "assessment": overlapping("assessment", "authorised_date"),
        "s47": [
            r
            for r in rows["s47"]
            if r["start_date"] <= end
            and (within(r["start_date"]) or within(r["icpc_date"]))
        ],
        "cin_episode": overlapping("cin_episode", "end_date"),
        "cp_plan": overlapping("cp_plan", "end_date"),
    }


def _cp_reviews(reviews: Rows, plans: Rows, end: dt.date) -> Rows:
    """Each listed plan's latest review conference."""
    latest: dict[tuple[str, dt.date], dt.date] = {}
    for r in reviews:
        key = (r["child_id"], r["plan_start_date"])
        if r["review_date"] <= end:
            latest[key] = max(r["review_date"], latest.get(key, r["review_date"]))
    return [
        {"child_id": p["child_id"], "plan_start_date": p["start_date"],
         "review_date": latest[(p["child_id"], p["start_date"])]}
        for p in plans if (p["child_id"], p["start_date"]) in latest
    ]  # fmt: skip


def _allocations(allocation: Rows, lists: dict[str, Rows]) -> Rows:
    """The children open at the quarter end in Lists 4, 6-9."""
    open_ids = (
        {r["child_id"] for r in lists["assessment"] if r["authorised_date"] is None}
        | {r["child_id"] for r in lists["cin_episode"] if r["end_date"] is None}
        | {r["child_id"] for r in lists["cp_plan"] if r["end_date"] is None}
        | {r["child_id"] for r in lists["cla_episode"] if r["end_date"] is None}
        | {r["child_id"] for r in lists["care_leaver"]}
    )
    return [r for r in allocation if r["child_id"] in open_ids]


def _children(children: Rows, lists: dict[str, Rows]) -> Rows:
    """Every listed child; disability only from Lists 4-9, UASC only from Lists 8-9."""
    listed: dict[str, set[int]] = defaultdict(set)
    for n, table in LISTS.items():
        for r in lists[table]:
            listed[r["child_id"]].add(n)
    return [
        {**r, "disability": r["disability"] if listed[r["child_id"]] & {4, 5, 6, 7, 8, 9}
         else None, "uasc": r["uasc"] if listed[r["child_id"]] & {8, 9} else None}
        for r in children if r["child_id"] in listed
    ]  # fmt: skip


def _periods(episodes: list[dict[str, Any]], end: dt.date) -> list[dict[str, Any]]:
    """Periods of care: an episode continues the period when the one before it ended ``X1`` on
    its start day (and it is not an ``S``)."""
    out: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    for ep in sorted((e for e in episodes if e["start_date"] <= end),
                     key=lambda e: (e["child_id"], e["start_date"])):  # fmt: skip
        same = (last is not None and last["child_id"] == ep["child_id"]
                and last["reason_ceased"] == "X1" and last["end_date"] == ep["start_date"]
                and ep["reason_new"] != "S")  # fmt: skip
        if not same:
            out.append({"child_id": ep["child_id"], "start_date": ep["start_date"],
                        "reason_new": "S"})  # fmt: skip
        out[-1].update({
            c: ep[c] for c in ("end_date", "legal_status", "category_of_need", "placement_type",
                               "placement_provider", "placement_location", "urn")
        })  # fmt: skip
        out[-1]["reason_ceased"] = ep["reason_ceased"] if ep["end_date"] else None
        last = ep
    return out


def _child_state(
    episodes: list[dict[str, Any]],
    missing: list[dict[str, Any]],
    children: set[str],
    r12: dt.date,
    end: dt.date,
) -> list[dict[str, Any]]:
    placements: dict[str, int] = defaultdict(int)
    seen: set[str] = set()
    for ep in sorted(episodes, key=lambda e: (e["child_id"], e["start_date"])):
        if ep["start_date"] > end or (
            ep["end_date"] is not None and ep["end_date"] < r12
        ):
            continue
        if ep["child_id"] not in seen or ep["reason_new"] != "L":
            placements[ep["child_id"]] += 1
        seen.add(ep["child_id"])
    counts: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"M": 0, "A": 0, "last": None}
    )
    for m in sorted(
        missing, key=lambda m: (m["start_date"], m["end_date"] or dt.date.max)
    ):
        if m["looked_after"] and r12 <= m["start_date"] <= end:
            counts[m["child_id"]][m["kind"]] += 1
            if m["kind"] == "M":
                counts[m["child_id"]]["last"] = m
    out = []
    for child in children:
        c = counts[child]
        last = c["last"] or {}
        out.append({
            "child_id": child, "placements_12m": placements[child], "missing_12m": c["M"],
            "absent_12m": c["A"], "rhi_offered_last": last.get("rhi_offered"),
            "rhi_accepted_last": last.get("rhi_accepted"),
        })  # fmt: skip
    return out
