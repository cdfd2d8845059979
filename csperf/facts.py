"""The facts a paragraph of commentary is drawn from (commentary.md §2): one per indicator and
quarter, computed here, worded by the templates.

Python decides, templates word: every number, comparison, signal and gate decision is made here,
and every number is carried as the exact string the text shows (``display``), through the one
formatter. The facts are plain JSON-able dicts so that their hash (commentary.md §10) is the hash
of what a reader can see; unrounded values stay in ``Facts.raw`` and never reach the hash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from csperf import (
    analysis_settings,
    benchmarks,
    category_labels,
    council_measures,
    coverage,
    disclosure,
    formatting,
    indicator_spc,
    indicators,
    judgements,
    overrides,
    overview,
    periods,
    schemas,
    spc,
    store,
    values,
)

NUMBER_WORDS = (
    "none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
)  # fmt: skip
COMPARATOR_ORDER = ("england", "region", "sn_median", "sn_mean", "wales")
COMPARATOR_NAMES = {
    "england": "England",
    "region": "the region",
    "sn_median": "the statistical neighbour median",
    "sn_mean": "the statistical neighbour mean",
    "wales": "Wales",
}
_RANK = re.compile(r"^(\d+\w\w (?:lowest|highest)) of (\d+)$")

# Nation terminology (commentary.md §8). Templates read these, never the nation.
TERMS: dict[str, dict[str, str]] = {
    "england": {
        "nation": "England",
        "national": "England",
        "assessments": "Assessments",
        "assessment_days": "45 working days",
        "looked_after": "looked-after children",
        "cp_subject": "subject to a child protection (CP) plan",
        "cp_plans": "child protection plans",
        "cin": "children in need (CIN)",
        "rate_unit": "per 10,000 children aged under 18",
        "rate_unit_short": "per 10,000",
    },
    "wales": {
        "nation": "Wales",
        "national": "Wales",
        "assessments": "Well-being assessments",
        "assessment_days": "42 working days",
        "looked_after": "children looked after (CLA)",
        "cp_subject": "on the child protection register",
        "cp_plans": "child protection registrations",
        "cin": "children receiving care and support",
        "rate_unit": "per 10,000 children aged under 18",
        "rate_unit_short": "per 10,000",
    },
}


@dataclass(frozen=True)
class Settings:
    """The analysis settings the facts use (commentary.md §13)."""

    threshold: int = 5
    min_base_pct_change: int = 20
    small_denominator: int = 20
    rules: judgements.Rules = judgements.DEFAULT_RULES
    analysis: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    # (quarter, indicator_id, breakdown, category) of every stored figure the disclosure gate
    # withholds, secondary suppression included, so the text withholds what the tables do
    withheld: frozenset[tuple[str, str, str, str]] = frozenset()

    @classmethod
    def from_analysis(cls, analysis: dict[str, dict[str, Any]]) -> Settings:
        numbers = analysis.get("numbers", {})
        return cls(
            threshold=int(analysis.get("disclosure", {}).get("threshold", 5)),
            min_base_pct_change=int(numbers.get("min_base_pct_change", 20)),
            small_denominator=int(numbers.get("small_denominator", 20)),
            rules=judgements.Rules.from_settings(analysis.get("benchmarks")),
            analysis=analysis,
        )


@dataclass(frozen=True)
class Facts:
    """One indicator's facts for one quarter: ``data`` is what the text and the hash see."""

    indicator: indicators.Indicator
    quarter: periods.Quarter
    data: dict[str, Any]
    spc_result: spc.SpcResult | None = None


@dataclass(frozen=True)
class Context:
    """What every indicator of one quarter shares: read once, so a quarter drafts quickly."""

    quarter: periods.Quarter
    nation: str
    stored: pl.DataFrame
    settings: Settings
    chosen: overrides.Overrides
    population_year: int | None = None
    rebuilt: dict[str, pl.DataFrame] = dataclasses.field(default_factory=dict)
    # tables whose active rows in the quarter's snapshot carry data-quality warnings
    dq_tables: frozenset[str] = frozenset()

    def rows(self, ind_id: str) -> pl.DataFrame:
        if ind_id not in self.rebuilt:
            self.rebuilt[ind_id] = self.stored.filter(pl.col("indicator_id") == ind_id)
        return self.rebuilt[ind_id]


