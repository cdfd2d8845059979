"""CIN census XML (formats.md §B.3): recognition, mapping, safety refusals and the round trip."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from csperf import periods, pseudonymise
from csperf.formats import canonical, cin_census, cin_census_write, frames
from csperf.validate import Issue

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "CIN_Census_2026.xml"
GENDER_CURRENT = DATA / "cin_2024_gendercurrent.xml"
QUARTER = periods.Quarter.parse("2023-24Q4")

# formats.md §A.6, "CIN census XML" column: the (table, column) pairs the census fills.
PAIRS: dict[str, list[str]] = {
    "child": ["child_id", "sex", "birth_month", "ethnicity", "disability"],
    "referral": ["child_id", "referral_date", "source", "nfa"],
    "cin_episode": [
        "child_id", "referral_date", "start_date", "end_date", "primary_need",
        "closure_reason",
    ],
    "assessment": [
        "child_id", "referral_date", "start_date", "authorised_date", "factors",
    ],
    "cin_plan": ["child_id", "referral_date", "start_date", "end_date"],
    "s47": ["child_id", "referral_date", "start_date", "icpc_date", "icpc_not_required"],
    "cp_plan": [
        "child_id", "referral_date", "start_date", "end_date", "initial_category",
        "latest_category", "previous_plans",
    ],
    "cp_review": ["child_id", "plan_start_date", "review_date"],
}  # fmt: skip


def _parse(
    data: bytes, name: str = "census.xml", quarter: periods.Quarter = QUARTER
) -> tuple[dict[str, pl.DataFrame], list[Issue]]:
    loads, issues = cin_census.parse(name, data, quarter)
    return {t.table: t.frame for t in loads}, issues


def _pid(raw: str) -> str:
    return str(pseudonymise.child_ids(pl.Series([raw]))[0])


# ---------------------------------------------------------------- the published sample


@pytest.fixture(scope="module")
def sample() -> tuple[dict[str, pl.DataFrame], list[Issue]]:
    return _parse(SAMPLE.read_bytes(), SAMPLE.name)


def test_sample_is_recognised_with_its_header() -> None:
    data = SAMPLE.read_bytes()
    assert cin_census.recognise(SAMPLE.name, data)
    assert cin_census.la_code(data) == "201"
    assert cin_census.reference_date(data) == dt.date(2024, 3, 31)


def test_sample_tables_and_row_counts(sample: Any) -> None:
    tables, _ = sample
    counts = {t: f.height for t, f in tables.items()}
    assert counts == {
        "child": 2, "referral": 2, "cin_episode": 2, "assessment": 2, "cin_plan": 1,
        "s47": 1, "cp_plan": 1, "cp_review": 1,
    }  # fmt: skip
    assert tables["child"]["src_row"].to_list() == [1, 2]
    assert tables["assessment"]["src_row"].to_list() == [1, 2]


def test_sample_loads_carry_reference_date_and_coverage() -> None:
    loads, _ = cin_census.parse(SAMPLE.name, SAMPLE.read_bytes(), QUARTER)
    for load in loads:
        assert load.source_format == "cin_xml"
        assert load.detected == f"cin_xml:{load.table}"
        assert load.extract_date == dt.date(2024, 3, 31)
        assert load.coverage_start == dt.date(2023, 4, 1)


def test_sample_values(sample: Any) -> None:
    tables, _ = sample
    child = tables["child"]
    assert child["sex"].to_list() == ["M", "M"]  # <Sex>1</Sex> and <Sex>M</Sex>
    assert child["birth_month"].to_list() == [dt.date(2015, 3, 1), dt.date(2023, 9, 1)]
    assert child["disability"].to_list() == [True, False]  # HAND+HEAR; only NONE
    assert child["child_id"].to_list() == [
        _pid("DfEX0000001"),
        _pid("child_fails_assessments"),
    ]
    assert tables["referral"]["nfa"].to_list() == [False, False]  # '0' and 'false'
    assert tables["s47"]["icpc_not_required"].to_list() == [False]
    assessment = tables["assessment"]
    assert assessment["factors"].to_list() == [
        ["1C", "6B"],
        [],
    ]  # RB dropped; empty box
    assert assessment["dq_flags"].to_list() == [["R04"], []]
    assert assessment["referral_date"].to_list() == [
        dt.date(2022, 10, 6), dt.date(2024, 10, 24),
    ]  # fmt: skip
    plan = tables["cp_plan"].row(0, named=True)
    assert (plan["initial_category"], plan["previous_plans"]) == ("PHY", 10)
    assert tables["cp_review"].row(0, named=True)["plan_start_date"] == dt.date(
        2022, 2, 17
    )


def test_sample_invalid_factor_is_located(sample: Any) -> None:
    _, issues = sample
    assert [(i.code, i.severity) for i in issues] == [("R04", "warning")]
    issue = issues[0]
    assert issue.row == "Child[1]/CINdetails[1]/Assessments[1]"
    assert issue.column == "AssessmentFactors"
    assert issue.field == "assessment.factors"
    assert issue.value == "RB"
    assert issue.message.startswith("Child[1]/CINdetails[1]/Assessments[1] (line 41), ")
    assert "'RB'" in issue.message


# ---------------------------------------------------------------- the 2024 shape


def test_gender_current_schema() -> None:
    data = GENDER_CURRENT.read_bytes()
    assert cin_census.recognise(GENDER_CURRENT.name, data)
    assert cin_census.la_code(data) == "999"
    tables, issues = _parse(data)
    assert issues == []
    child = tables["child"]
    assert child["child_id"].to_list() == [_pid(f"T000{i}") for i in range(1, 5)]
    assert child["sex"].to_list() == ["M", "F", "U", "U"]
    assert child["disability"].to_list() == [None, False, True, None]
    assert child["birth_month"].to_list() == [
        dt.date(2012, 5, 1), dt.date(2024, 5, 1), dt.date(2009, 11, 1), dt.date(2016, 2, 1),
    ]  # fmt: skip
    assert tables["referral"]["nfa"].to_list() == [True, False, False, True]
    assert tables["s47"]["icpc_not_required"].to_list() == [True, False]


def test_gender_current_repeated_details_kept_once() -> None:
    tables, _ = _parse(GENDER_CURRENT.read_bytes())
    # Child 1 holds the same referral (and assessment) in two CINdetails.
    assert tables["referral"].height == 4
    assert tables["cin_episode"].height == 4
    assessment = tables["assessment"]
    assert assessment["factors"].to_list() == [
        ["3A", "3B"],
        None,
    ]  # no factors box → null
    assert tables["cp_review"]["review_date"].to_list() == [
        dt.date(2024, 3, 1), dt.date(2024, 3, 20),
    ]  # fmt: skip


def test_bad_values_are_located() -> None:
    text = GENDER_CURRENT.read_text()
    text = text.replace(
        "<GenderCurrent>2</GenderCurrent>", "<GenderCurrent>7</GenderCurrent>"
    )
    text = text.replace(
        "<ReferralNFA>1</ReferralNFA>", "<ReferralNFA>maybe</ReferralNFA>"
    )
    text = text.replace("<CPPreviewDate>2024-03-20<", "<CPPreviewDate>2024-02-30<")
    tables, issues = _parse(text.encode())
    found = {(i.code, i.row, i.column) for i in issues}
    assert found == {
        ("R04", "Child[2]", "GenderCurrent"),
        ("R06", "Child[4]/CINdetails[1]", "ReferralNFA"),
        ("R03", "Child[2]/CINdetails[1]/ChildProtectionPlans[1]/Reviews[1]/CPPreviewDate[2]",
         "CPPreviewDate"),
    }  # fmt: skip
    messages = {i.column: i.message for i in issues}
    assert messages["GenderCurrent"].startswith(
        "Child[2] (line 62), <GenderCurrent>: '7'"
    )
    assert "(line 131)" in messages["ReferralNFA"]
    assert "Use 1 for yes or 0 for no." in messages["ReferralNFA"]
    assert "(line 91)" in messages["CPPreviewDate"]
    assert "yyyy-mm-dd" in messages["CPPreviewDate"]
    assert tables["child"]["sex"].to_list()[1] is None


def test_missing_reference_date_falls_back_to_quarter_end() -> None:
    text = GENDER_CURRENT.read_text().replace(
        "<ReferenceDate>2024-03-31</ReferenceDate>", ""
    )
    loads, issues = cin_census.parse("c.xml", text.encode(), QUARTER)
    assert issues == []
    assert {t.extract_date for t in loads} == {QUARTER.end}
    assert cin_census.reference_date(text.encode()) is None


def test_other_documents_are_not_recognised() -> None:
    assert not cin_census.recognise("a.csv", b"child_id,sex\nA1,M\n")
    assert not cin_census.recognise("b.xml", b"<EXPSSDA903><CHILD/></EXPSSDA903>")
    other = GENDER_CURRENT.read_bytes().replace(b">CIN<", b">SEN2<")
    assert not cin_census.recognise("c.xml", other)
    no_children = b"<Message><Header/><Children/></Message>"
    assert not cin_census.recognise("d.xml", no_children)


# ---------------------------------------------------------------- refusals


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Message [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol9;</LAchildID>
</ChildIdentifiers></Child></Children></Message>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&xxe;</LAchildID>
</ChildIdentifiers></Child></Children></Message>
"""


