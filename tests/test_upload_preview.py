"""The coverage a quarter would have if the files read were loaded, shown before loading."""

from __future__ import annotations

from csperf import ingest, periods, upload_preview

Q = periods.Quarter.parse("2025-26Q2")
PLANS = b"child_id,start_date,end_date\nA,2025-01-15,\nB,2024-11-02,2025-03-01\n"
CHILD = b"child_id,sex,birth_month\nA,F,2015-03\nB,M,2016-01\n"


def test_each_table_shows_the_period_the_files_cover():
    upload = ingest.read([("cp_plan.csv", PLANS)], Q)
    frame = upload_preview.periods_frame(upload_preview.parts(upload))
    assert frame.rows(named=True) == [
        {"table": "cp_plan", "source": "csperf CSV", "from": "1 November 2024",
         "to": "30 September 2025", "rows": 2, "from these files": "yes"}
    ]  # fmt: skip


def test_indicators_the_files_cannot_support_are_listed_with_the_reason():
    upload = ingest.read([("cp_plan.csv", PLANS)], Q)
    gaps = upload_preview.unsupported(upload_preview.parts(upload), Q, "england")
    by_id = {r["id"]: r for r in gaps.rows(named=True)}
    assert by_id["cla_rate"]["coverage"] == "not covered"
    assert by_id["cla_rate"]["what is missing"] == (
        "No looked-after episodes are loaded for the quarter."
    )
    assert "cp_rate" not in by_id  # plans open at the quarter end are all it needs


def test_the_active_source_is_the_highest_precedence_then_the_latest_extract():
    import datetime as dt

    def part(fmt: str, end: dt.date) -> upload_preview.Part:
        return upload_preview.Part(
            "cla_episode", fmt, dt.date(2024, 1, 1), end, 1, False
        )

    later, earlier = dt.date(2025, 9, 30), dt.date(2025, 6, 30)
    chosen = upload_preview.active(
        [part("annex_a", later), part("ssda903_csv", earlier), part("cin_xml", later)]
    )
    assert chosen["cla_episode"].source_format == "cin_xml"
    chosen = upload_preview.active(
        [part("csperf_csv", earlier), part("cin_xml", later)]
    )
    assert chosen["cla_episode"].source_format == "csperf_csv"


def test_tables_kept_from_an_earlier_load_of_the_quarter_count(con):
    first = ingest.read([("child.csv", CHILD), ("cp_plan.csv", PLANS)], Q, held={})
    ingest.load(con, "885", first)
    contacts = b"child_id,contact_date,source\nA,2025-08-01,6\n"
    upload = ingest.read(
        [("contact.csv", contacts)], Q, held=ingest.held_children(con, Q)
    )
    kept = upload_preview.kept_parts(con, Q, upload)
    assert sorted((p.table, p.source_format, p.rows, p.kept) for p in kept) == [
        ("child", "csperf_csv", 2, True), ("cp_plan", "csperf_csv", 2, True)]  # fmt: skip
    frame = upload_preview.periods_frame(upload_preview.parts(upload, kept))
    assert dict(zip(frame["table"], frame["from these files"], strict=True)) == {
        "child": "no, loaded earlier",
        "contact": "yes",
        "cp_plan": "no, loaded earlier",
    }
    # the same plans loaded again replace the stored ones: they are not kept
    again = ingest.read([("cp_plan.csv", PLANS)], Q, held=ingest.held_children(con, Q))
    assert [p.table for p in upload_preview.kept_parts(con, Q, again)] == ["child"]
