"""Reading CSV bytes as text (formats.md §B.0.1 and §B.0.3), with whole-file refusals located."""

from __future__ import annotations

import csv
from dataclasses import dataclass

import polars as pl

from csperf.validate import Issue

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 1024 * 1024
MAX_CELL_CHARS = 32_767
MAX_ROWS = 2_000_000
MAX_COLUMNS = 500
CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


@dataclass(frozen=True)
class CsvText:
    frame: pl.DataFrame  # every column String, plus src_row (header = row 1)
    header: list[str]
    issues: list[Issue]


def decode(name: str, data: bytes) -> tuple[str | None, list[Issue]]:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (info I01)."""
    if len(data) > MAX_FILE_BYTES:
        return None, [
            _refuse("F03", name, "is larger than 50 MB. Split it, or load fewer years.")
        ]
    if not data.strip():
        return None, [
            _refuse("F01", name, "is empty. Export it again and upload the new file.")
        ]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), []
    if b"\x00" in data:
        return None, [
            _refuse(
                "F02",
                name,
                "contains binary data, so it is not a CSV. Save it as CSV UTF-8.",
            )
        ]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    if any(b in CP1252_UNDEFINED for b in data):
        return None, [
            _refuse(
                "F07",
                name,
                "uses a text encoding csperf cannot read. Save it as CSV UTF-8.",
            )
        ]
    info = Issue(
        "I01", "info", name, f"{name} was read as Windows-1252 text (not UTF-8)."
    )
    return data.decode("cp1252"), [info]


def read(name: str, data: bytes) -> CsvText | list[Issue]:
    """All values as text; a file that cannot be read gives its one-line refusal instead."""
    text, issues = decode(name, data)
    if text is None:
        return issues
    lines = text.splitlines()
    first = lines[0] if lines else ""
    refusal = _size_refusal(name, lines)
    if refusal is not None:
        return [*issues, refusal]
    sep = ","
    if "," not in first and (";" in first or "\t" in first):
        sep = ";" if ";" in first else "\t"
    try:
        frame = pl.read_csv(text.encode(), infer_schema=False, separator=sep)
    except pl.exceptions.NoDataError:
        return [
            *issues,
            _refuse("F01", name, "is empty. Export it again and upload it."),
        ]
    except pl.exceptions.ComputeError as exc:
        detail = "is not a well-formed CSV"
        if "fields" in str(exc):
            detail = "has rows with more fields than the header"
        return [*issues, _refuse("F01", name, f"{detail}. Export it again as CSV.")]
    refusal = _header_refusal(name, frame, _split_header(first, sep))
    if refusal is not None:
        return [*issues, refusal]
    header = [h.strip().lstrip("\ufeff") for h in frame.columns]
    frame = frame.rename(dict(zip(frame.columns, header, strict=True)))
    frame = frame.with_row_index("src_row", offset=2).with_columns(
        pl.col("src_row").cast(pl.Int32)
    )
    blank = pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in header]
    )
    return CsvText(frame.filter(~blank), header, issues)


def _size_refusal(name: str, lines: list[str]) -> Issue | None:
    if max(map(len, lines), default=0) > MAX_LINE_CHARS:
        return _refuse("F03", name, "has a line longer than 1 MB. Check the export.")
    if len(lines) > MAX_ROWS + 1:
        return _refuse("F03", name, "has more than 2,000,000 rows. Split it.")
    return None


def _header_refusal(name: str, frame: pl.DataFrame, raw: list[str]) -> Issue | None:
    names = [h.strip().lstrip("\ufeff").lower() for h in raw]
    repeated = sorted({h for h in names if names.count(h) > 1})
    if repeated:
        return Issue(
            "H02", "error", name,
            f"{name}: the column {repeated[0]!r} appears more than once. Keep one copy of "
            "each column and upload the file again.",
            column=repeated[0],
        )  # fmt: skip
    if len(frame.columns) > MAX_COLUMNS:
        return _refuse("F03", name, "has more than 500 columns.")
    lengths = frame.select(pl.all().str.len_chars().max()).row(0) if frame.width else ()
    if max((int(n or 0) for n in lengths), default=0) > MAX_CELL_CHARS:
        return _refuse("F03", name, "has a cell longer than 32,767 characters.")
    return None


def _refuse(code: str, name: str, what: str) -> Issue:
    return Issue(code, "error", name, f"{name} {what}")


def _split_header(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])
