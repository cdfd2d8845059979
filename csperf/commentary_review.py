"""Reviewing the drafted commentary: stored paragraphs, actions, staleness, history.

One paragraph per indicator and quarter, plus the overall summary (``_summary``), is stored with
the draft it was generated from (commentary.md §10). ``generated_text``, ``facts_json``,
``facts_hash`` and ``template_hash`` always hold the latest draft; ``text`` is what goes into the
pack, and ``reviewed_facts_*`` the facts the analyst last accepted or wrote against. A refresh
after a load or settings change regenerates a ``draft`` silently; an ``accepted`` or ``edited``
paragraph whose facts hash changed becomes ``stale`` with its text untouched and a diff of the
changed facts. A template change alone never makes a paragraph stale. Every previous text is kept
in the append-only ``commentary_history`` table.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import importlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import duckdb

from csperf import periods, store

Status = Literal["draft", "accepted", "edited", "stale"]
Action = Literal[
    "accept", "save_edit", "reset", "regenerate", "keep_my_text", "use_new_draft",
    "keep_as_draft", "refresh", "stale", "unstale",
]  # fmt: skip
STATUSES: tuple[Status, ...] = ("draft", "accepted", "edited", "stale")
REVIEWED: tuple[Status, ...] = ("accepted", "edited")
SUMMARY = "_summary"
NUMBER = re.compile(r"\d[\d,]*(\.\d+)?")
LOG = logging.getLogger(__name__)


class Draft(Protocol):
    """What the workflow needs of ``commentary.Draft`` (a paragraph drafted from facts)."""

    @property
    def indicator_id(self) -> str: ...
    @property
    def quarter(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def facts(self) -> dict[str, Any]: ...
    @property
    def facts_hash(self) -> str: ...
    @property
    def template_hash(self) -> str: ...


def _engine() -> Any:
    """``csperf.commentary``, imported on first use: loads import this module, and drafting
    reads the stored values."""
    return importlib.import_module("csperf.commentary")


# Their DDL is in store.META_DDL, so every connection has them.
TABLES = ("commentary_paragraph", "commentary_history")

# How the stale banner names a fact: (flattened fact name, label). The first ones are always
# shown, changed or not ("SPC common cause (unchanged)", commentary.md §11 example 10).
KEY_FACTS: list[tuple[str, str]] = [
    ("latest", "Latest value"),
    ("spc.variation", "SPC"),
    ("comparators.england.judgement", "England:"),
]
LABELS: dict[str, str] = {
    "previous": "Previous value",
    "year_ago": "Value a year earlier",
    "change_prev": "Change on the previous quarter",
    "change_year": "Change on a year earlier",
    "spc.state": "SPC state",
    "spc.assurance": "Target assurance",
    "comparators.england": "England",
    "comparators.region": "Region",
    "comparators.sn_median": "Statistical neighbour median",
    "comparators.sn_mean": "Statistical neighbour mean",
    "comparators.wales": "Wales",
    "comparators.target": "Target",
    "sn_rank": "Rank among statistical neighbours",
}
BANNER_MAX_CHANGES = 6


class ReviewError(Exception):
    """An action that does not apply to the paragraph as it stands; the message says why."""


class ConfirmationNeededError(ReviewError):
    """Reset and Regenerate replace reviewed text only after the analyst confirms."""


@dataclass(frozen=True)
class Change:
    fact: str  # flattened fact name, e.g. "latest" or "comparators.england.judgement"
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class StaleDiff:
    reason: str  # "Quarter 2 data were reloaded on 14 October 2025"
    changes: tuple[Change, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "reason": self.reason,
                "changes": [
                    {"fact": c.fact, "label": c.label, "old": c.old, "new": c.new}
                    for c in self.changes
                ],
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> StaleDiff:
        raw = json.loads(text)
        changes = tuple(Change(**c) for c in raw["changes"])
        return cls(str(raw["reason"]), changes)


@dataclass(frozen=True)
class Paragraph:
    quarter: str
    indicator_id: str
    text: str
    status: Status
    generated_text: str
    facts: dict[str, Any]
    facts_hash: str
    template_hash: str
    engine_version: str
    reviewed_facts: dict[str, Any] | None
    reviewed_facts_hash: str | None
    updated_by: str | None
    updated_at: dt.datetime
    stale_diff: StaleDiff | None

    @property
    def reviewed(self) -> bool:
        return self.status in REVIEWED


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    action: str
    status_before: str
    status_after: str
    text: str
    facts_hash: str
    updated_by: str | None
    updated_at: dt.datetime


# ---------------------------------------------------------------- reading


_COLUMNS = (
    "quarter, indicator_id, text, status, generated_text, facts_json, facts_hash, "
    "template_hash, engine_version, reviewed_facts_json, reviewed_facts_hash, updated_by, "
    "updated_at, stale_diff"
)


def _paragraph(row: Sequence[Any]) -> Paragraph:
    (quarter, ind, text, status, generated, facts, fhash, thash, engine, rfacts, rhash,
     by, at, diff) = row  # fmt: skip
    return Paragraph(
        quarter=quarter, indicator_id=ind, text=text, status=status,
        generated_text=generated, facts=json.loads(facts), facts_hash=fhash,
        template_hash=thash, engine_version=engine,
        reviewed_facts=json.loads(rfacts) if rfacts else None, reviewed_facts_hash=rhash,
        updated_by=by, updated_at=at,
        stale_diff=StaleDiff.from_json(diff) if diff else None,
    )  # fmt: skip


def read(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter | str
) -> list[Paragraph]:
    """The quarter's stored paragraphs: the overall summary first, then registry order."""
    rows = con.execute(
        f"select {_COLUMNS} from commentary_paragraph where quarter = ? "  # noqa: S608 -- fixed column list
        "order by indicator_id <> ?, position",
        [str(quarter), SUMMARY],
    ).fetchall()
    return [_paragraph(r) for r in rows]


