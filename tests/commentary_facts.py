"""Crafted facts for the commentary tests, in the shape ``csperf.facts`` builds.

``base()`` is an English percentage indicator in Quarter 2 2025-26 with no comparisons, no SPC
and no flags; each case changes what it needs with ``put``.
"""

from __future__ import annotations

import copy
from typing import Any

from csperf import facts

QUARTER = {
    "quarter": "2025-26Q2",
    "label_long": "Quarter 2 2025-26 (July to September 2025)",
    "label_mid": "Quarter 2 2025-26",
    "label_short": "Q2 2025-26",
    "window_text": "in Quarter 2 2025-26 (July to September 2025)",
    "window_short": "in Quarter 2 2025-26",
    "previous_label": "in Quarter 1",
    "year_ago_label": "in Quarter 2 2024-25",
    "as_at": "30 September 2025",
    "unit_of_time": "quarters",
    "unit_singular": "quarter",
}
AT_QEND = {
    **QUARTER,
    "window_text": "at 30 September 2025",
    "window_short": "at 30 September 2025",
    "previous_label": "at 30 June 2025",
    "year_ago_label": "a year earlier",
}
MONTH = {
    **QUARTER,
    "window_text": "in September 2025",
    "window_short": "in September 2025",
    "previous_label": "in August 2025",
    "year_ago_label": "in September 2024",
    "unit_of_time": "months",
    "unit_singular": "month",
}


def value(
    display: str, *, suppressed: bool = False, zero: bool = False
) -> dict[str, Any]:
    return {"display": display, "status": "ok", "suppressed": suppressed, "zero": zero,
            "available": True, "small_base": False, "small": suppressed}  # fmt: skip


def change(
    display: str = "", direction: str = "up", same: bool = False, **kw: Any
) -> dict[str, Any]:
    out = {"suppressed": False, "direction": direction, "judgement": "neutral",
           "same_display": same, "display": display, "relative": None,
           "small_counts": False, "from_zero": False, "to_zero": False}  # fmt: skip
    out.update(kw)
    return out


def spc(**kw: Any) -> dict[str, Any]:
    out = {"state": "insufficient", "variation": None, "kind": None, "rule": None,
           "side": None, "other_rule": None, "other_side": None, "returned": False,
           "assurance": None, "n_word": "four", "since": "Q3 2024-25", "own_series": False,
           "latest": None, "mean": None, "limits": {"lower": None, "upper": None},
           "provisional_below": "12", "break": None, "label": ""}  # fmt: skip
    out.update(kw)
    return out


def comparator(
    key: str, display: str, judgement: str, period: str = "", same: bool = False
) -> dict[str, Any]:
    return {"key": key, "name": facts.COMPARATOR_NAMES[key], "display": display,
            "judgement": judgement, "same_display": same, "period_label": period,
            "release": "Children in need 2025"}  # fmt: skip


def base(
    ind_id: str = "assessment_timeliness",
    family: str = "proportion",
    nation: str = "england",
    polarity: str = "higher_is_better",
    unit: str = "percent",
    local: bool = False,
) -> dict[str, Any]:
    return {
        "indicator": {
            "id": ind_id,
            "title": "A measure",
            "unit": unit,
            "format": "pct1",
            "polarity": polarity,
            "polarity_text": facts._polarity_text(polarity),
            "basis": "quarter",
            "family": family,
            "headline": "all",
            "spc_series": "all",
            "local": local,
            "definition_numbers": ["45", "42", "72"],
        },
        "period": copy.deepcopy(QUARTER),
        "latest": value("22.4%"),
        "previous": None,
        "year_ago": None,
        "change_prev": None,
        "change_year": None,
        "primary": "prev",
        "categories": [],
        "spc": spc(),
        "comparators": [],
        "comparison": {
            "clauses": [],
            "national": None,
            "not_judged": False,
            "measure": None,
        },
        "sn_rank": None,
        "target": None,
        "gates": {
            "movement": False,
            "evaluative": False,
            "spc": None,
            "benchmark": {},
            "target": False,
        },
        "flags": [],
        "terms": copy.deepcopy(facts.TERMS[nation]),
        "numbers": {"fewer_than": "fewer than 6", "small_base": "20", "min_base": "20"},
    }


def with_comparators(data: dict[str, Any], *comps: dict[str, Any]) -> dict[str, Any]:
    data["comparators"] = list(comps)
    data["comparison"] = {**facts.comparison(list(comps)), "measure": None}
    data["gates"]["benchmark"] = {
        c["key"]: c["judgement"] in ("higher", "lower") and not c["same_display"]
        for c in comps
    }
    return data
