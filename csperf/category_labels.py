"""Display labels and order of the categories of the dimension breakdowns (indicators.md,
"Category codes of the dimension breakdowns"; placement groups as DfE publishes them, formats.md
§C.6). Stored values keep the codes; pages, charts and reports show these labels."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

LABELS_FILE = Path(__file__).parent / "reference" / "category_labels.csv"


@cache
def _table() -> dict[str, list[tuple[str, str]]]:
    frame = pl.read_csv(LABELS_FILE, infer_schema=False)
    out: dict[str, list[tuple[str, str]]] = {}
    for dimension, code, label in frame.iter_rows():
        out.setdefault(dimension, []).append((code, label))
    return out


def label(dimension: str, code: str) -> str:
    """The category's label; a code with none (a team, a source) is shown as it is."""
    return dict(_table().get(dimension, [])).get(code, code)


def order(dimension: str) -> list[str]:
    """The codes of a fixed list in display order; empty for free-text dimensions."""
    return [code for code, _ in _table().get(dimension, [])]
