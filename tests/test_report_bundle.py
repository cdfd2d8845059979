"""The report bundle (report.md): every output opened with a real reader, hashes, determinism,
commentary status, disclosure and safe exports."""

from __future__ import annotations

import csv
import hashlib
import http.server
import io
import json
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import duckdb
import polars as pl
import pypdf
import pytest

from csperf import __main__ as cli
from csperf import council_measures, store
from csperf.report import bundle, content, pdf_report, sections

SMALL = {"1", "2", "3", "4", "5"}
NAME = re.compile(r"^[a-z0-9_.-]+(/[a-z0-9_.-]+)?$")
FORMULA = '=HYPERLINK("http://x?"&A1)'
SUBSET = ("contacts", "cp_category", "assessment_timeliness")


def _copy(src: Path, tmp: Path) -> duckdb.DuckDBPyConnection:
    db = tmp / "csperf.duckdb"
    shutil.copy(src, db)
    return store.connect(db)


@pytest.fixture(scope="module")
def demo_con(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = _copy(demo_db, tmp_path_factory.mktemp("bundle_db"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def latest(demo_con: duckdb.DuckDBPyConnection) -> Any:
    return store.quarters(demo_con)[-1]


@pytest.fixture(scope="module")
def full(demo_con: duckdb.DuckDBPyConnection, latest: Any) -> bundle.Bundle:
    """The demo's latest quarter, full catalogue, commentary never reviewed: built once
    with the current drafts, each marked as not reviewed."""
    return bundle.build(demo_con, latest)


def _subset(con: duckdb.DuckDBPyConnection, quarter: Any, **kw: Any) -> bundle.Bundle:
    settings = content.ReportSettings(indicator_ids=SUBSET, committee="Scrutiny Panel")
    return bundle.build(con, quarter, settings=settings, **kw)


# ---------------------------------------------------------------- files and manifest


def test_the_bundle_holds_every_file_of_report_md(full: bundle.Bundle) -> None:
    paths = set(full.files)
    for path in ("report.docx", "report.pdf", "report.html", "tables/indicators.xlsx",
                 "tables/indicators.csv", "data_quality.csv", "commentary.md",
                 "manifest.json", "charts/contacts-trend.png", "charts/contacts-trend.svg",
                 "charts/cla_rate-spc.png", "charts/placement_types-breakdown.svg"):  # fmt: skip
        assert path in paths, path
    assert all(NAME.match(p) and len(p) <= 100 for p in paths)
    assert full.name == "999-2026-27-Q2-performance.zip"


def test_the_manifest_hashes_match_the_files(full: bundle.Bundle) -> None:
    manifest = json.loads(full.files["manifest.json"])
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(full.files) - {"manifest.json"}
    for path, digest in listed.items():
        assert hashlib.sha256(full.files[path]).hexdigest() == digest
    assert manifest["council"] == "Northfield (fictional)"
    assert manifest["quarter"] == "2026-27Q2"
    assert manifest["disclosure"]["threshold"] == 5
    assert manifest["commentary"]["contacts"] == "draft"
    assert manifest["source_files"] and all(
        len(f["sha256"]) == 64 for f in manifest["source_files"]
    )


def test_the_zip_is_sorted_dated_1980_and_matches_the_files(
    full: bundle.Bundle,
) -> None:
    with zipfile.ZipFile(io.BytesIO(full.zip_bytes())) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(full.files)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.read("report.pdf") == full.files["report.pdf"]


def test_no_64_hex_token_outside_the_sha256_fields(full: bundle.Bundle) -> None:
    token = re.compile(rb"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
    for path, data in full.files.items():
        if path == "manifest.json":
            continue
        blobs = [data]
        if path.endswith((".docx", ".xlsx")):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                blobs = [zf.read(n) for n in zf.namelist()]
        assert not any(token.search(b) for b in blobs), path
    manifest = json.loads(full.files["manifest.json"])
    text = full.files["manifest.json"].decode()
    hashes = {f["sha256"] for f in manifest["files"] + manifest["source_files"]}
    assert set(re.findall(r"\b[0-9a-f]{64}\b", text)) <= hashes


# ---------------------------------------------------------------- documents


def test_the_docx_has_headings_tables_and_charts_with_alt_text(
    full: bundle.Bundle,
) -> None:
    doc = docx.Document(io.BytesIO(full.files["report.docx"]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for wanted in ("1. Summary", "2. Background", "3. Performance data", "4. Headlines",
                   "Contacts received", "About this data"):  # fmt: skip
        assert wanted in headings, wanted
    assert any(h.startswith("Appendix 1") for h in headings)
    assert doc.paragraphs[0].style.name == "Title"
    pngs = [p for p in full.files if p.startswith("charts/") and p.endswith(".png")]
    assert len(doc.inline_shapes) == len(pngs)
    for shape in doc.inline_shapes:
        alt = shape._inline.docPr.get("descr")
        assert alt and len(alt) > 20
    first = doc.tables[0]
    assert [c.text for c in first.rows[0].cells][:2] == ["Quarter", "Value"]
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    props = doc.core_properties
    assert props.author == "Northfield (fictional)"
    assert props.created == props.modified
    assert props.revision == 1
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "DRAFT \u2013 not reviewed" in text
    assert "There were 5,150 contacts received in Quarter 2 2026-27" in text


def test_the_pdf_is_a4_paginated_with_the_report_text(full: bundle.Bundle) -> None:
    reader = pypdf.PdfReader(io.BytesIO(full.files["report.pdf"]))
    assert len(reader.pages) > 20
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    first = reader.pages[0].extract_text()
    assert "Performance monitoring" in first and "1. Summary" in first
    assert "Page 1 of" in first
    rest = "\n".join(p.extract_text() for p in reader.pages[3:12])
    assert "Appendix 1" in rest and "Contacts received" in rest
    meta = reader.metadata
    assert meta is not None and meta.get("/Producer", "").startswith("WeasyPrint")
    assert meta.get("/CreationDate")


def test_the_html_is_self_contained_and_accessible(full: bundle.Bundle) -> None:
    html = full.files["report.html"].decode()
    assert "default-src 'none'" in html
    assert "<script" not in html.lower()
    sources = re.findall(r'\s(?:src|href)="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    imgs = re.findall(r"<img [^>]*>", html)
    assert imgs and all(re.search(r'alt="[^"]{20,}"', i) for i in imgs)
    assert '<html lang="en-GB">' in html and '<th scope="col">' in html


def test_the_tables_open_with_polars(full: bundle.Bundle) -> None:
    long = pl.read_excel(
        io.BytesIO(full.files["tables/indicators.xlsx"]), sheet_name="Long format"
    )
    assert long.height > 100 and "Indicator" in long.columns
    rows = list(
        csv.reader(io.StringIO(full.files["tables/indicators.csv"].decode("utf-8-sig")))
    )
    assert rows[0][0] == "indicator_id" and len(rows) == long.height + 1
    dq = full.files["data_quality.csv"].decode("utf-8-sig").splitlines()[0]
    assert dq.startswith('"severity","code","file"') and '"value"' not in dq


def test_two_builds_are_byte_identical(
    demo_con: duckdb.DuckDBPyConnection, latest: Any
) -> None:
    paragraphs = [bundle.Paragraph("contacts", "Contacts rose.", "draft")]
    one = _subset(demo_con, latest, paragraphs=paragraphs)
    two = _subset(demo_con, latest, paragraphs=paragraphs)
    assert one.zip_bytes() == two.zip_bytes()
    assert one.manifest["generated_at"] == two.manifest["generated_at"]


# ---------------------------------------------------------------- commentary status


def _docx_text(b: bundle.Bundle) -> str:
    doc = docx.Document(io.BytesIO(b.files["report.docx"]))
    return "\n".join(p.text for p in doc.paragraphs)


def test_stale_commentary_blocks_the_bundle(
    demo_con: duckdb.DuckDBPyConnection, latest: Any
) -> None:
    stale = [bundle.Paragraph("contacts", "Old reviewed text.", "stale", "New draft.")]
    with pytest.raises(bundle.StaleCommentaryError, match="contacts"):
        _subset(demo_con, latest, paragraphs=stale)


def test_drafts_are_marked_and_reviewed_text_goes_in_as_it_is(
    demo_con: duckdb.DuckDBPyConnection, latest: Any
) -> None:
    paragraphs = [
        bundle.Paragraph("_summary", "- Contacts rose\n- Plans fell", "draft"),
        bundle.Paragraph("contacts", "Old reviewed text.", "stale", "New draft text."),
        bundle.Paragraph("cp_category", "Reviewed words. [Analyst: add]", "accepted"),
        bundle.Paragraph("assessment_timeliness", "Draft words.", "draft"),
    ]
    built = _subset(demo_con, latest, paragraphs=paragraphs, allow_draft=True)
    text = _docx_text(built)
    assert f"{content.DRAFT_MARK}. New draft text." in text
    assert "Old reviewed text" not in text
    assert f"{content.DRAFT_MARK}. Draft words." in text
    assert "\nReviewed words. [Analyst: add]" in text
    assert "Contacts rose" in text and "Plans fell" in text
    html = built.files["report.html"].decode()
    assert html.count(content.DRAFT_MARK) == 3  # two paragraphs and the headlines
    md = built.files["commentary.md"].decode()
    assert f"**{content.DRAFT_MARK}.** Draft words." in md
    manifest = built.manifest
    assert manifest["commentary"]["contacts"] == "stale kept as draft"
    assert manifest["commentary"]["cp_category"] == "reviewed"
    assert manifest["overrides"] == {
        "allow_draft": True,
        "stale_kept_as_draft": ["contacts"],
        "placeholders_left": ["cp_category"],
    }


def test_commentary_is_text_in_every_document(
    demo_con: duckdb.DuckDBPyConnection, latest: Any
) -> None:
    evil = '<script>alert(1)</script> <img src="http://x/y.png"> <w:t>raw</w:t>'
    paragraphs = [bundle.Paragraph("contacts", evil, "edited")]
    built = _subset(demo_con, latest, paragraphs=paragraphs)
    html = built.files["report.html"].decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'src="http' not in html
    assert evil in _docx_text(built)


def test_the_command_line_refuses_unreviewed_commentary(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    db = tmp_path / "cli.duckdb"
    shutil.copy(demo_db, db)
    drafts = [bundle.Paragraph("contacts", "Draft.", "draft"),
              bundle.Paragraph("cla_rate", "Old.", "stale", "New.")]  # fmt: skip
    monkeypatch.setattr(bundle, "stored_paragraphs", lambda _con, _q: drafts)
    out = tmp_path / "pack.zip"
    args = ["report", "--db", str(db), "--quarter", "2026-27Q2", "--out", str(out)]
    assert cli.main(args) == cli.EXIT_INVALID
    assert not out.exists()
    err = capsys.readouterr().err
    assert "contacts" in err and "cla_rate" in err
    bad = ["report", "--db", str(db), "--quarter", "2030-31Q1", "--out", str(out)]
    assert cli.main(bad) == cli.EXIT_FAILED and not out.exists()


# ---------------------------------------------------------------- disclosure and escaping


@pytest.fixture(scope="module")
def crafted(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[bundle.Bundle]:
    """The demo with contacts and abuse categories made small (1 to 5) in the latest two
    quarters, and a council measure whose title starts with '='."""
    con = _copy(demo_db, tmp_path_factory.mktemp("crafted_db"))
    quarters = store.quarters(con)
    snaps = [store.snapshot_for(con, q) for q in quarters[-2:]]
    ids = [s.snapshot_id for s in snaps if s is not None]
    con.execute(
        "update indicator_value set numerator = 1 + (hash(category) % 5), "
        "value = 1 + (hash(category) % 5) "
        "where indicator_id in ('contacts', 'cp_category') and unit = 'count' "
        "and snapshot_id in (?, ?)",
        ids,
    )
    council_measures.store_rows(
        con,
        pl.DataFrame({"measure_id": ["lm_formula"], "title": [FORMULA], "unit": ["count"],
                      "polarity": ["neutral"], "description": ["A measure"],
                      "frequency": ["quarter"], "benchmark": [None]},
                     schema=dict.fromkeys(council_measures.COLUMNS, pl.String)),
    )  # fmt: skip
    snap = store.snapshot_for(con, quarters[-1])
    assert snap is not None
    con.execute(
        "insert into indicator_value (snapshot_id, indicator_id, period_end, breakdown, "
        "category, numerator, value, unit, status) values (?, 'lm_formula', ?, 'all', "
        "'all', 40, 40, 'count', 'ok')",
        [snap.snapshot_id, quarters[-1].end],
    )
    settings = content.ReportSettings(
        indicator_ids=("contacts", "cp_category", "lm_formula")
    )
    built = bundle.build(con, quarters[-1], settings=settings)
    con.close()
    yield built


def _numbers_in(obj: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _numbers_in(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _numbers_in(v, key)
    else:
        yield key, obj


def test_no_count_from_1_to_5_is_published(crafted: bundle.Bundle) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(crafted.files["tables/indicators.csv"].decode("utf-8-sig"))
        )
    )
    small = [r for r in rows if r["indicator_id"] in ("contacts", "cp_category")
             and r["period"] in ("2026-27Q1", "2026-27Q2")]  # fmt: skip
    assert small and all(r["value"] in ("c", "") for r in small)
    assert all(r["numerator"] in ("c", "") for r in small)
    long = pl.read_excel(io.BytesIO(crafted.files["tables/indicators.xlsx"]),
                         sheet_name="Long format", infer_schema_length=0)  # fmt: skip
    recent = long.filter(pl.col("Quarter").is_in(["2026-27Q1", "2026-27Q2"])
                         & pl.col("Indicator id").is_in(["contacts", "cp_category"]))  # fmt: skip
    assert recent.height and set(recent["Value"].drop_nulls()) <= {"c"}
    doc = docx.Document(io.BytesIO(crafted.files["report.docx"]))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells[1:]]
    assert "c" in cells and not SMALL & set(cells)
    html = crafted.files["report.html"].decode()
    assert not SMALL & set(re.findall(r"<td>([^<]*)</td>", html))
    for stem, spec in crafted.specs.items():
        for key, v in _numbers_in(spec.get("datasets", {})):
            if key in ("value", "shown"):
                n = v if isinstance(v, int | float) else None
                assert n is None or not (1 <= n <= 5 and float(n).is_integer()), stem
    trend = json.dumps(crafted.specs["charts/contacts-trend"])
    assert '"label": "c"' in trend  # the suppressed points are gaps labelled c
    reader = pypdf.PdfReader(io.BytesIO(crafted.files["report.pdf"]))
    assert reader.pages and "c = suppressed" in "".join(
        p.extract_text() for p in reader.pages
    )


def test_a_formula_led_label_is_escaped_in_the_csv_and_workbook(
    crafted: bundle.Bundle,
) -> None:
    raw = crafted.files["tables/indicators.csv"].decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x?""&A1)"' in raw
    with zipfile.ZipFile(io.BytesIO(crafted.files["tables/indicators.xlsx"])) as zf:
        sheets = b"".join(
            zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")
        )
        styles = zf.read("xl/styles.xml")
    assert b"<f>" not in sheets and b'quotePrefix="1"' in styles
    long = pl.read_excel(io.BytesIO(crafted.files["tables/indicators.xlsx"]),
                         sheet_name="Long format")  # fmt: skip
    assert FORMULA in long["Indicator"].to_list()
    assert FORMULA in _docx_text(crafted)


# ---------------------------------------------------------------- the PDF fetches nothing


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: Any) -> None:
        pass


def test_the_pdf_fetches_nothing_outside_the_bundle() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/x.css"
        fetcher = pdf_report.BundleFetcher()
        for bad in ("file:///etc/hostname", url, "bundle:../../etc/hostname"):
            with pytest.raises(pdf_report.RefusedURLError):
                fetcher.fetch(bad)
        host = (
            Path("/etc/hostname").read_text().strip()
            if Path("/etc/hostname").exists()
            else ""
        )
        html = (f'<html><head><link rel="stylesheet" href="{url}"></head><body>'
                '<p>pack</p><img src="file:///etc/hostname" alt="x"></body></html>')  # fmt: skip
        pdf = pdf_report.render(html)
        text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "pack" in text
        assert not host or host not in text
        assert _Counter.hits == 0
    finally:
        server.shutdown()


# ---------------------------------------------------------------- the Report page


def _report_page() -> Any:
    """The Report page, opened through the app (CSPERF_DB names the database)."""
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).parent.parent
    at = AppTest.from_file(str(root / "app.py"), default_timeout=90).run()
    at.switch_page("pages/report.py").run()
    return at


def _read_after_the_app(db: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only copy of what the app wrote: this process still holds the file open, and
    its latest writes may still be in the write-ahead log."""
    copy = tmp_path / "after.duckdb"
    shutil.copy(db, copy)
    if Path(f"{db}.wal").exists():
        shutil.copy(f"{db}.wal", f"{copy}.wal")
    return store.connect(copy, read_only=True)


def test_the_report_page_builds_the_chosen_indicators(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "page.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("CSPERF_DB", str(db))
    at = _report_page()
    assert not at.exception
    assert at.title[0].value == "Report"
    assert any("not reviewed" in w.value for w in at.warning)  # drafted on first use
    at.multiselect(key="rp_indicators").set_value(["contacts"]).run()
    at.text_input(key="rp_committee").set_value("Children's Scrutiny Panel").run()
    at.button(key="rp_build").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Built 999-2026-27-Q2-performance.zip")
    assert "Commentary" in [t.label for t in at.tabs]  # the preview
    shown = at.session_state["report_bundle"][3]
    assert [p for p, _ in shown["charts"]] == ["charts/contacts-trend.png"]
    # The fields are saved: a new session starts from them, and the CLI builds with them.
    at = _report_page()
    assert at.text_input(key="rp_committee").value == "Children's Scrutiny Panel"
    assert at.multiselect(key="rp_indicators").value == ["contacts"]
    con = _read_after_the_app(db, tmp_path)
    try:
        built = bundle.build(con, store.quarters(con)[-1], allow_draft=True)
    finally:
        con.close()
    assert built.manifest["indicators"] == ["contacts"]
    assert "Children&#39;s Scrutiny Panel" in built.files["report.html"].decode()


def test_a_welsh_council_gets_wales_comparators(wales_db: Path, tmp_path: Path) -> None:
    con = _copy(wales_db, tmp_path)
    try:
        quarter = store.quarters(con)[-1]
        settings = content.ReportSettings(indicator_ids=("cla_rate",))
        built = bundle.build(con, quarter, settings=settings)
    finally:
        con.close()
    doc = docx.Document(io.BytesIO(built.files["report.docx"]))
    head = [c.text for c in doc.tables[0].rows[0].cells]
    assert "Wales" in head and "England" not in head
    assert built.name.startswith("w06999999-")


def test_the_chart_renderer_fetches_no_external_data() -> None:
    from csperf.report import sections

    spec = {"data": {"url": "http://127.0.0.1:9/x.csv"}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}  # fmt: skip
    with pytest.raises(ValueError, match="not allowed"):
        sections.render_one(spec)


def _tiny_specs(n: int) -> list[dict[str, Any]]:
    return [
        {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
         "data": {"values": [{"a": i, "b": i * 2}, {"a": i + 1, "b": 3}]},
         "mark": "line", "encoding": {"x": {"field": "a", "type": "quantitative"},
                                      "y": {"field": "b", "type": "quantitative"}}}
        for i in range(n)
    ]  # fmt: skip


def test_charts_drawn_by_the_worker_process_equal_those_drawn_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = _tiny_specs(4)
    serial = [sections.render_one(s) for s in specs]
    monkeypatch.setattr(sections, "PARALLEL_FROM", 2)
    monkeypatch.setattr(sections.os, "cpu_count", lambda: 2)
    assert sections.render_all(specs) == serial


def test_a_failing_worker_leaves_every_chart_drawn_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specs = _tiny_specs(4)
    serial = [sections.render_one(s) for s in specs]
    monkeypatch.setattr(sections, "PARALLEL_FROM", 2)
    monkeypatch.setattr(sections.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(sections.sys, "executable", "/bin/false")
    assert sections.render_all(specs) == serial


# ---------------------------------------------------------------- the council's Word template


def _template(header: str = "Northfield Council letterhead", **extra: bytes) -> bytes:
    """A Word template made the way Word does: styles, a header and a body to be replaced."""
    made = docx.Document()
    made.sections[0].header.paragraphs[0].text = header
    made.add_paragraph("Template body text that the pack replaces.")
    out = io.BytesIO()
    made.save(out)
    if not extra:
        return out.getvalue()
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    dst_bytes = io.BytesIO()
    with zipfile.ZipFile(dst_bytes, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename in extra:
                data = extra.pop(item.filename)
            dst.writestr(item.filename, data)
        for name, data in extra.items():
            dst.writestr(name, data)
    return dst_bytes.getvalue()


def test_a_template_with_an_external_image_or_macros_is_refused() -> None:
    from csperf.report import word_template

    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId99" Type="'
        b'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        b'Target="http://example.org/logo.png" TargetMode="External"/></Relationships>'
    )
    with pytest.raises(word_template.TemplateRefusedError, match="outside itself"):
        word_template.check("t.docx", _template(**{"word/_rels/document.xml.rels": rels}))
    with pytest.raises(word_template.TemplateRefusedError, match="macros"):
        word_template.check("t.docx", _template(**{"word/vbaProject.bin": b"\0" * 10}))
    with pytest.raises(word_template.TemplateRefusedError, match=r"\.docx"):
        word_template.check("t.dotm", _template())
    with pytest.raises(word_template.TemplateRefusedError, match="10 MB"):
        word_template.check("t.docx", b"PK" + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(word_template.TemplateRefusedError, match="not a Word document"):
        word_template.check("t.docx", b"not a zip")
    word_template.check("t.docx", _template())  # a plain template passes


def test_the_pack_is_built_on_the_councils_template(demo_db: Path, tmp_path: Path) -> None:
    from csperf.report import word_template

    db = tmp_path / "csperf.duckdb"
    shutil.copy(demo_db, db)
    con = store.connect(db)
    try:
        word_template.save(con, "Northfield pack.docx", _template())
        quarter = store.quarters(con)[-1]
        settings = content.ReportSettings(indicator_ids=("contacts",))
        built = bundle.build(
            con, quarter, allow_draft=True, settings=settings,
            paragraphs=[bundle.Paragraph("contacts", "Text with <w:t>x</w:t> in it.", "draft")],
        )  # fmt: skip
        again = bundle.build(
            con, quarter, allow_draft=True, settings=settings,
            paragraphs=[bundle.Paragraph("contacts", "Text with <w:t>x</w:t> in it.", "draft")],
        )  # fmt: skip
    finally:
        con.close()
    doc = docx.Document(io.BytesIO(built.files["report.docx"]))
    assert doc.sections[0].header.paragraphs[0].text == "Northfield Council letterhead"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Template body text" not in text
    assert "1. Summary" in text and "Contacts received" in text
    assert "Text with <w:t>x</w:t> in it." in text  # user text is a run, never XML
    manifest = json.loads(built.files["manifest.json"])
    assert manifest["word_template"] == "Northfield pack.docx"
    assert built.zip_bytes() == again.zip_bytes()


def test_the_pdf_worker_gives_the_same_bytes_and_falls_back_when_it_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    html = (
        '<html><head><meta name="dcterms.created" content="2026-10-05T09:30:00Z">'
        '<meta name="dcterms.modified" content="2026-10-05T09:30:00Z"></head>'
        "<body><h1>Pack</h1><p>Text.</p></body></html>"
    )
    here = pdf_report.render(html, {})
    monkeypatch.setattr(pdf_report.os, "cpu_count", lambda: 2)
    assert pdf_report.Pending(html, {}).result() == here
    monkeypatch.setattr(pdf_report.sys, "executable", "/bin/false")
    assert pdf_report.Pending(html, {}).result() == here


def test_the_report_page_blocks_text_that_may_identify_children_until_acknowledged(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "page.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.setenv("CSPERF_DB", str(db))
    at = _report_page()
    at.multiselect(key="rp_indicators").set_value(["contacts"]).run()
    at.text_area(key="rp_support").set_value("3 children were placed out of area.").run()
    at.button(key="rp_build").click().run()
    assert not at.exception
    assert not at.success  # nothing built
    assert any("may identify children" in e.value for e in at.error)
    at.checkbox(key="rp_acknowledge_lint").check().run()
    at.button(key="rp_build").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Built 999-2026-27-Q2-performance.zip")
    con = _read_after_the_app(db, tmp_path)
    try:
        rows = con.execute(
            "select outcome from audit_log where event = 'disclosure_lint_acknowledged'"
        ).fetchall()
    finally:
        con.close()
    assert rows == [("ok",)]


def test_a_suppressed_category_of_a_distribution_is_labelled_c(
    demo_con: duckdb.DuckDBPyConnection, latest: Any
) -> None:
    from csperf import charts, indicators, values

    ind = indicators.registry()["placement_types"]
    rows = values.read(demo_con, latest, "placement_types").filter(
        pl.col("breakdown") == "placement_group"
    )
    first = rows["category"][0]
    published = rows.with_columns(
        value_suppressed=pl.col("category") == first,
        value=pl.when(pl.col("category") == first).then(None).otherwise(pl.col("value")),
    )
    drawn = charts.distribution(ind, published, str(latest), "placement_group", "Northfield")
    sections._label_suppressed_bars(drawn, published, latest, "Northfield", None)
    spec = drawn.to_dict()
    marks = [layer for layer in spec["layer"] if layer.get("mark", {}).get("text") is None
             and layer.get("encoding", {}).get("text", {}).get("field") == "label"]  # fmt: skip
    assert len(marks) == 1
    data = spec["datasets"][marks[0]["data"]["name"]]
    assert [(d["category"], d["label"]) for d in data] == [(first, "c")]
