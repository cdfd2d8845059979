"""The pack's content from published figures: per indicator a chart or two, a small table, the
commentary and the method note (Appendix 1), then the cover report and "About this data".

Charts are drawn from the published rows (suppressed figures are null, so a suppressed point is
a gap, labelled ``c``), never from the stored values themselves (security.md S5).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import altair as alt
import duckdb
import polars as pl
import vl_convert as vlc

from csperf import (
    analysis_settings,
    category_labels,
    charts,
    disclosure,
    indicator_spc,
    indicators,
    method_notes,
    periods,
    spc,
    store,
    values,
)
from csperf.report import content

if TYPE_CHECKING:
    from csperf.report.bundle import ParagraphLike

REVIEWED = ("accepted", "edited")
SUMMARY = "_summary"
TABLE_QUARTERS = 5
TABLE_MONTHS = 6
MAX_HEADLINES = 6
COMPARATOR_HEADS = (
    ("england", "England"),
    ("region", "Region"),
    ("sn_median", "Neighbours' median"),
    ("wales", "Wales"),
    ("target", "Target"),
)
SPC_KEY = (
    "Key: a circle is common-cause variation; a triangle pointing up is special-cause "
    "improvement, a diamond special-cause concern and a square special-cause variation where "
    "neither direction is better. The solid line is the mean and the dashed lines the process "
    "limits."
)
NOT_COVERED = (
    "Not covered by the uploaded extracts: there is no figure for this quarter."
)
NO_LOCAL = "No local measure was supplied for this quarter."
NO_COMMENTARY = "No commentary has been drafted for this quarter."


@dataclass
class Built:
    sections: list[content.Section] = field(default_factory=list)
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)


def published_frame(table: disclosure.PublishableTable) -> pl.DataFrame:
    """The published rows as the chart builders read them (``quarter`` for ``period``), the
    display text of each figure (``shown_<column>``) and which values are suppressed."""
    shown = table.display.rename({c: f"shown_{c}" for c in table.display.columns})
    return pl.concat(
        [
            table.data.rename({"period": "quarter"}),
            shown,
            table.suppressed.select(value_suppressed=pl.col("value")),
        ],
        how="horizontal",
    )


def build(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    nation: str,
    council: str,
    table: disclosure.PublishableTable,
    chosen: list[indicators.Indicator],
    paragraphs: Sequence[ParagraphLike],
    analysis: dict[str, dict[str, Any]],
    say: Callable[[float, str], None],
) -> Built:
    published = published_frame(table)
    stored_now = values.read(con, quarter)
    by_id = {p.indicator_id: p for p in paragraphs}
    out = Built()
    pending: list[tuple[indicators.Indicator, list[Drawn]]] = []
    for n, ind in enumerate(chosen):
        say(0.1 + 0.2 * n / max(len(chosen), 1), f"Drawing {ind.title_for(nation)}")
        mine = published.filter(pl.col("indicator_id") == ind.id)
        pending.append((ind, _charts(ind, mine, quarter, council, nation, analysis)))
    say(0.3, "Rendering the charts")
    specs = [d.spec for _, drawn in pending for d in drawn]
    rendered = iter(render_all(specs))
    for ind, drawn in pending:
        mine = published.filter(pl.col("indicator_id") == ind.id)
        raw_now = stored_now.filter(pl.col("indicator_id") == ind.id)
        made = []
        for d in drawn:
            svg, png = next(rendered)
            made.append(content.Chart(ind.id, d.kind, d.title, d.alt, png, svg))
            out.specs[made[-1].stem] = d.spec
        text, draft = _commentary(by_id.get(ind.id))
        flags = sorted({f for fl in raw_now["flags"].to_list() if fl for f in fl})
        notes = sorted({str(x) for x in raw_now["comparator_note"].to_list() if x})
        result = next((d.spc for d in drawn if d.spc is not None), None)
        out.sections.append(
            content.Section(
                indicator_id=ind.id,
                title=ind.title_for(nation),
                theme=indicators.THEME_TITLES.get(ind.theme, ind.theme),
                charts=tuple(made),
                table=_table(ind, mine, quarter),
                commentary=text,
                draft=draft,
                method=tuple(method_notes.note(ind, nation)),
                caveats=tuple(
                    method_notes.caveats(flags, None, "; ".join(notes) or None)
                ),
                spc_key=f"{SPC_KEY} {result.method_note}".strip() if result else None,
                no_data=_no_data(ind, mine, quarter),
            )
        )
    return out


def _commentary(p: ParagraphLike | None) -> tuple[str | None, bool]:
    if p is None:
        return None, False
    if p.status == "stale":  # kept as draft: its new draft text goes in
        return str(getattr(p, "generated_text", "") or p.text), True
    return p.text, p.status not in REVIEWED


def _no_data(
    ind: indicators.Indicator, mine: pl.DataFrame, quarter: periods.Quarter
) -> str | None:
    now = values.series(mine.filter(pl.col("quarter") == str(quarter)), ind.headline)
    if now.height == 0:
        return NO_LOCAL if ind.theme == "local" else NOT_COVERED
    if now["value"].is_not_null().any() or now["value_suppressed"].any():
        return None
    status = str(now["status"][0] or "no value")
    note = str(now["note"][0] or "").strip()
    return f"No figure for this quarter: {status}. {note}".strip()


# ---------------------------------------------------------------- charts


def _single(ind: indicators.Indicator) -> bool:
    return ind.headline in ("all", "month") or ind.headline.startswith("measure:")


def _charts(
    ind: indicators.Indicator,
    mine: pl.DataFrame,
    quarter: periods.Quarter,
    council: str,
    nation: str,
    analysis: dict[str, dict[str, Any]],
) -> list[Drawn]:
    out: list[Drawn] = []
    if mine.height == 0:
        return out
    if _single(ind) and values.series(mine, ind.headline)["value"].is_not_null().any():
        trend = charts.trend(ind, mine, council, nation)
        _label_gaps(trend, ind, mine)
        out.append(_drawn("trend", trend))
        result = _spc(ind, mine, quarter, analysis)
        if result is not None:
            chart = charts.spc_chart(ind, result, nation)
            out.append(_drawn("spc", chart, result))
    breakdown = _breakdown(ind, mine, quarter, council, nation)
    if breakdown is not None:
        out.append(_drawn("breakdown", breakdown))
    return out


def _label_suppressed_bars(
    chart: alt.LayerChart,
    rows: pl.DataFrame,
    quarter: periods.Quarter,
    council: str,
    order: list[str] | None,
) -> None:
    """A suppressed category of the council's distribution is labelled ``c`` where its bar
    would start."""
    hidden = rows.filter(
        (pl.col("quarter") == str(quarter)) & pl.col("value_suppressed")
    ).select("category")
    if hidden.height == 0:
        return
    marks = hidden.with_columns(
        series=pl.lit(council), value=pl.lit(0.0), label=pl.lit(disclosure.SYMBOL)
    )
    cats = order or rows.filter(pl.col("quarter") == str(quarter))["category"].to_list()
    chart.layer.append(
        alt.Chart(marks)
        .mark_text(align="left", dx=3, fontSize=11, fontWeight="bold")
        .encode(
            y=alt.Y("category:N", sort=cats),
            yOffset=alt.YOffset("series:N"),
            x="value:Q",
            text="label:N",
        )
    )


def _label_gaps(
    chart: alt.LayerChart, ind: indicators.Indicator, mine: pl.DataFrame
) -> None:
    """A suppressed point is a gap labelled ``c`` at the foot of the plot."""
    rows = values.series(mine, ind.headline)
    quarters = rows["quarter"].to_list()
    hidden = rows.filter(pl.col("value_suppressed")).select("quarter")
    if hidden.height == 0:
        return
    marks = hidden.with_columns(label=pl.lit(disclosure.SYMBOL))
    chart.layer.append(
        alt.Chart(marks)
        .mark_text(fontSize=13, fontWeight="bold", color=charts.COUNCIL_COLOUR)
        .encode(
            x=alt.X("quarter:O", sort=quarters),
            y=alt.value(300),
            text="label:N",
        )
    )


def _spc(
    ind: indicators.Indicator,
    mine: pl.DataFrame,
    quarter: periods.Quarter,
    analysis: dict[str, dict[str, Any]],
) -> spc.SpcResult | None:
    if ind.spc_series == "none":
        return None
    now = values.series(mine.filter(pl.col("quarter") == str(quarter)), ind.headline)
    target = now["target"][0] if now.height else None
    result = indicator_spc.analyse(ind, mine, quarter, target, analysis)
    return result if result.mean is not None else None


def _breakdown(
    ind: indicators.Indicator,
    mine: pl.DataFrame,
    quarter: periods.Quarter,
    council: str,
    nation: str,
) -> alt.TopLevelMixin | None:
    for dimension in ind.breakdowns:
        if dimension in ("month", "measure"):
            continue
        rows = mine.filter(pl.col("breakdown") == dimension)
        if rows.height == 0 or rows["value"].is_null().all():
            continue
        codes = rows["category"].unique().to_list()
        labels = {c: category_labels.label(dimension, c) for c in codes}
        labelled = rows.with_columns(
            category=pl.col("category").replace_strict(labels, return_dtype=pl.String)
        )
        order = category_labels.order(dimension)
        label_order = [category_labels.label(dimension, c) for c in order] or None
        compared = rows.filter(
            (pl.col("quarter") == str(quarter))
            & (pl.col("england").is_not_null() | pl.col("wales").is_not_null())
        )
        if compared.height:
            drawn = charts.distribution(
                ind, labelled, str(quarter), dimension, council, nation, label_order
            )
            _label_suppressed_bars(drawn, labelled, quarter, council, label_order)
            return drawn
        return charts.breakdown_trend(ind, labelled, dimension, nation, label_order)
    return None


@dataclass(frozen=True)
class Drawn:
    """A chart's spec before rendering, with its title and alt text."""

    kind: str
    spec: dict[str, Any]
    title: str
    alt: str
    spc: spc.SpcResult | None = None


