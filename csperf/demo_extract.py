"""One quarter's extract of the demo council (formats.md §B.7): the csperf CSVs a case management
system would give at the quarter end, which know nothing after it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csperf import schemas
from csperf.demo_codes import (
    ACCOMMODATION,
    ACTIVITY,
    IN_TOUCH,
    LEAVING_CARE,
    UNSUITABLE,
)
from csperf.demo_model import to_day, unit_hash
from csperf.demo_tables import YN, Tables, with_ids
from csperf.demo_world import World, shortage
from csperf.periods import Quarter, add_months

EVENT_DATE = {
    "contact": "contact_date",
    "referral": "referral_date",
    "assessment": "start_date",
    "s47": "start_date",
    "cp_review": "review_date",
    "cla_review": "review_date",
    "missing_episode": "start_date",
}
INTERVALS = ("early_help", "cin_episode", "cin_plan", "cp_plan")
TABLES = [t for t in schemas.TABLES if t != "cla_child_state"]
YEAR = 365.25


@dataclass(frozen=True)
class Window:
    """Days of a quarter's extract: its end and the first days of its windows."""

    index: int  # the quarter's place among the demo quarters
    end: int
    events: int  # 24 months to the end
    episodes: int  # 30 months
    history: int  # 10 years: periods of care reaching back this far are given whole

    @classmethod
    def of(cls, quarter: Quarter, index: int) -> Window:
        def since(months: int) -> int:
            return to_day(add_months(quarter.end, -months)) + 1

        return cls(index, to_day(quarter.end), since(24), since(30), since(120))


def template_columns(table: str) -> list[str]:
    """formats.md §B.4: the table's columns, without referral.previous_referrals_12m."""
    cols = list(schemas.TABLES[table].columns)
    return [
        c for c in cols if not (table == "referral" and c == "previous_referrals_12m")
    ]


def extract(t: Tables, w: World, win: Window) -> Tables:
    """The quarter's rows of each table, truncated at its end."""
    out = {
        name: t[name].filter(pl.col(col).is_between(win.events, win.end))
        for name, col in EVENT_DATE.items()
    }
    for name in INTERVALS:
        out[name] = t[name].filter(
            (pl.col("start_date") <= win.end) & (pl.col("end_date") >= win.events)
        )
    out["cla_episode"] = _episodes(t["cla_episode"], win)
    out = _truncate(out, win.end)
    out["care_leaver"] = _care_leavers(w, win)
    out["cin_episode"], out["allocation"] = _allocation(t, out, w, win)
    ids = pl.concat([df.select("child_no") for df in out.values()])["child_no"].unique()
    out["child"] = (
        t["child"]
        .filter(pl.col("child_no").is_in(ids.implode()))
        .with_columns(
            pl.when(pl.col("_birth") > win.end)
            .then(pl.lit("U"))
            .otherwise("sex")
            .alias("sex"),
            pl.col("_birth").cast(pl.Date).dt.strftime("%Y-%m").alias("birth_month"),
        )
    )
    return out


def _episodes(episodes: pl.DataFrame, win: Window) -> pl.DataFrame:
    """Episodes open in the 30 months, with the earlier episodes of their periods of care
    where the period began within 10 years."""
    started = episodes.filter(pl.col("start_date") <= win.end)
    recent = pl.col("end_date") >= win.episodes
    whole = started.filter(recent & (pl.col("_pstart") >= win.history))["_period"]
    return started.filter(recent | pl.col("_period").is_in(whole.implode()))


def _blank(when: pl.Expr, *cols: str) -> list[pl.Expr]:
    return [pl.when(when).then(None).otherwise(pl.col(c)).alias(c) for c in cols]


def _truncate(t: Tables, end: int) -> Tables:
    """Blank what is known only after the quarter end (formats.md §B.7, truncation)."""

    def after(col: str) -> pl.Expr:
        return pl.col(col) > end

    fixes = {
        "assessment": _blank(
            after("authorised_date"), "authorised_date", "requires_support", "factors"
        ),
        "s47": [
            *_blank(after("_decided"), "icpc_not_required"),
            *_blank(after("icpc_date"), "icpc_date", "resulted_in_plan"),
        ],
        "cin_episode": _blank(after("end_date"), "end_date", "closure_reason"),
        "cin_plan": _blank(after("end_date"), "end_date"),
        "early_help": _blank(after("end_date"), "end_date"),
        "cp_plan": [
            *_blank(after("end_date"), "end_date"),
            pl.when(after("_change"))
            .then(pl.col("initial_category"))
            .otherwise(pl.col("latest_category"))
            .alias("latest_category"),
        ],
        "cla_episode": _blank(after("end_date"), "end_date", "reason_ceased"),
        "missing_episode": _blank(
            after("end_date") | after("rhi_completed_date"), "rhi_completed_date"
        ),
    }
    out = {
        name: df.with_columns(fixes[name]) if name in fixes else df
        for name, df in t.items()
    }
    out["missing_episode"] = out["missing_episode"].with_columns(
        _blank(after("end_date"), "end_date", "rhi_offered", "rhi_accepted")
    )
    return out


