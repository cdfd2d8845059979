"""Recognise, validate and load one quarter's files as its snapshot, in one transaction.

``read`` parses uploaded bytes in memory (raw uploads are never written to disk) and collects
located issues; ``load`` replaces the quarter's rows of each (format, table) the files fill, then
computes and stores the quarter's indicator values, all in one transaction (formats.md §A.4).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import polars as pl

from csperf import (
    benchmarks,
    commentary_review,
    council_measures,
    cross_file,
    periods,
    pseudonymise,
    row_checks,
    store,
    values,
)
from csperf.formats import cin_census, deadline, dispatch, frames, local_measures
from csperf.validate import Issue, has_errors, issues_frame

Progress = Callable[[float, str], None]
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LOAD_BYTES = 200 * 1024 * 1024


@dataclass
class FileResult:
    """What one uploaded file was recognised as, and what it will load."""

    name: str
    size_bytes: int
    sha256: str = ""
    source_format: str | None = None
    tables: list[str] = field(default_factory=list)
    rows: int = 0
    period: tuple[dt.date, dt.date] | None = None
    issues: list[Issue] = field(default_factory=list)
    loads: list[store.TableLoad] = field(default_factory=list)
    catalogue: pl.DataFrame | None = None  # a council's measure catalogue rows (§B.5.2)

    @property
    def blocked(self) -> bool:
        return has_errors(self.issues)


@dataclass
class Upload:
    quarter: periods.Quarter
    files: list[FileResult]

    @property
    def issues(self) -> list[Issue]:
        return [i for f in self.files for i in f.issues]

    @property
    def blocked(self) -> bool:
        return any(f.blocked for f in self.files)

    @property
    def loads(self) -> list[store.TableLoad]:
        return [t for f in self.files for t in f.loads]

    @property
    def catalogue(self) -> pl.DataFrame | None:
        rows = [f.catalogue for f in self.files if f.catalogue is not None]
        return pl.concat(rows) if rows else None

    def summary(self) -> pl.DataFrame:
        """One row per file: format, tables, rows, period covered, issue counts."""
        rows = []
        for f in self.files:
            sev = [i.severity for i in f.issues]
            rows.append({
                "file": f.name,
                "format": f.source_format or "not recognised",
                "tables": ", ".join(f.tables),
                "rows": f.rows,
                "from": periods.format_date(f.period[0]) if f.period else "",
                "to": periods.format_date(f.period[1]) if f.period else "",
                "errors": sev.count("error"),
                "warnings": sev.count("warning"),
            })  # fmt: skip
        return pl.DataFrame(rows)


def read(
    files: Sequence[tuple[str, bytes]],
    quarter: periods.Quarter,
    la_code: str | None = None,
    held: Mapping[str, frozenset[str]] | None = None,
    catalogue: pl.DataFrame | None = None,
) -> Upload:
    """Recognise and parse each file; nothing is written anywhere.

    ``la_code`` is the council's code, where known, for the C04 check of codes in the files.
    ``held`` is the quarter's stored child ids per format (``held_children``), so an event whose
    child was loaded earlier is not taken for a child with no child row (K05).
    ``catalogue`` is the council's stored measure catalogue (``council_measures.stored``), so
    values of the council's own measures are known (M01).
    """
    too_big = sum(len(data) for _, data in files) > MAX_LOAD_BYTES
    with pseudonymise.shared_memo(), local_measures.council_catalogue(catalogue):
        results = _read_all(files, quarter, la_code, too_big)
        _check_across_files(results, held)
        return Upload(quarter, results)


def held_children(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> dict[str, frozenset[str]]:
    """The quarter's stored child ids (pseudonymised), per source format."""
    snap = store.snapshot_for(con, quarter)
    if snap is None:
        return {}
    rows = con.execute(
        "select source_format, list(distinct child_id) from child "
        "where snapshot_id = ? group by all",
        [snap.snapshot_id],
    ).fetchall()
    return {str(fmt): frozenset(ids) for fmt, ids in rows}


def _check_across_files(
    results: list[FileResult], held: Mapping[str, frozenset[str]] | None
) -> None:
    """K04 and K05 (formats.md §D.2) over the loads of every file that is not blocked."""
    loads = [t for r in results if not r.blocked for t in r.loads]
    if not loads:
        return
    checked = cross_file.check(loads, held)
    by_name = {r.name: r for r in results if not r.blocked}
    for issue in checked.issues:
        by_name[issue.file].issues.append(issue)
    for (
        stub
    ) in checked.stubs:  # stored with the event file; its own tables and rows stay
        owner = next(r for r in results if r.sha256 == stub.sha256)
        owner.loads.append(stub)


