"""The bundle's tables (report.md): ``tables/indicators.csv`` and ``tables/indicators.xlsx``.

One long-format table per quarter (indicator, period, value, numerator, denominator,
comparators, SPC signal) over the quarter and up to 11 loaded quarters before it, passed through
``disclosure.publish`` with the installation's threshold (analysis setting
``disclosure.threshold``). The writers accept only the ``PublishableTable`` (security.md S1):
a suppressed figure is the text ``c``, explained with the threshold in the same file (S8): the
workbook's Notes sheet, and in the CSV the ``note`` of every row that shows ``c``.

CSV (S28): UTF-8 with BOM, text quoted with quotes doubled, formula-led text prefixed with ``'``,
numbers unquoted. XLSX (S29): text through ``write_string`` (formula-led text with a quote-prefix
format), numbers through ``write_number``, formulas, URLs and number-like strings never
converted; properties fixed from ``generated_at``, zip members dated 1980 (xlsxwriter's
in-memory mode), so two builds are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import Any

import duckdb
import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from csperf import (
    analysis_settings,
    council_measures,
    disclosure,
    formatting,
    indicator_spc,
    indicators,
    periods,
    safe_export,
    store,
    values,
)

TREND_QUARTERS = 12
CSV_PATH = "tables/indicators.csv"
XLSX_PATH = "tables/indicators.xlsx"
# (column, heading): the long format, in this order, in the CSV (column ids) and the workbook
# (headings).
LONG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("indicator_id", "Indicator id"),
    ("indicator", "Indicator"),
    ("theme", "Theme"),
    ("period", "Quarter"),
    ("period_end", "Period end"),
    ("breakdown", "Breakdown"),
    ("category", "Category"),
    ("unit", "Unit"),
    ("value", "Value"),
    ("numerator", "Numerator"),
    ("denominator", "Denominator"),
    ("england", "England"),
    ("region", "Region"),
    ("sn_median", "Statistical neighbours (median)"),
    ("sn_mean", "Statistical neighbours (mean)"),
    ("sn_rank", "Rank among statistical neighbours"),
    ("wales", "Wales"),
    ("target", "Target"),
    ("spc_signal", "SPC signal"),
    ("status", "Status"),
    ("note", "Note"),
)
FIGURES = ("value", "england", "region", "sn_median", "sn_mean", "wales", "target")
COUNTS = ("numerator", "denominator")
SHEET_NAMES: dict[str, str] = {
    "front_door": "Front door",
    "child_protection": "Child protection",
    "children_in_need": "Children in need",
    "missing": "Missing",
    "looked_after": "Looked after",
    "workforce": "Workforce",
    "local": "Local measures",
}
LONG_SHEET = "Long format"
NOTES_SHEET = "Notes"
THEME_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("england", "England"),
    ("region", "Region"),
    ("sn_median", "Statistical neighbours (median)"),
    ("wales", "Wales"),
    ("target", "Target"),
    ("spc_signal", "SPC signal"),
)
_TRIGGER = re.compile(safe_export.FORMULA_START)


# ---------------------------------------------------------------- the long table


def long_rows(con: duckdb.DuckDBPyConnection, quarter: periods.Quarter) -> pl.DataFrame:
    """Stored values of the quarter and its trend quarters, one row per figure, before the gate."""
    trend = values.trend_quarters(quarter, store.quarters(con))[-TREND_QUARTERS:]
    stored = values.read(con, up_to=quarter)
    stored = stored.filter(pl.col("quarter").is_in([str(q) for q in trend]))
    snap = store.snapshot_for(con, quarter)
    nation = snap.nation if snap is not None else "england"
    known = council_measures.for_nation(con, nation)
    order = {ind.id: i for i, ind in enumerate(known)}
    by_id = {ind.id: ind for ind in known}
    analysis = analysis_settings.read(con)
    records = []
    for ind_id, rows in stored.group_by("indicator_id", maintain_order=True):
        ind = by_id.get(str(ind_id[0]))
        if ind is None:
            continue  # not an indicator of this council's nation
        signals = _signals(ind, rows, trend, analysis)
        for row in rows.iter_rows(named=True):
            records.append(_record(ind, row, signals, order[ind.id]))
    frame = pl.DataFrame(records, schema=_SCHEMA)
    return frame.sort("_order", "period", "_all", "breakdown", "category").drop(
        "_order", "_all"
    )


_SCHEMA: dict[str, Any] = {
    "_order": pl.Int64, "_all": pl.Boolean, "indicator_id": pl.String,
    "indicator": pl.String, "theme": pl.String, "period": pl.String, "period_end": pl.Date,
    "breakdown": pl.String, "category": pl.String, "unit": pl.String, "format": pl.String,
    "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64,
    "england": pl.Float64, "region": pl.Float64, "sn_median": pl.Float64,
    "sn_mean": pl.Float64, "sn_rank": pl.String, "wales": pl.Float64, "target": pl.Float64,
    "spc_signal": pl.String, "status": pl.String, "note": pl.String,
}  # fmt: skip


def _record(
    ind: indicators.Indicator,
    row: dict[str, Any],
    signals: dict[tuple[str, str, str], str],
    order: int,
) -> dict[str, Any]:
    ref = f"measure:{row['category']}" if row["breakdown"] == "measure" else "all"
    key = (str(row["quarter"]), str(row["breakdown"]), str(row["category"]))
    out = {k: row[k] for k in _SCHEMA if k in row}
    out.update(
        _order=order,
        _all=row["breakdown"] != "all",  # the 'all' row first
        indicator=ind.title,
        theme=ind.theme,
        period=str(row["quarter"]),
        format=ind.series_format(ref),
        spc_signal=signals.get(key),
        note=row["status_reason"],
    )
    return out


def _signals(
    ind: indicators.Indicator,
    rows: pl.DataFrame,
    trend: list[periods.Quarter],
    analysis: dict[str, dict[str, Any]],
) -> dict[tuple[str, str, str], str]:
    """SPC label of each quarter, keyed by the row it describes: the SPC series' row (for a
    monthly series, the quarter's last month), or the headline row when SPC does not apply."""
    ref = ind.spc_series if ind.spc_series != "none" else ind.headline
    out: dict[tuple[str, str, str], str] = {}
    for q in trend:
        here = rows.filter(pl.col("quarter") == str(q))
        if here.is_empty():
            continue
        headline = values.series(here, ind.headline)
        target = headline["target"][0] if headline.height else None
        label = indicator_spc.analyse(ind, rows, q, target, analysis).label
        series = values.series(here, ref).sort("category")
        if ref == "month":
            series = series.tail(1)
        for r in series.iter_rows(named=True):
            out[(str(q), str(r["breakdown"]), str(r["category"]))] = label
    return out


