"""``report.html``: the pack as one self-contained accessible HTML file (security.md S30).

Rendered from ``commentary_templates/report/report.html.j2`` with autoescape on, so every piece
of text (commentary, cover fields, labels) is escaped; charts are inline ``data:`` SVG images
with their alt text; a CSP meta tag forbids any request outside the file.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2

from csperf.report import content

TEMPLATES = Path(__file__).resolve().parents[2] / "commentary_templates" / "report"
_ENV: jinja2.Environment | None = None
_FOOTER = re.compile(r"[^A-Za-z0-9 ,.()\u2013-]")


def environment() -> jinja2.Environment:
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html.j2"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _ENV


def paragraphs(text: str | None) -> list[str]:
    """Text split at blank lines, each paragraph's lines joined."""
    if not text:
        return []
    blocks = re.split(r"\n\s*\n", text.strip())
    return [" ".join(b.split()) for b in blocks if b.strip()]


def data_uri(chart: content.Chart) -> str:
    encoded = base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def bundle_uri(chart: content.Chart) -> str:
    """The chart's 2x PNG in the bundle, which the PDF renderer serves from memory."""
    return f"bundle:{chart.stem}.png"


def render(report: content.Report, for_print: bool = False) -> str:
    """The pack as HTML: charts as inline SVG, or as 2x PNG for the PDF (faster to paint)."""
    template = environment().get_template("report.html.j2")
    footer = _FOOTER.sub("", f"{report.council} \u2013 {report.quarter_label}")
    return template.render(
        r=report,
        s=report.settings,
        created=report.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        footer=footer,
        draft_mark=content.DRAFT_MARK,
        paras=paragraphs,
        uri=bundle_uri if for_print else data_uri,
    )
