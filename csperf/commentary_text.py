"""The commentary a quarter would publish now: the analyst's reviewed text where it exists, else
the current draft, with each paragraph's status (cli.md ``commentary``). Read-only: nothing is
stored, so it can run beside the app."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import duckdb

from csperf import commentary, commentary_review, council_measures, periods, store


@dataclass(frozen=True)
class Item:
    indicator_id: str
    title: str
    status: str  # draft, accepted, edited, stale
    text: str
    facts: dict[str, Any]
    facts_hash: str
    draft_text: str = ""  # the paragraph as drafted now (a stale one's new draft)


def current(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> list[Item]:
    """Every paragraph of the quarter in order, the summary first.

    A reviewed paragraph whose figures have changed since it was reviewed is ``stale`` even
    before the app has refreshed it; its text is the analyst's, as in the app."""
    stored = {p.indicator_id: p for p in commentary_review.read(con, quarter)}
    nation = str(store.get_setting(con, "council.nation", "england"))
    titles = {
        i.id: i.title_for(nation) for i in council_measures.for_nation(con, nation)
    }
    titles[commentary.SUMMARY] = "Overall summary"
    out = []
    for d in commentary.draft_quarter(con, quarter):
        p = stored.get(d.indicator_id)
        status, text = "draft", d.text
        if p is not None and p.status in ("accepted", "edited", "stale"):
            status, text = p.status, p.text
            if p.status != "stale" and p.reviewed_facts_hash not in (
                None,
                d.facts_hash,
            ):
                status = "stale"
        out.append(
            Item(d.indicator_id, titles.get(d.indicator_id, d.indicator_id), status,
                 text, d.facts, d.facts_hash, d.text)
        )  # fmt: skip
    return out


def as_json(items: list[Item]) -> str:
    return json.dumps(
        [
            {"indicator_id": i.indicator_id, "status": i.status, "text": i.text,
             "facts": i.facts, "facts_hash": i.facts_hash}
            for i in items
        ],
        indent=2,
        ensure_ascii=False,
    )  # fmt: skip


STATUS_WORDS = {
    "draft": "DRAFT \u2013 not reviewed",
    "accepted": "Accepted",
    "edited": "Edited",
    "stale": "Stale \u2013 the figures changed since it was reviewed",
}


def as_markdown(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, items: list[Item]
) -> str:
    name = store.get_setting(con, "council.name", "Council")
    lines = [f"# {name}: commentary for {quarter.label_long}", ""]
    reviewed = sum(1 for i in items if i.status in ("accepted", "edited"))
    lines += [f"{reviewed} of {len(items)} reviewed.", ""]
    for i in items:
        lines += [f"## {i.title}", "", f"*{STATUS_WORDS[i.status]}*", "", i.text, ""]
    return "\n".join(lines)