def build(
    con: duckdb.DuckDBPyConnection, quarter: periods.Quarter
) -> disclosure.PublishableTable:
    """The quarter's long table through the disclosure gate at the installation's threshold."""
    threshold = int(analysis_settings.value(con, "disclosure", "threshold"))
    return disclosure.publish(long_rows(con, quarter), threshold)


def files(
    con: duckdb.DuckDBPyConnection,
    quarter: periods.Quarter,
    generated_at: dt.datetime,
    author: str = "",
) -> dict[str, bytes]:
    """Both table files of the bundle, by their path in the zip."""
    table = build(con, quarter)
    return {
        CSV_PATH: csv_bytes(table),
        XLSX_PATH: xlsx_bytes(table, generated_at, author, quarter),
    }


# ---------------------------------------------------------------- numbers as published


def _places(column: str, code: str, value: float) -> int:
    if column in COUNTS:
        return 0 if float(value).is_integer() else 2
    if column == "value":
        return formatting.PLACES[code]
    return formatting.PLACES[formatting.comparator_code(code, value)]


def _number(column: str, code: str, value: float) -> float:
    """The figure at its published precision (half-up, as formatting does)."""
    return float(formatting.round_half_up(value, _places(column, code, value)))


# ---------------------------------------------------------------- CSV


def _csv_field(value: Any, column: str, code: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | str | dt.date):
        text = value if isinstance(value, str) else str(value)
        if _TRIGGER.match(text):
            text = "'" + text
        return '"' + text.replace('"', '""') + '"'
    if column in FIGURES or column in COUNTS:
        number = formatting.round_half_up(value, _places(column, code, value))
        return f"{number:f}"
    return repr(value)


def csv_bytes(table: disclosure.PublishableTable) -> bytes:
    """The long format as CSV for Excel: UTF-8 with BOM, text quoted and escaped (S28)."""
    disclosure.require(table)
    legend = disclosure.short_legend(table.threshold)
    lines = [",".join(_csv_field(c, "", "") for c, _ in LONG_COLUMNS)]
    for row in table.rows():
        code = row["format"]
        if disclosure.SYMBOL in (
            row[c] for c in table.gated
        ):  # S8: explained in the file
            row["note"] = f"{row['note']}; {legend}" if row["note"] else legend
        lines.append(",".join(_csv_field(row[c], c, code) for c, _ in LONG_COLUMNS))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------- XLSX


