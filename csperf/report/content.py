"""What the committee pack says, built once and written by each document writer (DOCX, HTML,
and the PDF made from the HTML). Every figure here is text that already passed the disclosure
gate; the writers only lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DRAFT_MARK = "DRAFT \u2013 not reviewed"
DEFAULT_TITLE = "Performance monitoring"
DEFAULT_BACKGROUND = (
    "Regular performance information helps members understand how well services for "
    "children and families are working, where they are improving and where further "
    "attention may be needed. The indicators compare the council with its own past "
    "performance, with England and similar councils, and with local targets."
)
DEFAULT_RECOMMENDATIONS = (
    "Consider the performance data in Appendix 1.",
    "Agree whether any other detail is required.",
    "Agree the frequency with which the data should be reported.",
    "Determine whether any area requires further scrutiny.",
    "Make any comments to the Cabinet Member.",
)


@dataclass(frozen=True)
class ReportSettings:
    """The editable cover-report fields (the Report page; defaults for the command line)."""

    title: str = DEFAULT_TITLE
    committee: str = ""
    meeting_date: str = ""
    background: str = DEFAULT_BACKGROUND
    recommendations: tuple[str, ...] = DEFAULT_RECOMMENDATIONS
    supporting_information: str = ""
    contact: str = ""
    background_papers: str = ""
    indicator_ids: tuple[str, ...] | None = None  # selection and order; None = all


@dataclass(frozen=True)
class Chart:
    """One chart of an indicator, rendered; the same title and alt text everywhere."""

    indicator_id: str
    kind: str  # trend, spc, breakdown
    title: str
    alt: str
    png: bytes
    svg: str

    @property
    def stem(self) -> str:
        return f"charts/{self.indicator_id}-{self.kind}"


@dataclass(frozen=True)
class Table:
    """A small published table: headings and rows of display text."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    """One indicator in Appendix 1."""

    indicator_id: str
    title: str
    theme: str
    charts: tuple[Chart, ...]
    table: Table | None
    commentary: str | None  # None: no paragraph drafted
    draft: bool
    method: tuple[tuple[str, str], ...]
    caveats: tuple[str, ...]
    spc_key: str | None
    no_data: str | None  # why there is no figure for the quarter


@dataclass(frozen=True)
class Report:
    council: str
    quarter_label: str  # "Quarter 2 2026-27 (July to September 2026)"
    generated_at: dt.datetime
    generated_text: str  # "4 December 2026"
    settings: ReportSettings
    threshold: int
    legend: str
    indicator_list: tuple[tuple[str, tuple[str, ...]], ...]  # (theme, titles)
    headlines: tuple[str, ...]
    headlines_draft: bool
    sections: tuple[Section, ...]
    about: tuple[tuple[str, str], ...]
    commentary_note: str | None = None  # set when no commentary has been drafted

    def by_theme(self) -> list[tuple[str, list[Section]]]:
        out: list[tuple[str, list[Section]]] = []
        for s in self.sections:
            if not out or out[-1][0] != s.theme:
                out.append((s.theme, []))
            out[-1][1].append(s)
        return out
