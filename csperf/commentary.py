"""Drafting commentary: facts in, paragraphs out (commentary.md §7, §9).

Each indicator's paragraph is rendered from its facts by the first template found of
``<indicator_id>.md.j2``, ``family_<family>.md.j2`` and ``_default.md.j2`` in
``commentary_templates/``. The template's named blocks (headline, value, breakdown, spc,
comparators, caveats, explanation) are separated by "¦" lines; the engine keeps each part, joins
the non-empty ones into the paragraph, and keeps the headline for the overall summary. The
summary takes at most ``headlines.max`` headlines ranked by the salience score of §7.2.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from jinja2 import meta

from csperf import council_measures, formatting, indicators, periods, store
from csperf import facts as facts_mod

ENGINE_VERSION = "1"
TEMPLATES = Path(__file__).resolve().parent.parent / "commentary_templates"
SUMMARY = "_summary"
SEPARATOR = "¦"
BLOCKS = (
    "headline",
    "value",
    "breakdown",
    "spc",
    "comparators",
    "caveats",
    "explanation",
)
PLACEHOLDER = "[Analyst: add explanation]"


@dataclass(frozen=True)
class Draft:
    """A paragraph drafted from facts (stored and reviewed by ``commentary_review``)."""

    indicator_id: str
    quarter: str
    text: str
    facts: dict[str, Any]
    facts_hash: str
    template_hash: str
    headline: str = ""
    blocks: dict[str, str] = field(default_factory=dict)
    salience: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- filters


def _word(n: Any) -> str:
    return facts_mod.word(int(n))


def _a_an(text: str) -> str:
    """'an 8% rise', 'an 11.2% fall', 'a 1.5% rise', 'an increase' (HS8), on the rendered text."""
    s = str(text).strip()
    if not s:
        return s
    first = s[0].lower()
    if first.isdigit():
        digits = re.match(r"[\d,]+", s)
        whole = digits.group(0).replace(",", "") if digits else ""
        an = whole.startswith("8") or (
            whole[:2] in ("11", "18") and len(whole) % 3 == 2
        )
    else:
        an = first in "aeio" or (
            first == "u" and not s.lower().startswith(("uni", "use"))
        )
    return f"{'an' if an else 'a'} {s}"


def _plural(n: Any, singular: str, plural: str | None = None) -> str:
    return singular if str(n) in ("1", "one") else (plural or f"{singular}s")


def _period(
    text: str, start: bool = False, bare: bool = False, words: bool = False
) -> str:
    """Period wording: capitalised to start a sentence, without its leading 'in', or with
    'Q3 2024-25' written 'Quarter 3 2024-25' (HS9)."""
    out = str(text)
    if words:
        out = facts_mod._period_words(out)
    if bare:
        out = re.sub(r"^(in|at|from) ", "", out)
    if start:
        out = out[:1].upper() + out[1:]
    return out


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym ('CIN')."""
    s = str(text)
    first = s.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return s
    return s[:1].lower() + s[1:]


def _clauses(items: Sequence[str]) -> str:
    """'A and B', 'A, B and C'."""
    items = [str(i) for i in items]
    if len(items) < 3:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _sentence_list(parts: Sequence[str], grouped: bool) -> str:
    """Clauses of a sentence; a comma before the last 'and' when a clause holds its own 'and'."""
    parts = [str(p) for p in parts]
    if len(parts) < 2:
        return "".join(parts)
    last = ", and " if grouped else " and "
    return f"{', '.join(parts[:-1])}{last}{parts[-1]}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        fmt=formatting.fmt,
        stat=str,
        word=_word,
        a_an=_a_an,
        plural=_plural,
        period=_period,
        lower_first=_lower_first,
        clauses=_clauses,
        sentence_list=_sentence_list,
    )
    return env


_ENV: jinja2.Environment | None = None


def env() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV


def template_name(ind: indicators.Indicator) -> str:
    names = set(env().list_templates())
    for name in (f"{ind.id}.md.j2", f"family_{ind.family}.md.j2"):
        if name in names:
            return name
    return "_default.md.j2"


@functools.lru_cache(maxsize=256)
def _chain(name: str, source: str) -> tuple[str, ...]:
    refs = meta.find_referenced_templates(env().parse(source))
    return tuple(n for n in refs if n)


