"""Method notes and caveats of an indicator, in words (the Indicator page and the report).

The method note says what is counted (the registry's definition, with any *assumption*), the
counting rules it names, its parameters, the data it needs and where its benchmark comes from.
Caveats come from the flags stored with a quarter's values (commentary.md §2.2, §7).
"""

from __future__ import annotations

import re
from typing import Any

from csperf import counting_rules, indicator_docs, indicators

_RULE = re.compile(r"\brules? (\d+)(?: and (\d+))?")


def rules_named(ind: indicators.Indicator) -> list[int]:
    """The counting rules the definition names ('rule 2', 'rules 5 and 11')."""
    found: list[int] = []
    for match in _RULE.finditer(ind.definition):
        for group in match.groups():
            if group and int(group) in counting_rules.RULES and int(group) not in found:
                found.append(int(group))
    return found


def note(ind: indicators.Indicator, nation: str) -> list[tuple[str, str]]:
    """(heading, text) pairs of the method note."""
    parts = [("What is counted", " ".join(ind.definition.split()))]
    for n in rules_named(ind):
        parts.append((f"Counting rule {n}", counting_rules.RULES[n]))
    if ind.params:
        shown = []
        for name in ind.params:
            value = ind.param(name, nation)
            shown.append(f"{name.replace('_', ' ')}: {_param_text(value)}")
        parts.append(("Parameters", "; ".join(shown) + "."))
    needs = [
        f"{c['table'].replace('_', ' ')}: {indicator_docs.WINDOW_WORDS[c['window']]}"
        for c in ind.coverage
        if c.get("window") in indicator_docs.WINDOW_WORDS
    ]
    if needs:
        parts.append(("Data needed", "; ".join(needs) + "."))
    parts.append(("Benchmark", _benchmark(ind, nation)))
    return parts


def _param_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _benchmark(ind: indicators.Indicator, nation: str) -> str:
    if not ind.benchmarks:
        return f"None: {ind.benchmark_none}." if ind.benchmark_none else "None."
    keys = sorted({b.key for b in ind.benchmarks})
    if nation == "wales" and all(k.startswith("LAIT:") for k in keys):
        return (
            "None for Welsh councils: the published figures ("
            + ", ".join(keys)
            + (") cover English councils.")
        )
    text = (
        "The latest figure published for a period ending on or before the quarter end, from "
        + ", ".join(keys)
        + " (DfE and Welsh Government statistics, Open Government Licence)."
    )
    if ind.benchmark_none:
        text += f" {ind.benchmark_none}"
    return text


CAVEATS = {
    "partial_coverage": "Partial figure: the data loaded do not cover the whole period needed.",
    "comparator_old": "The published comparator is more than two years older than the quarter.",
    "basis_mismatch": "The national figure covers a full year; this figure covers a shorter "
    "period.",
    "no_national_comparator": "There is no published national figure for this measure.",
}


def caveats(
    flags: list[str] | None,
    population_year: int | None = None,
    comparator_note: str | None = None,
) -> list[str]:
    """The caveats a quarter's flags raise, in words."""
    out = []
    for flag in flags or []:
        if flag == "population_old":
            year = f"mid-{population_year}" if population_year else "an earlier year"
            out.append(
                f"Rates use the population estimate for {year}, the latest available."
            )
        elif flag in CAVEATS:
            out.append(CAVEATS[flag])
    if comparator_note:
        out.append(f"Comparators: {comparator_note}.")
    return out
