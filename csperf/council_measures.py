"""Councils' own local measures: catalogue rows stored in the database, turned into indicators.

A council adds a measure by uploading a measure catalogue row (formats.md §B.5.2) and its values
(§B.5.1); the measure then appears, charts and gets commentary like a built-in indicator
(indicators.md, "Any other local measure"). Its registry fields follow from the row: unit and
polarity as given, the unit's default format, the family from the unit, the basis from the
frequency, headline and SPC series the headline series, and a benchmark only where the row names
a key in the shipped files. Every council measure is computed by one query,
``sql/local_measure.sql``, bound to the measure's id, unit and frequency.

The catalogue is installation-wide, not per quarter (formats.md §B.6): a row loaded once serves
every quarter, and a change to a row is audited.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from csperf import benchmarks, indicators, store

TABLE = "measure_catalogue"
QUERY = "local_measure"  # csperf/sql/local_measure.sql
COLUMNS = [
    "measure_id",
    "title",
    "unit",
    "polarity",
    "description",
    "frequency",
    "benchmark",
]
FAMILY = {
    "count": "count",
    "percent": "proportion",
    "rate_per_10k": "rate",
    "days": "duration",
    "weeks": "duration",
    "ratio": "average",
    "number": "average",
    "fte": "average",
    "currency_gbp": "money",
}
FORMAT = {
    "count": "num0",
    "percent": "pct1",
    "rate_per_10k": "rate1",
    "days": "days0",
    "weeks": "weeks0",
    "ratio": "dec1",
    "number": "dec1",
    "fte": "dec1",
    "currency_gbp": "gbp0",
}
BASIS = {"month": "month", "quarter": "quarter", "year": "r12"}
NO_BENCHMARK = "the council's own local measure: not published nationally"
METHOD = {
    "month": "Monthly figures as uploaded for each month of the quarter; the quarter's figure "
    "is their total (counts and money) or their combined numerator over denominator, given "
    "when all three months are uploaded.",
    "quarter": "The figure uploaded for the quarter (period end on the quarter end).",
    "year": "The latest yearly figure uploaded for a year ending in the 12 months to the "
    "quarter end.",
}


def rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The council's catalogue rows, by id."""
    try:
        frame: pl.DataFrame = con.sql(
            f"select {', '.join(COLUMNS)} from {TABLE} order by measure_id"  # noqa: S608 -- constants
        ).pl()
    except (
        duckdb.CatalogException
    ):  # a database opened read-only from before the table existed
        return pl.DataFrame(schema=dict.fromkeys(COLUMNS, pl.String))
    return frame


def store_rows(con: duckdb.DuckDBPyConnection, catalogue: pl.DataFrame | None) -> bool:
    """Add or replace the uploaded rows (by id); audited. True when a stored row changed.

    Rows the upload does not name are kept: their values may already be stored.
    """
    if catalogue is None or catalogue.height == 0:
        return False
    new = catalogue.select(COLUMNS).unique(
        "measure_id", keep="last", maintain_order=True
    )
    before = rows(con)
    changed = before.join(new, on=COLUMNS, how="anti").filter(
        pl.col("measure_id").is_in(new["measure_id"].to_list())
    )
    frame = new.with_columns(
        source=pl.lit("council"),
        loaded_at=pl.lit(dt.datetime.now(dt.UTC).replace(tzinfo=None)),
    )
    con.register("_catalogue_df", frame)
    store.run(
        con,
        f"insert or replace into {TABLE} by name select * from _catalogue_df",  # noqa: S608 -- constant
    )
    con.unregister("_catalogue_df")
    added = set(new["measure_id"]) - set(before["measure_id"])
    store.audit(
        con,
        "measure_catalogue",
        "ok",
        detail={"added": len(added), "changed": changed.height},
    )
    return changed.height > 0


def indicator(row: dict[str, str | None]) -> indicators.Indicator:
    """The registry entry a catalogue row stands for (indicators.md "Any other local measure")."""
    mid, unit = str(row["measure_id"]), str(row["unit"])
    frequency = str(row.get("frequency") or "quarter")
    headline = "month" if frequency == "month" else "all"
    key = row.get("benchmark")
    known = key is not None and key in benchmarks.keys_available()
    return indicators.Indicator(
        id=mid,
        title=str(row["title"]),
        title_wales=str(row["title"]),
        theme="local",
        family=FAMILY[unit],  # type: ignore[arg-type]
        unit=unit,  # type: ignore[arg-type]
        format=FORMAT[unit],
        polarity=str(row["polarity"]),  # type: ignore[arg-type]
        basis=BASIS[frequency],  # type: ignore[arg-type]
        definition=f"{str(row['description']).rstrip('.')}. The council's own local measure. "
        f"{METHOD[frequency]}",
        sources=("local_measure",),
        headline_priority=1 if known else 0,
        breakdowns=("month",) if frequency == "month" else (),
        headline=headline,
        spc_series=headline,
        benchmarks=(indicators.Benchmark(headline, str(key)),) if known else (),
        benchmark_none=None if known else NO_BENCHMARK,
        coverage=({"table": "local_measure", "window": "state_q"},),
        local_measures=(mid,),
        params={"measure_id": mid, "unit": unit, "frequency": frequency},
        query=QUERY,
    )


def council_indicators(
    con: duckdb.DuckDBPyConnection, nation: str | None = None
) -> list[indicators.Indicator]:
    """The council's own measures as indicators (every nation: a council's row is its own)."""
    del nation  # council measures apply wherever the council is
    return [indicator(r) for r in rows(con).iter_rows(named=True)]


def for_nation(
    con: duckdb.DuckDBPyConnection, nation: str
) -> list[indicators.Indicator]:
    """Built-in indicators of the nation, then the council's own measures.

    A council row whose id a later release gives to a built-in indicator is left out (M08 refuses
    such rows when uploaded).
    """
    built_in = indicators.for_nation(nation)
    ids = set(indicators.registry())
    own = [i for i in council_indicators(con, nation) if i.id not in ids]
    return [*built_in, *own]


def stored(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The stored rows in the form a values file is checked against (``ingest.read``)."""
    return rows(con).select("measure_id", "unit", "frequency")


def load_catalogue(
    con: duckdb.DuckDBPyConnection, catalogue: pl.DataFrame | None
) -> int:
    """Store an upload that holds only a catalogue; returns 0 (no quarter's snapshot changes).

    Where a stored row changed (its unit, say), every quarter's values are recomputed.
    """
    from csperf import values

    with store.transaction(con):
        changed = store_rows(con, catalogue)
    if changed:
        values.recompute(con)
    return 0
