"""The quarter at a glance: each indicator's headline value, primary change and England.

The primary change follows commentary.md §2.1: by the previous quarter for quarter and
quarter-end figures, by the same quarter last year for rolling-12-month and year-to-date
figures. The change shown is the difference of the two displayed values, so a reader can
check it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from csperf import (
    category_labels,
    formatting,
    indicator_spc,
    indicators,
    judgements,
    overrides,
    periods,
    values,
)

COMPARED_WITH = {"quarter": 1, "at_qend": 1, "month": 1, "r12": 4, "ytd": 4}


@dataclass(frozen=True)
class Change:
    direction: str  # up, down, same
    judgement: str  # better, worse, neutral
    text: str  # "Up 1.7 percentage points"
    since: str  # "Q1 2026-27"


@dataclass(frozen=True)
class HeadlineRow:
    indicator: indicators.Indicator
    title: str
    value: float | None
    value_text: str
    window: str
    window_short: str
    status: str
    reason: str
    change: Change | None
    england: float | None
    england_text: str
    spc_label: str = ""
    variation: str | None = None
    assurance: str | None = None
    national_position: str = ""  # "Similar to England", "Higher than Wales"
    neighbours_text: str = ""
    target_text: str = ""
    attention: tuple[str, ...] = ()  # why the indicator needs attention, in words

    @property
    def needs_attention(self) -> bool:
        return bool(self.attention)


def window_short(basis: str, quarter: periods.Quarter) -> str:
    """The window in a few words, for the Overview's rows: 'Jul to Sep 2026'."""
    months = quarter.months
    first, last = months[0], months[-1]
    span = f"{first:%b} to {last:%b %Y}"
    return {
        "quarter": span,
        "month": f"{last:%B %Y}",
        "at_qend": f"at {quarter.end.day} {quarter.end:%b %Y}",
        "r12": f"12 months to {last:%b %Y}",
        "ytd": (
            f"Apr to {last:%b %Y}"
            if quarter.ytd_start.year == last.year
            else f"Apr {quarter.ytd_start.year} to {last:%b %Y}"
        ),
    }[basis]


def window_text(basis: str, quarter: periods.Quarter) -> str:
    end = periods.format_date(quarter.end)
    return {
        "quarter": f"in {quarter.label_long}",
        "month": f"in {quarter.end.strftime('%B %Y')}",
        "at_qend": f"at {end}",
        "r12": f"in the 12 months to {end}",
        "ytd": f"from 1 April to {end}",
    }[basis]


def primary_change(
    ind: indicators.Indicator,
    now: float | None,
    then: float | None,
    since: str,
) -> Change | None:
    if now is None or then is None:
        return None
    code = ind.series_format(ind.headline)
    delta = formatting.displayed(now, code) - formatting.displayed(then, code)
    direction = "up" if now > then else "down" if now < then else "same"
    if delta == 0:
        return Change("same", "neutral", "No change", since)
    judgement = "neutral"
    if ind.polarity != "neutral":
        good = "up" if ind.polarity == "higher_is_better" else "down"
        judgement = "better" if direction == good else "worse"
    word = "Up" if delta > 0 else "Down"
    return Change(
        direction,
        judgement,
        f"{word} {formatting.fmt_change(delta, code)}",
        since,
    )


def headline_rows(
    stored: pl.DataFrame,
    quarter: periods.Quarter,
    nation: str,
    chosen: overrides.Overrides | None = None,
    inds: list[indicators.Indicator] | None = None,
    analysis: dict[str, dict[str, Any]] | None = None,
) -> list[HeadlineRow]:
    """One row per indicator of the nation, in registry order, for the chosen quarter."""
    out = []
    for ind in inds if inds is not None else indicators.for_nation(nation):
        ind = chosen.indicator(ind) if chosen else ind
        mine = stored.filter(pl.col("indicator_id") == ind.id)
        rows = values.series(mine, ind.headline)
        basis = ind.series_basis(ind.headline)
        code = ind.series_format(ind.headline)
        now, then, since = _now_and_then(ind, rows, quarter)
        value = now["value"] if now else None
        status = now["status"] if now else "not loaded"
        reason = (now["status_reason"] or "") if now else ""
        prev = then["value"] if then else None
        top = None
        if _is_dimension(ind.headline):
            value_text, status, reason, top = _distribution_text(ind, rows, quarter)
            if top is not None:  # the change is that of the largest category
                value, prev, since = _category_now_and_then(ind, rows, quarter, top)
        else:
            value_text = formatting.fmt(value, code) if value is not None else status
        england = _benchmarked_england(stored, ind, quarter, top)
        assessed = _assess(ind, mine, quarter, now, top, analysis or {})
        out.append(
            HeadlineRow(
                indicator=ind,
                title=ind.title_for(nation),
                value=value,
                value_text=value_text,
                window=window_text(basis, quarter),
                window_short=window_short(basis, quarter),
                status=status,
                reason=reason,
                change=primary_change(ind, value, prev, since),
                england=england[0],
                england_text=england[1],
                **assessed,
            )
        )
    return out


