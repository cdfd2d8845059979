"""SSDA903 writing (the demo, round-trip tests): the 903 tables of the window csperf asks for
(formats.md §B.7), from the typed canonical frames of ``canonical.read_dir`` (raw ids), as CSV
tables (``write_csv``) or one EXPSSDA903 XML document (``write_xml``); ``extract`` selects them.

The 903 table layouts (``TABLES``, ``COLUMNS``, ``FILE_NAMES``) are the reader's, in ``ssda903``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import polars as pl

from csperf import periods, schemas
from csperf.formats import frames
from csperf.formats.ssda903 import COLUMNS, FILE_NAMES, HISTORY_MONTHS, TABLES


def write_csv(
    tables: dict[str, pl.DataFrame], quarter: periods.Quarter
) -> dict[str, bytes]:
    """The 903 CSV tables csperf asks for at ``quarter`` (B.7), file name -> bytes."""
    out = extract(tables, quarter)
    return {FILE_NAMES[kind]: frame.write_csv().encode() for kind, frame in out.items()}


def write_xml(tables: dict[str, pl.DataFrame], quarter: periods.Quarter) -> bytes:
    """The same tables as one EXPSSDA903 document, one CHILD per child, sorted by id."""
    out = extract(tables, quarter)
    by_child: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for kind in ("Episodes", "Reviews", "Missing", "OC3", "UASC"):
        for row in out[kind].iter_rows(named=True):
            by_child[row["CHILD"]][kind].append(row)
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<EXPSSDA903>\n']
    for header in out["Header"].iter_rows(named=True):
        parts.append(_xml_child(header, by_child[header["CHILD"]]))
    parts.append("</EXPSSDA903>\n")
    return "".join(parts).encode()


def _xml_child(header: dict[str, Any], rows: dict[str, list[dict[str, Any]]]) -> str:
    uasc = "1" if rows["UASC"] else ""
    parts = ["  <CHILD>\n    <HEADER>\n"]
    parts += _elements(
        [("CHILDID", header["CHILD"]), ("UPN", None), ("SEX", header["SEX"]),
         ("DOB", header["DOB"]), ("ETHNIC", header["ETHNIC"]), ("UASC", uasc)], 6
    )  # fmt: skip
    for oc3 in rows["OC3"]:
        parts += _elements(
            [("IN_TOUCH", oc3["IN_TOUCH"] or "0"), ("ACTIV", oc3["ACTIV"]),
             ("ACCOM", oc3["ACCOM"])], 6
        )  # fmt: skip
    for review in rows["Reviews"]:
        parts.append("      <AREVIEW>\n")
        parts += _elements([(c, review[c]) for c in ("REVIEW", "REVIEW_CODE")], 8)
        parts.append("      </AREVIEW>\n")
    for missing in rows["Missing"]:
        parts.append("      <AMISSING>\n")
        parts += _elements(
            [(c, missing[c]) for c in ("MISSING", "MIS_START", "MIS_END")], 8
        )
        parts.append("      </AMISSING>\n")
    parts += _elements([("MOTHER", None), ("MC_DOB", None)], 6)
    parts.append("    </HEADER>\n")
    for episode in rows["Episodes"]:
        parts.append("    <EPISODE>\n")
        parts += _elements(
            [("PL" if c == "PLACE" else c, episode[c]) for c in TABLES["Episodes"][1:]],
            6,
        )
        parts.append("    </EPISODE>\n")
    parts.append("  </CHILD>\n")
    return "".join(parts)


def _elements(pairs: list[tuple[str, str | None]], indent: int) -> list[str]:
    pad = " " * indent
    return [
        f"{pad}<{tag}>{_escape(value)}</{tag}>\n" if value else f"{pad}<{tag}/>\n"
        for tag, value in pairs
    ]


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def extract(
    tables: dict[str, pl.DataFrame], quarter: periods.Quarter
) -> dict[str, pl.DataFrame]:
    """The 903 tables (903 columns, as text) for the window csperf asks for (formats.md §B.7).

    Episodes open at any time in the 30 months to the quarter end and started by then; reviews
    and missing episodes of looked-after children in that range; the OC3 cohort (care_leaver);
    a Header row for every child in them and a UASC row for those with ``uasc`` true.
    """
    end = quarter.end
    first = periods.add_months(end, -HISTORY_MONTHS) + dt.timedelta(days=1)
    episodes = _table(tables, "cla_episode").filter(
        (pl.col("end_date").is_null() | (pl.col("end_date") >= first))
        & (pl.col("start_date") <= end)
    )
    reviews = _table(tables, "cla_review").filter(
        pl.col("review_date").is_between(first, end)
    )
    missing = _table(tables, "missing_episode").filter(
        pl.col("looked_after") & pl.col("start_date").is_between(first, end)
    )
    leavers = _table(tables, "care_leaver").unique(
        "child_id", keep="first", maintain_order=True
    )
    ids = pl.concat(
        [f.select("child_id") for f in (episodes, reviews, missing, leavers)]
    )
    people = (
        ids.unique().drop_nulls().sort("child_id")
        .join(_table(tables, "child").unique("child_id", keep="first", maintain_order=True),
              on="child_id", how="left")
        .select(pl.col("child_id").alias("CHILD"), pl.col("sex").alias("SEX"),
                _dmy(pl.col("birth_month")).alias("DOB"), pl.col("ethnicity").alias("ETHNIC"),
                "uasc")
    )  # fmt: skip
    dob = people.select("CHILD", "DOB")
    return {
        "Header": _columns(people, "Header"),
        "Episodes": _episode_rows(episodes),
        "Reviews": _columns(
            _review_rows(reviews).join(dob, on="CHILD", how="left"), "Reviews"
        ),
        "UASC": _columns(people.filter(pl.col("uasc").fill_null(False)), "UASC"),
        "Missing": _columns(
            _missing_rows(missing).join(dob, on="CHILD", how="left"), "Missing"
        ),
        "OC3": _columns(_oc3_rows(leavers).join(dob, on="CHILD", how="left"), "OC3"),
    }


def _table(tables: dict[str, pl.DataFrame], table: str) -> pl.DataFrame:
    """The canonical frame, with any column it lacks as typed nulls."""
    columns = schemas.TABLES[table].columns
    frame = tables.get(table, pl.DataFrame())
    return frame.with_columns(
        pl.lit(None, frames.polars_type(table, c)).alias(c)
        for c in columns
        if c not in frame.columns
    )


def _dmy(expr: pl.Expr) -> pl.Expr:
    return expr.dt.strftime("%d/%m/%Y")


def _columns(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The 903 table's exact columns in order; the ones csperf does not hold blank."""
    return frame.select(
        pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c)
        for c in TABLES[kind]
    )