def context(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> Context:
    nation = str(store.get_setting(con, "council.nation", "england"))
    analysis = analysis_settings.read(con)
    pop_year = None
    code = store.council_code(con)
    if code is not None:
        try:
            pop = values.population(con, benchmarks.council(code), quarter)
            pop_year = pop.year
        except benchmarks.UnknownCouncilError:
            pop_year = None
    stored = values.read(con, up_to=quarter)
    threshold = int(analysis.get("disclosure", {}).get("threshold", 5))
    return Context(
        quarter=quarter,
        nation=nation,
        stored=stored,
        settings=dataclasses.replace(
            Settings.from_analysis(analysis), withheld=withheld(stored, threshold)
        ),
        chosen=overrides.read(con),
        population_year=pop_year,
        dq_tables=warned_tables(con, quarter),
    )


def withheld(
    stored: pl.DataFrame, threshold: int
) -> frozenset[tuple[str, str, str, str]]:
    """The stored figures the disclosure gate withholds (primary, derived and secondary
    suppression: a category whose value the total and the other categories would reveal)."""
    if stored.height == 0:
        return frozenset()
    rows = stored.select(
        "indicator_id", "breakdown", "category", "unit", *disclosure.GATED,
        period=pl.col("quarter"),
        format=pl.col("unit").replace_strict(
            {u: sorted(f)[0] for u, f in indicators.FORMATS.items()}, default="dec2"
        ),
    )  # fmt: skip
    table = disclosure.publish(rows, threshold)
    hidden = rows.filter(table.suppressed["value"])
    return frozenset(
        (
            str(r["period"]),
            str(r["indicator_id"]),
            str(r["breakdown"]),
            str(r["category"]),
        )
        for r in hidden.iter_rows(named=True)
    )


def warned_tables(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> frozenset[str]:
    """The tables whose active source's rows in the quarter carry a data-quality warning
    (their ``dq_flags``, set at load; the Data quality page lists the issues)."""
    snap = store.snapshot_for(con, quarter)
    if snap is None:
        return frozenset()
    out = set()
    for table, have in coverage.tables(con, snap.snapshot_id).items():
        if table not in schemas.ALL_TABLES:
            continue
        hit = store.first(
            con,
            f"select count(*) from {table} where snapshot_id = ? and source_format = ? "  # noqa: S608 (a known table name)
            "and len(dq_flags) > 0",
            [snap.snapshot_id, have.source_format],
        )
        if hit and hit[0]:
            out.add(table)
    return frozenset(out)


# ---------------------------------------------------------------- small helpers


def word(n: int) -> str:
    """Incidental counts 0-9 as words, larger as numerals (HS1)."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,}"


def _places(code: str) -> int:
    return formatting.PLACES[code]


def _lower_precision(a: str, b: str) -> str:
    return a if _places(a) <= _places(b) else b


def _small(row: dict[str, Any], unit: str, threshold: int) -> bool:
    """Withheld by the gate's primary rule (security.md S3): a count of 1..threshold, or a
    figure on such a numerator, denominator or remainder."""
    hidden = disclosure.primary_hidden(
        unit, row["value"], row.get("numerator"), row.get("denominator"), threshold
    )
    return "value" in hidden


def _suppressed_row(
    row: dict[str, Any] | None,
    unit: str,
    threshold: int,
    withheld: frozenset[tuple[str, str, str, str]] = frozenset(),
) -> bool:
    """The figure is withheld: by the primary rule, or (``withheld``, from the gate over the
    stored figures) because the total and the other figures would reveal a withheld one."""
    if row is None or row.get("value") is None:
        return False
    key = tuple(
        str(row.get(k)) for k in ("quarter", "indicator_id", "breakdown", "category")
    )
    return key in withheld or _small(row, unit, threshold)


def fewer_than(threshold: int) -> str:
    return f"fewer than {threshold + 1}"


def value_fact(
    row: dict[str, Any] | None, unit: str, code: str, settings: Settings
) -> dict[str, Any] | None:
    """A value as the text shows it: its display, and whether it is suppressed or zero."""
    if row is None:
        return None
    value = row.get("value")
    if value is None:
        return {
            "display": "not available",
            "status": str(row.get("status") or "not available"),
            "suppressed": False,
            "zero": False,
            "available": False,
        }
    suppressed = _suppressed_row(row, unit, settings.threshold, settings.withheld)
    # a small count reads "fewer than 6"; a figure withheld only so that a small one cannot
    # be worked out from the total is not described at all
    small = suppressed and _small(row, unit, settings.threshold)
    display = formatting.fmt(value, code)
    if suppressed:
        display = fewer_than(settings.threshold) if small and unit == "count" else "c"
    den = row.get("denominator")
    return {
        "display": display,
        "status": str(row.get("status") or "ok"),
        "suppressed": suppressed,
        "small": small,
        "zero": value == 0,
        "available": True,
        "small_base": bool(
            unit == "percent" and den is not None and den < settings.small_denominator
        ),
    }


def change_fact(
    now: dict[str, Any] | None,
    then: dict[str, Any] | None,
    ind: indicators.Indicator,
    ref: str,
    polarity: str,
    settings: Settings,
) -> dict[str, Any] | None:
    """A change in the indicator's own unit, from the displayed values (commentary.md §2.1)."""
    if not now or not then or now.get("value") is None or then.get("value") is None:
        return None
    unit, code = ind.series_unit(ref), ind.series_format(ref)
    a, b = float(now["value"]), float(then["value"])
    if _suppressed_row(now, unit, settings.threshold, settings.withheld) or (
        _suppressed_row(then, unit, settings.threshold, settings.withheld)
    ):
        return {"suppressed": True, "direction": "unknown", "judgement": "neutral",
                "same_display": False, "display": "", "relative": None,
                "small_counts": False, "from_zero": False, "to_zero": False}  # fmt: skip
    delta = formatting.displayed(a, code) - formatting.displayed(b, code)
    direction = "up" if a > b else "down" if a < b else "same"
    judgement = "neutral"
    if polarity != "neutral" and direction != "same":
        good = "up" if polarity == "higher_is_better" else "down"
        judgement = "better" if direction == good else "worse"
    relative = None
    base = settings.min_base_pct_change
    if unit in ("count", "currency_gbp") and min(a, b) >= base and b != 0 and delta:
        rel = formatting.round_half_up(abs(a - b) / b * 100, 0)
        relative = f"{rel}%"
    # A count changing by 1..threshold is not written: both counts are (security.md S3).
    small_change = unit == "count" and 1 <= abs(delta) <= settings.threshold
    return {
        "suppressed": False,
        "direction": direction,
        "judgement": judgement,
        "same_display": delta == 0,
        "display": formatting.fmt_change(delta, code)
        if delta and not small_change
        else "",
        "relative": relative,
        "small_counts": bool(
            unit == "count" and min(a, b) > 0 and min(a, b) < base and delta
        ),
        "from_zero": b == 0 and a != 0,
        "to_zero": a == 0 and b != 0,
    }


# ---------------------------------------------------------------- periods


def _quarter_phrase(q: periods.Quarter, current: periods.Quarter) -> str:
    """'Quarter 1' for an earlier quarter of the same year, else 'Quarter 4 2024-25' (HS9)."""
    if q.fy == current.fy:
        return f"Quarter {q.q}"
    return f"Quarter {q.q} {q.fy_label}"


def _month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_fact(basis: str, quarter: periods.Quarter) -> dict[str, Any]:
    end = quarter.end
    last_month = quarter.months[-1]
    previous_month = periods.add_months(last_month, -1)
    year_ago_end = quarter.year_ago.end
    prev = quarter.previous
    labels = {
        "quarter": (
            f"in {_quarter_phrase(prev, quarter)}",
            f"in Quarter {quarter.q} {quarter.year_ago.fy_label}",
        ),
        "month": (
            f"in {previous_month:%B %Y}",
            f"in {periods.add_months(last_month, -12):%B %Y}",
        ),
        "at_qend": (f"at {periods.format_date(prev.end)}", "a year earlier"),
        "r12": ("", f"in the 12 months to {periods.format_date(year_ago_end)}"),
        "ytd": ("", f"in the same period of {quarter.year_ago.fy_label}"),
    }[basis]
    short = {
        "quarter": f"in Quarter {quarter.q} {quarter.fy_label}",
        "month": f"in {last_month:%B %Y}",
        "at_qend": f"at {periods.format_date(end)}",
        "r12": f"in the 12 months to {periods.format_date(end)}",
        "ytd": f"from 1 April to {periods.format_date(end)}",
    }[basis]
    return {
        "quarter": str(quarter),
        "label_long": quarter.label_long,
        "label_mid": f"Quarter {quarter.q} {quarter.fy_label}",
        "label_short": quarter.label_short,
        "window_text": overview.window_text(basis, quarter),
        "window_short": short,
        "previous_label": labels[0],
        "year_ago_label": labels[1],
        "as_at": periods.format_date(end),
        "unit_of_time": "months" if basis == "month" else "quarters",
        "unit_singular": "month" if basis == "month" else "quarter",
    }


def comparator_period(label: str | None, basis: str) -> str:
    """'at 31 March 2025' for a stock, 'in 2024-25' for a year's flow ending then."""
    if not label:
        return ""
    m = re.fullmatch(r"31 March (\d{4})", label)
    if m and basis != "at_qend":
        year = int(m.group(1))
        return f"in {year - 1}-{year % 100:02d}"
    if re.fullmatch(r"\d{1,2} \w+ \d{4}", label):
        return f"at {label}"
    return f"in {label}"


# ---------------------------------------------------------------- building


def _row(frame: pl.DataFrame, quarter: periods.Quarter, category: str | None = None):  # type: ignore[no-untyped-def]
    hit = frame.filter(pl.col("quarter") == str(quarter))
    if category is not None:
        hit = hit.filter(pl.col("category") == category)
    return hit.row(0, named=True) if hit.height else None


def _month_rows(
    rows: pl.DataFrame, quarter: periods.Quarter
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    last = quarter.months[-1]
    keys = (
        _month_key(last),
        _month_key(periods.add_months(last, -1)),
        _month_key(periods.add_months(last, -12)),
    )
    found: list[dict[str, Any] | None] = []
    for key in keys:
        hit = rows.filter(pl.col("category") == key).sort("quarter")
        found.append(hit.row(-1, named=True) if hit.height else None)
    return found[0], found[1], found[2]


def _is_dimension(ref: str) -> bool:
    return ref not in ("all", "month") and not ref.startswith("measure:")


def build(ind: indicators.Indicator, ctx: Context) -> Facts:
    """The facts of one indicator for the context's quarter."""
    ind = ctx.chosen.indicator(ind)
    quarter, settings = ctx.quarter, ctx.settings
    mine = ctx.rows(ind.id)
    ref = ind.headline
    basis = ind.series_basis(ref)
    unit, code = ind.series_unit(ref), ind.series_format(ref)
    period = period_fact(basis, quarter)
    rows = values.series(mine, ref)
    categories: list[dict[str, Any]] = []
    if ref == "month":
        now, prev, year = _month_rows(rows, quarter)
    elif _is_dimension(ref):
        now = prev = year = None
        categories = _categories(ind, rows, ref, quarter, basis, settings)
    else:
        now = _row(rows, quarter)
        prev = _row(rows, quarter.previous) if basis in ("quarter", "at_qend") else None
        year = _row(rows, quarter.year_ago)
    if not categories and ind.breakdowns and unit == "count":
        dim = "age_band" if "age_band" in ind.breakdowns else None
        if dim is not None:
            categories = _categories(
                ind, values.series(mine, dim), dim, quarter, basis, settings
            )
    latest = value_fact(now, unit, code, settings)
    previous = value_fact(prev, unit, code, settings)
    year_ago = value_fact(year, unit, code, settings)
    change_prev = change_fact(now, prev, ind, ref, ind.polarity, settings)
    change_year = change_fact(now, year, ind, ref, ind.polarity, settings)
    primary = "year" if basis in ("r12", "ytd") else "prev"
    target = now.get("target") if now else None
    result = None
    if ind.spc_series != "none":
        result = indicator_spc.analyse(ind, mine, quarter, target, settings.analysis)
    spc_fact = _spc_fact(ind, result, basis, settings)
    if latest and latest["suppressed"]:
        spc_fact = {**spc_fact, "state": "suppressed", "variation": None}
    comps, rank, measure = _comparators(ind, mine, quarter, settings)
    target_fact = _target_fact(ind, now, target, settings)
    flags = _flags(ind, now, latest, spc_fact, comps, ctx)
    main = change_prev if primary == "prev" else change_year
    gates = {
        "movement": bool(
            main
            and not main["same_display"]
            and not main["suppressed"]
            and spc_fact.get("side")
            and spc_fact["variation"] not in (None, "common_cause")
            and {"high": "up", "low": "down"}[spc_fact["side"]] == main["direction"]
        ),
        "evaluative": bool(
            spc_fact.get("variation")
            and spc_fact["variation"].startswith(("improvement", "concern"))
        ),
        "spc": spc_fact.get("rule"),
        "benchmark": {
            c["key"]: c["judgement"] in ("higher", "lower") and not c["same_display"]
            for c in comps
        },
        "target": bool(target_fact and not target_fact["same_display"]),
    }
    data: dict[str, Any] = {
        "indicator": {
            "id": ind.id,
            "title": ind.title_for(ctx.nation),
            "unit": unit,
            "format": code,
            "polarity": ind.polarity,
            "polarity_text": _polarity_text(ind.polarity),
            "basis": basis,
            "family": ind.family,
            "headline": ref,
            "spc_series": ind.spc_series,
            "local": bool(ind.local_measures) or ind.theme == "local",
            "definition_numbers": _definition_numbers(ind, ctx.nation),
        },
        "period": period,
        "latest": latest,
        "previous": previous,
        "year_ago": year_ago,
        "change_prev": change_prev,
        "change_year": change_year,
        "primary": primary,
        "categories": categories,
        "spc": spc_fact,
        "comparators": comps,
        "comparison": {**comparison(comps), "measure": measure},
        "sn_rank": rank,
        "target": target_fact,
        "gates": gates,
        "flags": flags,
        "terms": TERMS[ctx.nation],
        "numbers": {
            "fewer_than": fewer_than(settings.threshold),
            "small_base": str(settings.small_denominator),
            "min_base": str(settings.min_base_pct_change),
        },
    }
    if "population_old" in flags:
        data["population_year"] = population_year(ctx)
    if now is not None and now.get("status_reason"):
        data["status_reason"] = str(now["status_reason"])
    return Facts(ind, quarter, data, result)


def _polarity_text(polarity: str) -> str:
    return {
        "higher_is_better": "as higher is better",
        "lower_is_better": "as lower is better",
        "neutral": "as this measure has no preferred direction",
    }[polarity]


def _definition_numbers(ind: indicators.Indicator, nation: str) -> list[str]:
    raw = ind.definition_numbers
    if isinstance(raw, dict):
        raw = raw.get(nation, [])
    out = []
    for n in raw or []:
        out.append(f"{n:,}" if isinstance(n, int) else str(n))
    return out


def _categories(
    ind: indicators.Indicator,
    rows: pl.DataFrame,
    dim: str,
    quarter: periods.Quarter,
    basis: str,
    settings: Settings,
) -> list[dict[str, Any]]:
    """Each category of a breakdown: its value, the earlier values and the changes."""
    unit, code = ind.unit, ind.format
    now = rows.filter(pl.col("quarter") == str(quarter))
    out: list[tuple[float, dict[str, Any]]] = []
    for cat in sorted(now["category"].unique().to_list(), key=str):
        row = _row(rows, quarter, cat)
        prev = (
            _row(rows, quarter.previous, cat)
            if basis in ("quarter", "at_qend")
            else None
        )
        year = _row(rows, quarter.year_ago, cat)
        size = float((row or {}).get("value") or 0)
        out.append(
            (
                -size,
                {
                    "key": str(cat),
                    "label": category_labels.label(dim, str(cat)),
                    "phrase": _category_phrase(category_labels.label(dim, str(cat))),
                    "latest": value_fact(row, unit, code, settings),
                    "previous": value_fact(prev, unit, code, settings),
                    "year_ago": value_fact(year, unit, code, settings),
                    "change_prev": change_fact(
                        row, prev, ind, ind.headline, "neutral", settings
                    ),
                    "change_year": change_fact(
                        row, year, ind, ind.headline, "neutral", settings
                    ),
                },
            )
        )
    out.sort(key=lambda pair: (pair[0], str(pair[1]["key"])))
    return [c for _, c in out]


def _category_phrase(label: str) -> str:
    """'for children aged 0 to 4'; other categories 'for <label>'."""
    if label.startswith("Aged "):
        return f"for children aged {label.removeprefix('Aged ')}"
    return (
        f"for {label[:1].lower()}{label[1:]}"
        if label[1:2].islower()
        else f"for {label}"
    )


def comparison(comps: list[dict[str, Any]]) -> dict[str, Any]:
    """Which comparators the text names and how they are grouped (commentary.md §7.1, §4).

    England (or Wales) and the neighbour median are always named; the others only when their
    judgement differs from the national one. Comparators judged higher (or lower) share one
    clause; 'the same as' and 'similar to' are said of the first comparison in the sentence and
    'in line with' of later ones. The period is given with the first comparator only."""
    national = next((c for c in comps if c["key"] in ("england", "wales")), None)
    named = [
        c
        for c in comps
        if c["key"] in ("england", "wales", "sn_median")
        or national is None
        or c["judgement"] != national["judgement"]
    ]
    clauses: list[dict[str, Any]] = []
    for i, c in enumerate(named):
        item = {
            "name": c["name"],
            "display": c["display"],
            "period_label": c["period_label"] if i == 0 else "",
        }
        if c["same_display"]:
            kind = "the_same_as" if not clauses else "in_line_with"
        elif c["judgement"] == "similar":
            kind = "similar_to" if not clauses else "in_line_with"
        elif c["judgement"] in ("higher", "lower"):
            kind = f"{c['judgement']}_than"
        else:
            kind = "not_judged"
        same = next((k for k in clauses if k["kind"] == kind), None)
        if same is not None and kind in ("higher_than", "lower_than", "in_line_with"):
            same["items"].append(item)
            continue
        clauses.append({"kind": kind, "items": [item]})
    national_clause = None
    if (
        national is not None
        and clauses
        and clauses[0]["items"][0]["name"] == national["name"]
    ):
        national_clause = {"kind": clauses[0]["kind"], "name": national["name"]}
    return {
        "clauses": clauses,
        "national": national_clause,
        "not_judged": any(c["judgement"] == "not_judged" for c in comps),
    }


def _spc_fact(
    ind: indicators.Indicator,
    result: spc.SpcResult | None,
    basis: str,
    settings: Settings,
) -> dict[str, Any]:
    if result is None:
        return {
            "state": "distribution", "variation": None, "kind": None, "rule": None,
            "side": None, "other_rule": None, "other_side": None, "returned": False,
            "assurance": None, "own_series": False, "label": "",
        }  # fmt: skip
    code = ind.series_format(ind.spc_series)
    own = ind.spc_series != ind.headline

    def show(x: float | None) -> str | None:
        return None if x is None else formatting.fmt(x, code)

    segment = [p for p in result.points if p.in_segment and p.value is not None]
    latest = segment[-1] if segment else None
    out: dict[str, Any] = {
        "state": result.state,
        "variation": result.variation,
        "kind": (result.variation or "").split("_")[0] or None,
        "rule": result.winning_rule,
        "side": result.winning_side,
        "other_rule": result.other_rule,
        "other_side": result.other_side,
        "returned": result.returned_within_range,
        "assurance": result.assurance,
        "n_word": word(result.n),
        "since": result.since,
        "own_series": own,
        "latest": show(latest.value) if latest and own else None,
        "mean": show(result.mean),
        "limits": {
            "lower": show(result.display_lower),
            "upper": show(result.display_upper),
        },
        "provisional_below": str(
            indicator_spc.settings_from(settings.analysis).provisional_below
        ),
        "break": None,
        "label": result.label,
    }
    if result.winning_rule in ("shift", "trend"):
        run = _run(result, result.winning_rule)
        out["run_word"] = word(run)
        out["run_less_one_word"] = word(max(run - 1, 0))
    if result.other_rule == "trend":
        out["other_run_less_one_word"] = word(max(_run(result, "trend") - 1, 0))
    if ind.definition_change and result.points:
        first_in_segment = next((p for p in result.points if p.in_segment), None)
        cut = result.points[0] is not first_in_segment
        if cut and first_in_segment is not None:
            out["break"] = _period_words(first_in_segment.period)
    return out


def _run(result: spc.SpcResult, rule: str) -> int:
    """How many points in a row, up to the latest, the rule flagged."""
    run = 0
    for p in reversed(result.points):
        if p.value is None or not any(f.rule == rule for f in p.flags):
            break
        run += 1
    return run


def _period_words(label: str) -> str:
    """'Q3 2024-25' -> 'Quarter 3 2024-25'; months stay as they are."""
    m = re.fullmatch(r"Q(\d) (\d{4}-\d\d)", label)
    return f"Quarter {m.group(1)} {m.group(2)}" if m else label


def _comparators(
    ind: indicators.Indicator,
    mine: pl.DataFrame,
    quarter: periods.Quarter,
    settings: Settings,
) -> tuple[list[dict[str, Any]], dict[str, str] | None, dict[str, Any] | None]:
    """The comparators in their fixed order (commentary.md §2.2), judged on unrounded values."""
    for bench in ind.benchmarks:
        rows = values.series(mine, bench.series).filter(
            pl.col("quarter") == str(quarter)
        )
        if bench.category is not None:
            rows = rows.filter(pl.col("category") == bench.category)
        if _is_dimension(bench.series):
            continue  # a distribution's comparators are shown in its chart and table
        rows = rows.filter(
            pl.any_horizontal(pl.col(c).is_not_null() for c in COMPARATOR_ORDER)
        )
        if rows.height:
            row = rows.row(0, named=True)
            return (
                _judge(ind, bench.series, row, settings),
                _rank(ind, row),
                (_measure(ind, bench.series, row, quarter, settings)),
            )
    return [], None, None


def _measure(
    ind: indicators.Indicator,
    ref: str,
    row: dict[str, Any],
    quarter: periods.Quarter,
    settings: Settings,
) -> dict[str, Any] | None:
    """The benchmarked measure when it is not the headline (commentary.md §2.2): the
    comparators sentence gives its own value and window."""
    if ref == ind.headline or row.get("value") is None:
        return None
    unit, code = ind.series_unit(ref), ind.series_format(ref)
    shown = value_fact(row, unit, code, settings)
    return {
        "display": shown["display"] if shown else "",
        "window_text": overview.window_text(ind.series_basis(ref), quarter),
        "rate": unit == "rate_per_10k",
    }


def _judge(
    ind: indicators.Indicator,
    ref: str,
    row: dict[str, Any],
    settings: Settings,
) -> list[dict[str, Any]]:
    unit, code = ind.series_unit(ref), ind.series_format(ref)
    basis = ind.series_basis(ref)
    value = row["value"]
    if value is None:
        return []
    small = (
        unit == "percent" and (row.get("denominator") or 0) < settings.small_denominator
    )
    suppressed = _suppressed_row(row, unit, settings.threshold, settings.withheld)
    out = []
    for key in COMPARATOR_ORDER:
        comp = row.get(key)
        if comp is None:
            continue
        # as the tables, charts and Overview show it: whole where published whole (HS6)
        shown_code = formatting.comparator_code(code, comp)
        both = _lower_precision(code, shown_code)
        same = formatting.displayed(value, both) == formatting.displayed(comp, both)
        judgement: str = judgements.position(
            value,
            comp,
            unit,
            row.get("numerator"),
            row.get("denominator"),
            settings.rules,
        )
        if small or suppressed:
            judgement = "not_judged"
        label = (
            row.get("wales_period") if key == "wales" else row.get("comparator_period")
        )
        release = (
            row.get("wales_release")
            if key == "wales"
            else row.get("comparator_release")
        )
        out.append(
            {
                "key": key,
                "name": COMPARATOR_NAMES[key],
                "display": formatting.fmt(comp, shown_code),
                "judgement": judgement,
                "same_display": bool(same and judgement != "not_judged"),
                "period_label": comparator_period(label, basis),
                "release": str(release or ""),
            }
        )
    return out


def _rank(ind: indicators.Indicator, row: dict[str, Any]) -> dict[str, str] | None:
    text = row.get("sn_rank")
    if not text:
        return None
    m = _RANK.match(str(text))
    if not m:
        return None
    label = row.get("comparator_period") or ""
    when = comparator_period(label, "at_qend" if ind.basis == "at_qend" else ind.basis)
    return {
        "display": str(text),
        "position": m.group(1),
        "of": m.group(2),
        "when": when[:1].upper() + when[1:] if when else "",
    }


def _target_fact(
    ind: indicators.Indicator,
    now: dict[str, Any] | None,
    target: float | None,
    settings: Settings,
) -> dict[str, Any] | None:
    if now is None or target is None or now.get("value") is None:
        return None
    unit, code = ind.series_unit(ind.headline), ind.series_format(ind.headline)
    if _suppressed_row(now, unit, settings.threshold, settings.withheld):
        return None
    status = judgements.target_status(
        now["value"], target, unit, ind.polarity, now.get("numerator"),
        now.get("denominator"), settings.rules,
    )  # fmt: skip
    same = formatting.displayed(now["value"], code) == formatting.displayed(
        target, code
    )
    return {
        "display": formatting.fmt(target, code),
        "judgement": status,
        "same_display": bool(same),
    }


CAVEAT_ORDER = (
    "dq_warnings", "partial_coverage", "definition_change", "provisional",
    "no_national_comparator", "basis_mismatch", "comparator_old", "population_old",
    "small_base",
)  # fmt: skip


def _flags(
    ind: indicators.Indicator,
    now: dict[str, Any] | None,
    latest: dict[str, Any] | None,
    spc_fact: dict[str, Any],
    comps: list[dict[str, Any]],
    ctx: Context,
) -> list[str]:
    stored = set(now.get("flags") or []) if now else set()
    flags = set()
    for code in ("partial_coverage", "comparator_old", "population_old"):
        if code in stored:
            flags.add(code)
    if "basis_mismatch" in stored and comps:
        flags.add("basis_mismatch")
    single = not _is_dimension(ind.headline) and ind.spc_series != "none"
    national = any(c["key"] in ("england", "wales", "sn_median") for c in comps)
    if not national and (single or "no_national_comparator" in stored):
        flags.add("no_national_comparator")
    if spc_fact.get("state") == "provisional":
        flags.add("provisional")
    if ctx.dq_tables & set(ind.sources):
        flags.add("dq_warnings")
    if latest and latest.get("small_base"):
        flags.add("small_base")
    return [c for c in CAVEAT_ORDER if c in flags]


def population_year(ctx: Context) -> str:
    return str(ctx.population_year) if ctx.population_year else "the latest year"


def build_all(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> list[Facts]:
    ctx = context(con, quarter)
    return [build(ind, ctx) for ind in council_measures.for_nation(con, ctx.nation)]
