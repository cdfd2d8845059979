"""Annex A written from canonical data (the demo, round-trip tests): formats.md §B.1, §B.7.

``extract`` gives Lists 1-9 with the January 2024 template's exact headers for the window csperf
asks for: Lists 1-5 events in the 24 months to the quarter end *Q* (early help and assessments:
open at any time in them); Lists 6-8 records open at *Q* or closed in those 24 months; List 9 the
care leavers at *Q*. List 8 has one row per period of care: consecutive episodes linked by ``X1``
(ended and a new one began the same day) from the ``S`` episode to the last one's end, with the
latest episode's legal status, category of need, placement, provider, location and URN, the child's
latest review and the child's counts of placements, missing and absence episodes in the 12 months
to *Q*. List 7 carries each plan's latest review conference. Values are the template's codes
(``M``, ``WBRI``, ``6``, ``U6``, ``Yes``/``No``), dates are Excel dates.
``write_xlsx`` writes them with xlsxwriter, deterministically (fixed document properties).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import polars as pl
import xlsxwriter

from csperf import periods, schemas
from csperf.formats import frames
from csperf.formats.annex_a_headers import TEMPLATE

WINDOW_MONTHS = 24
_EXCEL_EPOCH = dt.date(1899, 12, 30)
ELIGIBILITY_TEXT = {
    "RELEVANT": "Relevant child", "FORMER_RELEVANT": "Former relevant child",
    "QUALIFYING": "Qualifying care leaver", "ELIGIBLE": "Eligible child", "OTHER": "Other",
}  # fmt: skip


@dataclass(frozen=True)
class Window:
    first: dt.date  # first day of the 24 months to the quarter end
    end: dt.date  # the quarter end
    r12: dt.date  # first day of the 12 months to the quarter end

    @classmethod
    def of(cls, quarter: periods.Quarter) -> Window:
        first = periods.add_months(quarter.end, -WINDOW_MONTHS) + dt.timedelta(days=1)
        return cls(first, quarter.end, quarter.r12_start)


def write_xlsx(tables: dict[str, pl.DataFrame], quarter: periods.Quarter) -> bytes:
    lists = extract(tables, quarter)
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": False,
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    created = dt.datetime.combine(quarter.end, dt.time())
    workbook.set_properties(
        {"title": f"Annex A {quarter}", "author": "csperf", "created": created}
    )
    header = workbook.add_format({"bold": True, "text_wrap": True})
    dates = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for n, frame in lists.items():
        sheet = workbook.add_worksheet(f"List {n}")
        sheet.write_row(0, 0, TEMPLATE[n], header)
        _write_cells(sheet, frame, dates)
    workbook.close()
    return out.getvalue()


def _write_cells(sheet: Any, frame: pl.DataFrame, dates: Any) -> None:
    for col, name in enumerate(frame.columns):
        series = frame[name]
        if series.dtype == pl.Date:
            serials = (series - _EXCEL_EPOCH).dt.total_days().to_list()
            for row, value in enumerate(serials, start=1):
                if value is not None:
                    sheet.write_number(row, col, value, dates)
        elif series.dtype.is_numeric():
            for row, value in enumerate(series.to_list(), start=1):
                if value is not None:
                    sheet.write_number(row, col, value)
        else:
            for row, value in enumerate(series.to_list(), start=1):
                if value is not None:
                    sheet.write_string(row, col, value)


# ---------------------------------------------------------------- the lists


def extract(
    tables: dict[str, pl.DataFrame], quarter: periods.Quarter
) -> dict[int, pl.DataFrame]:
    """Lists 1-9 as frames with the template's headers (dates as dates, counts as integers)."""
    w = Window.of(quarter)
    t = {name: _table(tables, name) for name in schemas.TABLES}
    people = _people(t["child"], w.end)
    allocated = t["allocation"].unique("child_id", keep="first", maintain_order=True)
    lists = {
        1: _list1(t, w),
        2: _list2(t, w),
        3: _list3(t, w),
        4: _list4(t, w),
        5: _list5(t, w),
        6: _list6(t, w, allocated),
        7: _list7(t, w, allocated),
        8: _list8(t, w, allocated),
        9: _list9(t, allocated),
    }
    return {n: _template(n, frame, people) for n, frame in lists.items()}