POSITION_WORDS = {
    "similar": "Similar to",
    "higher": "Higher than",
    "lower": "Lower than",
}
TARGET_WORDS = {
    "met": "met",
    "near": "not met, within tolerance",
    "not_met": "not met",
    "similar": "similar",
    "higher": "above",
    "lower": "below",
}


def _assess(
    ind: indicators.Indicator,
    mine: pl.DataFrame,
    quarter: periods.Quarter,
    now: dict[str, Any] | None,
    top: str | None,
    analysis: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """SPC status, position against England (or Wales) and the neighbours, target status, and
    what needs attention: a concern signal, assurance that fails, a target not met, or a
    difference from the national figure in the bad direction."""
    rules = judgements.Rules.from_settings(analysis.get("benchmarks"))
    target = now["target"] if now else None
    result = indicator_spc.analyse(ind, mine, quarter, target, analysis)
    attention: list[str] = []
    if result.variation and result.variation.startswith("concern"):
        attention.append("special cause concern")
    if result.assurance == "fail":
        attention.append("target consistently missed")
    out: dict[str, Any] = {
        "spc_label": result.label,
        "variation": result.variation,
        "assurance": result.assurance_label,
    }
    bench = _benchmarked_row(ind, mine, quarter, top)
    if bench is not None and bench["value"] is not None:
        out.update(_positions(ind, bench, rules, attention))
    if now is not None and target is not None and now["value"] is not None:
        status = judgements.target_status(
            now["value"], target, ind.series_unit(ind.headline), ind.polarity,
            now["numerator"], now["denominator"], rules,
        )  # fmt: skip
        shown = formatting.fmt(target, ind.series_format(ind.headline))
        out["target_text"] = f"Target {shown}: {TARGET_WORDS[status]}"
        if status == "not_met":
            attention.append("target not met")
    out["attention"] = tuple(attention)
    return out


def _positions(
    ind: indicators.Indicator,
    bench: dict[str, Any],
    rules: judgements.Rules,
    attention: list[str],
) -> dict[str, str]:
    ref = _series_of(ind, bench)
    unit = ind.series_unit(ref)
    out: dict[str, str] = {}

    def where(comparator: float) -> judgements.Position:
        return judgements.position(
            bench["value"],
            comparator,
            unit,
            bench["numerator"],
            bench["denominator"],
            rules,
        )

    for column, name in (("england", "England"), ("wales", "Wales")):
        if bench.get(column) is None:
            continue
        pos = where(bench[column])
        out["national_position"] = f"{POSITION_WORDS[pos]} {name}"
        if judgements.worse(pos, ind.polarity):
            attention.append(f"{pos} than {name} in the bad direction")
        break
    if bench.get("sn_median") is not None:
        code = formatting.comparator_code(ind.series_format(ref), bench["sn_median"])
        pos = where(bench["sn_median"])
        out["neighbours_text"] = (
            f"{POSITION_WORDS[pos]} neighbours (median "
            f"{formatting.fmt(bench['sn_median'], code)})"
        )
        if bench.get("sn_rank"):
            out["neighbours_text"] += f"; {bench['sn_rank']}"
    return out


def _series_of(ind: indicators.Indicator, row: dict[str, Any]) -> str:
    if row["breakdown"] == "measure":
        return f"measure:{row['category']}"
    return "all" if row["breakdown"] == "all" else str(row["breakdown"])


def _benchmarked_row(
    ind: indicators.Indicator,
    mine: pl.DataFrame,
    quarter: periods.Quarter,
    category: str | None,
) -> dict[str, Any] | None:
    """The quarter's row of the first series a benchmark attaches to that has a comparator."""
    for bench in ind.benchmarks:
        rows = values.series(mine, bench.series).filter(
            pl.col("quarter") == str(quarter)
        )
        if category is not None:
            rows = rows.filter(pl.col("category") == category)
        rows = rows.filter(
            pl.any_horizontal(
                pl.col(c).is_not_null()
                for c in ("england", "wales", "sn_median")
                if c in rows.columns
            )
        )
        if rows.height:
            return rows.row(0, named=True)
    return None


def _is_dimension(ref: str) -> bool:
    return ref not in ("all", "month") and not ref.startswith("measure:")


def _now_and_then(
    ind: indicators.Indicator, rows: pl.DataFrame, quarter: periods.Quarter
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, str]:
    """The headline row of the quarter and the one it is compared with, and that one's label.

    Month headlines compare the quarter's last month with the month before (commentary.md §2.1);
    dimension headlines (a whole distribution) have no single value."""
    if _is_dimension(ind.headline):
        return None, None, ""
    if ind.headline == "month":
        months = rows.filter(pl.col("quarter") == str(quarter)).sort("category")
        if months.height == 0:
            return None, None, ""
        now = months.row(-1, named=True)
        year, month = (int(x) for x in str(now["category"]).split("-"))
        before = dt.date(year, month, 1) - dt.timedelta(days=1)
        key = f"{before.year:04d}-{before.month:02d}"
        earlier = rows.filter(
            pl.col("quarter").is_in([str(quarter), str(quarter.previous)])
            & (pl.col("category") == key)
        )
        then = earlier.row(0, named=True) if earlier.height else None
        return now, then, before.strftime("%B %Y")
    basis = ind.series_basis(ind.headline)
    earlier_q = quarter.shift(-COMPARED_WITH[basis])
    now_rows = rows.filter(pl.col("quarter") == str(quarter))
    then_rows = rows.filter(pl.col("quarter") == str(earlier_q))
    return (
        now_rows.row(0, named=True) if now_rows.height == 1 else None,
        then_rows.row(0, named=True) if then_rows.height == 1 else None,
        earlier_q.label_short,
    )


def _category_now_and_then(
    ind: indicators.Indicator, rows: pl.DataFrame, quarter: periods.Quarter, top: str
) -> tuple[float | None, float | None, str]:
    """One category's value in the quarter and in the quarter it is compared with."""
    earlier_q = quarter.shift(-COMPARED_WITH[ind.series_basis(ind.headline)])

    def one(q: periods.Quarter) -> float | None:
        hit = rows.filter((pl.col("quarter") == str(q)) & (pl.col("category") == top))
        return hit["value"][0] if hit.height == 1 else None

    return one(quarter), one(earlier_q), earlier_q.label_short


def _distribution_text(
    ind: indicators.Indicator, rows: pl.DataFrame, quarter: periods.Quarter
) -> tuple[str, str, str, str | None]:
    """A distribution's headline: its largest category, e.g. 'Largest: Neglect 46.2%'."""
    now = rows.filter(pl.col("quarter") == str(quarter))
    if now.height == 0:
        return "not loaded", "not loaded", "", None
    status = str(now["status"][0])
    reason = str(now["status_reason"][0] or "")
    ranked = now.filter(pl.col("value").is_not_null()).sort("value", descending=True)
    if ranked.height == 0:
        return status, status, reason, None
    top = ranked.row(0, named=True)
    label = category_labels.label(ind.headline, str(top["category"]))
    text = f"Largest: {label} {formatting.fmt(top['value'], ind.format)}"
    return text, "ok", reason, str(top["category"])


def _benchmarked_england(
    stored: pl.DataFrame,
    ind: indicators.Indicator,
    quarter: periods.Quarter,
    category: str | None = None,
) -> tuple[float | None, str]:
    """England's figure on the first benchmarked series (for a distribution, its category
    shown on the Overview), at its published precision."""
    for bench in ind.benchmarks:
        rows = values.series(
            stored.filter(pl.col("indicator_id") == ind.id), bench.series
        )
        rows = rows.filter(
            (pl.col("quarter") == str(quarter)) & pl.col("england").is_not_null()
        )
        if category is not None:
            rows = rows.filter(pl.col("category") == category)
        if rows.height:
            value = rows["england"][0]
            code = formatting.comparator_code(ind.series_format(bench.series), value)
            label = (
                f" ({rows['comparator_period'][0]})"
                if rows["comparator_period"][0]
                else ""
            )
            suffix = (
                ""
                if bench.series == ind.headline
                else f", {ind.series_label(bench.series)}"
            )
            return value, f"{formatting.fmt(value, code)}{label}{suffix}"
    return None, "No national figure"
