"""England, region, statistical-neighbour and Wales comparators from csperf/reference/.

Keys (indicators.md "Benchmark keys"): ``LAIT:<Short Desc>`` reads the LAIT long file (England
970, regions 980-990, every English council, neighbours from the May 2025 model);
``extra:<indicator>`` reads england_wales_extra.csv (national rows). The comparator for a quarter
is the latest published figure whose period ends on or before the quarter end.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

REFERENCE = Path(__file__).parent / "reference"
LAIT_RELEASE = "DfE LAIT (CIN and CLA outcomes 2025)"
ENGLAND = 970
REGIONS = {
    "North East": 980, "North West": 981, "Yorkshire and the Humber": 982,
    "Yorkshire and The Humber": 982, "East Midlands": 983, "West Midlands": 984,
    "East of England": 985, "London": 986, "Inner London": 986, "Outer London": 986,
    "South East": 989, "South West": 990,
}  # fmt: skip
MISSING = {"-", "c", "k", "low", "u", "x", "z", "..", ":"}
SUPPRESSION_REASONS = {
    "-": "not published (missing or suppressed)",
    "c": "suppressed to protect confidentiality",
    "k": "rounds to zero",
    "low": "rounds to zero",
    "u": "low reliability",
    "x": "not available",
    "z": "not applicable",
}
MIN_NEIGHBOURS = 5


@dataclass(frozen=True)
class Council:
    """Who the council is, for benchmarks: its code, nation, region and neighbours."""

    code: str
    name: str
    nation: str
    la_number: int | None  # DfE LA number (LAIT, EES); None for Welsh councils
    region: str | None
    neighbours: tuple[int, ...]


DEMO_CODES = {
    999: 885
}  # the demo council borrows Worcestershire's neighbours and region


def council(code: str, name: str | None = None) -> Council:
    """Look a council up by DfE LA number (``885``), ONS code (``E10000034``) or Welsh code."""
    code = code.strip()
    if code.upper().startswith("W06"):
        return Council(code.upper(), name or _welsh_name(code), "wales", None, None, ())
    number = _la_number(code)
    proxy = DEMO_CODES.get(number, number)
    region = _region(proxy)
    return Council(
        str(number),
        name or _la_name(number),
        "england",
        number,
        region,
        neighbours(proxy),
    )


class UnknownCouncilError(ValueError):
    pass


def _la_number(code: str) -> int:
    if code.isdigit():
        number = int(code)
        if number in DEMO_CODES or number in _la_names():
            return number
        raise UnknownCouncilError(
            f"'{code}' is not a DfE LA code of a current English council."
        )
    pop = population_file()
    hit = (
        pop.filter(pl.col("new_la_code") == code.upper())["old_la_code"]
        .unique()
        .to_list()
    )
    if not hit:
        raise UnknownCouncilError(
            f"'{code}' is not a council code csperf knows. Use the three-digit DfE LA code "
            "(e.g. 885) or the ONS code (e.g. E10000034; Welsh councils W06...)."
        )
    return int(hit[0])


def english_councils() -> dict[int, str]:
    """DfE LA number -> name of every English council in the neighbour model."""
    return dict(_la_names())


@cache
def _la_names() -> dict[int, str]:
    sn = pl.read_csv(REFERENCE / "sn_model_2025_wide.csv", infer_schema=False)
    return {
        int(r[0]): str(r[1]) for r in sn.select("old_la_code", "la_name").iter_rows()
    }


def _la_name(number: int) -> str:
    return (
        "Northfield (fictional)"
        if number == 999
        else _la_names().get(number, str(number))
    )


def _welsh_name(code: str) -> str:
    if code.upper() == "W06999999":
        return "Glanmor (fictional)"
    look = pl.read_csv(
        REFERENCE / "LTLA-UTLA_Apr23_Lookup_England-Wales.csv", infer_schema=False
    )
    hit = look.filter(pl.col(look.columns[0]) == code.upper())
    if hit.height == 0:
        raise UnknownCouncilError(f"'{code}' is not the ONS code of a Welsh council.")
    return str(hit.row(0)[1])


def _region(number: int) -> str | None:
    lait = lait_frame()
    hit = lait.filter(pl.col("la") == number)["region"].drop_nulls().unique().to_list()
    if not hit:
        return None
    name = str(hit[0])
    return "London" if "London" in name else name.replace("The Humber", "the Humber")


@cache
def neighbours(number: int) -> tuple[int, ...]:
    sn = pl.read_csv(REFERENCE / "sn_model_2025_wide.csv", infer_schema=False)
    row = sn.filter(pl.col("old_la_code") == str(number))
    if row.height == 0:
        return ()
    return tuple(int(row[f"SN_{i}"][0]) for i in range(1, 11))


# ---------------------------------------------------------------- reference files


@cache
def lait_frame() -> pl.DataFrame:
    """LAIT long file: key, year (period end year), area number, raw text value, region."""
    raw = pl.read_parquet(REFERENCE / "lait_bds_long.parquet")
    return raw.select(
        key=pl.col("Short Desc"),
        year=pl.col("Years").str.slice(0, 4).cast(pl.Int32, strict=False),
        la=pl.col("LA Number").cast(pl.Int32),
        raw=pl.col("Values").str.strip_chars(),
        region=pl.when(pl.col("Region") == "NA").then(None).otherwise(pl.col("Region")),
    ).with_columns(value=pl.col("raw").cast(pl.Float64, strict=False).round(6))


@cache
def lait_dictionary() -> pl.DataFrame:
    return pl.read_csv(REFERENCE / "lait_data_dictionary.csv", infer_schema=False)


@cache
def extra_frame() -> pl.DataFrame:
    raw = pl.read_csv(REFERENCE / "england_wales_extra.csv", infer_schema=False)
    return raw.with_columns(
        year=pl.col("period").cast(pl.Int32, strict=False),
        num=pl.col("value").cast(pl.Float64, strict=False),
    )


@cache
def population_file() -> pl.DataFrame:
    return pl.read_csv(REFERENCE / "ons_mid-year_population_estimates_2012_to_2024.csv",
                       infer_schema=False)  # fmt: skip


def population(la_number: int) -> dict[int, int]:
    """An English council's 0-17 population by mid-year, from the shipped ONS file."""
    pop = population_file().filter(pl.col("old_la_code") == str(la_number))
    out = {}
    for year, value in pop.select("time_period", "population_estimate").iter_rows():
        if value is not None and value.isdigit():
            out[int(year)] = int(value)
    return out


