"""The report bundle (report.md): every file of the committee pack, the manifest and the zip.

``build(con, quarter)`` reads the quarter's stored values and commentary, passes every figure
through ``disclosure.publish`` (tables, chart data and the manifest's row counts alike) and
returns the files by their path in the zip. Nothing reads the clock: the generation time is the
quarter snapshot's loaded time, document metadata is fixed and zip members are dated 1980, so
two builds from the same database are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from csperf import (
    analysis_settings,
    council_measures,
    data_quality,
    disclosure,
    indicators,
    periods,
    store,
)
from csperf.report import (
    content,
    docx_report,
    html_report,
    pdf_report,
    saved_settings,
    sections,
    tables,
    word_template,
)

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
NAME = re.compile(r"^[a-z0-9_.-]+(/[a-z0-9_.-]+)?$")
SUMMARY = "_summary"
PLACEHOLDER = "[Analyst:"  # a gap the commentary leaves for the analyst
REVIEWED = ("accepted", "edited")
Progress = Callable[[float, str], None]


class BundleError(Exception):
    """The bundle cannot be built as asked; the message says why."""


class StaleCommentaryError(BundleError):
    """Commentary made stale by a data change must be re-reviewed or kept as draft first."""

    def __init__(self, indicator_ids: Sequence[str]) -> None:
        self.indicator_ids = tuple(indicator_ids)
        super().__init__(
            "Commentary is out of date for "
            + ", ".join(self.indicator_ids)
            + ": re-review it on the Commentary page, or keep it as a draft "
            "(allow_draft / --allow-draft)."
        )


class DisclosureLintError(BundleError):
    """Text would publish a small count near a cohort noun (security.md S6)."""

    def __init__(self, findings: Sequence[str]) -> None:
        self.findings = tuple(findings)
        super().__init__("Text to publish needs attention: " + " ".join(self.findings))


class ParagraphLike(Protocol):
    @property
    def indicator_id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Paragraph:
    """A commentary paragraph as the bundle needs it (commentary_review.Paragraph fits too)."""

    indicator_id: str
    text: str
    status: str  # draft, accepted, edited, stale
    generated_text: str = ""


@dataclass(frozen=True)
class Bundle:
    name: str  # the download name
    files: dict[str, bytes]  # path in the zip -> bytes, manifest.json included
    manifest: dict[str, Any]
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)  # Vega-Lite, by stem

    def zip_bytes(self) -> bytes:
        """The bundle as one zip: members sorted, dated 1980, deflated."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED  # the charts' PNGs halve
                info.external_attr = 0o644 << 16
                zf.writestr(info, self.files[path])
        return out.getvalue()


def unreviewed(paragraphs: Sequence[ParagraphLike]) -> list[str]:
    """Indicators whose paragraph is a draft or stale (the command line refuses these)."""
    return [p.indicator_id for p in paragraphs if p.status not in REVIEWED]