def _table(tables: dict[str, pl.DataFrame], table: str) -> pl.DataFrame:
    """The canonical frame, with any column it lacks as typed nulls."""
    frame = tables.get(table, pl.DataFrame())
    return frame.with_columns(
        pl.lit(None, frames.polars_type(table, c)).alias(c)
        for c in schemas.TABLES[table].columns
        if c not in frame.columns
    )


def _yes_no(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c).then(pl.lit("Yes")).when(~c).then(pl.lit("No"))


def _people(child: pl.DataFrame, end: dt.date) -> pl.DataFrame:
    born = pl.col("birth_month")
    before = (born.dt.month() > end.month) | (
        (born.dt.month() == end.month) & (born.dt.day() > end.day)
    )
    return child.unique("child_id", keep="first", maintain_order=True).select(
        "child_id",
        pl.col("sex").alias("Gender"),
        pl.col("ethnicity").alias("Ethnicity"),
        born.alias("Date of Birth"),
        (pl.lit(end.year) - born.dt.year() - before.cast(pl.Int32)).alias("Age"),
        _yes_no("disability").alias("Does the Child have a Disability"),
        _yes_no("uasc").alias("_uasc"),
    )


def _template(n: int, frame: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """The list's rows with the child's columns, in the template's column order."""
    joined = frame.join(people, on="child_id", how="left").rename(
        {"child_id": "Child Unique ID"}
    )
    uasc = [c for c in TEMPLATE[n] if c.startswith("Unaccompanied")]
    if uasc:
        joined = joined.rename({"_uasc": uasc[0]})
    return joined.select(
        pl.col(c) if c in joined.columns else pl.lit(None, pl.String).alias(c)
        for c in TEMPLATE[n]
    )


def _in_window(col: str, w: Window) -> pl.Expr:
    return pl.col(col).is_between(w.first, w.end)


def _overlaps(start: str, end: str, w: Window) -> pl.Expr:
    return (pl.col(start) <= w.end) & (pl.col(end).is_null() | (pl.col(end) >= w.first))


def _list1(t: dict[str, pl.DataFrame], w: Window) -> pl.DataFrame:
    return (
        t["contact"]
        .filter(_in_window("contact_date", w))
        .sort("contact_date", "child_id")
        .select(
            "child_id",
            pl.col("contact_date").alias("Date of Contact"),
            pl.col("source").alias("Contact Source"),
        )
    )


def _list2(t: dict[str, pl.DataFrame], w: Window) -> pl.DataFrame:
    return (
        t["early_help"]
        .filter(_overlaps("start_date", "end_date", w))
        .sort("start_date", "child_id")
        .select(
            "child_id",
            pl.col("start_date").alias("Assessment start date"),
            pl.col("end_date").alias("Assessment completion date"),
            pl.col("organisation").alias("Organisation completing assessment"),
        )
    )


def previous_referrals(referrals: pl.DataFrame) -> pl.DataFrame:
    """Each referral with the child's number of referrals in the 12 months before it."""
    keys = referrals.select("child_id", "referral_date").unique()
    pairs = keys.join(referrals.select("child_id", pl.col("referral_date").alias("_earlier")),
                      on="child_id")  # fmt: skip
    since = pl.col("referral_date").dt.offset_by("-12mo")
    counts = (
        pairs.filter(
            (pl.col("_earlier") < pl.col("referral_date"))
            & (pl.col("_earlier") >= since)
        )
        .group_by("child_id", "referral_date")
        .agg(pl.len().cast(pl.Int32).alias("_previous"))
    )
    return referrals.join(
        counts, on=["child_id", "referral_date"], how="left"
    ).with_columns(pl.col("_previous").fill_null(0))


def _list3(t: dict[str, pl.DataFrame], w: Window) -> pl.DataFrame:
    return (
        previous_referrals(t["referral"])
        .filter(_in_window("referral_date", w))
        .sort("referral_date", "child_id")
        .select(
            "child_id",
            pl.col("referral_date").alias("Date of Referral"),
            pl.col("source").alias("Referral Source"),
            _yes_no("nfa").alias("Referral NFA?"),
            pl.col("_previous").alias("Number of Referrals in Last 12 Months"),
        )
    )


def _list4(t: dict[str, pl.DataFrame], w: Window) -> pl.DataFrame:
    return (
        t["assessment"]
        .filter(_overlaps("start_date", "authorised_date", w))
        .sort("start_date", "child_id")
        .select(
            "child_id",
            pl.col("start_date").alias("Continuous Assessment Start Date"),
            pl.col("authorised_date").alias(
                "Continuous Assessment Date of Authorisation"
            ),
            _yes_no("requires_support").alias(
                "Was the child assessed as requiring LA children's social care support?"
            ),
            pl.col("team").alias("Allocated Team"),
            pl.col("worker").alias("Allocated Worker"),
        )
    )


def _list5(t: dict[str, pl.DataFrame], w: Window) -> pl.DataFrame:
    s47 = t["s47"].filter(
        (pl.col("start_date") <= w.end)
        & (_in_window("start_date", w) | _in_window("icpc_date", w))
    )
    return s47.sort("start_date", "child_id").select(
        "child_id",
        pl.col("start_date").alias(
            "Strategy discussion initiating Section 47 Enquiry Start Date"
        ),
        _yes_no("icpc_not_required").alias(
            "Was an Initial Child Protection Conference deemed unnecessary?"
        ),
        pl.col("icpc_date").alias("Date of Initial Child Protection Conference"),
        _yes_no("resulted_in_plan").alias(
            "Did the Initial Child Protection Conference Result in a Child Protection Plan"
        ),
    )


def _allocated(
    frame: pl.DataFrame, allocated: pl.DataFrame, open_: pl.Expr
) -> pl.DataFrame:
    """Team and worker of the child's allocation, on the rows open at the quarter end."""
    return (
        frame.join(
            allocated.select(
                "child_id",
                pl.col("team").alias("_team"),
                pl.col("worker").alias("_worker"),
            ),
            on="child_id",
            how="left",
        )
        .with_columns(
            pl.when(open_).then(pl.col("_team")).alias("Allocated Team"),
            pl.when(open_).then(pl.col("_worker")).alias("Allocated Worker"),
        )
        .drop("_team", "_worker")
    )


def _list6(
    t: dict[str, pl.DataFrame], w: Window, allocated: pl.DataFrame
) -> pl.DataFrame:
    cin = t["cin_episode"].filter(_overlaps("start_date", "end_date", w))
    cin = _allocated(cin, allocated, pl.col("end_date").is_null())
    return cin.sort("start_date", "child_id").select(
        "child_id",
        pl.col("start_date").alias("CIN Start Date"),
        pl.col("primary_need").alias("Primary Need Code"),
        pl.col("end_date").alias("CIN Closure Date"),
        pl.col("closure_reason").alias("Reason for Closure"),
        pl.col("team").alias("Allocated Team"),
        "Allocated Worker",
    )


def latest_cp_reviews(cp_review: pl.DataFrame, end: dt.date) -> pl.DataFrame:
    """Each plan's latest review conference on or before ``end``."""
    return (
        cp_review.filter(pl.col("review_date") <= end)
        .group_by("child_id", "plan_start_date")
        .agg(pl.max("review_date"))
    )


def _list7(
    t: dict[str, pl.DataFrame], w: Window, allocated: pl.DataFrame
) -> pl.DataFrame:
    plans = t["cp_plan"].filter(_overlaps("start_date", "end_date", w))
    reviews = latest_cp_reviews(t["cp_review"], w.end).rename(
        {"plan_start_date": "start_date"}
    )
    plans = plans.join(reviews, on=["child_id", "start_date"], how="left")
    plans = _allocated(plans, allocated, pl.col("end_date").is_null())
    return plans.sort("start_date", "child_id").select(
        "child_id",
        pl.col("start_date").alias("Child Protection Plan Start Date"),
        pl.col("initial_category").alias("Initial Category of Abuse"),
        pl.col("latest_category").alias("Latest Category of Abuse"),
        pl.col("review_date").alias("Date of latest review conference"),
        pl.col("end_date").alias("Child Protection Plan End Date"),
        pl.col("previous_plans").alias("Number of Previous Child Protection Plans"),
        "Allocated Team",
        "Allocated Worker",
    )


# ---------------------------------------------------------------- List 8: periods of care

_LATEST = [
    "legal_status", "category_of_need", "placement_type", "placement_provider",
    "placement_location", "urn",
]  # fmt: skip


def periods_of_care(episodes: pl.DataFrame) -> pl.DataFrame:
    """One row per period of care: episodes linked by ``X1`` on the day the next one starts.

    ``start_date`` the first episode's start, ``end_date`` and ``reason_ceased`` the last
    episode's, the latest episode's legal status, category of need, placement, provider, location
    and URN; ``legal_since`` and ``placed_since``: when the current legal status and the current
    placement (no change but of legal status, ``L``) began.
    """
    rows = episodes.sort("child_id", "start_date").to_dicts()
    out: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for ep in rows:
        linked = (
            previous is not None
            and previous["child_id"] == ep["child_id"]
            and previous["reason_ceased"] == "X1"
            and previous["end_date"] == ep["start_date"]
            and ep["reason_new"] != "S"
        )
        if not linked:
            start = ep["start_date"]
            out.append({"child_id": ep["child_id"], "start_date": start,
                        "legal_since": start, "placed_since": start})  # fmt: skip
        period = out[-1]
        if (
            linked
            and previous is not None
            and ep["legal_status"] != previous["legal_status"]
        ):
            period["legal_since"] = ep["start_date"]
        if linked and ep["reason_new"] != "L":
            period["placed_since"] = ep["start_date"]
        period.update({c: ep[c] for c in _LATEST})
        period["end_date"] = ep["end_date"]
        period["reason_ceased"] = ep["reason_ceased"] if ep["end_date"] else None
        previous = ep
    schema = {
        "child_id": pl.String, "start_date": pl.Date, "legal_since": pl.Date,
        "placed_since": pl.Date, **dict.fromkeys(_LATEST, pl.String), "end_date": pl.Date,
        "reason_ceased": pl.String,
    }  # fmt: skip
    return pl.DataFrame(out, schema=schema)


def child_counts(
    episodes: pl.DataFrame, missing: pl.DataFrame, r12: dt.date, end: dt.date
) -> pl.DataFrame:
    """Per child, the 12 months to ``end``: placements (episodes that began one, plus the one
    ongoing at the start), missing and absence episodes from care, and the last missing
    episode's return interview offer and acceptance."""
    overlapping = episodes.filter(
        (pl.col("start_date") <= end)
        & (pl.col("end_date").is_null() | (pl.col("end_date") >= r12))
    ).sort("child_id", "start_date")
    first = pl.col("start_date") == pl.col("start_date").min().over("child_id")
    placements = (
        overlapping.filter(first | (pl.col("reason_new") != "L"))
        .group_by("child_id")
        .agg(pl.len().cast(pl.Int32).alias("placements_12m"))
    )
    recent = missing.filter(
        pl.col("looked_after") & pl.col("start_date").is_between(r12, end)
    )
    counts = recent.group_by("child_id").agg(
        (pl.col("kind") == "M").sum().cast(pl.Int32).alias("missing_12m"),
        (pl.col("kind") == "A").sum().cast(pl.Int32).alias("absent_12m"),
    )
    last = (
        recent.filter(pl.col("kind") == "M")
        .sort("child_id", "start_date", "end_date", nulls_last=True)
        .group_by("child_id", maintain_order=True)
        .agg(
            pl.last("rhi_offered").alias("rhi_offered_last"),
            pl.last("rhi_accepted").alias("rhi_accepted_last"),
        )
    )
    ids = episodes.select("child_id").unique()
    return (
        ids.join(placements, on="child_id", how="left")
        .join(counts, on="child_id", how="left")
        .join(last, on="child_id", how="left")
        .with_columns(
            pl.col("placements_12m", "missing_12m", "absent_12m").fill_null(0)
        )
    )


def _list8(
    t: dict[str, pl.DataFrame], w: Window, allocated: pl.DataFrame
) -> pl.DataFrame:
    episodes = t["cla_episode"].filter(pl.col("start_date") <= w.end)
    every = periods_of_care(episodes)
    care = every.filter(_overlaps("start_date", "end_date", w))
    earlier = every.select("child_id", pl.col("end_date").alias("_ended")).drop_nulls(
        "_ended"
    )
    again = (
        care.select("child_id", "start_date")
        .join(earlier, on="child_id")
        .filter(
            (pl.col("_ended") <= pl.col("start_date"))
            & (pl.col("_ended") >= pl.col("start_date").dt.offset_by("-12mo"))
        )
        .select("child_id", "start_date", pl.lit(True).alias("_again"))
        .unique()
    )
    reviews = (
        t["cla_review"].filter(pl.col("review_date") <= w.end)
        .group_by("child_id").agg(pl.max("review_date"))
    )  # fmt: skip
    counts = child_counts(episodes, t["missing_episode"], w.r12, w.end)
    care = (
        care.join(again, on=["child_id", "start_date"], how="left")
        .join(reviews, on="child_id", how="left")
        .join(counts, on="child_id", how="left")
    )
    care = _allocated(care, allocated, pl.col("end_date").is_null())
    location = pl.col("placement_location")
    return care.sort("start_date", "child_id").select(
        "child_id",
        pl.col("start_date").alias("Date Started to be Looked After"),
        pl.col("category_of_need").alias("Child's Category of Need"),
        pl.when(pl.col("_again")).then(pl.lit("Yes")).otherwise(pl.lit("No")).alias(
            "Is this a second or subsequent period of being a Looked After Child within the "
            "last 12 months (Y/N)"
        ),
        pl.col("legal_since").alias("Start date of current legal status"),
        pl.col("legal_status").alias("Child's Legal Status"),
        pl.col("review_date").alias("Date of Latest Statutory Review"),
        pl.col("placements_12m").alias("Number of Placements in the Last 12 months"),
        pl.col("end_date").alias("Date Ceased to be Looked After"),
        pl.col("reason_ceased").alias("Reason Ceased to be Looked After"),
        pl.col("placed_since").alias("Start Date of Most Recent Placement"),
        pl.col("placement_type").alias("Placement Type"),
        pl.col("placement_provider").alias("Placement Provider"),
        pl.col("urn").alias("URN of Placement"),
        pl.when(location == "IN").then(pl.lit("In")).when(location == "OUT")
        .then(pl.lit("Out")).alias("Placement Location"),
        pl.col("missing_12m").alias(TEMPLATE[8][28]),
        pl.col("absent_12m").alias(TEMPLATE[8][29]),
        _yes_no("rhi_offered_last").alias(TEMPLATE[8][30]),
        _yes_no("rhi_accepted_last").alias(TEMPLATE[8][31]),
        "Allocated Team",
        "Allocated Worker",
    )  # fmt: skip


def _list9(t: dict[str, pl.DataFrame], allocated: pl.DataFrame) -> pl.DataFrame:
    leavers = _allocated(t["care_leaver"], allocated, pl.lit(True))
    in_touch = pl.col("in_touch")
    return leavers.sort("child_id").select(
        "child_id",
        "Allocated Team",
        "Allocated Worker",
        pl.col("eligibility").replace_strict(ELIGIBILITY_TEXT, default=pl.col("eligibility"))
        .alias("Eligibility Category"),
        pl.when(in_touch == "YES").then(pl.lit("Yes")).when(in_touch == "NO")
        .then(pl.lit("No")).otherwise(in_touch).alias("LA in Touch"),
        pl.col("latest_contact_date").alias("Latest Date of Contact"),
        pl.col("accommodation").alias("Type of Accommodation"),
        pl.when(pl.col("suitable")).then(pl.lit("Suitable")).when(~pl.col("suitable"))
        .then(pl.lit("Unsuitable")).alias("Suitability of Accommodation"),
        pl.col("activity").alias("Activity Status"),
    )  # fmt: skip
