"""``docs/indicators.md``, generated from the registry (style.md §10.7: a test fails when stale).

Regenerate with ``python -m csperf.indicator_docs`` after changing ``indicators.toml``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from csperf import counting_rules, indicators

DOCS_FILE = Path(__file__).parent.parent / "docs" / "indicators.md"
BASIS_WORDS = {
    "quarter": "the quarter",
    "month": "each month of the quarter (the latest month is the headline)",
    "at_qend": "at the quarter end",
    "r12": "the 12 months to the quarter end",
    "ytd": "the year to date (from 1 April)",
}
WINDOW_WORDS = {
    "state_q": "records open at the quarter end",
    "events_quarter": "events in the quarter",
    "events_ytd": "events since 1 April",
    "events_r12": "events in the 12 months to the quarter end",
    "lookback_r12_12m": "24 months of events (12 months plus a 12-month look-back)",
    "lookback_ytd_12m": "events since 1 April plus a 12-month look-back",
    "history_30m": "30 months of looked-after episodes",
}


def _words(code: str) -> str:
    return code.replace("_", " ")


def _nations(ind: indicators.Indicator) -> str:
    return " and ".join(n.capitalize() for n in ind.nations)


def _benchmark(ind: indicators.Indicator) -> str:
    if not ind.benchmarks:
        return f"none: {ind.benchmark_none}"
    parts = []
    for b in ind.benchmarks:
        who = (
            f" ({', '.join(_words(c) for c in b.comparators)})" if b.comparators else ""
        )
        on = "" if b.series == "all" else f" on {ind.series_label(b.series)}"
        parts.append(f"`{b.key}`{who}{on}")
    note = f" ({ind.benchmark_none})" if ind.benchmark_none else ""
    return "; ".join(parts) + note


def _params(ind: indicators.Indicator) -> str:
    out = []
    for name, value in ind.params.items():
        if isinstance(value, dict) and set(value) <= {"england", "wales"}:
            value = ", ".join(f"{k.capitalize()} {v}" for k, v in value.items())
        out.append(f"`{name}` = {value}")
    return "; ".join(out)


def _section(ind: indicators.Indicator) -> list[str]:
    rows = [
        ("Wales wording", ind.title_wales if ind.title_wales != ind.title else ""),
        ("Applies to", _nations(ind)),
        ("Unit", f"{_words(ind.unit)} (shown as `{ind.format}`)"),
        ("Basis", BASIS_WORDS[ind.basis]),
        ("Polarity", _words(ind.polarity)),
        ("Family", ind.family),
        ("Breakdowns", ", ".join(_words(b) for b in ind.breakdowns)),
        (
            "Measures",
            ", ".join(
                f"{ind.series_label('measure:' + m.name)} ({_words(m.unit)})"
                for m in ind.measures
            ),
        ),
        ("Headline series", ind.series_label(ind.headline)),
        ("Sources", ", ".join(f"`{s}`" for s in ind.sources)),
        (
            "Data needed",
            "; ".join(
                f"`{c['table']}`: {WINDOW_WORDS[c['window']]}" for c in ind.coverage
            ),
        ),
        ("Local measures", ", ".join(f"`{m}`" for m in ind.local_measures)),
        ("Benchmark", _benchmark(ind)),
        ("Default target", "" if ind.target is None else f"{ind.target:g}"),
        ("Parameters", _params(ind)),
        (
            "Definition changes",
            "; ".join(f"{c['date']}: {c['note']}" for c in ind.definition_change),
        ),
    ]
    lines = [f"### {ind.title} (`{ind.id}`)", "", " ".join(ind.definition.split()), ""]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows if v]
    return [*lines, ""]


def render(registry: dict[str, indicators.Indicator] | None = None) -> str:
    reg = registry if registry is not None else indicators.registry()
    lines = [
        "# Indicators",
        "",
        "Generated from `csperf/indicators.toml` by `python -m csperf.indicator_docs`; do not edit "
        "by hand. Each indicator is one query, `csperf/sql/<id>.sql`, with a worked example in "
        "`tests/examples/<id>.toml`.",
        "",
        "## Counting rules",
        "",
        "Every indicator follows these rules unless its definition says otherwise.",
        "",
    ]
    lines += [f"{n}. {text}" for n, text in counting_rules.RULES.items()]
    lines.append("")
    for theme, title in indicators.THEME_TITLES.items():
        members = [i for i in reg.values() if i.theme == theme]
        if not members:
            continue
        lines += [f"## {title}", ""]
        for ind in members:
            lines += _section(ind)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    DOCS_FILE.parent.mkdir(exist_ok=True)
    DOCS_FILE.write_text(render(), encoding="utf-8")
    print(f"Wrote {DOCS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
