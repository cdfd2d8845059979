"""The coverage check (formats.md §D.4): can a snapshot support each indicator?

Each indicator declares, per table, the windows it needs relative to the quarter end; each
loaded table records the dates its active source covers (``snapshot_table``). An indicator is
``full`` when every window is covered at a grain it accepts, ``partial`` when part of a window is
missing, ``none`` when a table is missing, only at a grain it does not accept, or entirely
outside the window. Only ``full`` indicators are computed; the status says why the others are not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import duckdb

from csperf import active_rows, indicators, periods

Status = Literal["full", "partial", "none"]
FORMAT_LABELS = {
    "csperf_csv": "csperf CSV",
    "cin_xml": "CIN census",
    "ssda903_csv": "SSDA903",
    "ssda903_xml": "SSDA903",
    "annex_a": "Annex A",
    "local_measures": "local measures",
}
# Grains other than 'full' (formats.md §A.2, §A.6).
GRAINS = {
    ("annex_a", "cla_episode"): "period",
    ("annex_a", "cla_review"): "latest",
    ("annex_a", "cp_review"): "latest",
    ("ssda903_csv", "care_leaver"): "oc3_cohort",
    ("ssda903_xml", "care_leaver"): "oc3_cohort",
}
STATE_TABLES = {"child", "allocation", "care_leaver", "cla_child_state"}
# What each table's records are called in a coverage reason.
RECORD_WORDS = {
    "child": "child records",
    "contact": "contacts",
    "early_help": "early help episodes",
    "referral": "referrals",
    "assessment": "assessments",
    "s47": "section 47 enquiries",
    "cin_episode": "children-in-need episodes",
    "cin_plan": "child-in-need plans",
    "cp_plan": "child protection plans",
    "cp_review": "child protection reviews",
    "cla_episode": "looked-after episodes",
    "cla_review": "looked-after reviews",
    "missing_episode": "missing episodes",
    "cla_child_state": "looked-after summary counts",
    "care_leaver": "care leaver records",
    "allocation": "allocations",
    "local_measure": "local measure values",
    "placement_cost_rate": "placement unit costs",
}


# The (table, column) pairs a format does not fill, of the tables it feeds (formats.md §A.6).
NOT_FILLED: dict[tuple[str, str], frozenset[str]] = {
    ("ssda903_csv", "child"): frozenset({"disability"}),
    ("ssda903_csv", "cla_episode"): frozenset({"placement_location"}),
    ("ssda903_csv", "care_leaver"): frozenset({"eligibility", "latest_contact_date"}),
    ("cin_xml", "child"): frozenset({"uasc"}),
    ("cin_xml", "referral"): frozenset({"previous_referrals_12m"}),
    ("cin_xml", "assessment"): frozenset({"team", "worker", "requires_support"}),
    ("cin_xml", "s47"): frozenset({"resulted_in_plan"}),
    ("cin_xml", "cin_episode"): frozenset({"team"}),
    ("annex_a", "assessment"): frozenset({"referral_date", "factors"}),
    ("annex_a", "s47"): frozenset({"referral_date"}),
    ("annex_a", "cin_episode"): frozenset({"referral_date"}),
    ("annex_a", "cp_plan"): frozenset({"referral_date"}),
    ("annex_a", "cla_episode"): frozenset({"reason_place_change"}),
    ("annex_a", "cla_review"): frozenset({"participation"}),
    ("csperf_csv", "referral"): frozenset({"previous_referrals_12m"}),
}
for (_fmt, _table), _cols in list(NOT_FILLED.items()):
    if _fmt == "ssda903_csv":
        NOT_FILLED[("ssda903_xml", _table)] = _cols


_A, _9, _C, _T = "annex_a", "ssda903_csv", "cin_xml", "csperf_csv"
# Which formats feed each table (formats.md §A.5, §A.6).
FEEDS: dict[str, tuple[str, ...]] = {
    "child": (_A, _9, _C, _T), "contact": (_A, _T), "early_help": (_A, _T),
    "referral": (_A, _C, _T), "assessment": (_A, _C, _T), "s47": (_A, _C, _T),
    "cin_episode": (_A, _C, _T), "cin_plan": (_C, _T), "cp_plan": (_A, _C, _T),
    "cp_review": (_A, _C, _T), "cla_episode": (_A, _9, _T), "cla_review": (_A, _9, _T),
    "cla_child_state": (_A,), "missing_episode": (_9, _T), "care_leaver": (_A, _9, _T),
    "allocation": (_A, _T),
}  # fmt: skip


def fills(source_format: str, table: str, column: str) -> bool:
    return column not in NOT_FILLED.get((source_format, table), frozenset())


@dataclass(frozen=True)
class TableCoverage:
    table: str
    source_format: str
    start: dt.date | None
    end: dt.date | None
    formats: tuple[
        str, ...
    ] = ()  # every format loaded for the table, the active one first


@dataclass(frozen=True)
class Coverage:
    status: Status
    reason: str = ""


def window(kind: str, quarter: periods.Quarter) -> tuple[dt.date, dt.date]:
    """The dates a window kind needs for a quarter (first day, last day)."""
    q = quarter
    starts = {
        "state_q": q.end,
        "events_quarter": q.start,
        "events_ytd": q.ytd_start,
        "events_r12": q.r12_start,
        "lookback_r12_12m": periods.add_months(q.r12_start, -12),
        "lookback_ytd_12m": periods.add_months(q.ytd_start, -12),
        "history_30m": periods.add_months(q.end.replace(day=1), -29),
    }
    return starts[kind], q.end


def tables(
    con: duckdb.DuckDBPyConnection, snapshot_id: int
) -> dict[str, TableCoverage]:
    """What each table's active source covers in the snapshot."""
    active = active_rows.active_sources(con, snapshot_id)
    rows = con.execute(
        "select table_name, source_format, min(coverage_start), max(extract_date) "
        "from snapshot_table where snapshot_id = ? group by all",
        [snapshot_id],
    ).fetchall()
    out: dict[str, TableCoverage] = {}
    every: dict[str, list[str]] = {}
    for table, fmt, _, _ in rows:
        every.setdefault(table, []).append(fmt)
    for table, fmt, start, end in rows:
        if active.get(table) == fmt:
            others = sorted(f for f in every[table] if f != fmt)
            out[table] = TableCoverage(table, fmt, start, end, (fmt, *others))
    return out


