"""Stored indicator values: compute every indicator for a snapshot, attach comparators, read back.

A quarter's values are computed from its own snapshot when it is loaded, with the comparators the
benchmark rule gives for its quarter end, and stored; they are recomputed only when a setting that
affects them changes (population, targets). Pages, the CLI and reports read the stored rows.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, fields
from typing import Any

import duckdb
import polars as pl

from csperf import (
    active_rows,
    analysis_settings,
    benchmarks,
    commentary_review,
    council_measures,
    coverage,
    indicators,
    overrides,
    periods,
    store,
)

VALUE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "snapshot_id": pl.Int64, "indicator_id": pl.String, "period_end": pl.Date,
    "breakdown": pl.String, "category": pl.String, "numerator": pl.Float64,
    "denominator": pl.Float64, "value": pl.Float64, "unit": pl.String,
    "england": pl.Float64, "region": pl.Float64, "sn_median": pl.Float64,
    "sn_mean": pl.Float64, "sn_rank": pl.String, "wales": pl.Float64, "target": pl.Float64,
    "status": pl.String, "flags": pl.List(pl.String), "comparator_period": pl.String,
    "comparator_release": pl.String, "wales_period": pl.String, "wales_release": pl.String,
    "status_reason": pl.String,
    "comparator_note": pl.String,
}  # fmt: skip
NO_POPULATION = (
    "No population of children aged 0 to 17 is set for this council: "
    "enter it in Settings."
)
COMPUTED_AT = "values.computed_at"  # changes on every recompute: cached pages refresh
COMPARATOR_FIELDS = ["england", "region", "sn_median", "sn_mean", "sn_rank", "wales"]


@dataclass(frozen=True)
class Population:
    value: float | None
    year: int | None
    old: bool


def population(
    con: duckdb.DuckDBPyConnection, who: benchmarks.Council, quarter: periods.Quarter
) -> Population:
    """0-17 population for the quarter's rates: a year entered in Settings, else the shipped ONS
    file's estimate for that year (English councils)."""
    by_year = population_by_year(con, who)
    need = quarter.population_year
    if need in by_year:
        return Population(by_year[need], need, False)
    earlier = [y for y in by_year if y < need]
    if earlier:
        year = max(earlier)
        return Population(by_year[year], year, True)
    return Population(None, None, False)


def population_by_year(
    con: duckdb.DuckDBPyConnection, who: benchmarks.Council
) -> dict[int, float]:
    """Every year's 0-17 population: the ONS file's, with the years set in Settings on top."""
    shipped = (
        {k: float(v) for k, v in benchmarks.population(who.la_number).items()}
        if who.la_number is not None
        else {}
    )
    stored = store.get_setting(con, "population", {}) or {}
    return shipped | {int(k): float(v) for k, v in stored.items() if v is not None}


def compute_snapshot(
    con: duckdb.DuckDBPyConnection,
    snapshot_id: int,
    quarter: periods.Quarter,
    who: benchmarks.Council,
) -> pl.DataFrame:
    """Every indicator of the council's nation for one snapshot, as stored rows."""
    store.ensure_prepared(con)
    chosen = overrides.read(con)
    bench_rules = analysis_settings.read(con)["benchmarks"]
    who = chosen.council(who)
    pop = population(con, who, quarter)
    ctx = indicators.QueryContext(quarter, who.nation, pop.value, snapshot_id)
    loaded = coverage.tables(con, snapshot_id)
    frames = []
    every = council_measures.for_nation(
        con, who.nation
    )  # built-in, then the council's own
    needed = {
        t
        for i in every
        for t in (*i.sources, *(["local_measure"] if i.local_measures else []))
    }
    with active_rows.views(con, snapshot_id, needed | {"child"}):
        for ind in every:
            ind = chosen.indicator(ind)
            rows = indicators.compute(con, ind, ctx)
            cover = coverage.check(ind, quarter, loaded)
            partial_ok = chosen.partial_accepted(ind.id, quarter)
            frames.append(
                _decorate(
                    bench_rules,
                    rows,
                    ind,
                    who,
                    quarter,
                    pop,
                    cover,
                    chosen.target(ind, quarter),
                    partial_ok,
                )
            )
    out = pl.concat(frames) if frames else pl.DataFrame(schema=VALUE_SCHEMA)
    return out.with_columns(snapshot_id=pl.lit(snapshot_id, pl.Int64)).select(
        list(VALUE_SCHEMA)
    )


