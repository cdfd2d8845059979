"""The canonical tables of formats.md §A.2-A.3, declared as data.

Each table maps column name -> Column(type, required, code list). The DuckDB DDL, the
csperf CSV templates and the loader's checks are all derived from this one declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal[
    "id", "date", "month", "text", "code", "bool", "int", "float", "codes"
]

SQL_TYPES: dict[ColumnType, str] = {
    "id": "VARCHAR",
    "date": "DATE",
    "month": "DATE",
    "text": "VARCHAR",
    "code": "VARCHAR",
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "float": "DOUBLE",
    "codes": "VARCHAR[]",
}


@dataclass(frozen=True)
class Column:
    type: ColumnType
    required: bool = False
    codes: str | None = None  # name of a code list in csperf/reference/codes/
    personal: bool = False  # never shown in issues or printed (child ids, workers)


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Column]
    key: tuple[str, ...]
    grain: str = "full"

    @property
    def required(self) -> list[str]:
        return [c for c, col in self.columns.items() if col.required]


def _t(name: str, key: tuple[str, ...], grain: str = "full", **cols: Column) -> Table:
    return Table(name, dict(cols), key, grain)


CHILD_ID = Column("id", required=True, personal=True)

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "child",
            ("child_id",),
            "state",
            child_id=CHILD_ID,
            sex=Column("code", codes="sex"),
            birth_month=Column("month"),
            ethnicity=Column("code", codes="ethnicity"),
            disability=Column("bool"),
            uasc=Column("bool"),
        ),
        _t(
            "contact",
            ("child_id", "contact_date", "source"),
            child_id=CHILD_ID,
            contact_date=Column("date", required=True),
            source=Column("code", codes="source"),
        ),
        _t(
            "early_help",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            start_date=Column("date", required=True),
            end_date=Column("date"),
            organisation=Column("text"),
        ),
        _t(
            "referral",
            ("child_id", "referral_date"),
            child_id=CHILD_ID,
            referral_date=Column("date", required=True),
            source=Column("code", codes="source"),
            nfa=Column("bool"),
            previous_referrals_12m=Column("int"),
        ),
        _t(
            "assessment",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            referral_date=Column("date"),
            start_date=Column("date", required=True),
            authorised_date=Column("date"),
            requires_support=Column("bool"),
            factors=Column("codes", codes="factor"),
            team=Column("text"),
            worker=Column("text", personal=True),
        ),
        _t(
            "s47",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            referral_date=Column("date"),
            start_date=Column("date", required=True),
            icpc_date=Column("date"),
            icpc_not_required=Column("bool"),
            resulted_in_plan=Column("bool"),
        ),
        _t(
            "cin_episode",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            referral_date=Column("date"),
            start_date=Column("date", required=True),
            end_date=Column("date"),
            primary_need=Column("code", codes="need"),
            closure_reason=Column("code", codes="closure_reason"),
            team=Column("text"),
        ),
        _t(
            "cin_plan",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            referral_date=Column("date"),
            start_date=Column("date", required=True),
            end_date=Column("date"),
        ),
        _t(
            "cp_plan",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            referral_date=Column("date"),
            start_date=Column("date", required=True),
            end_date=Column("date"),
            initial_category=Column("code", codes="category_of_abuse"),
            latest_category=Column("code", codes="category_of_abuse"),
            previous_plans=Column("int"),
        ),
        _t(
            "cp_review",
            ("child_id", "plan_start_date", "review_date"),
            child_id=CHILD_ID,
            plan_start_date=Column("date", required=True),
            review_date=Column("date", required=True),
        ),
        _t(
            "cla_episode",
            ("child_id", "start_date"),
            child_id=CHILD_ID,
            start_date=Column("date", required=True),
            end_date=Column("date"),
            reason_new=Column("code", codes="reason_new"),
            legal_status=Column("code", codes="legal_status"),
            category_of_need=Column("code", codes="need"),
            placement_type=Column("code", codes="placement_type"),
            placement_provider=Column("code", codes="placement_provider"),
            reason_ceased=Column("code", codes="reason_ceased"),
            reason_place_change=Column("code", codes="reason_place_change"),
            placement_location=Column("code", codes="placement_location"),
            urn=Column("text"),
        ),
        _t(
            "cla_review",
            ("child_id", "review_date"),
            child_id=CHILD_ID,
            review_date=Column("date", required=True),
            participation=Column("code", codes="participation"),
        ),
        _t(
            "missing_episode",
            ("child_id", "start_date", "end_date", "kind"),
            child_id=CHILD_ID,
            looked_after=Column("bool", required=True),
            kind=Column("code", required=True, codes="missing_kind"),
            start_date=Column("date", required=True),
            end_date=Column("date"),
            rhi_offered=Column("bool"),
            rhi_accepted=Column("bool"),
            rhi_completed_date=Column("date"),
        ),
        _t(
            "cla_child_state",
            ("child_id",),
            "state",
            child_id=CHILD_ID,
            placements_12m=Column("int"),
            missing_12m=Column("int"),
            absent_12m=Column("int"),
            rhi_offered_last=Column("bool"),
            rhi_accepted_last=Column("bool"),
        ),
        _t(
            "care_leaver",
            ("child_id",),
            "state",
            child_id=CHILD_ID,
            eligibility=Column("code", codes="eligibility"),
            in_touch=Column("code", codes="in_touch"),
            accommodation=Column("code", codes="accommodation"),
            suitable=Column("bool"),
            activity=Column("code", codes="activity"),
            latest_contact_date=Column("date"),
        ),
        _t(
            "allocation",
            ("child_id", "worker"),
            "state",
            child_id=CHILD_ID,
            team=Column("text"),
            worker=Column("text", personal=True),
        ),
    ]
}

# Aggregate tables (formats.md §A.3): not child-level, no child_id.
AGGREGATE_TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "local_measure",
            ("measure_id", "period_end", "breakdown", "category"),
            "period",
            measure_id=Column("text", required=True),
            period_end=Column("date", required=True),
            value=Column("float", required=True),
            numerator=Column("float"),
            denominator=Column("float"),
            breakdown=Column("text"),
            category=Column("text"),
        ),
        _t(
            "placement_cost_rate",
            ("placement_type", "placement_group", "provider", "valid_from"),
            "period",
            placement_group=Column("code"),
            placement_type=Column("code", codes="placement_type"),
            provider=Column("text", required=True),
            weekly_cost=Column("float", required=True),
            valid_from=Column("date", required=True),
        ),
    ]
}

ALL_TABLES: dict[str, Table] = {**TABLES, **AGGREGATE_TABLES}

# System columns every canonical row carries (formats.md §A.1), plus the format it came from.
SYSTEM_COLUMNS: dict[str, str] = {
    "snapshot_id": "BIGINT NOT NULL",
    "source_format": "VARCHAR NOT NULL",
    "src_file": "SMALLINT",
    "src_row": "INTEGER",
    "dq_flags": "VARCHAR[]",
}

SOURCE_FORMATS = (
    "annex_a",
    "ssda903_csv",
    "ssda903_xml",
    "cin_xml",
    "csperf_csv",
    "local_measures",
    "placement_costs",
)


def ddl(table: Table) -> str:
    """CREATE TABLE statement for one canonical table (explicit types, stack.md)."""
    cols = [f"{name} {sql}" for name, sql in SYSTEM_COLUMNS.items()]
    for name, col in table.columns.items():
        not_null = " NOT NULL" if col.required and col.type != "id" else ""
        if col.type == "id":
            not_null = " NOT NULL"
        cols.append(f"{name} {SQL_TYPES[col.type]}{not_null}")
    return f"create table if not exists {table.name} (\n  " + ",\n  ".join(cols) + "\n)"