def _episode_rows(episodes: pl.DataFrame) -> pl.DataFrame:
    names = {c: s for s, c in COLUMNS["Episodes"].items()}
    rows = episodes.sort("child_id", "start_date").select(
        _dmy(pl.col(c)).alias(names[c]) if c in ("start_date", "end_date")
        else pl.col(c).alias(names[c])
        for c in names
    )  # fmt: skip
    return _columns(rows, "Episodes")


def _review_rows(reviews: pl.DataFrame) -> pl.DataFrame:
    return reviews.sort("child_id", "review_date").select(
        pl.col("child_id").alias("CHILD"),
        _dmy(pl.col("review_date")).alias("REVIEW"),
        pl.col("participation").alias("REVIEW_CODE"),
    )


def _missing_rows(missing: pl.DataFrame) -> pl.DataFrame:
    return missing.sort(
        "child_id", "start_date", "end_date", "kind", nulls_last=True
    ).select(
        pl.col("child_id").alias("CHILD"),
        pl.col("kind").alias("MISSING"),
        _dmy(pl.col("start_date")).alias("MIS_START"),
        _dmy(pl.col("end_date")).alias("MIS_END"),
    )


def _oc3_rows(leavers: pl.DataFrame) -> pl.DataFrame:
    suitable = pl.col("suitable")
    digit = pl.when(suitable).then(pl.lit("1")).when(~suitable).then(pl.lit("2"))
    accom = pl.concat_str([pl.col("accommodation"), digit], ignore_nulls=True)
    return leavers.sort("child_id").select(
        pl.col("child_id").alias("CHILD"),
        pl.col("in_touch").alias("IN_TOUCH"),
        pl.col("activity").alias("ACTIV"),
        pl.when(pl.col("accommodation").is_null())
        .then(None)
        .otherwise(accom)
        .alias("ACCOM"),
    )
