"""Placement unit costs (formats.md §B.6): the council's weekly cost per placement type or group.

Header set ``placement_group, placement_type, provider, weekly_cost, valid_from`` (one of the
first two may be left out as a column). Each row names exactly one of a placement group (§C.6)
or a placement type (PLACE code) (P01); codes must be known (P02); costs are amounts of 0 or more
(P03); a (type or group, provider, valid_from) appears once (P04). All four are errors.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import polars as pl

from csperf import schemas, store
from csperf.formats import csv_text, frames
from csperf.validate import Issue, Located, cast_table, code_list

FORMAT = "placement_costs"
COLUMNS = {"placement_group", "placement_type", "provider", "weekly_cost", "valid_from"}
REQUIRED = {"provider", "weekly_cost", "valid_from"}
PROVIDERS = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5", "*"}
GROUPS_FILE = Path(__file__).parent.parent / "reference" / "placement_groups.csv"


@cache
def groups() -> frozenset[str]:
    return frozenset(
        pl.read_csv(GROUPS_FILE, infer_schema=False)["placement_group"].to_list()
    )


def recognise(header: list[str]) -> bool:
    cols = {h.strip().lower() for h in header}
    return REQUIRED <= cols <= COLUMNS and bool(
        cols & {"placement_group", "placement_type"}
    )


def parse(
    name: str, data: bytes, text: csv_text.CsvText, quarter_end: dt.date
) -> tuple[list[store.TableLoad], list[Issue]]:
    raw = text.frame.rename({h: h.strip().lower() for h in text.header})
    for col in ("placement_group", "placement_type"):
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, pl.String).alias(col))
    table = schemas.AGGREGATE_TABLES["placement_cost_rate"]
    typed, issues = cast_table(raw, table, Located(name))
    issues = list(text.issues) + [i for i in issues if i.code != "R04"]
    checked = typed.with_columns(
        raw_group=raw["placement_group"].str.strip_chars().str.to_uppercase(),
        raw_type=raw["placement_type"].str.strip_chars().str.to_uppercase(),
        raw_cost=raw["weekly_cost"],
    )
    nk = pl.struct(pl.coalesce("raw_type", "raw_group"), "provider", "valid_from")
    checked = checked.with_columns(dup=nk.is_duplicated())
    for row in checked.iter_rows(named=True):
        issues += _row_issues(name, row)
    blocked = {i.row for i in issues if i.severity == "error"}
    keep = typed.with_columns(
        placement_group=checked["raw_group"], placement_type=checked["raw_type"]
    ).filter(~pl.col("src_row").cast(pl.String).is_in(sorted(r for r in blocked if r)))
    load = frames.table_load(
        name=name, data=data, table="placement_cost_rate", typed=keep,
        source_format=FORMAT, extract_date=quarter_end, detected=f"{FORMAT}:placement_cost_rate",
    )  # fmt: skip
    return [load], issues


def _row_issues(name: str, row: dict[str, object]) -> list[Issue]:
    r = str(row["src_row"])
    group, kind = row["raw_group"], row["raw_type"]

    def err(code: str, column: str, what: str, value: object = None) -> Issue:
        return Issue(code, "error", name, f"Row {r}: {what}", row=r, column=column,
                     field=f"placement_cost_rate.{column}",
                     value=None if value is None else str(value)[:100])  # fmt: skip

    if (group is None) == (kind is None):
        return [err("P01", "placement_group", "give either a placement group or a placement "
                    "type (not both, not neither).")]  # fmt: skip
    out = []
    if group is not None and group not in groups():
        out.append(err("P02", "placement_group", f"'{group}' is not a placement group. Use "
                       "FOSTER, ADOPTION, PARENTS, ... (see the templates).", group))  # fmt: skip
    if kind is not None and kind not in code_list("placement_type"):
        out.append(err("P02", "placement_type", f"'{kind}' is not a placement type code "
                       "(e.g. U4, K2).", kind))  # fmt: skip
    if row["provider"] not in PROVIDERS:
        out.append(err("P02", "provider", f"'{row['provider']}' is not a provider code. Use "
                       "PR0 to PR5, or * for any.", row["provider"]))  # fmt: skip
    cost = row["weekly_cost"]
    if cost is None or (isinstance(cost, float) and cost < 0):
        out.append(err("P03", "weekly_cost", f"'{row['raw_cost']}' is not a weekly cost of "
                       "£0 or more.", row["raw_cost"]))  # fmt: skip
    if row["dup"]:
        out.append(err("P04", "valid_from", "the same placement, provider and start date "
                       "appear more than once. Keep one row.", row["valid_from"]))  # fmt: skip
    return out
