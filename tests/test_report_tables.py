"""The bundle's tables (report.md): indicators.csv and indicators.xlsx, through the gate."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from csperf import disclosure, store
from csperf.report import tables

GENERATED_AT = dt.datetime(2026, 10, 5, 9, 30)
COLUMNS = [c for c, _ in tables.LONG_COLUMNS]
HEADINGS = [h for _, h in tables.LONG_COLUMNS]


def long_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """Rows of the long format (as tables.long_rows gives them) with defaults."""
    base: dict[str, Any] = {
        "indicator_id": "cp_category", "indicator": "Child protection plans by category",
        "theme": "child_protection", "period": "2025-26Q2",
        "period_end": dt.date(2025, 9, 30), "breakdown": "all", "category": "all",
        "unit": "count", "format": "num0", "value": None, "numerator": None,
        "denominator": None, "england": None, "region": None, "sn_median": None,
        "sn_mean": None, "sn_rank": None, "wales": None, "target": None, "spc_signal": None,
        "status": "ok", "note": None,
    }  # fmt: skip
    out = []
    for r in rows:
        row = {**base, **r}
        if row["unit"] == "count" and "numerator" not in r:
            row["numerator"] = row["value"]
        out.append(row)
    schema = {k: v for k, v in tables._SCHEMA.items() if not k.startswith("_")}
    return pl.DataFrame(out, schema=schema)


def crafted() -> pl.DataFrame:
    """A snapshot full of small counts: breakdowns, months, percentages and a rate."""
    cats = {"EMO": 3, "NEG": 40, "PHY": 6, "SAB": 0, "MUL": 9}
    months = {"2025-07": 2, "2025-08": 50, "2025-09": 6}
    return long_frame(
        {"value": 58},
        *({"breakdown": "category_of_abuse", "category": k, "value": v}
          for k, v in cats.items()),
        *({"breakdown": "month", "category": k, "value": v} for k, v in months.items()),
        {"period": "2025-26Q1", "period_end": dt.date(2025, 6, 30), "value": 4,
         "note": "Partial figure."},
        {"indicator_id": "cp_repeat", "indicator": "Repeat child protection plans",
         "unit": "percent", "format": "pct1", "numerator": 37, "denominator": 40,
         "value": 92.5, "england": 23.0},
        {"indicator_id": "cp_rate", "indicator": "Children on a plan per 10,000",
         "unit": "rate_per_10k", "format": "rate1", "numerator": 1, "denominator": 121_300,
         "value": 0.08},
        {"indicator_id": "cla_rate", "indicator": "=HYPERLINK(\"http://x?\"&A1)",
         "theme": "looked_after", "category": "+cmd|' /C calc'!A0",
         "unit": "rate_per_10k", "format": "rate1", "numerator": 860,
         "denominator": 121_300, "value": 70.9, "england": 67.0, "note": "@SUM(1)",
         "sn_rank": "{=1+1}"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def table() -> disclosure.PublishableTable:
    return disclosure.publish(crafted(), 5)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def sheets(data: bytes) -> dict[str, pl.DataFrame]:
    return pl.read_excel(
        io.BytesIO(data), sheet_id=0, engine="calamine", infer_schema_length=0
    )


def small_counts(values: list[Any]) -> list[Any]:
    out = []
    for v in values:
        try:
            number = float(v)
        except (TypeError, ValueError):
            continue
        if 1 <= number <= 5:
            out.append(v)
    return out


# ---------------------------------------------------------------- exporters take only the gate


def test_the_writers_refuse_a_raw_dataframe() -> None:
    with pytest.raises(TypeError, match="PublishableTable"):
        tables.csv_bytes(crafted())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PublishableTable"):
        tables.xlsx_bytes(crafted(), GENERATED_AT)  # type: ignore[arg-type]


# ---------------------------------------------------------------- no small count published


def test_no_count_from_1_to_5_is_in_the_csv(table: disclosure.PublishableTable) -> None:
    rows = read_csv(tables.csv_bytes(table))
    assert rows[0] == COLUMNS
    body = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    counts = [r[c] for r in body for c in ("numerator", "denominator")]
    counts += [r["value"] for r in body if r["unit"] == "count"]
    assert small_counts(counts) == []
    assert counts.count("c") >= 8  # primary and secondary
    # the true zero is still there, and a percentage of 37 out of 40 is withheld
    assert any(r["category"] == "SAB" and r["value"] == "0" for r in body)
    repeat = next(r for r in body if r["indicator_id"] == "cp_repeat")
    assert (repeat["value"], repeat["numerator"], repeat["denominator"]) == (
        "c",
        "c",
        "40",
    )
    assert repeat["england"] == "23"
    # every row showing c explains it, with the threshold (S8)
    shown = [r for r in body if "c" in (r["value"], r["numerator"], r["denominator"])]
    assert shown
    assert all(disclosure.short_legend(5) in r["note"] for r in shown)
    q1 = next(r for r in body if r["period"] == "2025-26Q1")
    assert q1["note"] == "Partial figure.; " + disclosure.short_legend(5)
    assert body[0]["note"] == ""  # the total is shown: nothing to explain


def test_no_count_from_1_to_5_is_in_the_workbook(
    table: disclosure.PublishableTable,
) -> None:
    book = sheets(tables.xlsx_bytes(table, GENERATED_AT))
    long = book[tables.LONG_SHEET]
    counts = [*long["Numerator"], *long["Denominator"]]
    counts += list(long.filter(pl.col("Unit") == "count")["Value"])
    assert small_counts(counts) == []
    assert counts.count("c") >= 6
    theme = book["Child protection"]
    quarter_columns = [c for c in theme.columns if re.fullmatch(r"Q\d \d{4}-\d{2}", c)]
    counts = [
        v for c in quarter_columns for v in theme.filter(pl.col("Unit") == "count")[c]
    ]
    assert small_counts(counts) == []
    assert "c" in counts


def cells_of(data: bytes, sheet_name: str) -> dict[str, tuple[str, str]]:
    """{cell reference: (attributes, inner xml)} of one sheet."""
    parts = zipfile.ZipFile(io.BytesIO(data))
    book = parts.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', book)
    xml = parts.read(f"xl/worksheets/sheet{names.index(sheet_name) + 1}.xml").decode()
    return {
        m[0]: (m[1], m[2])
        for m in re.findall(r'<c r="([A-Z]+\d+)"([^>]*)>(.*?)</c>', xml)
    }


def test_the_workbook_writes_numbers_as_numbers_and_c_as_text(
    table: disclosure.PublishableTable,
) -> None:
    got = cells_of(tables.xlsx_bytes(table, GENERATED_AT), tables.LONG_SHEET)
    row = 1 + next(
        i for i, r in enumerate(table.rows(), 1) if r["indicator_id"] == "cp_repeat"
    )
    value, numerator, denominator = (got[f"{col}{row}"] for col in "IJK")
    assert 't="s"' in value[0] and 't="s"' in numerator[0]  # c, a shared string
    assert "t=" not in denominator[0] and denominator[1] == "<v>40</v>"
    england = got[f"L{row}"]
    assert "t=" not in england[0] and england[1] == "<v>23</v>"


# ---------------------------------------------------------------- formula injection


def test_formula_led_text_is_escaped_in_the_csv(
    table: disclosure.PublishableTable,
) -> None:
    raw = tables.csv_bytes(table).decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://x?""&A1)"' in raw
    assert "\"'+cmd|' /C calc'!A0\"" in raw
    assert '"\'@SUM(1)"' in raw
    fields = [f for row in read_csv(tables.csv_bytes(table)) for f in row]
    assert not [f for f in fields if re.match(r"[=+@\t\r\n]", f)]
    assert "70.9" in raw.split("\r\n")[-2].split(",")  # numbers unquoted


def test_formula_led_text_is_text_in_the_workbook(
    table: disclosure.PublishableTable,
) -> None:
    data = tables.xlsx_bytes(table, GENERATED_AT)
    parts = zipfile.ZipFile(io.BytesIO(data))
    names = parts.namelist()
    every = "".join(parts.read(n).decode() for n in names if n.endswith(".xml"))
    assert "<f>" not in every
    assert not [n for n in names if "externalLink" in n]
    assert "<hyperlink " not in every
    rels = "".join(parts.read(n).decode() for n in names if n.endswith(".rels"))
    assert "hyperlink" not in rels
    assert 'quotePrefix="1"' in parts.read("xl/styles.xml").decode()
    long = sheets(data)[tables.LONG_SHEET]
    assert '=HYPERLINK("http://x?"&A1)' in list(long["Indicator"])
    assert "+cmd|' /C calc'!A0" in list(long["Category"])
    assert "{=1+1}" in list(long["Rank among statistical neighbours"])


# ---------------------------------------------------------------- determinism and notes


def test_two_builds_are_byte_identical(table: disclosure.PublishableTable) -> None:
    again = disclosure.publish(crafted(), 5)
    assert tables.xlsx_bytes(table, GENERATED_AT) == tables.xlsx_bytes(
        again, GENERATED_AT
    )
    assert tables.csv_bytes(table) == tables.csv_bytes(again)


def test_the_workbook_dates_come_from_generated_at(
    table: disclosure.PublishableTable,
) -> None:
    parts = zipfile.ZipFile(
        io.BytesIO(tables.xlsx_bytes(table, GENERATED_AT, "Demo Council"))
    )
    core = parts.read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2026-10-05T09:30:00Z' in core
    assert '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-10-05T09:30:00Z' in core
    assert "<dc:creator>Demo Council</dc:creator>" in core
    assert {i.date_time for i in parts.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_notes_sheet_explains_c_with_the_threshold() -> None:
    table = disclosure.publish(crafted(), 7)
    notes = sheets(tables.xlsx_bytes(table, GENERATED_AT))[tables.NOTES_SHEET]
    text = " ".join(str(v) for col in notes.columns for v in [col, *notes[col]] if v)
    assert disclosure.legend(7) in text
    assert "Disclosure threshold: 7." in text


def test_the_workbook_hides_nothing(table: disclosure.PublishableTable) -> None:
    parts = zipfile.ZipFile(io.BytesIO(tables.xlsx_bytes(table, GENERATED_AT)))
    every = "".join(
        parts.read(n).decode() for n in parts.namelist() if n.endswith(".xml")
    )
    assert 'hidden="1"' not in every
    assert 'state="hidden"' not in every
    assert not [n for n in parts.namelist() if "comments" in n or "pivot" in n]


# ---------------------------------------------------------------- the demo council


@pytest.fixture(scope="module")
def demo_tables(
    demo_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, bytes]:
    # A copy: pages tested in this process may hold the shared file open.
    copy = tmp_path_factory.mktemp("report_tables") / "csperf.duckdb"
    shutil.copy(demo_db, copy)
    con = store.connect(copy, read_only=True)
    try:
        quarter = store.quarters(con)[-1]
        return tables.files(con, quarter, GENERATED_AT, "Demo Council")
    finally:
        con.close()


def test_the_demo_council_gives_both_files(demo_tables: dict[str, bytes]) -> None:
    assert sorted(demo_tables) == ["tables/indicators.csv", "tables/indicators.xlsx"]
    rows = read_csv(demo_tables[tables.CSV_PATH])
    assert rows[0] == COLUMNS
    quarters = {r[3] for r in rows[1:]}
    assert len(quarters) == 12
    assert {r[0] for r in rows[1:]} >= {"contacts", "cla_rate", "cp_category"}


def test_the_demo_workbook_has_the_specified_sheets_and_headers(
    demo_tables: dict[str, bytes],
) -> None:
    book = sheets(demo_tables[tables.XLSX_PATH])
    assert next(iter(book)) == tables.NOTES_SHEET
    assert list(book)[-1] == tables.LONG_SHEET
    assert set(list(book)[1:-1]) <= set(tables.SHEET_NAMES.values())
    assert {"Front door", "Child protection", "Looked after"} <= set(book)
    assert book[tables.LONG_SHEET].columns == HEADINGS
    theme = book["Looked after"]
    assert theme.columns[:4] == ["Indicator", "Breakdown", "Category", "Unit"]
    assert len([c for c in theme.columns if re.fullmatch(r"Q\d \d{4}-\d{2}", c)]) == 12
    assert theme.columns[-1].startswith("SPC signal (Q")
    csv_rows = read_csv(demo_tables[tables.CSV_PATH])
    assert book[tables.LONG_SHEET].height == len(csv_rows) - 1


def test_the_demo_workbook_freezes_the_header_row(
    demo_tables: dict[str, bytes],
) -> None:
    parts = zipfile.ZipFile(io.BytesIO(demo_tables[tables.XLSX_PATH]))
    sheet_xml = [n for n in parts.namelist() if n.startswith("xl/worksheets/sheet")]
    frozen = [n for n in sheet_xml if 'state="frozen"' in parts.read(n).decode()]
    assert len(frozen) == len(sheet_xml) - 1  # every sheet but the notes
