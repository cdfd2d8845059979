"""The indicator registry (indicators.toml) and computing its values for a quarter.

Each indicator is declared as data and bound to one query, ``sql/<id>.sql``, that returns the
contract columns (indicators.md, "Query contract"). Values are computed when a quarter is loaded
and stored in ``indicator_value``; pages, the CLI and reports read the stored rows.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

import duckdb
import polars as pl

from csperf import periods

HERE = Path(__file__).parent
REGISTRY_FILE = HERE / "indicators.toml"
SQL_DIR = HERE / "sql"

Polarity = Literal["higher_is_better", "lower_is_better", "neutral"]
Unit = Literal[
    "count",
    "percent",
    "rate_per_10k",
    "days",
    "weeks",
    "ratio",
    "currency_gbp",
    "fte",
    "number",
]
Basis = Literal["quarter", "month", "at_qend", "r12", "ytd"]
Theme = Literal[
    "front_door", "child_protection", "children_in_need", "missing", "looked_after",
    "workforce", "local",
]  # fmt: skip
Family = Literal[
    "proportion",
    "rate",
    "count",
    "cumulative",
    "duration",
    "average",
    "money",
    "breakdown",
]
Nation = Literal["england", "wales"]

THEME_TITLES: dict[str, str] = {
    "front_door": "Front door, assessment and early help",
    "child_protection": "Child protection",
    "children_in_need": "Children in need and caseloads",
    "missing": "Missing and exploitation",
    "looked_after": "Looked-after children",
    "workforce": "Workforce and partnership",
    "local": "Local measures",
}
FORMATS: dict[str, set[str]] = {
    "count": {"num0"},
    "percent": {"pct1", "pct0"},
    "rate_per_10k": {"rate1", "rate0"},
    "days": {"days0", "days1"},
    "weeks": {"weeks0", "weeks1"},
    "ratio": {"dec1", "dec2"},
    "number": {"dec1", "dec2"},
    "fte": {"dec1", "dec2"},
    "currency_gbp": {"gbp0", "gbp2"},
}
MEASURE_SUFFIXES = {
    "_rate_r12": "per 10,000 in the 12 months",
    "rate_quarter": "rate per 10,000 in the quarter",
    "pct_quarter": "percentage in the quarter",
    "pct_r12": "percentage in the 12 months",
    "_ytd": "since 1 April",
    "_quarter": "in the quarter",
}
CONTRACT = ["period_end", "breakdown", "category", "numerator", "denominator", "value"]
COMPARATORS = ("england", "region", "sn_median", "sn_mean", "wales")
_ID = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Measure:
    name: str
    unit: Unit
    format: str
    basis: Basis


@dataclass(frozen=True)
class Benchmark:
    series: str
    key: str
    comparators: tuple[str, ...] = ()
    category: str | None = None  # one category of a dimension series (placement_types)


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    title_wales: str
    theme: Theme
    family: Family
    unit: Unit
    format: str
    polarity: Polarity
    basis: Basis
    definition: str
    sources: tuple[str, ...]
    headline_priority: int
    nations: tuple[Nation, ...] = ("england", "wales")
    breakdowns: tuple[str, ...] = ()
    measures: tuple[Measure, ...] = ()
    headline: str = "all"
    spc_series: str = "all"
    benchmarks: tuple[Benchmark, ...] = ()
    benchmark_none: str | None = None
    target: float | None = None
    grains: dict[str, list[str]] = field(default_factory=dict)
    coverage: tuple[dict[str, str], ...] = ()
    # (table, column) pairs it cannot do without, where some format does not fill them
    # (formats.md §A.6, §D.4): {table, column, source = "active" | "any"}
    columns: tuple[dict[str, str], ...] = ()
    local_measures: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    definition_numbers: Any = ()
    definition_change: tuple[dict[str, Any], ...] = ()
    # the query file's stem when not the id (councils' own measures share one)
    query: str = ""

    def __post_init__(self) -> None:
        if not _ID.match(self.id) or "__" in self.id:
            raise RegistryError(f"indicator id {self.id!r} is not a valid id")
        self._check_vocabularies()
        self._check_series()

    def _check_vocabularies(self) -> None:
        for name, value, allowed in [
            ("theme", self.theme, get_args(Theme)),
            ("family", self.family, get_args(Family)),
            ("unit", self.unit, get_args(Unit)),
            ("polarity", self.polarity, get_args(Polarity)),
            ("basis", self.basis, get_args(Basis)),
        ]:
            if value not in allowed:
                raise RegistryError(
                    f"{self.id}: {name} {value!r} is not one of {allowed}"
                )
        if self.format not in FORMATS[self.unit]:
            raise RegistryError(
                f"{self.id}: format {self.format!r} does not suit {self.unit}"
            )
        for m in self.measures:
            if m.format not in FORMATS[m.unit]:
                raise RegistryError(
                    f"{self.id}: measure {m.name} format does not suit its unit"
                )

    def _check_series(self) -> None:
        if "measure" in self.breakdowns and not self.measures:
            raise RegistryError(f"{self.id}: breakdown 'measure' needs a measures list")
        for ref in [
            self.headline,
            self.spc_series,
            *(b.series for b in self.benchmarks),
        ]:
            if not self.knows_series(ref):
                raise RegistryError(f"{self.id}: series {ref!r} is not one it writes")
        if not self.benchmarks and not self.benchmark_none:
            raise RegistryError(
                f"{self.id}: give benchmarks or say why not (benchmark_none)"
            )
        if self.headline_priority not in (0, 1, 2):
            raise RegistryError(f"{self.id}: headline_priority must be 0, 1 or 2")

    def knows_series(self, ref: str) -> bool:
        if ref in ("all", "none"):
            return True
        if ref.startswith("measure:"):
            return ref.removeprefix("measure:") in {m.name for m in self.measures}
        return ref in self.breakdowns

    def title_for(self, nation: str) -> str:
        return self.title_wales if nation == "wales" else self.title

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def series_format(self, ref: str) -> str:
        m = (
            self.measure(ref.removeprefix("measure:"))
            if ref.startswith("measure:")
            else None
        )
        return m.format if m else self.format

    def series_unit(self, ref: str) -> str:
        m = (
            self.measure(ref.removeprefix("measure:"))
            if ref.startswith("measure:")
            else None
        )
        return m.unit if m else self.unit

    def series_basis(self, ref: str) -> str:
        m = (
            self.measure(ref.removeprefix("measure:"))
            if ref.startswith("measure:")
            else None
        )
        return m.basis if m else self.basis

    def series_label(self, ref: str) -> str:
        """Plain words for a series: 'starts per 10,000 in the 12 months'."""
        if not ref.startswith("measure:"):
            return "all" if ref == "all" else ref.replace("_", " ")
        name = ref.removeprefix("measure:")
        for suffix, words in MEASURE_SUFFIXES.items():
            if name.endswith(suffix):
                return f"{name.removesuffix(suffix).replace('_', ' ')} {words}".strip()
        return name.replace("_", " ")

    def param(self, name: str, nation: str) -> Any:
        """A parameter's value; a table keyed by nation gives the nation's own value."""
        value = self.params[name]
        if isinstance(value, dict) and value and set(value) <= {"england", "wales"}:
            return value[nation]
        return value

    @property
    def sql(self) -> str:
        return (SQL_DIR / f"{self.query or self.id}.sql").read_text()


def _build(entry: dict[str, Any]) -> Indicator:
    data = dict(entry)
    data["measures"] = tuple(Measure(**m) for m in data.get("measures", []))
    data["benchmarks"] = tuple(
        Benchmark(
            b["series"], b["key"], tuple(b.get("comparators", [])), b.get("category")
        )
        for b in data.get("benchmarks", [])
    )
    for name in ("sources", "nations", "breakdowns", "coverage", "local_measures",
                 "definition_change", "columns"):  # fmt: skip
        if name in data:
            data[name] = tuple(data[name])
    try:
        return Indicator(**data)
    except TypeError as exc:
        raise RegistryError(f"{entry.get('id')}: {exc}") from None


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, Indicator]:
    from csperf import benchmarks

    entries = tomllib.loads(path.read_text())["indicator"]
    registry: dict[str, Indicator] = {}
    known_keys = benchmarks.keys_available()
    for entry in entries:
        ind = _build(entry)
        if ind.id in registry:
            raise RegistryError(f"indicator id {ind.id!r} appears twice")
        if not (SQL_DIR / f"{ind.id}.sql").exists():
            raise RegistryError(f"{ind.id}: no query csperf/sql/{ind.id}.sql")
        for b in ind.benchmarks:
            if b.key not in known_keys:
                raise RegistryError(
                    f"{ind.id}: benchmark key {b.key} is not in the shipped files"
                )
        registry[ind.id] = ind
    return registry


@cache
def registry() -> dict[str, Indicator]:
    return load_registry()


def for_nation(nation: str) -> list[Indicator]:
    return [i for i in registry().values() if nation in i.nations]


# ---------------------------------------------------------------- computing


@dataclass(frozen=True)
class QueryContext:
    """The bound parameters of one quarter's queries."""

    quarter: periods.Quarter
    nation: str
    population: float | None
    snapshot_id: int = 0

    def params(self, indicator: Indicator) -> dict[str, Any]:
        q = self.quarter
        base: dict[str, Any] = {
            "snapshot_id": self.snapshot_id,
            "quarter_start": q.start,
            "quarter_end": q.end,
            "ytd_start": q.ytd_start,
            "r12_start": q.r12_start,
            "population": self.population,
            "nation": self.nation,
        }
        for name in indicator.params:
            base[name] = indicator.param(name, self.nation)
        return base


def compute(
    con: duckdb.DuckDBPyConnection, indicator: Indicator, ctx: QueryContext
) -> pl.DataFrame:
    """Run the indicator's query; canonical table names must resolve to one snapshot's rows."""
    sql = indicator.sql
    available = ctx.params(indicator)
    used = sorted(set(_PARAM.findall(sql)))
    missing = [p for p in used if p not in available]
    if missing:
        raise RegistryError(f"{indicator.id}: query uses unknown parameters {missing}")
    frame: pl.DataFrame = con.sql(sql, params={p: available[p] for p in used}).pl()
    if frame.columns != CONTRACT:
        raise RegistryError(
            f"{indicator.id}: query returns {frame.columns}, not {CONTRACT}"
        )
    return frame.with_columns(
        pl.col("period_end").cast(pl.Date),
        pl.col("breakdown").cast(pl.String),
        pl.col("category").cast(pl.String),
        *(pl.col(c).cast(pl.Float64) for c in ("numerator", "denominator", "value")),
    )