def _decorate(
    bench_rules: dict[str, Any],
    rows: pl.DataFrame,
    ind: indicators.Indicator,
    who: benchmarks.Council,
    quarter: periods.Quarter,
    pop: Population,
    cover: coverage.Coverage,
    target: float | None,
    partial_ok: bool = False,
) -> pl.DataFrame:
    units = {m.name: m.unit for m in ind.measures}
    records = []
    for row in rows.iter_rows(named=True):
        unit = (
            units.get(row["category"], ind.unit)
            if row["breakdown"] == "measure"
            else ind.unit
        )
        rec = {
            **row,
            "indicator_id": ind.id,
            "unit": unit,
            "flags": [],
            "status_reason": None,
            "comparator_note": None,
        }
        rec.update(dict.fromkeys(COMPARATOR_FIELDS))
        rec.update(comparator_period=None, comparator_release=None, wales_period=None,
                   wales_release=None)  # fmt: skip
        if cover.status == "partial" and partial_ok:
            rec["status"] = (
                "ok" if row["value"] is not None else "no cases in the period"
            )
            rec["flags"] = ["partial_coverage"]
            rec["status_reason"] = f"Partial figure. {cover.reason}"
        elif cover.status != "full":
            status = "not covered" if cover.status == "none" else "partial coverage"
            rec.update(value=None, numerator=None, denominator=None, status=status)
            rec["status_reason"] = cover.reason
        elif unit == "rate_per_10k" and pop.value is None:
            rec.update(value=None, denominator=None, status="not covered")
            rec["status_reason"] = NO_POPULATION
        elif row["value"] is None:
            rec["status"] = "no cases in the period"
        else:
            rec["status"] = "ok"
        if unit == "rate_per_10k" and pop.old:
            rec["flags"] = [*rec["flags"], "population_old"]
        headline = _in_series(ind, ind.headline, row)
        rec["target"] = target if headline else None
        for bench in ind.benchmarks:
            if _in_series(ind, bench.series, row) and bench.category in (
                None,
                row["category"],
            ):
                comp = _comparators(
                    bench.key,
                    who,
                    quarter.end,
                    ind.polarity,
                    int(bench_rules["min_neighbours"]),
                )
                _attach(rec, comp, bench)
                rec["flags"] = _comparator_flags(
                    int(bench_rules["comparator_max_age_months"]),
                    rec["flags"],
                    comp,
                    quarter,
                    ind.series_basis(bench.series),
                    ind.series_unit(bench.series),
                )
        single = ind.headline in ("all", "month") or ind.headline.startswith("measure:")
        if headline and single and rec["england"] is None and rec["wales"] is None:
            rec["flags"] = [*rec["flags"], "no_national_comparator"]
        records.append(rec)
    return pl.DataFrame(
        records, schema={k: v for k, v in VALUE_SCHEMA.items() if k != "snapshot_id"}
    )


@functools.cache
def _comparators(
    key: str,
    who: benchmarks.Council,
    as_at: dt.date,
    polarity: str,
    min_neighbours: int,
) -> benchmarks.Comparators:
    return benchmarks.comparators(key, who, as_at, polarity, min_neighbours)


def _comparator_flags(
    max_age_months: int,
    flags: list[str],
    comp: benchmarks.Comparators,
    quarter: periods.Quarter,
    basis: str,
    unit: str,
) -> list[str]:
    """comparator_old: the figure's period ended more than the allowed months (24 by default)
    before the quarter end;
    basis_mismatch: a quarter or year-to-date percentage beside an annual one (commentary.md
    §2.2)."""
    out = list(flags)
    oldest = periods.add_months(quarter.end, -max_age_months)
    ended = [d for d in (comp.ended, comp.wales_ended) if d is not None]
    if ended and max(ended) < oldest and "comparator_old" not in out:
        out.append("comparator_old")
    attached = comp.england is not None or comp.wales is not None
    if (
        attached
        and unit == "percent"
        and basis in ("quarter", "ytd")
        and "basis_mismatch" not in out
    ):
        out.append("basis_mismatch")
    return out