def _refused(data: bytes, code: str) -> Issue:
    loads, issues = cin_census.parse("bad.xml", data, QUARTER)
    assert loads == []
    assert len(issues) == 1
    issue = issues[0]
    assert (issue.code, issue.severity, issue.file) == (code, "error", "bad.xml")
    assert "\n" not in issue.message
    assert "upload" in issue.message.lower()  # says how to fix it
    return issue


def test_billion_laughs_is_refused() -> None:
    assert cin_census.recognise("bad.xml", BILLION_LAUGHS)
    _refused(BILLION_LAUGHS, "F05")
    assert cin_census.la_code(BILLION_LAUGHS) is None


def test_external_entity_is_refused() -> None:
    _refused(EXTERNAL_ENTITY, "F05")
    assert cin_census.reference_date(EXTERNAL_ENTITY) is None


def test_truncated_xml_is_refused() -> None:
    data = SAMPLE.read_bytes()
    cut = data[: len(data) // 2]
    assert cin_census.recognise("bad.xml", cut)
    issue = _refused(cut, "F06")
    assert issue.row is not None
    assert issue.row.startswith("line ")


def test_undecodable_bytes_are_refused() -> None:
    data = GENDER_CURRENT.read_bytes().replace(b"Hand made", b"Hand m\xe9de")
    _refused(data, "F07")


def test_oversized_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cin_census, "MAX_BYTES", 1000)
    _refused(SAMPLE.read_bytes(), "F03")