def _drawn(
    kind: str, chart: alt.TopLevelMixin, result: spc.SpcResult | None = None
) -> Drawn:
    spec = chart.to_dict(
        validate=False
    )  # the builders' specs are checked in their tests
    title = spec.get("title", "")
    title = title.get("text", "") if isinstance(title, dict) else str(title)
    return Drawn(kind, spec, title, str(spec.get("description", "")) or title, result)


def render_one(spec: dict[str, Any]) -> tuple[str, bytes]:
    """SVG, and PNG at twice the size for print, from one Vega-Lite spec."""
    svg = str(vlc.vegalite_to_svg(spec, allowed_base_urls=[]))  # data inline, no fetch
    return svg, bytes(vlc.svg_to_png(svg, scale=2))


PARALLEL_FROM = 16  # charts; below this a second process costs more than it saves


def render_all(specs: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    """Every chart, in order. With two or more cores, the second half is drawn by a worker
    process (``csperf.report.render_worker``, fed through a pipe: nothing touches the disk)
    while this one draws the first; if the worker fails, this process draws its half too. The
    output is the same either way."""
    if len(specs) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [render_one(s) for s in specs]
    half = len(specs) // 2
    try:
        worker = subprocess.Popen(  # noqa: S603 (this interpreter, a fixed module)
            [sys.executable, "-m", "csperf.report.render_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return [render_one(s) for s in specs]
    feeder = threading.Thread(
        target=_feed, args=(worker, json.dumps(specs[half:]).encode()), daemon=True
    )
    feeder.start()
    mine = [render_one(s) for s in specs[:half]]
    theirs = _collect(worker, len(specs) - half)
    feeder.join()
    if theirs is None:
        theirs = [render_one(s) for s in specs[half:]]
    return mine + theirs


def _feed(worker: subprocess.Popen[bytes], data: bytes) -> None:
    if worker.stdin is None:
        return
    try:
        worker.stdin.write(data)
        worker.stdin.close()
    except OSError:
        pass


def _collect(
    worker: subprocess.Popen[bytes], expected: int
) -> list[tuple[str, bytes]] | None:
    """The worker's charts, or None when it failed."""
    if worker.stdout is None:
        return None
    try:
        raw = worker.stdout.read()
        worker.wait(timeout=600)
        if worker.returncode != 0:
            return None
        drawn = [(svg, base64.b64decode(png)) for svg, png in json.loads(raw)]
    except (OSError, ValueError, subprocess.TimeoutExpired):
        worker.kill()
        return None
    return drawn if len(drawn) == expected else None


# ---------------------------------------------------------------- the small table


def _table(
    ind: indicators.Indicator, mine: pl.DataFrame, quarter: periods.Quarter
) -> content.Table | None:
    if mine.height == 0:
        return None
    if not _single(ind):
        return _category_table(ind, mine, quarter)
    rows = values.series(mine, ind.headline)
    if ind.headline == "month":
        rows = rows.sort("quarter").unique("category", keep="last", maintain_order=True)
        rows = rows.sort("category").tail(TABLE_MONTHS)
        labels = [
            dt.date(int(c[:4]), int(c[5:7]), 1).strftime("%b %Y")
            for c in rows["category"].to_list()
        ]
        first = "Month"
    else:
        rows = rows.sort("quarter").tail(TABLE_QUARTERS)
        labels = [periods.Quarter.parse(q).label_short for q in rows["quarter"]]
        first = "Quarter"
    if rows.height == 0:
        return None
    comps = [(c, h) for c, h in COMPARATOR_HEADS if rows[c].is_not_null().any()]
    signals = rows["spc_signal"].is_not_null().any()
    head = (
        first,
        "Value",
        *(h for _, h in comps),
        *(("SPC signal",) if signals else ()),
    )
    body = []
    for label, r in zip(labels, rows.iter_rows(named=True), strict=True):
        cells = [label, r["shown_value"], *(r[f"shown_{c}"] for c, _ in comps)]
        if signals:
            cells.append(r["spc_signal"] or "")
        body.append(tuple(str(x) for x in cells))
    caption = f"{ind.title}: latest {first.lower()}s"
    return content.Table(caption, head, tuple(body))


def _category_table(
    ind: indicators.Indicator, mine: pl.DataFrame, quarter: periods.Quarter
) -> content.Table | None:
    dimension = ind.headline
    rows = mine.filter(
        (pl.col("breakdown") == dimension) & (pl.col("quarter") == str(quarter))
    )
    if rows.height == 0:
        return None
    order = category_labels.order(dimension)
    if order:
        rank = {c: i for i, c in enumerate(order)}
        rows = rows.sort(pl.col("category").replace_strict(rank, default=len(rank)))
    comps = [(c, h) for c, h in COMPARATOR_HEADS if rows[c].is_not_null().any()]
    head = ("Category", "Value", *(h for _, h in comps))
    body = tuple(
        tuple(
            str(x)
            for x in (
                category_labels.label(dimension, r["category"]),
                r["shown_value"],
                *(r[f"shown_{c}"] for c, _ in comps),
            )
        )
        for r in rows.iter_rows(named=True)
    )
    caption = f"{ind.title} by {dimension.replace('_', ' ')}, {quarter.label_short}"
    return content.Table(caption, head, body)


# ---------------------------------------------------------------- the report


def headlines(p: ParagraphLike | None) -> tuple[tuple[str, ...], bool]:
    """At most six points of the overall summary; True when it is unreviewed."""
    if p is None:
        return (), False
    text = (
        str(getattr(p, "generated_text", "") or p.text)
        if p.status == "stale"
        else p.text
    )
    lines = [ln.strip().lstrip("-*\u2022 ").strip() for ln in text.splitlines()]
    points = [ln for ln in lines if ln and not ln.startswith("#")]
    return tuple(points[:MAX_HEADLINES]), p.status not in REVIEWED


def report(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    snap: store.Snapshot,
    council: str,
    generated_at: dt.datetime,
    settings: content.ReportSettings,
    table: disclosure.PublishableTable,
    built: Built,
    paragraphs: Sequence[ParagraphLike],
) -> content.Report:
    summary = next((p for p in paragraphs if p.indicator_id == SUMMARY), None)
    points, points_draft = headlines(summary)
    listed: list[tuple[str, tuple[str, ...]]] = []
    for s in built.sections:
        if not listed or listed[-1][0] != s.theme:
            listed.append((s.theme, ()))
        listed[-1] = (listed[-1][0], (*listed[-1][1], s.title))
    return content.Report(
        council=council,
        quarter_label=quarter.label_long,
        generated_at=generated_at,
        generated_text=periods.format_date(generated_at.date()),
        settings=settings,
        threshold=table.threshold,
        legend=disclosure.legend(table.threshold),
        indicator_list=tuple(listed),
        headlines=points,
        headlines_draft=points_draft,
        sections=tuple(built.sections),
        about=_about(con, snap, table, built),
        commentary_note=None if paragraphs else NO_COMMENTARY,
    )


def benchmark_releases(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> list[str]:
    """The benchmark releases the quarter's stored comparators come from, in order."""
    rows = con.execute(
        "select distinct comparator_release from indicator_value "
        "where snapshot_id = ? and comparator_release is not null order by 1",
        [snapshot_id],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _about(
    con: duckdb.DuckDBPyConnection,
    snap: store.Snapshot,
    table: disclosure.PublishableTable,
    built: Built,
) -> tuple[tuple[str, str], ...]:
    files = con.execute(
        "select display_name, source_format from snapshot_file where snapshot_id = ? "
        "order by file_no",
        [snap.snapshot_id],
    ).fetchall()
    releases = benchmark_releases(con, snap.snapshot_id)
    r = table.record
    out = [
        (
            "Sources",
            f"Figures are computed from the files loaded for {snap.quarter.label_long} on "
            f"{periods.format_date(snap.loaded_at.date())}: "
            + "; ".join(f"{name} ({fmt.replace('_', ' ')})" for name, fmt in files)
            + ".",
        ),
        (
            "Disclosure control",
            f"{disclosure.legend(r.threshold)} Threshold: {r.threshold}. Applied in this "
            f"pack: {r.primary} counts suppressed, {r.derived} figures based on them "
            f"withheld and {r.secondary} further figures suppressed so that no suppressed "
            "figure can be worked out.",
        ),
        (
            "Statistical process control",
            spc.method_note(indicator_spc.settings_from(analysis_settings.read(con))),
        ),
        (
            "Benchmarks",
            "Comparators are the latest published figures for a period ending on or "
            "before the quarter end"
            + (": " + "; ".join(releases) + "." if releases else "."),
        ),
    ]
    changed = [
        f"{s.title}: {c.get('note') or c.get('description') or 'definition changed'} "
        f"({c.get('date')})"
        for s in built.sections
        for ind in [indicators.registry().get(s.indicator_id)]
        if ind is not None
        for c in ind.definition_change
    ]
    if changed:
        out.append(("Definitions that changed", "; ".join(changed) + "."))
    missing = [f"{s.title}: {s.no_data}" for s in built.sections if s.no_data]
    if missing:
        out.append(("Indicators without a figure", " ".join(missing)))
    return tuple(out)