def keys_available() -> set[str]:
    lait = set(lait_frame()["key"].unique().to_list())
    extra = set(extra_frame()["indicator"].unique().to_list())
    return {f"LAIT:{k}" for k in lait} | {f"extra:{k}" for k in extra}


# ---------------------------------------------------------------- comparators


@dataclass(frozen=True)
class Comparators:
    england: float | None = None
    region: float | None = None
    sn_median: float | None = None
    sn_mean: float | None = None
    sn_rank: str | None = None
    wales: float | None = None
    period: str | None = None
    release: str | None = None
    wales_period: str | None = None
    wales_release: str | None = None
    note: str | None = None
    ended: dt.date | None = None  # the end of the period England's (etc.) figure covers
    wales_ended: dt.date | None = None


def period_end(key: str, year: int) -> dt.date:
    """When a published year's figure ends: 30 September for workforce, else 31 March."""
    workforce = key.startswith("LAIT:Work_Force") or key.startswith("LAIT:Social_Work")
    return dt.date(year, 9, 30) if workforce else dt.date(year, 3, 31)


def comparators(
    key: str,
    who: Council,
    as_at: dt.date,
    polarity: str,
    min_neighbours: int = MIN_NEIGHBOURS,
) -> Comparators:
    if key.startswith("LAIT:"):
        return _lait(key, who, as_at, polarity, min_neighbours)
    if key.startswith("extra:"):
        return _extra(key, who, as_at)
    raise KeyError(key)


