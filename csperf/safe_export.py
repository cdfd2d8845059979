"""Exports a spreadsheet opens safely: text cells that a spreadsheet would run as a formula are
escaped with a leading apostrophe (security.md, formula injection)."""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r\n]"


def escape_text(frame: pl.DataFrame) -> pl.DataFrame:
    text = [c for c in frame.columns if frame.schema[c] == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START))
        .then("'" + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV with every formula-like text cell escaped."""
    return escape_text(frame).write_csv().encode()