def _read_all(
    files: Sequence[tuple[str, bytes]],
    quarter: periods.Quarter,
    la_code: str | None,
    too_big: bool,
) -> list[FileResult]:
    results: list[FileResult] = []
    seen: set[str] = set()
    for name, data in files:
        result = FileResult(name=_safe_name(name), size_bytes=len(data))
        refusal = _size_refusal(result.name, len(data), too_big)
        if refusal is not None:
            result.issues.append(refusal)
            results.append(result)
            continue
        digest = hashlib.sha256(data).hexdigest()
        result.sha256 = digest
        if digest in seen:
            result.issues.append(
                Issue("F10", "error", result.name,
                      f"{result.name} is the same file as one already in this upload. "
                      "Remove the copy.")
            )  # fmt: skip
            results.append(result)
            continue
        seen.add(digest)
        others = {n: d for n, d in files if d is not data}
        _parse_one(result, data, quarter, others)
        _check_la_code(result, data, la_code)
        results.append(result)
    return results


def _size_refusal(name: str, size: int, load_too_big: bool) -> Issue | None:
    """Size limits, checked before any parser runs (security.md S23)."""
    if size > MAX_FILE_BYTES:
        return Issue("F03", "error", name,
                     f"{name} is larger than 50 MB. Split it, or load fewer years.")  # fmt: skip
    if load_too_big:
        return Issue("F03", "error", name,
                     f"{name}: the files of this load add up to more than 200 MB. "
                     "Load them in smaller groups.")  # fmt: skip
    return None


def _parse_one(
    result: FileResult, data: bytes, quarter: periods.Quarter, others: dict[str, bytes]
) -> None:
    """Parse and check one file within the parse-time limit (security.md S26, F03)."""
    try:
        with deadline.parsing(), frames.file_digest(data, result.sha256):
            _parse_checked(result, data, quarter, others)
            deadline.check()
    except deadline.ParseTimeExceededError:
        result.source_format = None
        result.loads, result.tables, result.rows, result.period = [], [], 0, None
        result.issues = [
            Issue("F03", "error", result.name, deadline.message(result.name))
        ]


def _parse_checked(
    result: FileResult, data: bytes, quarter: periods.Quarter, others: dict[str, bytes]
) -> None:
    try:
        parsed = dispatch.parse(result.name, data, quarter, others)
    except pseudonymise.KeyConfigError as exc:
        result.issues.append(Issue("F09", "error", result.name, str(exc)))
        return
    result.source_format = parsed.source_format
    loads, issues = parsed.loads, parsed.issues
    if has_errors(issues):
        result.issues += issues
        return
    kept = []
    if loads and all(load.frame.height == 0 for load in loads):
        issues.append(
            Issue("I04", "info", result.name,
                  f"{result.name} has headers and no records, so it replaces nothing.")
        )  # fmt: skip
    for load in loads:
        if load.frame.height == 0:
            continue
        _, more = row_checks.check(load, load.extract_date)
        issues += more
        kept.append(load)
    result.issues += issues
    loads = kept
    result.loads = loads
    result.tables = [t.table for t in loads]
    result.rows = sum(t.frame.height for t in loads)
    result.period = _period(loads)
    if parsed.catalogue is not None:
        result.catalogue = parsed.catalogue
        result.tables.append(council_measures.TABLE)
        result.rows += parsed.catalogue.height


def _check_la_code(result: FileResult, data: bytes, la_code: str | None) -> None:
    """C04: a CIN census whose LA code is not the council's (a warning; it still loads)."""
    if la_code is None or result.source_format != "cin_xml":
        return

    in_file = cin_census.la_code(data)
    if in_file and in_file.strip() != la_code.strip():
        result.issues.append(
            Issue("C04", "warning", result.name,
                  f"{result.name} is for LA {in_file.strip()}, not this council ({la_code}). "
                  "Check that you uploaded your own council's file.",
                  column="Header/Source/LEA", value=in_file.strip()[:100])
        )  # fmt: skip


def _period(loads: list[store.TableLoad]) -> tuple[dt.date, dt.date] | None:
    starts = [t.coverage_start for t in loads if t.coverage_start]
    ends = [t.extract_date for t in loads if t.extract_date]
    return (min(starts), max(ends)) if starts and ends else None