def test_not_a_census_root_is_refused() -> None:
    _refused(b"<lolz><lol>1</lol></lolz>", "F08")


# ---------------------------------------------------------------- round trip with the demo


@pytest.fixture(scope="module")
def demo_quarter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from csperf import demo

    out = tmp_path_factory.mktemp("cin_demo")
    written = demo.generate(out, scale=1)
    return out / written.quarters[-1][0]


@pytest.fixture(scope="module")
def round_trip(
    demo_quarter: Path,
) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame], dt.date, bytes]:
    tables = canonical.read_dir(demo_quarter)
    quarter = periods.Quarter.parse(demo_quarter.name)
    data = cin_census_write.write(tables, quarter.end, "999")
    parsed, issues = _parse(data, "census.xml", quarter)
    assert issues == []
    return tables, parsed, quarter.end, data


def _held(tables: dict[str, pl.DataFrame], ref: dt.date) -> dict[str, pl.DataFrame]:
    """The canonical rows a census at ``ref`` holds: children in need in the 12 months to it,
    each CIN episode's referral and the records linked to it, up to ``ref``."""
    first = periods.add_months(ref, -12) + dt.timedelta(days=1)
    episodes = tables["cin_episode"].filter(
        (pl.col("start_date") <= ref)
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= first))
    )
    keys = episodes.select("child_id", referral_date="start_date")
    held = {
        "cin_episode": episodes,
        "child": tables["child"].join(keys.select("child_id").unique(), on="child_id"),
        "referral": tables["referral"].join(keys, on=["child_id", "referral_date"]),
    }
    for table in ("assessment", "cin_plan", "s47", "cp_plan"):
        held[table] = (
            tables[table]
            .filter(pl.col("start_date") <= ref)
            .join(keys, on=["child_id", "referral_date"], how="semi")
        )
    plans = held["cp_plan"].select("child_id", plan_start_date="start_date")
    held["cp_review"] = (
        tables["cp_review"]
        .filter(pl.col("review_date") <= ref)
        .join(plans, on=["child_id", "plan_start_date"], how="semi")
    )
    return {t: frames.pseudonymised(f, t) for t, f in held.items()}