def _latest_year(frame: pl.DataFrame, key: str, as_at: dt.date) -> int | None:
    years = [
        y
        for y in frame["year"].drop_nulls().unique().to_list()
        if period_end(key, y) <= as_at
    ]
    return max(years) if years else None


def _lait(
    key: str, who: Council, as_at: dt.date, polarity: str, min_neighbours: int
) -> Comparators:
    if who.nation != "england":
        return Comparators()
    rows = lait_frame().filter(pl.col("key") == key.removeprefix("LAIT:"))
    year = _latest_year(rows.filter(pl.col("la") == ENGLAND), key, as_at)
    if year is None:
        return Comparators(
            note="no figure published for a period ending by the quarter end"
        )
    rows = rows.filter(pl.col("year") == year)
    values = dict(zip(rows["la"].to_list(), rows["value"].to_list(), strict=True))
    raw = dict(zip(rows["la"].to_list(), rows["raw"].to_list(), strict=True))
    region_no = REGIONS.get(who.region or "")
    sn_values = [values[n] for n in who.neighbours if values.get(n) is not None]
    enough = len(sn_values) >= min_neighbours
    notes = [
        f"{area} figure not published ({_reason(raw.get(number))})"
        for area, number in (("England's", ENGLAND), ("The region's", region_no))
        if number is not None and values.get(number) is None
    ]
    unpublished = len(who.neighbours) - len(sn_values)
    if who.neighbours and unpublished:
        notes.append(
            f"{unpublished} of {len(who.neighbours)} neighbours' figures not published"
            + ("" if enough else f"; fewer than {min_neighbours} neighbours have one")
        )
    own = values.get(who.la_number) if who.la_number is not None else None
    return Comparators(
        england=values.get(ENGLAND),
        region=values.get(region_no) if region_no else None,
        sn_median=statistics.median(sn_values) if enough else None,
        sn_mean=statistics.fmean(sn_values) if enough else None,
        sn_rank=rank(own, sn_values, polarity) if enough and own is not None else None,
        period=period_label(key, year),
        release=LAIT_RELEASE,
        ended=period_end(key, year),
        note="; ".join(notes) or None,
    )


def _extra(key: str, who: Council, as_at: dt.date) -> Comparators:
    area = "Wales" if who.nation == "wales" else "England"
    rows = extra_frame().filter(
        (pl.col("indicator") == key.removeprefix("extra:")) & (pl.col("area") == area)
    )
    year = _latest_year(rows, key, as_at)
    if year is None:
        return Comparators()
    row = rows.filter(pl.col("year") == year).row(0, named=True)
    label, source = period_label(key, year), str(row["source"])
    if row["num"] is None:
        return Comparators(
            note=f"{area}'s figure for {label} not published ({_reason(row['value'])})"
        )
    ended = period_end(key, year)
    if who.nation == "wales":
        return Comparators(
            wales=row["num"],
            wales_period=label,
            wales_release=source,
            wales_ended=ended,
        )
    return Comparators(england=row["num"], period=label, release=source, ended=ended)


def _reason(symbol: str | None) -> str:
    """Plain words for a suppression symbol; never read as zero."""
    text = (symbol or "").strip()
    return SUPPRESSION_REASONS.get(text, SUPPRESSION_REASONS["-"])


def period_label(key: str, year: int) -> str:
    end = period_end(key, year)
    return f"{end.day} {end.strftime('%B')} {end.year}"


def rank(own: float, others: list[float], polarity: str) -> str:
    """'2nd highest of 11': ties share a rank; direction from polarity (commentary.md §2.2)."""
    values = [own, *others]
    higher = 1 + sum(1 for v in values if v > own)
    lower = 1 + sum(1 for v in values if v < own)
    if polarity == "lower_is_better" or (polarity == "neutral" and lower < higher):
        return f"{ordinal(lower)} lowest of {len(values)}"
    return f"{ordinal(higher)} highest of {len(values)}"


def ordinal(n: int) -> str:
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"