def _safe_name(name: str) -> str:
    """Display name only: path parts and control characters removed, at most 100 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if ch.isprintable()).strip()
    return (clean or "unnamed file")[:100]


class LoadRefusedError(Exception):
    """The load did not happen; the message says why in one line."""


def check_council(con: duckdb.DuckDBPyConnection, code: str) -> benchmarks.Council:
    who = benchmarks.council(code)
    held = store.council_code(con)
    if held is not None and held != who.code:
        raise LoadRefusedError(
            f"This database holds council {held}; it cannot also hold council {who.code}. "
            "Use another database file for another council."
        )
    return who


def load(
    con: duckdb.DuckDBPyConnection,
    code: str,
    upload: Upload,
    progress: Progress | None = None,
) -> int:
    """Load the upload as the quarter's snapshot and compute its values; returns snapshot id."""
    if upload.blocked:
        raise LoadRefusedError(
            "Some files have errors: fix or remove them, then load again."
        )
    if not upload.loads and upload.catalogue is None:
        raise LoadRefusedError(
            "There is nothing to load: no file holds rows csperf uses."
        )
    who = check_council(con, code)
    if not upload.loads:  # a measure catalogue alone changes no quarter's rows
        return council_measures.load_catalogue(con, upload.catalogue)
    say = progress or (lambda _f, _m: None)
    quarter = upload.quarter
    issues = issues_frame(upload.issues)
    try:
        with store.transaction(con):
            if store.council_code(con) is None:
                store.set_setting(con, "council.code", who.code)
                store.set_setting(con, "council.name", who.name)
                store.set_setting(con, "council.nation", who.nation)
            changed = council_measures.store_rows(con, upload.catalogue)
            say(0.3, f"Writing {quarter.label_short}")
            sid = store.replace_quarter(
                con, who.code, who.nation, quarter, upload.loads, issues
            )
            say(0.7, f"Computing indicators for {quarter.label_short}")
            computed = values.compute_snapshot(con, sid, quarter, who)
            values.store_snapshot(con, sid, computed)
            _store_coverage_issues(con, sid, computed)
            store.audit(con, "load", "ok", str(quarter), _audit_detail(upload))
    except duckdb.Error as exc:
        _audit_failure(con, upload, type(exc).__name__)
        raise LoadRefusedError(
            f"The load failed and nothing was changed ({type(exc).__name__})."
        ) from exc
    if changed:  # a stored measure's row changed: every quarter's values follow it
        values.recompute(con)  # refreshes the commentary of every quarter too
    else:  # reviewed commentary whose figures changed becomes stale (never fails the load)
        commentary_review.after_load(con, quarter)
    say(1.0, f"Loaded {quarter.label_short}")
    return sid


def _store_coverage_issues(
    con: duckdb.DuckDBPyConnection, snapshot_id: int, computed: pl.DataFrame
) -> None:
    """C03: one warning per indicator whose windows the snapshot does not cover."""
    gaps = (
        computed.filter(pl.col("status").is_in(["not covered", "partial coverage"]))
        .group_by("indicator_id", maintain_order=True)
        .agg(pl.first("status"), pl.first("status_reason"))
    )
    for ind, status, reason in gaps.iter_rows():
        store.run(
            con,
            "insert into load_issue (snapshot_id, field, code, severity, message) "
            "values (?, ?, 'C03', 'warning', ?)",
            [snapshot_id, ind, f"{ind}: {status}. {reason or ''}".strip()],
        )


def coverage_gaps(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> list[str]:
    """The C03 messages of a loaded quarter: indicators its snapshot cannot support."""
    rows = con.execute(
        "select i.message from load_issue i join snapshot s using (snapshot_id) "
        "where s.quarter = ? and i.code = 'C03' order by i.field",
        [str(quarter)],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _audit_detail(upload: Upload) -> dict[str, object]:
    sev = [i.severity for i in upload.issues]
    return {
        "files": [
            {"sha256": f.sha256,
             "format": f.source_format, "rows": f.rows}
            for f in upload.files
        ],
        "errors": sev.count("error"),
        "warnings": sev.count("warning"),
        "app_version": store.APP_VERSION,
    }  # fmt: skip


def _audit_failure(con: duckdb.DuckDBPyConnection, upload: Upload, reason: str) -> None:
    with contextlib.suppress(duckdb.Error):
        store.audit(
            con, "load_failed", reason, str(upload.quarter), _audit_detail(upload)
        )
