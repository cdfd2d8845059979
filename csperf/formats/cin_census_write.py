"""CIN census XML written from canonical data (the demo, the round-trip tests): formats.md §B.3.

``write`` produces a census (2025+ schema) of the children in need in the 12 months to the
reference date, from canonical frames holding raw child ids (``canonical.read_dir``): episodes
open in the window, each with its referral, assessments, CIN plans, section 47 enquiries and
child protection plans (with their reviews), in the DfE schema's element order. Deterministic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import polars as pl

from csperf import schemas
from csperf.formats import frames
from csperf.formats.cin_census import year_start

Row = dict[str, Any]


def _table(tables: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    if name in tables:
        return tables[name]
    spec = schemas.TABLES[name]
    return pl.DataFrame(schema={c: frames.polars_type(name, c) for c in spec.columns})


def _upto(day: dt.date | None, limit: dt.date) -> dt.date | None:
    return day if day is not None and day <= limit else None


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape(str(value))


class _Xml:
    """A small indented XML writer (element order as in the DfE schema)."""

    def __init__(self) -> None:
        self.lines = ['<?xml version="1.0" encoding="utf-8"?>']
        self.depth = 0

    def open(self, name: str) -> None:
        self.lines.append(f"{'  ' * self.depth}<{name}>")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}</{name}>")

    def leaf(self, name: str, value: object) -> None:
        if value is not None:
            self.lines.append(f"{'  ' * self.depth}<{name}>{_value(value)}</{name}>")

    def empty(self, name: str) -> None:
        self.lines.append(f"{'  ' * self.depth}<{name}/>")

    def encode(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")


@dataclass
class _Episode:
    row: Row
    referral: Row | None = None
    records: dict[str, list[Row]] = field(
        default_factory=lambda: {
            t: [] for t in ("assessment", "cin_plan", "s47", "cp_plan")
        }
    )


def _episodes(
    tables: dict[str, pl.DataFrame], first: dt.date, last: dt.date
) -> dict[str, list[_Episode]]:
    """CIN episodes open at any time from ``first`` to ``last``, by child, oldest first."""
    frame = (
        _table(tables, "cin_episode")
        .filter(
            pl.col("child_id").is_not_null()
            & (pl.col("start_date") <= last)
            & (pl.col("end_date").is_null() | (pl.col("end_date") >= first))
        )
        .sort("child_id", "start_date")
        .unique(subset=["child_id", "start_date"], keep="first", maintain_order=True)
    )
    out: dict[str, list[_Episode]] = {}
    for row in frame.iter_rows(named=True):
        out.setdefault(row["child_id"], []).append(_Episode(row))
    return out


def _link(row: Row, episodes: list[_Episode]) -> _Episode | None:
    """The episode a record belongs to: by referral date, else the one its date falls within."""
    if row.get("referral_date") is not None:
        return next(
            (e for e in episodes if e.row["start_date"] == row["referral_date"]), None
        )
    day = row["start_date"]
    within = [
        e
        for e in episodes
        if e.row["start_date"] <= day
        and (e.row["end_date"] is None or day <= e.row["end_date"])
    ]
    return within[-1] if within else None


def _attach(
    tables: dict[str, pl.DataFrame], by_child: dict[str, list[_Episode]], last: dt.date
) -> None:
    for row in (
        _table(tables, "referral")
        .sort("child_id", "referral_date")
        .iter_rows(named=True)
    ):
        for episode in by_child.get(row["child_id"], []):
            if (
                episode.row["start_date"] == row["referral_date"]
                and episode.referral is None
            ):
                episode.referral = row
    for kind in ("assessment", "cin_plan", "s47", "cp_plan"):
        frame = _table(tables, kind).filter(pl.col("start_date") <= last)
        for row in frame.sort("child_id", "start_date").iter_rows(named=True):
            linked = _link(row, by_child.get(row["child_id"], []))
            if linked is not None:
                linked.records[kind].append(row)


def write(
    tables: dict[str, pl.DataFrame], reference_date: dt.date, la_code: str
) -> bytes:
    """A CIN census (2025+ schema) of the children in need in the 12 months to the date.

    ``tables`` are canonical frames with raw child ids (``canonical.read_dir``). Records dated
    after ``reference_date`` are left out and end dates after it left blank. Deterministic.
    """
    last = reference_date
    by_child = _episodes(tables, year_start(last), last)
    _attach(tables, by_child, last)
    children: dict[str, Row] = {}
    for row in _table(tables, "child").iter_rows(named=True):
        if row["child_id"] in by_child:
            children.setdefault(row["child_id"], row)
    reviews: dict[tuple[str, dt.date], list[dt.date]] = {}
    for child_id, plan, review in (
        _table(tables, "cp_review")
        .filter(pl.col("review_date") <= last)
        .sort("child_id", "plan_start_date", "review_date")
        .select("child_id", "plan_start_date", "review_date")
        .iter_rows()
    ):
        reviews.setdefault((child_id, plan), []).append(review)
    xml = _Xml()
    xml.open("Message")
    _write_header(xml, last, la_code)
    xml.open("Children")
    for child_id in sorted(by_child):
        _write_child(
            xml, child_id, children.get(child_id), by_child[child_id], reviews, last
        )
    xml.close("Children")
    xml.close("Message")
    return xml.encode()


def _write_header(xml: _Xml, last: dt.date, la_code: str) -> None:
    xml.open("Header")
    xml.open("CollectionDetails")
    xml.leaf("Collection", "CIN")
    xml.leaf("Year", last.year if last.month <= 3 else last.year + 1)
    xml.leaf("ReferenceDate", last)
    xml.close("CollectionDetails")
    xml.open("Source")
    xml.leaf("SourceLevel", "L")
    xml.leaf("LEA", la_code)
    xml.leaf("SoftwareCode", "csperf")
    xml.leaf("SerialNo", "001")
    xml.leaf("DateTime", f"{last.isoformat()}T00:00:00")
    xml.close("Source")
    xml.close("Header")


def _write_child(
    xml: _Xml,
    child_id: str,
    child: Row | None,
    episodes: list[_Episode],
    reviews: dict[tuple[str, dt.date], list[dt.date]],
    last: dt.date,
) -> None:
    child = child or {}
    xml.open("Child")
    xml.open("ChildIdentifiers")
    xml.leaf("LAchildID", child_id)
    xml.leaf("PersonBirthDate", child.get("birth_month"))
    xml.leaf("Sex", child.get("sex"))
    xml.close("ChildIdentifiers")
    xml.open("ChildCharacteristics")
    xml.leaf("Ethnicity", child.get("ethnicity"))
    if child.get("disability") is not None:
        xml.open("Disabilities")
        xml.leaf("Disability", "DDA" if child["disability"] else "NONE")
        xml.close("Disabilities")
    xml.close("ChildCharacteristics")
    for episode in episodes:
        _write_details(xml, episode, reviews, last)
    xml.close("Child")


def _write_details(
    xml: _Xml,
    episode: _Episode,
    reviews: dict[tuple[str, dt.date], list[dt.date]],
    last: dt.date,
) -> None:
    row, referral = episode.row, episode.referral or {}
    closed = _upto(row["end_date"], last)
    xml.open("CINdetails")
    xml.leaf("CINreferralDate", row["start_date"])
    xml.leaf("ReferralSource", referral.get("source"))
    xml.leaf("PrimaryNeedCode", row["primary_need"])
    xml.leaf("CINclosureDate", closed)
    xml.leaf("ReasonForClosure", row["closure_reason"] if closed else None)
    for a in episode.records["assessment"]:
        xml.open("Assessments")
        xml.leaf("AssessmentActualStartDate", a["start_date"])
        xml.leaf("AssessmentAuthorisationDate", _upto(a["authorised_date"], last))
        _write_factors(xml, a["factors"])
        xml.close("Assessments")
    for p in episode.records["cin_plan"]:
        xml.open("CINPlanDates")
        xml.leaf("CINPlanStartDate", p["start_date"])
        xml.leaf("CINPlanEndDate", _upto(p["end_date"], last))
        xml.close("CINPlanDates")
    for s in episode.records["s47"]:
        xml.open("Section47")
        xml.leaf("S47ActualStartDate", s["start_date"])
        xml.leaf("DateOfInitialCPC", _upto(s["icpc_date"], last))
        xml.leaf("ICPCnotRequired", s["icpc_not_required"])
        xml.close("Section47")
    xml.leaf("ReferralNFA", referral.get("nfa"))
    for c in episode.records["cp_plan"]:
        _write_cp_plan(xml, c, reviews.get((c["child_id"], c["start_date"]), []), last)
    xml.close("CINdetails")


def _write_factors(xml: _Xml, factors: list[str] | None) -> None:
    if factors is None:
        return
    if not factors:
        xml.empty("FactorsIdentifiedAtAssessment")
        return
    xml.open("FactorsIdentifiedAtAssessment")
    for code in factors:
        xml.leaf("AssessmentFactors", code)
    xml.close("FactorsIdentifiedAtAssessment")


def _write_cp_plan(xml: _Xml, plan: Row, reviews: list[dt.date], last: dt.date) -> None:
    xml.open("ChildProtectionPlans")
    xml.leaf("CPPstartDate", plan["start_date"])
    xml.leaf("CPPendDate", _upto(plan["end_date"], last))
    xml.leaf("InitialCategoryOfAbuse", plan["initial_category"])
    xml.leaf("LatestCategoryOfAbuse", plan["latest_category"])
    xml.leaf("NumberOfPreviousCPP", plan["previous_plans"])
    if reviews:
        xml.open("Reviews")
        for day in reviews:
            xml.leaf("CPPreviewDate", day)
        xml.close("Reviews")
    xml.close("ChildProtectionPlans")