def _in_series(ind: indicators.Indicator, ref: str, row: dict[str, object]) -> bool:
    if ref == "all":
        return row["breakdown"] == "all"
    if ref.startswith("measure:"):
        return row["breakdown"] == "measure" and row["category"] == ref.removeprefix(
            "measure:"
        )
    return row["breakdown"] == ref


def _attach(
    rec: dict[str, object], comp: benchmarks.Comparators, bench: indicators.Benchmark
) -> None:
    """First key first: a later key fills only what is still empty, and only what it may supply."""
    allowed = set(bench.comparators) or set(COMPARATOR_FIELDS)
    for f in fields(comp):
        name = f.name
        value = getattr(comp, name)
        if name == "note":
            if value and value not in str(rec.get("comparator_note") or ""):
                before = rec.get("comparator_note")
                rec["comparator_note"] = f"{before}; {value}" if before else value
            continue
        if value is None:
            continue
        if name in COMPARATOR_FIELDS:
            if name in allowed and rec.get(name) is None:
                rec[name] = value
        elif name in ("period", "release") and rec.get(f"comparator_{name}") is None:
            if allowed & {"england", "region", "sn_median", "sn_mean"}:
                rec[f"comparator_{name}"] = value
        elif name in ("wales_period", "wales_release") and "wales" in allowed:
            rec[name] = value


def store_snapshot(
    con: duckdb.DuckDBPyConnection, snapshot_id: int, frame: pl.DataFrame
) -> None:
    store.run(con, "delete from indicator_value where snapshot_id = ?", [snapshot_id])
    con.register("_values_df", frame)
    store.run(con, "insert into indicator_value by name select * from _values_df")
    con.unregister("_values_df")


def recompute(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute every stored quarter (after a setting that affects values changed)."""
    code = store.council_code(con)
    if code is None:
        return 0
    who = benchmarks.council(code)
    done = 0
    with store.transaction(con):
        for quarter in store.quarters(con):
            snap = store.snapshot_for(con, quarter)
            if snap is None:
                continue
            store_snapshot(
                con,
                snap.snapshot_id,
                compute_snapshot(con, snap.snapshot_id, quarter, who),
            )
            done += 1
        store.set_setting(con, COMPUTED_AT, dt.datetime.now().isoformat())
    commentary_review.after_change(con)  # reviewed text whose figures changed: stale
    return done


def read(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | None = None,
    indicator_id: str | None = None,
    up_to: periods.Quarter | None = None,
) -> pl.DataFrame:
    """Stored values with their quarter, oldest first."""
    where, params = ["true"], []
    if quarter is not None:
        where.append("s.quarter = ?")
        params.append(str(quarter))
    if up_to is not None:
        where.append("s.as_at <= ?")
        params.append(up_to.end)  # type: ignore[arg-type]
    if indicator_id is not None:
        where.append("v.indicator_id = ?")
        params.append(indicator_id)
    clauses = " and ".join(where)
    head = "select s.quarter, v.* from indicator_value v join snapshot s using (snapshot_id)"
    order = "order by s.as_at, v.indicator_id, v.breakdown, v.category"
    sql = f"{head} where {clauses} {order}"
    frame: pl.DataFrame = con.sql(sql, params=params).pl()
    return frame


def series(frame: pl.DataFrame, ref: str) -> pl.DataFrame:
    """Rows of one series reference (indicators.md 'Series references')."""
    if ref == "all":
        return frame.filter(pl.col("breakdown") == "all")
    if ref.startswith("measure:"):
        name = ref.removeprefix("measure:")
        return frame.filter(
            (pl.col("breakdown") == "measure") & (pl.col("category") == name)
        )
    return frame.filter(pl.col("breakdown") == ref)


def trend_quarters(
    quarter: periods.Quarter, loaded: list[periods.Quarter]
) -> list[periods.Quarter]:
    """The quarters a quarter's trend uses: every loaded quarter up to it."""
    return [q for q in loaded if q <= quarter]


def as_at_label(day: dt.date) -> str:
    return periods.format_date(day)