def get(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter | str, indicator_id: str
) -> Paragraph:
    row = store.first(
        con,
        f"select {_COLUMNS} from commentary_paragraph "  # noqa: S608 -- fixed column list
        "where quarter = ? and indicator_id = ?",
        [str(quarter), indicator_id],
    )
    if row is None:
        raise ReviewError(f"No commentary is stored for {indicator_id} in {quarter}.")
    return _paragraph(row)


def history(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter | str, indicator_id: str
) -> list[HistoryEntry]:
    rows = con.execute(
        "select seq, action, status_before, status_after, text, facts_hash, updated_by, "
        "updated_at from commentary_history where quarter = ? and indicator_id = ? "
        "order by seq",
        [str(quarter), indicator_id],
    ).fetchall()
    return [HistoryEntry(*r) for r in rows]


def progress(paragraphs: Iterable[Paragraph]) -> tuple[int, int]:
    """(reviewed, total): reviewed means accepted or edited and not stale."""
    items = list(paragraphs)
    return sum(1 for p in items if p.reviewed), len(items)


def progress_text(paragraphs: Iterable[Paragraph]) -> str:
    done, total = progress(paragraphs)
    return f"{done} of {total} reviewed"


def counts(paragraphs: Iterable[Paragraph]) -> dict[Status, int]:
    out: dict[Status, int] = dict.fromkeys(STATUSES, 0)
    for p in paragraphs:
        out[p.status] += 1
    return out


# ---------------------------------------------------------------- facts: flattening and diffs


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _item_name(item: Any, index: int) -> str:
    if isinstance(item, Mapping):
        for key in ("key", "name", "id", "code"):
            if isinstance(item.get(key), str):
                return str(item[key])
    return str(index)


