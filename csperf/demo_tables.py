"""The simulated records as polars tables: every record of the whole simulation, with dates as
day numbers and a few hidden columns (``_x``) that the quarterly extracts need."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from csperf.demo_model import Case, Period
from csperf.demo_world import World

Tables = dict[str, pl.DataFrame]
YN = {True: "Y", False: "N", None: None}
DAY = pl.Int32
# Rows are written in child id order, then these columns (each table's key, formats.md §A.2;
# start_date where not listed).
ORDER = {
    "contact": ("contact_date", "source"),
    "cp_review": ("plan_start_date", "review_date"),
    "cla_review": ("review_date",),
    "referral": ("referral_date",),
    "child": (),
}


def _frame(rows: Sequence[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


def with_ids(df: pl.DataFrame, prefix: str, order: Sequence[str] = ()) -> pl.DataFrame:
    """Add ``child_id`` (a fictional id such as NF0001234) and sort by it, then ``order``.

    Ids are a fixed-width permutation of the child numbers, so sorting by the number inside
    the id sorts by the id."""
    number = (pl.col("child_no") * 7919 + 1_234_567) % 10_000_000
    return (
        df.with_columns(_id=number)
        .sort(["_id", *order], nulls_last=True, maintain_order=True)
        .with_columns(
            child_id=pl.concat_str(
                pl.lit(prefix), pl.col("_id").cast(pl.String).str.zfill(7)
            )
        )
        .drop("_id")
    )


def build(w: World, since: int) -> Tables:
    """Every table of the simulation, before any extract window or truncation, less what
    ended before ``since`` (the earliest day any extract reaches)."""
    s = pl.String
    children = [
        (c.no, c.birth, c.sex, c.ethnicity, YN[c.disabled], YN[c.uasc])
        for c in w.children
    ]
    tables = {
        "child": _frame(
            children,
            {
                "child_no": pl.Int64,
                "_birth": DAY,
                "sex": s,
                "ethnicity": s,
                "disability": s,
                "uasc": s,
            },
        ),
        "contact": _frame(
            [c for c in w.contacts if c[1] >= since],
            {"child_no": pl.Int64, "contact_date": DAY, "source": s},
        ).unique(maintain_order=True),
        "early_help": _frame(
            [e for e in w.early_help if e[2] >= since],
            {
                "child_no": pl.Int64,
                "start_date": DAY,
                "end_date": DAY,
                "organisation": s,
            },
        ).unique(subset=["child_no", "start_date"], maintain_order=True),
        "cla_review": _frame(
            [r for r in w.cla_reviews if r[1] >= since],
            {"child_no": pl.Int64, "review_date": DAY, "participation": s},
        ),
        "missing_episode": _frame(
            [m for m in w.missing if m[3] >= since],
            {
                "child_no": pl.Int64,
                "looked_after": s,
                "kind": s,
                "start_date": DAY,
                "end_date": DAY,
                "rhi_offered": s,
                "rhi_accepted": s,
                "rhi_completed_date": DAY,
            },
        ).unique(subset=["child_no", "start_date"], maintain_order=True),
        "cla_episode": _episodes([p for p in w.periods if p.end >= since]),
    }
    tables.update(_case_tables([c for c in w.cases if c.end >= since]))
    return {
        name: df
        if name.startswith("_")
        else with_ids(df, w.s.prefix, ORDER.get(name, ("start_date",)))
        for name, df in tables.items()
    }


def _episodes(periods: list[Period]) -> pl.DataFrame:
    s = pl.String
    rows = [
        (p.child.no, i, p.start, *e) for i, p in enumerate(periods) for e in p.episodes
    ]
    return _frame(
        rows,
        {
            "child_no": pl.Int64,
            "_period": pl.Int64,
            "_pstart": DAY,
            "start_date": DAY,
            "end_date": DAY,
            "reason_new": s,
            "legal_status": s,
            "category_of_need": s,
            "placement_type": s,
            "placement_provider": s,
            "reason_ceased": s,
            "reason_place_change": s,
            "placement_location": s,
            "urn": s,
        },
    )


def _case_tables(cases: list[Case]) -> Tables:
    """Referrals, assessments, enquiries, plans, reviews and CIN episodes, from the cases."""
    rows: dict[str, list[tuple[Any, ...]]] = {
        k: []
        for k in (
            "referral",
            "assessment",
            "s47",
            "cin_episode",
            "cin_plan",
            "cp_plan",
            "cp_review",
            "stage",
        )
    }
    for i, c in enumerate(cases):
        no, ref = c.child.no, c.ref_day
        rows["referral"].append((no, ref, c.source, YN[c.nfa]))
        rows["cin_episode"].append((no, i, ref, ref, c.end, c.need, c.closure))
        rows["stage"] += [(i, day, team, worker) for day, team, worker in c.stages]
        if a := c.assessment:
            rows["assessment"].append(
                (no, ref, a.start, a.auth, YN[a.support], a.factors, a.team, a.worker)
            )
        if e := c.s47:
            rows["s47"].append(
                (
                    no,
                    ref,
                    e.start,
                    e.icpc,
                    YN[e.not_required],
                    YN[e.resulted],
                    e.decided,
                )
            )
        rows["cin_plan"] += [
            (no, ref, start, end) for start, end in c.cin_plans if end > start
        ]
        if p := c.cp:
            rows["cp_plan"].append(
                (no, ref, p.start, p.end, p.initial, p.latest, p.previous, p.change_day)
            )
            rows["cp_review"] += [(no, p.start, r) for r in p.reviews if r <= p.end]
    s, n = pl.String, pl.Int64
    return {
        "referral": _frame(
            rows["referral"],
            {"child_no": n, "referral_date": DAY, "source": s, "nfa": s},
        ),
        "assessment": _frame(
            rows["assessment"],
            {
                "child_no": n,
                "referral_date": DAY,
                "start_date": DAY,
                "authorised_date": DAY,
                "requires_support": s,
                "factors": s,
                "team": s,
                "_worker": n,
            },
        ),
        "s47": _frame(
            rows["s47"],
            {
                "child_no": n,
                "referral_date": DAY,
                "start_date": DAY,
                "icpc_date": DAY,
                "icpc_not_required": s,
                "resulted_in_plan": s,
                "_decided": DAY,
            },
        ),
        "cin_episode": _frame(
            rows["cin_episode"],
            {
                "child_no": n,
                "_case": n,
                "referral_date": DAY,
                "start_date": DAY,
                "end_date": DAY,
                "primary_need": s,
                "closure_reason": s,
            },
        ),
        "cin_plan": _frame(
            rows["cin_plan"],
            {"child_no": n, "referral_date": DAY, "start_date": DAY, "end_date": DAY},
        ),
        "cp_plan": _frame(
            rows["cp_plan"],
            {
                "child_no": n,
                "referral_date": DAY,
                "start_date": DAY,
                "end_date": DAY,
                "initial_category": s,
                "latest_category": s,
                "previous_plans": n,
                "_change": DAY,
            },
        ),
        "cp_review": _frame(
            rows["cp_review"],
            {"child_no": n, "plan_start_date": DAY, "review_date": DAY},
        ),
        "_stage": _frame(
            rows["stage"], {"_case": n, "_from": DAY, "team": s, "_worker": n}
        ),
    }
