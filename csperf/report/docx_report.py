"""``report.docx``: the committee pack in Word (report.md): cover report and Appendix 1, A4,
real headings, tables with a repeated header row, charts with alt text, page numbers.

All text enters as python-docx runs (security.md S32), never as XML. The core properties are
fixed (created and modified = the generation time, author = the council, revision 1) and the
package is re-zipped with members dated 1980, so two builds are byte-identical.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor

from csperf.report import content, html_report

CHART_WIDTH = Mm(160)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
DRAFT_COLOUR = RGBColor(0x8A, 0x1C, 0x00)


def render(report: content.Report, template: bytes | None = None) -> bytes:
    """The pack; on the council's Word template when given (its styles, headers, footers and
    logo kept, its body replaced), else on a clean A4 default."""
    if template is None:
        doc = Document()
        _page(doc, report)
    else:
        doc = _on_template(template)
    _properties(doc, report)
    _cover(doc, report)
    _appendix(doc, report)
    _about(doc, report)
    out = io.BytesIO()
    doc.save(out)
    return _fixed_zip(out.getvalue())


PARAGRAPH_STYLES = (
    "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number",
    "Intense Quote", "Caption",
)  # fmt: skip


def _on_template(template: bytes) -> DocumentObject:
    """The template with its body emptied (the final section properties, which hold its
    headers, footers and page set-up, stay), and every style the pack uses present."""
    doc = Document(io.BytesIO(template))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    names = {s.name for s in doc.styles}
    for name in PARAGRAPH_STYLES:
        if name not in names:
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = doc.styles["Normal"]
            if name.startswith(("Heading", "Title")):
                style.font.bold = True
    if "Table Grid" not in names:
        doc.styles.add_style("Table Grid", WD_STYLE_TYPE.TABLE)
    return doc


def _page(doc: DocumentObject, report: content.Report) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10.5)
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{report.council} \u2013 {report.quarter_label} \u2013 page ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    footer._p.append(field)


def _properties(doc: DocumentObject, report: content.Report) -> None:
    props = doc.core_properties
    props.author = report.council
    props.last_modified_by = report.council
    props.title = f"{report.settings.title}: {report.quarter_label}"
    props.subject = "Children's social care performance"
    props.created = report.generated_at
    props.modified = report.generated_at
    props.last_printed = report.generated_at
    props.revision = 1
    props.comments = ""
    props.keywords = ""
    props.category = ""


def _fixed_zip(data: bytes) -> bytes:
    """The package with its members in order and dated 1980."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _paras(doc: DocumentObject, text: str | None, fallback: str = "") -> None:
    for para in html_report.paragraphs(text) or ([fallback] if fallback else []):
        doc.add_paragraph(para)


def _cover(doc: DocumentObject, report: content.Report) -> None:
    s = report.settings
    doc.add_heading(s.title, level=0)
    meeting = ", ".join(x for x in (s.committee, s.meeting_date) if x)
    if meeting:
        doc.add_paragraph().add_run(meeting).bold = True
    doc.add_paragraph(
        f"{report.council} \u2013 children's social care performance \u2013 "
        f"{report.quarter_label}"
    )
    doc.add_heading("1. Summary", level=1)
    doc.add_paragraph(
        f"This report presents the children's social care performance data of "
        f"{report.council} for {report.quarter_label}. The data, charts and commentary "
        "for each indicator are in Appendix 1."
    )
    doc.add_heading("2. Background", level=1)
    _paras(doc, s.background)
    doc.add_heading("3. Performance data", level=1)
    doc.add_paragraph("The indicators provided, by theme:")
    for theme, titles in report.indicator_list:
        doc.add_paragraph().add_run(theme).bold = True
        for title in titles:
            doc.add_paragraph(title, style="List Bullet")
    doc.add_heading("4. Headlines", level=1)
    if report.headlines:
        if report.headlines_draft:
            _draft_run(doc.add_paragraph(), "")
        for point in report.headlines:
            doc.add_paragraph(point, style="List Bullet")
    else:
        doc.add_paragraph(
            report.commentary_note
            or "No overall summary has been written for this quarter."
        )
    doc.add_heading("5. Purpose of the meeting and recommendations", level=1)
    doc.add_paragraph("The panel is asked to:")
    for rec in s.recommendations:
        doc.add_paragraph(rec, style="List Number")
    doc.add_heading("6. Supporting information", level=1)
    _paras(doc, s.supporting_information, "None.")
    doc.add_heading("Contact points", level=2)
    _paras(doc, s.contact, "Not given.")
    doc.add_heading("Background papers", level=2)
    _paras(doc, s.background_papers, "None.")