def flatten(facts: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Leaf facts by dotted name; a ``display`` leaf is named by its parent ("latest")."""
    out: dict[str, str] = {}
    for key, value in facts.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= flatten(value, f"{path}.")
        elif isinstance(value, list | tuple):
            for i, item in enumerate(value):
                name = f"{path}.{_item_name(item, i)}"
                if isinstance(item, Mapping):
                    out |= flatten(item, f"{name}.")
                else:
                    out[name] = _text(item)
        else:
            out[path.removesuffix(".display")] = _text(value)
    return out


def label(fact: str) -> str:
    """A reader's name for a flattened fact."""
    for name, text in KEY_FACTS:
        if fact == name:
            return text.rstrip(":")
    if fact in LABELS:
        return LABELS[fact]
    parent, _, leaf = fact.rpartition(".")
    if parent in LABELS:
        return f"{LABELS[parent]} {leaf.replace('_', ' ')}"
    words = fact.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[Change, ...]:
    """Each fact whose display changed, with the old and new display ('none' when absent)."""
    a, b = flatten(old), flatten(new)
    names = [*a, *(n for n in b if n not in a)]
    return tuple(
        Change(n, label(n), a.get(n, "none"), b.get(n, "none"))
        for n in names
        if a.get(n) != b.get(n)
    )


def _shown(value: str) -> str:
    return value.replace("_", " ")


def banner(paragraph: Paragraph) -> str | None:
    """The stale banner (commentary.md §11 example 10); None unless the paragraph is stale."""
    if paragraph.status != "stale" or paragraph.stale_diff is None:
        return None
    changed = {c.fact: c for c in paragraph.stale_diff.changes}
    now = flatten(paragraph.facts)
    items = []
    for fact, text in KEY_FACTS:
        if fact in changed:
            c = changed.pop(fact)
            items.append(f"{text} {_shown(c.old)} → {_shown(c.new)}")
        elif fact in now:
            items.append(f"{text} {_shown(now[fact])} (unchanged)")
    rest = list(changed.values())
    items += [
        f"{c.label} {_shown(c.old)} → {_shown(c.new)}"
        for c in rest[:BANNER_MAX_CHANGES]
    ]
    if len(rest) > BANNER_MAX_CHANGES:
        more = len(rest) - BANNER_MAX_CHANGES
        items.append(f"and {more} other change{'s' if more != 1 else ''}")
    return (
        f"Figures changed: {paragraph.stale_diff.reason}. {'; '.join(items)}. "
        "Your text has not been changed. Keep my text, use the new draft, or edit."
    )


# ---------------------------------------------------------------- untraced numbers


def _numbers(text: str) -> list[str]:
    return [m.group(0).rstrip(",") for m in NUMBER.finditer(text)]


def untraced(text: str, facts: Mapping[str, Any]) -> list[str]:
    """Numbers in the text that equal no number in the facts' displays and labels
    (commas removed; commentary.md §10), each once, as written."""
    known = {
        n.replace(",", "") for value in flatten(facts).values() for n in _numbers(value)
    }
    out: list[str] = []
    for token in _numbers(text):
        if token.replace(",", "") not in known and token not in out:
            out.append(token)
    return out


def warnings(paragraph: Paragraph) -> list[str]:
    """'37 is not among this paragraph's figures', for analyst text only."""
    if paragraph.text == paragraph.generated_text:
        return []
    return [
        f"{n} is not among this paragraph's figures"
        for n in untraced(paragraph.text, paragraph.facts)
    ]


# ---------------------------------------------------------------- refresh


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def source_version(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> str:
    """Changes when anything a quarter's facts are built from may have changed: the engine,
    any setting, or a load of this or an earlier quarter."""
    settings = con.execute("select key, value from settings order by key").fetchall()
    loads = con.execute(
        "select quarter, loaded_at from snapshot where as_at <= ? order by as_at",
        [quarter.end],
    ).fetchall()
    raw = json.dumps([_engine().ENGINE_VERSION, settings, loads], default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _quarter_name(loaded: periods.Quarter, quarter: periods.Quarter) -> str:
    if loaded.fy == quarter.fy:
        return f"Quarter {loaded.q}"
    return f"Quarter {loaded.q} {loaded.fy_label}"


def reason(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter, since: dt.datetime | None
) -> str:
    """Why the figures changed, for the banner: the latest load since the last refresh."""
    row = store.first(
        con,
        "select quarter, loaded_at from snapshot where as_at <= ? and loaded_at > ? "
        "order by loaded_at desc limit 1",
        [quarter.end, since or dt.datetime.min],
    )
    if row is None:
        when = periods.format_date(_now().date())
        return f"the figures were rebuilt on {when} after a change of settings or reference data"
    loaded = periods.Quarter.parse(row[0])
    verb = "reloaded" if loaded == quarter else "loaded"
    name = _quarter_name(loaded, quarter)
    return f"{name} data were {verb} on {periods.format_date(row[1].date())}"


def _history(
    con: duckdb.DuckDBPyConnection,
    p: Paragraph,
    action: Action,
    status_after: Status,
    user: str,
    at: dt.datetime,
) -> None:
    store.run(
        con,
        "insert into commentary_history select ?, ?, "
        "coalesce((select max(seq) from commentary_history where quarter = ? "
        "and indicator_id = ?), 0) + 1, ?, ?, ?, ?, ?, ?, ?",
        [p.quarter, p.indicator_id, p.quarter, p.indicator_id, action, p.status,
         status_after, p.text, p.facts_hash, user, at],
    )  # fmt: skip


def _insert(
    con: duckdb.DuckDBPyConnection,
    d: Draft,
    position: int,
    stamp: tuple[str, str],
    user: str,
    at: dt.datetime,
) -> None:
    engine, version = stamp
    store.run(
        con,
        "insert into commentary_paragraph values "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', null, null, null, ?, ?, null, ?, ?)",
        [d.quarter, d.indicator_id, position, d.text, _facts_json(d.facts),
         d.facts_hash, d.template_hash, engine, d.text, user, at,
         version, at],
    )  # fmt: skip


def _facts_json(facts: Mapping[str, Any]) -> str:
    return json.dumps(facts, sort_keys=True, ensure_ascii=False, default=str)


def _store_draft(
    con: duckdb.DuckDBPyConnection,
    d: Draft,
    position: int,
    stamp: tuple[str, str],
    at: dt.datetime,
) -> None:
    engine, version = stamp
    store.run(
        con,
        "update commentary_paragraph set position = ?, generated_text = ?, facts_json = ?, "
        "facts_hash = ?, template_hash = ?, engine_version = ?, source_version = ?, "
        "refreshed_at = ? where quarter = ? and indicator_id = ?",
        [position, d.text, _facts_json(d.facts), d.facts_hash, d.template_hash,
         engine, version, at, d.quarter, d.indicator_id],
    )  # fmt: skip


def _set(
    con: duckdb.DuckDBPyConnection,
    p: Paragraph,
    *,
    text: str,
    status: Status,
    user: str,
    at: dt.datetime,
    stale: StaleDiff | None = None,
    reviewed: bool | None = None,
) -> None:
    """Write text and status. ``reviewed``: True records the current facts as the reviewed
    ones, False clears them, None leaves them."""
    sets = "text = ?, status = ?, updated_by = ?, updated_at = ?, stale_diff = ?"
    params: list[Any] = [text, status, user, at, stale.to_json() if stale else None]
    if reviewed is True:
        sets += ", reviewed_status = ?, reviewed_facts_json = facts_json, "
        sets += "reviewed_facts_hash = facts_hash"
        params.append(status)
    elif reviewed is False:
        sets += ", reviewed_status = null, reviewed_facts_json = null, "
        sets += "reviewed_facts_hash = null"
    store.run(
        con,
        f"update commentary_paragraph set {sets} where quarter = ? and indicator_id = ?",  # noqa: S608 -- fixed column lists
        [*params, p.quarter, p.indicator_id],
    )


def _reviewed_status(con: duckdb.DuckDBPyConnection, p: Paragraph) -> Status:
    row = store.first(
        con,
        "select reviewed_status from commentary_paragraph "
        "where quarter = ? and indicator_id = ?",
        [p.quarter, p.indicator_id],
    )
    status = row[0] if row else None
    return "accepted" if status == "accepted" else "edited"


def _refresh_one(
    con: duckdb.DuckDBPyConnection,
    p: Paragraph,
    d: Draft,
    why: str,
    user: str,
    at: dt.datetime,
) -> None:
    """Apply the §10 reload rules to one stored paragraph (its draft columns already updated)."""
    if p.status == "draft":
        if p.text != d.text:  # regenerated silently; the old draft text goes to history
            _history(con, p, "refresh", "draft", user, at)
            _set(con, p, text=d.text, status="draft", user=user, at=at)
        return
    if d.facts_hash == p.reviewed_facts_hash:
        if p.status == "stale":  # the figures went back to those the analyst reviewed
            back = _reviewed_status(con, p)
            _history(con, p, "unstale", back, user, at)
            _set(con, p, text=p.text, status=back, user=user, at=at)
        return
    changes = diff(p.reviewed_facts or {}, d.facts)
    stale = StaleDiff(why, changes)
    if p.status != "stale":
        _history(con, p, "stale", "stale", user, at)
    elif p.stale_diff == stale:
        return
    _set(con, p, text=p.text, status="stale", user=user, at=at, stale=stale)


def refresh(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    drafts: Sequence[Draft] | None = None,
    user: str | None = None,
) -> None:
    """Bring the quarter's stored paragraphs up to date with its current facts (§10 Reload).

    New paragraphs are stored as drafts; a draft is regenerated silently; an accepted or
    edited paragraph whose facts hash changed becomes stale, its text untouched.
    ``drafts`` defaults to ``commentary.draft_quarter(con, quarter)``.
    """
    if drafts is None:
        drafts = _engine().draft_quarter(con, quarter)
    stamp = (_engine().ENGINE_VERSION, source_version(con, quarter))
    stored = {p.indicator_id: p for p in read(con, quarter)}
    since = store.first(
        con,
        "select max(refreshed_at) from commentary_paragraph where quarter = ?",
        [str(quarter)],
    )
    why = reason(con, quarter, since[0] if since else None)
    who, at = user or current_user(), _now()
    with store.transaction(con):
        for position, d in enumerate(drafts):
            p = stored.get(d.indicator_id)
            if p is None:
                _insert(con, d, position, stamp, who, at)
                continue
            _store_draft(con, d, position, stamp, at)
            _refresh_one(con, p, d, why, who, at)


def is_current(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> bool:
    """True when the quarter's paragraphs were refreshed against what its facts use now."""
    row = store.first(
        con,
        "select count(*) filter (where source_version <> ?), count(*) "
        "from commentary_paragraph where quarter = ?",
        [source_version(con, quarter), str(quarter)],
    )
    return bool(row and row[1] and not row[0])


def ensure(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> bool:
    """Draft the quarter on first use, and refresh it when its sources changed since the last
    refresh (a setting, a load, the engine). True when it refreshed."""
    if is_current(con, quarter):
        return False
    refresh(con, quarter)
    return True


def after_change(
    con: duckdb.DuckDBPyConnection, quarters: Iterable[periods.Quarter] | None = None
) -> list[periods.Quarter]:
    """The hook after a load or a recompute (``quarters``: the affected ones, default all):
    refresh each that holds reviewed text, so stale paragraphs show at once; quarters with
    drafts only are refreshed when next opened (``ensure``). A commentary failure never undoes
    the load: it is logged and skipped, and nothing is raised."""
    done = []
    try:
        affected = list(store.quarters(con) if quarters is None else quarters)
    except duckdb.Error:
        LOG.exception("Commentary was not refreshed")
        return []
    for quarter in affected:
        try:
            row = store.first(
                con,
                "select count(*) from commentary_paragraph where quarter = ? "
                "and status <> 'draft'",
                [str(quarter)],
            )
            if row and row[0]:
                refresh(con, quarter)
                done.append(quarter)
        except Exception:
            LOG.exception("Commentary for %s was not refreshed", quarter)
    return done


def after_load(
    con: duckdb.DuckDBPyConnection, loaded: periods.Quarter
) -> list[periods.Quarter]:
    """A quarter's load changes its own facts and those of every later quarter."""
    try:
        later = [q for q in store.quarters(con) if q >= loaded]
    except duckdb.Error:
        LOG.exception("Commentary was not refreshed after loading %s", loaded)
        return []
    return after_change(con, later)


# ---------------------------------------------------------------- actions


def _act(
    con: duckdb.DuckDBPyConnection,
    p: Paragraph,
    action: Action,
    status: Status,
    text: str,
    user: str | None,
) -> Paragraph:
    who, at = user or current_user(), _now()
    with store.transaction(con):
        _history(con, p, action, status, who, at)
        _set(con, p, text=text, status=status, user=who, at=at,
             reviewed=status in REVIEWED)  # fmt: skip
        if (
            action == "keep_as_draft"
        ):  # recorded in the audit log (no commentary text, S44)
            store.audit(con, "commentary_keep_as_draft", "ok", p.quarter,
                        {"indicator_id": p.indicator_id})  # fmt: skip
    return get(con, p.quarter, p.indicator_id)


def _require(p: Paragraph, allowed: tuple[Status, ...], action: str) -> None:
    if p.status not in allowed:
        raise ReviewError(
            f"{action} applies to a paragraph that is {' or '.join(allowed)}; "
            f"this one is {p.status}."
        )


def _confirm(p: Paragraph, confirmed: bool, action: str) -> None:
    if p.status != "draft" and not confirmed:
        raise ConfirmationNeededError(
            f"{action} replaces {p.status} text: confirm first (the text is kept in the "
            "history)."
        )


def accept(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    user: str | None = None,
) -> Paragraph:
    """Draft -> accepted: the generated text is approved as it stands."""
    p = get(con, quarter, indicator_id)
    _require(p, ("draft",), "Accept")
    return _act(con, p, "accept", "accepted", p.generated_text, user)


def save_edit(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    text: str,
    user: str | None = None,
) -> Paragraph:
    """Any status -> edited: the analyst's text, reviewed against the current facts."""
    p = get(con, quarter, indicator_id)
    clean = text.strip()
    if not clean:
        raise ReviewError("The paragraph is empty: write some text, or use Reset.")
    return _act(con, p, "save_edit", "edited", clean, user)


def reset(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    *,
    confirmed: bool = False,
    user: str | None = None,
) -> Paragraph:
    """-> draft from the current facts; reviewed or stale text only after confirmation."""
    p = get(con, quarter, indicator_id)
    _confirm(p, confirmed, "Reset")
    return _act(con, p, "reset", "draft", p.generated_text, user)


def regenerate(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    fresh: Draft | None = None,
    *,
    confirmed: bool = False,
    user: str | None = None,
) -> Paragraph:
    """Re-render now (templates and facts as they are) -> draft; reviewed or stale text only
    after confirmation. ``fresh`` defaults to ``commentary.draft``."""
    p = get(con, quarter, indicator_id)
    _confirm(p, confirmed, "Regenerate")
    if fresh is None:
        fresh = _engine().draft(con, periods.Quarter.parse(p.quarter), indicator_id)
    row = store.first(
        con,
        "select position from commentary_paragraph where quarter = ? and indicator_id = ?",
        [p.quarter, indicator_id],
    )
    if (fresh.quarter, fresh.indicator_id) != (p.quarter, p.indicator_id):
        raise ReviewError(
            f"The new draft is for {fresh.indicator_id} in {fresh.quarter}."
        )
    stamp = (
        _engine().ENGINE_VERSION,
        source_version(con, periods.Quarter.parse(p.quarter)),
    )
    with store.transaction(con):
        _store_draft(con, fresh, int(row[0]) if row else 0, stamp, _now())
    return _act(con, get(con, quarter, indicator_id), "regenerate", "draft",
                fresh.text, user)  # fmt: skip


def keep_my_text(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    user: str | None = None,
) -> Paragraph:
    """Stale -> edited: the text stands against the new figures (hash updated, review kept)."""
    p = get(con, quarter, indicator_id)
    _require(p, ("stale",), "Keep my text")
    return _act(con, p, "keep_my_text", "edited", p.text, user)


def use_new_draft(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    user: str | None = None,
) -> Paragraph:
    """Stale -> draft with the new draft text (the old text goes to history)."""
    p = get(con, quarter, indicator_id)
    _require(p, ("stale",), "Use new draft")
    return _act(con, p, "use_new_draft", "draft", p.generated_text, user)


def keep_as_draft(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter | str,
    indicator_id: str,
    user: str | None = None,
) -> Paragraph:
    """Stale -> draft without review, so the pack can be built with it marked DRAFT; recorded
    in the audit log."""
    p = get(con, quarter, indicator_id)
    _require(p, ("stale",), "Keep as draft")
    return _act(con, p, "keep_as_draft", "draft", p.generated_text, user)
