"""Each indicator's worked example (tests/examples/<id>.toml), run through indicators.compute."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from csperf import indicators, periods, schemas, store
from csperf.formats import frames

EXAMPLES = Path(__file__).parent / "examples"


def given_frame(table: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    spec = schemas.ALL_TABLES[table]
    schema = {c: frames.polars_type(table, c) for c in spec.columns}
    full = [{c: r.get(c) for c in spec.columns} for r in rows]
    return pl.DataFrame(full, schema=schema)


def cases() -> list[Any]:
    out = []
    for ind in indicators.registry().values():
        example = tomllib.loads((EXAMPLES / f"{ind.id}.toml").read_text())
        for n, case in enumerate(example["case"]):
            given = (
                example["case"][case["given_from"]]["given"]
                if "given_from" in case
                else case["given"]
            )
            out.append(pytest.param(ind, case, given, id=f"{ind.id}-{n}"))
    return out


@pytest.mark.parametrize(("indicator", "case", "given"), cases())
def test_worked_example_gives_the_hand_worked_rows(indicator, case, given):
    con = duckdb.connect(":memory:")
    store.prepare(con)
    for table in schemas.ALL_TABLES:
        frame = given_frame(table, given.get(table, []))
        con.register(table, frame)
    ctx = indicators.QueryContext(
        periods.Quarter.parse(case["quarter"]),
        case["nation"],
        float(case["population"]),
    )
    got = indicators.compute(con, indicator, ctx)
    expected = case["expect"]
    assert got.height == len(expected), got
    for row, want in zip(got.iter_rows(named=True), expected, strict=True):
        assert row["period_end"] == want["period_end"]
        assert (row["breakdown"], row["category"]) == (
            want["breakdown"],
            want["category"],
        )
        for col in ("numerator", "denominator", "value"):
            assert row[col] == pytest.approx(want.get(col)), (col, row)