def stored_paragraphs(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> list[ParagraphLike]:
    """The quarter's commentary as it would be published now: the analyst's reviewed text
    where it exists, else the current draft (status ``draft``); a reviewed paragraph whose
    figures changed is ``stale`` with its new draft. Read-only: nothing is stored."""
    from csperf import commentary_text

    return [
        Paragraph(i.indicator_id, i.text, i.status, i.draft_text)
        for i in commentary_text.current(con, quarter)
    ]


def download_name(council_code: str, quarter: periods.Quarter) -> str:
    code = re.sub(r"[^a-z0-9]", "", council_code.lower()) or "council"
    return f"{code}-{quarter.fy_label}-Q{quarter.q}-performance.zip"


def build(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    *,
    allow_draft: bool = False,
    acknowledge_lint: bool = False,
    paragraphs: Sequence[ParagraphLike] | None = None,
    settings: content.ReportSettings | None = None,
    progress: Progress | None = None,
) -> Bundle:
    """Every file of the quarter's bundle. Raises StaleCommentaryError when a paragraph is
    stale and ``allow_draft`` is not given (stale text then goes in as its new draft)."""
    say = progress or (lambda _f, _m: None)
    settings = settings or saved_settings.read(con)
    snap = store.snapshot_for(con, quarter)
    if snap is None:
        raise BundleError(f"No data loaded for {quarter}.")
    given = stored_paragraphs(con, quarter) if paragraphs is None else list(paragraphs)
    stale = [p.indicator_id for p in given if p.status == "stale"]
    if stale and not allow_draft:
        raise StaleCommentaryError(stale)
    generated_at = _naive(snap.loaded_at)
    council = str(store.get_setting(con, "council.name", "") or snap.la_code)
    analysis = analysis_settings.read(con)
    say(0.05, "Publishing the figures through the disclosure gate")
    table = tables.build(con, quarter)
    chosen = _indicators(con, snap.nation, settings)
    say(0.1, "Drawing the charts")
    built = sections.build(
        con, quarter, snap.nation, council, table, chosen, given, analysis, say
    )
    report = sections.report(
        con, quarter, snap, council, generated_at, settings, table, built, given
    )
    findings = _lint(report, table.threshold, chosen)
    if findings and not acknowledge_lint:
        raise DisclosureLintError(findings)
    say(0.8, "Writing the documents")
    files: dict[str, bytes] = {}
    specs: dict[str, dict[str, Any]] = {}
    for section in report.sections:
        for chart in section.charts:
            files[chart.stem + ".png"] = chart.png
            files[chart.stem + ".svg"] = chart.svg.encode("utf-8")
    specs.update(built.specs)
    say(0.85, "Paginating the PDF")
    pdf = pdf_report.Pending(
        html_report.render(report, for_print=True),
        {p: b for p, b in files.items() if p.startswith("charts/")},
    )
    html = html_report.render(report)
    files["report.html"] = html.encode("utf-8")
    council_template = word_template.stored(con)
    files["report.docx"] = docx_report.render(
        report, council_template[1] if council_template else None
    )
    files[tables.CSV_PATH] = tables.csv_bytes(table)
    files[tables.XLSX_PATH] = tables.xlsx_bytes(table, generated_at, council, quarter)
    files["data_quality.csv"] = data_quality_csv(con, quarter)
    files["commentary.md"] = commentary_markdown(report).encode("utf-8")
    say(0.95, "Waiting for the PDF")
    files["report.pdf"] = pdf.result()
    for path in files:
        if not NAME.match(path) or len(path) > 100:
            raise BundleError(f"unsafe file name in the bundle: {path!r}")
    manifest = _manifest(
        con, quarter, snap, council, generated_at, table, report, given, allow_draft,
        findings, analysis, files,
    )  # fmt: skip
    files["manifest.json"] = (
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    ).encode("utf-8")
    say(1.0, "Done")
    return Bundle(download_name(snap.la_code, quarter), files, manifest, specs)


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=None, microsecond=0)


def _indicators(
    con: duckdb.DuckDBPyConnection, nation: str, settings: content.ReportSettings
) -> list[indicators.Indicator]:
    known = council_measures.for_nation(con, nation)
    if settings.indicator_ids is None:
        order = list(tables.SHEET_NAMES)
        return sorted(
            known, key=lambda i: order.index(i.theme) if i.theme in order else 99
        )
    by_id = {i.id: i for i in known}
    missing = [i for i in settings.indicator_ids if i not in by_id]
    if missing:
        raise BundleError(f"unknown indicators: {', '.join(missing)}")
    return [by_id[i] for i in settings.indicator_ids]


def _lint(
    report: content.Report, threshold: int, chosen: list[indicators.Indicator]
) -> list[str]:
    """S6 on the text written by people or templates: commentary, headlines, cover fields."""
    labels = tuple(
        x for i in chosen for x in (i.title, i.title_wales, i.definition) if x
    )
    s = report.settings
    texts = [
        *report.headlines,
        s.title, s.committee, s.background, *s.recommendations,
        s.supporting_information, s.contact, s.background_papers,
        *(x.commentary or "" for x in report.sections),
        *(c.title + " " + c.alt for x in report.sections for c in x.charts),
    ]  # fmt: skip
    found: list[str] = []
    for text in texts:
        found.extend(disclosure.lint_text(text, threshold, labels))
    return found


# ---------------------------------------------------------------- data quality, commentary

_TRIGGER = re.compile(r"^[=+\-@\t\r\n]")
DQ_COLUMNS = ("severity", "code", "file", "sheet", "row", "column", "field", "message")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if _TRIGGER.match(text):
        text = "'" + text
    return '"' + text.replace('"', '""') + '"'