class _Writer:
    """Cell writing with the S29 rules: text as text, numbers as numbers, ``c`` as text."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7",
             "bottom": 1}
        )  # fmt: skip
        self.text = book.add_format({"valign": "top"})
        self.quoted = book.add_format({"valign": "top", "quote_prefix": True})
        self.symbol = book.add_format({"align": "right"})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.numbers: dict[int, Format] = {
            p: book.add_format({"num_format": "#,##0" + ("." + "0" * p if p else "")})
            for p in range(3)
        }

    def string(self, ws: Worksheet, r: int, c: int, text: str) -> None:
        ws.write_string(r, c, text, self.quoted if _TRIGGER.match(text) else self.text)

    def cell(
        self, ws: Worksheet, r: int, c: int, value: Any, column: str, code: str
    ) -> None:
        if value is None:
            return
        if column in (*FIGURES, *COUNTS) and value == disclosure.SYMBOL:
            ws.write_string(r, c, disclosure.SYMBOL, self.symbol)
        elif isinstance(value, str):
            self.string(ws, r, c, value)
        elif isinstance(value, dt.date):
            self.string(ws, r, c, value.isoformat())
        else:
            places = _places(column, code, value)
            ws.write_number(r, c, _number(column, code, value), self.numbers[places])

    def headers(self, ws: Worksheet, names: Iterable[str]) -> None:
        for c, name in enumerate(names):
            ws.write_string(0, c, name, self.header)


def xlsx_bytes(
    table: disclosure.PublishableTable,
    generated_at: dt.datetime,
    author: str = "",
    quarter: periods.Quarter | None = None,
) -> bytes:
    """Notes, one sheet per theme (figures by quarter) and the long format (S29, deterministic)."""
    disclosure.require(table)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
         "strings_to_numbers": False},
    )  # fmt: skip
    book.set_properties(
        {"title": "Children's social care performance indicators",
         "subject": quarter.label_long if quarter else "", "author": author,
         "company": author, "created": generated_at, "comments": ""}
    )  # fmt: skip
    writer = _Writer(book)
    _notes(book.add_worksheet(NOTES_SHEET), writer, table, generated_at, quarter)
    rows = list(table.rows())
    themes = [t for t in SHEET_NAMES if any(r["theme"] == t for r in rows)]
    for theme in themes:
        _theme_sheet(book.add_worksheet(SHEET_NAMES[theme]), writer, rows, theme)
    _long_sheet(book.add_worksheet(LONG_SHEET), writer, rows)
    book.close()
    return out.getvalue()


def _notes(
    ws: Worksheet,
    w: _Writer,
    table: disclosure.PublishableTable,
    generated_at: dt.datetime,
    quarter: periods.Quarter | None,
) -> None:
    ws.set_column(0, 0, 110)
    lines = [
        "Children's social care performance indicators",
        quarter.label_long if quarter else "",
        f"Generated {periods.format_date(generated_at.date())} from the stored indicator "
        "values of each quarter's snapshot.",
        "",
        disclosure.legend(table.threshold),
        f"Disclosure threshold: {table.threshold}.",
        "A blank cell means there is no figure: the indicator is not covered by the "
        "uploaded extracts, or there were no cases in the period (see Status and Note).",
        "",
        "Theme sheets: one row per indicator series, one column per quarter, with the "
        "comparators and SPC signal of the latest quarter. Monthly rows are in the "
        f"{LONG_SHEET} sheet.",
        f"{LONG_SHEET}: every figure with its numerator, denominator, comparators (England, "
        "region, statistical neighbours, Wales), target and SPC signal.",
        "Percentages are in percent (22.4 means 22.4%); rates are per 10,000 children aged "
        "0 to 17.",
    ]
    for r, line in enumerate(lines):
        if r == 0:
            ws.write_string(r, 0, line, w.title)
        elif line:
            ws.write_string(r, 0, line, w.wrap)


def _long_sheet(ws: Worksheet, w: _Writer, rows: list[dict[str, Any]]) -> None:
    w.headers(ws, (h for _, h in LONG_COLUMNS))
    for r, row in enumerate(rows, start=1):
        for c, (column, _) in enumerate(LONG_COLUMNS):
            w.cell(ws, r, c, row[column], column, row["format"])
    ws.freeze_panes(1, 2)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 45)
    ws.set_column(2, len(LONG_COLUMNS) - 1, 14)
    ws.set_row(0, 45)


def _theme_sheet(
    ws: Worksheet, w: _Writer, rows: list[dict[str, Any]], theme: str
) -> None:
    mine = [r for r in rows if r["theme"] == theme and r["breakdown"] != "month"]
    quarters = sorted({r["period"] for r in rows})
    latest = quarters[-1]
    series: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for r in mine:
        series.setdefault((r["indicator_id"], r["breakdown"], r["category"]), {})[
            r["period"]
        ] = r
    labels = [periods.Quarter.parse(q).label_short for q in quarters]
    fixed = ["Indicator", "Breakdown", "Category", "Unit"]
    w.headers(
        ws, [*fixed, *labels, *(f"{h} ({labels[-1]})" for _, h in THEME_COMPARATORS)]
    )
    for i, by_period in enumerate(series.values(), start=1):
        any_row = next(iter(by_period.values()))
        code = any_row["format"]
        for c, key in enumerate(("indicator", "breakdown", "category", "unit")):
            w.string(ws, i, c, str(any_row[key]))
        for c, q in enumerate(quarters, start=len(fixed)):
            if q in by_period:
                w.cell(ws, i, c, by_period[q]["value"], "value", by_period[q]["format"])
        now = by_period.get(latest)
        if now is None:
            continue
        for c, (column, _) in enumerate(
            THEME_COMPARATORS, start=len(fixed) + len(quarters)
        ):
            w.cell(ws, i, c, now[column], column, code)
    ws.freeze_panes(1, 3)
    ws.set_column(0, 0, 45)
    ws.set_column(1, 3, 14)
    ws.set_column(len(fixed), len(fixed) + len(quarters) + len(THEME_COMPARATORS), 12)
    ws.set_row(0, 45)
