"""Annex A cell values brought to what ``validate.cast_table`` reads (formats.md §B.1.4, §B.0.5-6).

Applied to the text frame of one list (columns named by field key, see ``annex_a_headers``)
before typing: Excel error values blanked (R08, counted by the caller), ids without an Excel
``.0``, Excel date-times and serial numbers as ISO dates, labels and synonyms as codes (B.0.8
step 4), Annex A's eligibility texts, 903-style accommodation codes, and "unknown" Y/N answers as
blank. A value none of these rules knows is left as it is, so that typing reports it (R04, R06).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import polars as pl

from csperf import schemas, validate

EXCEL_ERRORS = [
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
    "#GETTING_DATA",
]  # fmt: skip
_PREFIX = r"^[A-Za-z]{1,2}\)\s*"
_UNKNOWN = ["unknown", "not known", "u"]

# B.1.4 and §C synonyms, by code list: normalised text -> code (None = blank, no issue).
SYNONYMS: dict[str, dict[str, str | None]] = {
    "sex": {
        "male": "M", "m": "M", "1": "M", "1 - male": "M", "female": "F", "f": "F", "2": "F",
        "2 - female": "F", "not stated/recorded": "U", "not stated": "U", "not recorded": "U",
        "unknown": "U", "unborn": "U", "u": "U", "0": "U", "9": "U", "indeterminate": "U",
        "neither": "U", "non-binary": "U",
    },
    "source": {
        "police": "6", "schools": "2A", "education services": "2B", "housing": "4",
        "anonymous": "9", "unknown": "10", "other legal agency": "7", "other": "8",
        "self": "1C", "gp": "3A", "health visitor": "3B", "school nurse": "3C", "a&e": "3E",
        "early help": "5D",
    },
    "category_of_abuse": {
        "neglect": "NEG", "physical abuse": "PHY", "sexual abuse": "SAB",
        "emotional abuse": "EMO", "multiple/not recommended": "MUL", "multiple": "MUL",
    },
    "legal_status": {
        "interim care order(s)": "C1", "full care order(s)": "C2", "freed for adoption": "D1",
        "placement order granted": "E1", "accommodated under s20": "V2",
    },
    "placement_provider": {
        "own la": "PR1", "own provision": "PR1", "private": "PR4", "other": None,
    },
    "placement_location": {
        "in": "IN", "out": "OUT", "inside": "IN", "outside": "OUT", "in area": "IN",
        "out of area": "OUT",
    },
    "in_touch": {
        "yes": "YES", "in touch": "YES", "no": "NO", "not in touch": "NO",
        "not recorded": None,
    },
}  # fmt: skip
_SUITABLE: dict[str, str | None] = {
    "suitable": "yes", "unsuitable": "no", "not suitable": "no",
    "not in touch or not recorded": None, "not recorded": None,
}  # fmt: skip
_ELIGIBILITY = [
    ("former relevant", "FORMER_RELEVANT"),
    ("relevant", "RELEVANT"),
    ("qualifying", "QUALIFYING"),
    ("eligible", "ELIGIBLE"),
    ("other", "OTHER"),
]


@cache
def labels(code_list: str) -> dict[str, str | None]:
    """Labels of the list in codes.csv (case-folded) plus its synonyms."""
    codes = pl.read_csv(validate.REFERENCE / "codes.csv", infer_schema=False).filter(
        pl.col("list") == code_list, pl.col("label").is_not_null()
    )
    out: dict[str, str | None] = {
        label.lower(): code for code, label in codes.select("code", "label").iter_rows()
    }
    out.update(SYNONYMS.get(code_list, {}))
    return out


def column(field: str) -> schemas.Column:
    """The canonical column a field key stands for."""
    if field == "child_id":
        return schemas.CHILD_ID
    if field in ("team", "worker"):
        return schemas.TABLES["allocation"].columns[field]
    table, name = field.split(".", 1)
    return schemas.TABLES[table].columns[name]


def _key(col: str) -> pl.Expr:
    """Text as matched against labels: whitespace collapsed, list letter off, lower case."""
    return (
        pl.col(col)
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.replace(_PREFIX, "")
        .str.to_lowercase()
    )


def _mapped(col: str, mapping: dict[str, str | None], keep: pl.Expr) -> pl.Expr:
    """``mapping`` applied to the key unless ``keep`` (the value already reads as it is)."""
    keys = list(mapping)
    values = list(mapping.values())
    key = _key(col)
    return (
        pl.when(keep)
        .then(pl.col(col))
        .when(key.is_in(keys))
        .then(key.replace_strict(keys, values, default=None, return_dtype=pl.String))
        .otherwise(pl.col(col))
        .alias(col)
    )


def code(col: str, code_list: str) -> pl.Expr:
    """B.0.8 step 4: a label or synonym where the code and token rules find nothing."""
    if code_list == "eligibility":
        return eligibility(col)
    direct = validate.parse_code(col, validate.code_list(code_list)).is_not_null()
    return _mapped(col, labels(code_list), direct)


def eligibility(col: str) -> pl.Expr:
    key = _key(col).str.replace_all("_", " ")
    expr = pl.col(col)
    for text, target in reversed(_ELIGIBILITY):  # the first rule that matches wins
        expr = (
            pl.when(key.str.contains(text, literal=True))
            .then(pl.lit(target))
            .otherwise(expr)
        )
    return expr.alias(col)


def boolean(col: str) -> pl.Expr:
    """Y/N answers: an ``unknown`` answer is blank, not an unrecognised value."""
    return (
        pl.when(_key(col).is_in(_UNKNOWN)).then(None).otherwise(pl.col(col)).alias(col)
    )


def child_id(col: str) -> pl.Expr:
    """An id Excel holds as a number is written without ``.0`` (formats.md §A.1)."""
    return pl.col(col).str.strip_chars().str.replace(r"^(\d+)\.0+$", "${1}").alias(col)


_EPOCH = dt.date(1899, 12, 30)


def date(col: str) -> pl.Expr:
    """Excel date-times as their date; Excel serial numbers 1-2958465 as dates (1900 system)."""
    text = pl.col(col).str.strip_chars()
    day = text.str.extract(
        r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", 1
    )
    serial = text.str.extract(r"^(\d{1,7})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    # Excel counts a 29 February 1900 that never was: serials below 61 start a day later.
    shift = pl.when(serial < 61).then(serial + 1).otherwise(serial)
    from_serial = (pl.lit(_EPOCH) + pl.duration(days=shift)).dt.strftime("%Y-%m-%d")
    return (
        pl.when(day.is_not_null())
        .then(day)
        .when(serial.is_between(1, 2_958_465))
        .then(from_serial)
        .otherwise(pl.col(col))
        .alias(col)
    )


def normalise(frame: pl.DataFrame) -> pl.DataFrame:
    """Every B.1.4 rule for the field columns the frame holds (other columns untouched)."""
    exprs: list[pl.Expr] = []
    for field in frame.columns:
        if field == "src_row":
            continue
        spec = column(field)
        if field == "care_leaver.suitable":
            exprs.append(_mapped(field, _SUITABLE, pl.lit(False)))
        elif spec.type == "id":
            exprs.append(child_id(field))
        elif spec.type in ("date", "month"):
            exprs.append(date(field))
        elif spec.type == "bool":
            exprs.append(boolean(field))
        elif spec.type == "code" and spec.codes:
            exprs.append(code(field, spec.codes))
    out = frame.with_columns(exprs)
    if "care_leaver.accommodation" in out.columns:
        out = _accommodation(out)
    return out


def _accommodation(frame: pl.DataFrame) -> pl.DataFrame:
    """903-style ``U1``/``U2``: the letter is the type, the digit says suitable (1) or not."""
    acc = "care_leaver.accommodation"
    parts = (
        pl.col(acc)
        .str.strip_chars()
        .str.to_uppercase()
        .str.extract_groups(r"^([A-Z])([12])$")
    )
    frame = frame.with_columns(_parts=parts)
    letter = pl.col("_parts").struct.field("1")
    digit = pl.col("_parts").struct.field("2")
    updates = [
        pl.when(letter.is_not_null()).then(letter).otherwise(pl.col(acc)).alias(acc)
    ]
    if "care_leaver.suitable" in frame.columns:
        fill = (
            pl.when(digit == "1")
            .then(pl.lit("yes"))
            .when(digit == "2")
            .then(pl.lit("no"))
        )
        updates.append(
            pl.coalesce(pl.col("care_leaver.suitable"), fill).alias(
                "care_leaver.suitable"
            )
        )
    else:
        updates.append(
            pl.when(digit == "1").then(pl.lit("yes")).when(digit == "2").then(pl.lit("no"))
            .alias("care_leaver.suitable")
        )  # fmt: skip
    return frame.with_columns(updates).drop("_parts")


def excel_errors(frame: pl.DataFrame) -> pl.DataFrame:
    """A boolean frame: which cells hold an Excel error value written as text."""
    return frame.select(
        pl.col(c)
        .str.strip_chars()
        .str.to_uppercase()
        .is_in(EXCEL_ERRORS)
        .fill_null(False)
        for c in frame.columns
        if c != "src_row"
    )