def _rows(frame: pl.DataFrame, columns: list[str]) -> Counter[tuple[object, ...]]:
    out = frame.select(columns)
    if "factors" in columns:
        out = out.with_columns(pl.col("factors").list.join(";"))
    return Counter(out.iter_rows())


def test_round_trip_matches_canonical_rows(round_trip: Any) -> None:
    tables, parsed, ref, _ = round_trip
    expected = _held(tables, ref)
    assert expected["child"].height > 1000
    for table, columns in PAIRS.items():
        want, got = _rows(expected[table], columns), _rows(parsed[table], columns)
        if table == "referral":
            # Every CINdetails is a referral: episodes that began before the canonical
            # referral window come back with their date but no source or NFA.
            extra = got - want
            assert all(r[2] is None and r[3] is None for r in extra)
            assert sum(extra.values()) == parsed["cin_episode"].height - sum(
                want.values()
            )
            got -= extra
        assert got == want, table


def test_round_trip_src_row_is_child_index(round_trip: Any) -> None:
    _, parsed, _, _ = round_trip
    child = parsed["child"]
    assert child["src_row"].to_list() == list(range(1, child.height + 1))
    index = dict(zip(child["child_id"], child["src_row"], strict=True))
    cp = parsed["cp_plan"]
    assert [index[c] for c in cp["child_id"]] == cp["src_row"].to_list()


def test_write_is_deterministic_and_recognised(round_trip: Any) -> None:
    tables, _, ref, data = round_trip
    assert cin_census_write.write(tables, ref, "999") == data
    assert cin_census.recognise("census.xml", data)
    assert cin_census.la_code(data) == "999"
    assert cin_census.reference_date(data) == ref
    assert b"<Sex>" in data
    assert b"<GenderCurrent>" not in data


def test_write_leaves_out_what_follows_an_earlier_reference_date(
    round_trip: Any,
) -> None:
    tables, _, ref, _ = round_trip
    earlier = periods.add_months(ref, -12)
    parsed, issues = _parse(cin_census_write.write(tables, earlier, "999"))
    assert issues == []
    for table, frame in parsed.items():
        for column, dtype in frame.schema.items():
            if dtype == pl.Date and column != "birth_month":
                later = frame.filter(pl.col(column) > earlier)
                assert later.is_empty(), (table, column)
    closed = parsed["cin_episode"]
    assert closed.filter(
        pl.col("end_date").is_null() & pl.col("closure_reason").is_not_null()
    ).is_empty()
    expected = _held(tables, earlier)
    assert _rows(parsed["cin_episode"], ["child_id", "start_date"]) == _rows(
        expected["cin_episode"], ["child_id", "start_date"]
    )