def data_quality_csv(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> bytes:
    """The snapshot's validation issues without cell values (no child identifiers), CSV for
    Excel: UTF-8 with BOM, text quoted, formula-led text escaped (S28)."""
    frame = data_quality.issues(con, quarter)
    columns = [c for c in DQ_COLUMNS if c in frame.columns]
    lines = [",".join(_csv_text(c) for c in columns)]
    for row in frame.select(columns).iter_rows():
        lines.append(",".join(_csv_text(v) for v in row))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def commentary_markdown(report: content.Report) -> str:
    """The commentary as Markdown, drafts marked, for pasting into other systems."""
    out = [f"# {report.council}: {report.quarter_label}", ""]
    if report.commentary_note:
        out += [report.commentary_note, ""]
    if report.headlines:
        out += ["## Headlines", ""]
        if report.headlines_draft:
            out += [f"**{content.DRAFT_MARK}**", ""]
        out += [f"- {h}" for h in report.headlines] + [""]
    for theme, items in report.by_theme():
        out += [f"## {theme}", ""]
        for s in items:
            out += [f"### {s.title}", ""]
            if s.no_data:
                out += [f"*{s.no_data}*", ""]
            if s.commentary:
                mark = f"**{content.DRAFT_MARK}.** " if s.draft else ""
                out += [mark + s.commentary.strip(), ""]
            elif not s.no_data:
                out += ["*No commentary has been drafted.*", ""]
    out += ["---", "", report.legend, ""]
    return "\n".join(out)


# ---------------------------------------------------------------- manifest


def app_version() -> str:
    project = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        return str(tomllib.loads(project.read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _gated_count(n: Any, threshold: int) -> int | str | None:
    if n is None:
        return None
    return disclosure.SYMBOL if 1 <= int(n) <= threshold else int(n)


def _manifest(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    snap: store.Snapshot,
    council: str,
    generated_at: dt.datetime,
    table: disclosure.PublishableTable,
    report: content.Report,
    given: Sequence[ParagraphLike],
    allow_draft: bool,
    findings: list[str],
    analysis: dict[str, dict[str, Any]],
    files: dict[str, bytes],
) -> dict[str, Any]:
    sources = con.execute(
        "select display_name, source_format, sha256, rows from snapshot_file "
        "where snapshot_id = ? order by file_no",
        [snap.snapshot_id],
    ).fetchall()
    status = {p.indicator_id: p.status for p in given}
    commentary = {
        s.indicator_id: _commentary_status(status.get(s.indicator_id))
        for s in report.sections
    }
    if SUMMARY in status:
        commentary = {SUMMARY: _commentary_status(status[SUMMARY]), **commentary}
    return {
        "council": council,
        "council_code": snap.la_code,
        "nation": snap.nation,
        "quarter": str(quarter),
        "quarter_label": quarter.label_long,
        "app_version": app_version(),
        "generated_at": generated_at.isoformat(),
        "source_files": [
            {
                "name": name,
                "format": fmt,
                "sha256": sha,
                "rows": _gated_count(rows, table.threshold),
            }
            for name, fmt, sha, rows in sources
        ],
        "disclosure": {
            **table.record.manifest(),
            "legend": disclosure.legend(table.threshold),
            "text_lint_findings_acknowledged": len(findings),
        },
        "spc": analysis.get("spc", {}),
        "benchmark_releases": sections.benchmark_releases(con, snap.snapshot_id),
        "indicators": [s.indicator_id for s in report.sections],
        "word_template": (word_template.stored(con) or (None,))[0],
        "commentary": commentary,
        "overrides": {
            "allow_draft": allow_draft,
            "stale_kept_as_draft": sorted(
                p.indicator_id for p in given if p.status == "stale"
            ),
            "placeholders_left": [
                s.indicator_id
                for s in report.sections
                if s.commentary and PLACEHOLDER in s.commentary
            ],
        },
        "files": [
            {
                "path": path,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for path, data in sorted(files.items())
        ],
    }


def _commentary_status(status: str | None) -> str:
    if status is None:
        return "none"
    if status in REVIEWED:
        return "reviewed"
    return "stale kept as draft" if status == "stale" else "draft"