def check(
    ind: indicators.Indicator,
    quarter: periods.Quarter,
    loaded: dict[str, TableCoverage],
) -> Coverage:
    worst: Coverage = Coverage("full")
    needs = list(ind.coverage) or [
        {"table": t, "window": "state_q"} for t in ind.sources
    ]
    rank = {"full": 0, "partial": 1, "none": 2}
    either: set[str] = set()  # tables of an any_of group that another table satisfies
    for need in needs:
        group = [need["table"], *need.get("any_of", [])]
        results = [_one(ind, t, need["window"], quarter, loaded.get(t)) for t in group]
        result = min(results, key=lambda r: rank[r.status])
        if len(group) > 1 and result.status != "none":
            either.update(group)
        if result.status == "none":
            return results[0]
        if result.status == "partial" and worst.status == "full":
            worst = result
    for table in ind.sources:
        if table not in loaded and table not in either:
            return Coverage("none", f"No {_words(table)} are loaded for the quarter.")
    missing = _columns(ind, loaded)
    return missing or worst


def _columns(
    ind: indicators.Indicator, loaded: dict[str, TableCoverage]
) -> Coverage | None:
    """A column the indicator cannot do without that no format it may read fills."""
    for need in ind.columns:
        table, column = need["table"], need["column"]
        have = loaded.get(table)
        if have is None:
            continue  # the table check above speaks for it
        formats = have.formats or (have.source_format,)
        if need.get("source", "active") == "active":
            formats = (have.source_format,)
        if any(fills(f, table, column) for f in formats):
            continue
        names = sorted({FORMAT_LABELS.get(f, f) for f in formats})
        carriers = [
            FORMAT_LABELS[f] for f in FEEDS.get(table, ()) if fills(f, table, column)
        ]
        return Coverage(
            "none",
            f"The {' and '.join(names)} {_words(table)} do not record "
            f"{column.replace('_', ' ')}; load {' or '.join(carriers)} files that do.",
        )
    return None


def _one(
    ind: indicators.Indicator,
    table: str,
    kind: str,
    quarter: periods.Quarter,
    have: TableCoverage | None,
) -> Coverage:
    label = _words(table)
    if have is None:
        return Coverage("none", f"No {label} are loaded for the quarter.")
    grain = GRAINS.get(
        (have.source_format, table), "state" if table in STATE_TABLES else "full"
    )
    accepted = ind.grains.get(
        table, ["full", "state"] if table in STATE_TABLES else ["full"]
    )
    source = FORMAT_LABELS.get(have.source_format, have.source_format)
    if grain not in accepted:
        return Coverage(
            "none",
            f"The {source} {label} hold one row per {grain}, not every record.",
        )
    first, last = window(kind, quarter)
    start = have.start or first
    end = have.end or quarter.end
    if end < last or start > last:
        return Coverage(
            "none",
            f"{label.capitalize()} to {periods.format_date(last)} are needed; the {source} "
            f"extract covers {periods.format_date(start)} to {periods.format_date(end)}.",
        )
    if kind != "state_q" and start > first:
        needed = (last - first).days + 1
        covered = (last - start).days + 1
        return Coverage(
            "partial",
            f"{label.capitalize()} from {periods.format_date(first)} are needed; the "
            f"{source} extract starts on {periods.format_date(start)}, so "
            f"{periods.format_date(first)} to "
            f"{periods.format_date(start - dt.timedelta(days=1))} is missing "
            f"({round(100 * covered / needed)}% of the window is covered).",
        )
    return Coverage("full")


def _words(table: str) -> str:
    return RECORD_WORDS.get(table, table.replace("_", " "))
