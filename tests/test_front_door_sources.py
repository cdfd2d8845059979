"""Contacts by source write every source code of the shipped code list (formats.md §C.11)."""

from __future__ import annotations

import duckdb

from csperf import indicators, periods, schemas, store, validate
from tests.test_indicators import given_frame


def test_contacts_by_source_write_every_source_code_even_with_no_contacts():
    con = duckdb.connect(":memory:")
    store.prepare(con)
    for table in schemas.ALL_TABLES:
        con.register(table, given_frame(table, []))
    ctx = indicators.QueryContext(periods.Quarter.parse("2025-26Q2"), "england", 1000.0)
    rows = indicators.compute(con, indicators.registry()["contacts"], ctx)
    by_source = rows.filter(rows["breakdown"] == "source")
    assert set(by_source["category"]) == set(validate.code_list("source"))
    assert by_source.height == len(validate.code_list("source"))
    assert by_source["value"].to_list() == [0.0] * by_source.height
