"""The Report page's cover-report fields, kept in the database so the next quarter's pack starts
from them and the command line builds the same pack as the page."""

from __future__ import annotations

import dataclasses
from typing import Any

import duckdb

from csperf import store
from csperf.report import content

SETTING = "report.settings"


def read(con: duckdb.DuckDBPyConnection) -> content.ReportSettings:
    """The saved fields, or the defaults; a field the saved copy lacks keeps its default."""
    raw: Any = store.get_setting(con, SETTING)
    if not isinstance(raw, dict):
        return content.ReportSettings()
    known = {f.name for f in dataclasses.fields(content.ReportSettings)}
    given = {k: v for k, v in raw.items() if k in known}
    if "recommendations" in given:
        given["recommendations"] = tuple(str(r) for r in given["recommendations"])
    if given.get("indicator_ids") is not None:
        given["indicator_ids"] = tuple(str(i) for i in given["indicator_ids"])
    return content.ReportSettings(**given)


def save(con: duckdb.DuckDBPyConnection, settings: content.ReportSettings) -> None:
    store.set_setting(con, SETTING, dataclasses.asdict(settings))