def _draft_run(paragraph: object, after: str) -> None:
    run = paragraph.add_run(content.DRAFT_MARK + ("." if after else ""))  # type: ignore[attr-defined]
    run.bold = True
    run.font.color.rgb = DRAFT_COLOUR
    if after:
        paragraph.add_run(" " + after)  # type: ignore[attr-defined]


def _page_break(doc: DocumentObject) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _appendix(doc: DocumentObject, report: content.Report) -> None:
    _page_break(doc)
    doc.add_heading(f"Appendix 1: performance data, {report.quarter_label}", level=1)
    doc.add_paragraph(report.legend, style="Intense Quote")
    for theme, items in report.by_theme():
        doc.add_heading(theme, level=1)
        for x in items:
            _indicator(doc, x)


def _indicator(doc: DocumentObject, x: content.Section) -> None:
    doc.add_heading(x.title, level=2)
    if x.no_data:
        doc.add_paragraph().add_run(x.no_data).italic = True
    for chart in x.charts:
        doc.add_picture(io.BytesIO(chart.png), width=CHART_WIDTH)
        shape = doc.inline_shapes[-1]
        props = shape._inline.docPr
        props.set("descr", chart.alt)
        props.set("title", chart.title)
        doc.add_paragraph(chart.title, style="Caption")
    if x.table is not None:
        doc.add_paragraph(x.table.caption, style="Caption")
        _table(doc, x.table)
    doc.add_heading("Commentary", level=3)
    if x.commentary:
        for i, para in enumerate(html_report.paragraphs(x.commentary)):
            p = doc.add_paragraph()
            if x.draft and i == 0:
                _draft_run(p, para)
            else:
                p.add_run(para)
    else:
        doc.add_paragraph().add_run("No commentary has been drafted.").italic = True
    for caveat in x.caveats:
        doc.add_paragraph().add_run(caveat).italic = True
    doc.add_heading("Method note", level=3)
    for heading, text in x.method:
        p = doc.add_paragraph()
        p.add_run(f"{heading}. ").bold = True
        p.add_run(text)
    if x.spc_key:
        p = doc.add_paragraph()
        p.add_run("Variation (SPC). ").bold = True
        p.add_run(x.spc_key)


def _widths(head: tuple[str, ...]) -> list[Length]:
    """Column widths over the 170 mm text width: a label column, a wide last column for the
    SPC signal when there is one, the figures sharing the rest."""
    text_last = head[-1] == "SPC signal"
    last = 48 if text_last else 0
    rest = len(head) - 1 - (1 if text_last else 0)
    share = (170 - 30 - last) / max(rest, 1)
    return [Mm(30), *(Mm(share) for _ in range(rest)), *([Mm(last)] if last else [])]


def _table(doc: DocumentObject, t: content.Table) -> None:
    table = doc.add_table(rows=1, cols=len(t.head))
    table.style = "Table Grid"
    table.autofit = False
    widths = _widths(t.head)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the table grid, which LibreOffice reads
    text_last = t.head[-1] == "SPC signal"
    for i, (cell, text) in enumerate(zip(table.rows[0].cells, t.head, strict=True)):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        cell.width = widths[i]
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for row in t.rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.text = text
            cell.width = widths[i]
            figure = i > 0 and not (text_last and i == len(row) - 1)
            if figure:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _about(doc: DocumentObject, report: content.Report) -> None:
    _page_break(doc)
    doc.add_heading("About this data", level=1)
    for heading, text in report.about:
        doc.add_heading(heading, level=2)
        doc.add_paragraph(text)
    doc.add_paragraph(f"Generated {report.generated_text}.", style="Caption")