def _allocation(
    t: Tables, out: Tables, w: World, win: Window
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each CIN episode's team at the quarter end, and who holds the open cases then
    (a few wait for a worker, more during the 2025 shortage); care leavers' personal advisers."""
    stages = (
        t["_stage"]
        .join(out["cin_episode"].select("_case"), on="_case", how="semi")
        .filter(pl.col("_from") <= win.end)
        .sort(["_case", "_from"], maintain_order=True)
        .unique(subset="_case", keep="last", maintain_order=True)
    )
    cin = out["cin_episode"].join(stages, on="_case", how="left", maintain_order="left")
    waiting = 0.03 + 0.04 * shortage(win.end)
    draw = (pl.col("child_no") * 2654435761 + win.index * 40503) % 1_000_003 / 1_000_003
    cases = cin.filter(pl.col("end_date").is_null()).select(
        "child_no",
        "team",
        pl.when(draw < waiting).then(None).otherwise("_worker").alias("_worker"),
    )
    roster = w.rosters[LEAVING_CARE]
    leavers = (
        out["care_leaver"]
        .join(cases, on="child_no", how="anti")
        .select(
            "child_no",
            pl.lit(LEAVING_CARE).alias("team"),
            (roster.start + pl.col("child_no") * 7 % len(roster)).alias("_worker"),
        )
    )
    cases = pl.concat([cases, leavers])
    return cin.drop("_worker"), with_ids(cases, w.s.prefix, ["_worker"])


def _care_leavers(w: World, win: Window) -> pl.DataFrame:
    """Young people aged 17 to 21 at the quarter end who left care at 16 or over (a second
    leaving replaces the first: ``w.leavers`` is in order of leaving)."""
    rows = {}
    for child, left, eligible in w.leavers:
        age = (win.end - child.birth) / YEAR
        if left <= win.end and 17 <= age < 22:
            rows[child.no] = _leaver(child.no, left, age, eligible, win)
    schema = {
        "child_no": pl.Int64,
        "eligibility": pl.String,
        "in_touch": pl.String,
        "accommodation": pl.String,
        "suitable": pl.String,
        "activity": pl.String,
        "latest_contact_date": pl.Int32,
    }
    frame = pl.DataFrame(list(rows.values()), schema=schema, orient="row")
    return with_ids(frame, w.s.prefix)


def _leaver(
    no: int, left: int, age: float, eligible: bool, win: Window
) -> tuple[int, str, str, str, str | None, str, int]:
    """A care leaver's row; circumstances drawn afresh every two quarters."""
    u = [unit_hash(no, win.index // 2, k) for k in range(5)]
    touch, place = IN_TOUCH.at(u[0]), ACCOMMODATION.at(u[1])
    relevant = "RELEVANT" if age < 18 else "FORMER_RELEVANT"
    eligibility = relevant if eligible else "QUALIFYING"
    suitable = YN[place not in UNSUITABLE and u[4] > 0.05]
    back = int(u[3] * 56) if touch == "YES" else 40 + int(u[3] * 200)
    return (
        no,
        eligibility,
        touch,
        place,
        suitable,
        ACTIVITY.at(u[2]),
        max(left, win.end - back),
    )


def write(out: Tables, folder: Path, worker_digits: int) -> list[Path]:
    """One csperf CSV per table (formats.md §B.4), rows in child id and date order."""
    worker = pl.format(
        "Worker {}", pl.col("_worker").cast(pl.String).str.zfill(worker_digits)
    )
    paths = []
    for name in TABLES:
        table = schemas.TABLES[name]
        cols = template_columns(name)
        df = out[name].with_columns(worker=worker) if "worker" in cols else out[name]
        dates = [c for c in cols if table.columns[c].type == "date"]
        path = folder / f"{name}.csv"
        df.with_columns(pl.col(dates).cast(pl.Date)).select(cols).write_csv(path)
        paths.append(path)
    return paths