def template_chain(name: str) -> list[str]:
    """The template and every template it extends or imports, in order (parsed once per
    source text)."""
    out: list[str] = []
    todo = [name]
    while todo:
        current = todo.pop(0)
        if current in out:
            continue
        out.append(current)
        source = env().loader.get_source(env(), current)[0]  # type: ignore[union-attr]
        todo += list(_chain(current, source))
    return out


def template_hash(name: str) -> str:
    h = hashlib.sha256()
    for part in template_chain(name):
        h.update(part.encode())
        h.update(env().loader.get_source(env(), part)[0].encode())  # type: ignore[union-attr]
    return h.hexdigest()


def facts_hash(data: dict[str, Any]) -> str:
    """SHA-256 of canonical JSON: sorted keys, UTF-8, no spaces (commentary.md §10), over
    everything but the salience scores."""
    shown = {k: v for k, v in data.items() if k != "salience"}
    text = json.dumps(shown, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _tidy(part: str) -> str:
    return " ".join(part.split())


def render(template: str, data: dict[str, Any]) -> dict[str, str]:
    """The named blocks of one paragraph, whitespace tidied."""
    raw = env().get_template(template).render(f=data)
    head = raw.split(SEPARATOR * 2, 1)[0]
    parts = [_tidy(p) for p in head.split(SEPARATOR)]
    return dict(zip(BLOCKS, parts, strict=True))


def paragraph(blocks: dict[str, str]) -> str:
    return " ".join(blocks[b] for b in BLOCKS[1:] if blocks[b])


# ---------------------------------------------------------------- salience (§7.2)


def _signal_points(s: dict[str, Any]) -> dict[str, int]:
    parts: dict[str, int] = {}
    if s.get("variation") and s["variation"] != "common_cause":
        base = {"concern": 5, "improvement": 4}.get(s.get("kind") or "", 3)
        parts["variation"] = base + (1 if s.get("rule") == "astronomical" else 0)
    if s.get("assurance") in ("fail", "hit_and_miss"):
        parts["assurance"] = 3 if s["assurance"] == "fail" else 1
    return parts


def _comparison_points(data: dict[str, Any]) -> dict[str, int]:
    parts: dict[str, int] = {}
    target = data.get("target")
    if target and target["judgement"] in ("not_met", "near"):
        parts["target"] = 2 if target["judgement"] == "not_met" else 1
    for c in data["comparators"]:
        if c["judgement"] not in ("higher", "lower"):
            continue
        if c["key"] in ("england", "wales"):
            parts["national"] = 2
        elif c["key"] == "sn_median":
            parts["neighbours"] = 1
    rank = data.get("sn_rank")
    if rank and int(rank["of"]) >= 8:
        position = int(re.sub(r"\D", "", rank["position"]))
        if position in (1, int(rank["of"])):
            parts["rank"] = 1
    return parts


def salience(
    ind: indicators.Indicator, data: dict[str, Any], pinned: bool = False
) -> dict[str, Any]:
    """The headline score of §7.2 and its components (shown beside each headline)."""
    parts = {**_signal_points(data["spc"]), **_comparison_points(data)}
    if ind.headline_priority:
        parts["priority"] = ind.headline_priority
    if pinned:
        parts["pin"] = 100
    latest = data.get("latest")
    eligible = bool(
        latest
        and latest.get("available")
        and not latest.get("suppressed")
        and "partial_coverage" not in data["flags"]
    )
    return {
        "score": sum(parts.values()),
        "components": parts,
        "variation_points": parts.get("variation", 0),
        "kind": data["spc"].get("kind"),
        "eligible": eligible,
    }


def select_headlines(
    drafts: Sequence[Draft],
    order: dict[str, int],
    max_headlines: int = 6,
    min_score: int = 3,
    balance: bool = True,
) -> list[Draft]:
    """At most ``max_headlines`` drafts, by score, then variation points, then registry order;
    with balance, the last slot goes to the best improvement when all are concerns."""
    eligible = [
        d
        for d in drafts
        if d.salience.get("eligible")
        and d.salience["score"] >= min_score
        and d.headline
    ]
    ranked = sorted(
        eligible,
        key=lambda d: (
            -d.salience["score"],
            -d.salience["variation_points"],
            order.get(d.indicator_id, 0),
        ),
    )
    chosen = ranked[:max_headlines]
    if balance and chosen and all(d.salience["kind"] == "concern" for d in chosen):
        better = [
            d for d in ranked[max_headlines:] if d.salience["kind"] == "improvement"
        ]
        if better:
            chosen = [*chosen[: max_headlines - 1], better[0]]
    return chosen


def summary(
    quarter: periods.Quarter,
    drafts: Sequence[Draft],
    order: dict[str, int],
    settings: dict[str, Any] | None = None,
) -> Draft:
    chosen_settings = settings or {}
    chosen = select_headlines(
        drafts,
        order,
        int(chosen_settings.get("max", 6)),
        int(chosen_settings.get("min_score", 3)),
        bool(chosen_settings.get("balance", True)),
    )
    period = {"quarter": str(quarter), "label_mid": f"Quarter {quarter.q} {quarter.fy_label}",
              "label_short": quarter.label_short, "label_long": quarter.label_long}  # fmt: skip
    if chosen:
        text = "\n".join(f"- {d.headline}" for d in chosen)
    else:
        text = (
            f"In {period['label_mid']}, every indicator with enough data was within "
            "its usual range."
        )
    data = {
        "period": period,
        "headlines": [
            {"id": d.indicator_id, "text": d.headline, "facts_hash": d.facts_hash}
            for d in chosen
        ],
        "salience": [
            {"id": d.indicator_id, "score": d.salience["score"],
             "components": d.salience["components"]}
            for d in chosen
        ],
    }  # fmt: skip
    return Draft(
        indicator_id=SUMMARY,
        quarter=str(quarter),
        text=text,
        facts=data,
        facts_hash=facts_hash(data),
        template_hash=hashlib.sha256(ENGINE_VERSION.encode()).hexdigest(),
    )


# ---------------------------------------------------------------- drafting


PINS = "commentary.pinned"  # setting: {quarter: [indicator ids]} the analyst put in the summary


def pinned(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> list[str]:
    raw = store.get_setting(con, PINS, {}) or {}
    return [str(i) for i in raw.get(str(quarter), [])]


def set_pinned(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    indicator_id: str,
    on: bool,
) -> None:
    """Pin an indicator's headline to the quarter's summary (+100 salience, §7.2), or unpin."""
    raw = dict(store.get_setting(con, PINS, {}) or {})
    chosen = [i for i in raw.get(str(quarter), []) if i != indicator_id]
    if on:
        chosen.append(indicator_id)
    raw[str(quarter)] = sorted(chosen)
    store.set_setting(con, PINS, raw)


def draft_facts(f: facts_mod.Facts, is_pinned: bool = False) -> Draft:
    name = template_name(f.indicator)
    blocks = render(name, f.data)
    return Draft(
        indicator_id=f.indicator.id,
        quarter=str(f.quarter),
        text=paragraph(blocks),
        facts=f.data,
        facts_hash=facts_hash(f.data),
        template_hash=template_hash(name),
        headline=blocks["headline"],
        blocks=blocks,
        salience=salience(f.indicator, f.data, is_pinned),
    )


def draft_quarter(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> list[Draft]:
    """The overall summary, then every indicator of the council's catalogue, in order."""
    ctx = facts_mod.context(con, quarter)
    inds = council_measures.for_nation(con, ctx.nation)
    pins = set(pinned(con, quarter))
    drafts = [draft_facts(facts_mod.build(i, ctx), i.id in pins) for i in inds]
    order = {ind.id: i for i, ind in enumerate(inds)}
    top = summary(quarter, drafts, order, ctx.settings.analysis.get("headlines"))
    return [top, *drafts]


def draft(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, indicator_id: str
) -> Draft:
    """One paragraph drafted now (the summary with ``_summary``)."""
    if indicator_id == SUMMARY:
        return draft_quarter(con, quarter)[0]
    ctx = facts_mod.context(con, quarter)
    ind = next(
        i for i in council_measures.for_nation(con, ctx.nation) if i.id == indicator_id
    )
    return draft_facts(facts_mod.build(ind, ctx), indicator_id in pinned(con, quarter))
