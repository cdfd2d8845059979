"""Located validation issues and the cell rules every canonical frame passes (formats.md §D).

Every problem becomes one issue record: code, severity, file, sheet, row (as the user sees it),
column, field (``table.column``), value (withheld for personal columns) and a plain-English
message that says what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import polars as pl

from csperf import schemas

Severity = Literal["error", "warning", "info"]
REFERENCE = Path(__file__).parent / "reference"

ISSUE_SCHEMA = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.String,
    "column": pl.String,
    "field": pl.String,
    "value": pl.String,
    "code": pl.String,
    "severity": pl.String,
    "message": pl.String,
}

BLANKS = ["", "-", ".", "..", "<blank>", "null", "n/a"]
TRUE = ["yes", "y", "true", "1"]
FALSE = ["no", "n", "false", "0"]
UNKNOWN = ["unknown", "not known", "u"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y"]


@dataclass(frozen=True)
class Issue:
    code: str
    severity: Severity
    file: str
    message: str
    row: str | None = None
    column: str | None = None
    field: str | None = None
    value: str | None = None
    sheet: str | None = None


def issues_frame(issues: list[Issue]) -> pl.DataFrame:
    rows = [asdict(i) for i in issues]
    return (
        pl.DataFrame(rows, schema=ISSUE_SCHEMA)
        if rows
        else pl.DataFrame(schema=ISSUE_SCHEMA)
    )


@cache
def code_list(name: str) -> frozenset[str]:
    codes = pl.read_csv(REFERENCE / "codes.csv", infer_schema=False)
    return frozenset(codes.filter(pl.col("list") == name)["code"].to_list())


@cache
def code_years(name: str) -> dict[str, tuple[int | None, int | None]]:
    """The codes of a list valid only in some collection years: code -> (first, last).

    Years name a collection year by the year it ends (2023 is 2022/23); None is no limit.
    """
    codes = pl.read_csv(REFERENCE / "codes.csv", infer_schema=False).filter(
        pl.col("list") == name,
        pl.col("valid_from_year").is_not_null() | pl.col("valid_to_year").is_not_null(),
    )
    return {
        code: (_year(first), _year(last))
        for code, first, last in codes.select(
            "code", "valid_from_year", "valid_to_year"
        ).iter_rows()
    }


def _year(text: str | None) -> int | None:
    return int(text) if text else None


def collection_year(day: dt.date) -> int:
    """The collection year (1 April to 31 March) containing a day, named by the year it ends."""
    return day.year + 1 if day.month >= 4 else day.year


def year_label(year: int) -> str:
    """2026 -> '2025/26'."""
    return f"{year - 1}/{year % 100:02d}"


def clean_text(col: str) -> pl.Expr:
    """B.0.5: trim, collapse whitespace, NBSP to space, curly quotes straight, blanks to null."""
    text = (
        pl.col(col)
        .str.replace_all("\u00a0", " ")
        .str.replace_all("[\u2018\u2019]", "'")
        .str.replace_all("[\u201c\u201d]", '"')
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return (
        pl.when(text.str.to_lowercase().is_in(BLANKS))
        .then(None)
        .otherwise(text)
        .alias(col)
    )


# A cell clean_text changes beyond trimming: a curly quote, a whitespace character other than
# a space (NBSP, tab, line break ...), or two spaces in a row.
_NEEDS_CLEANING = r"[\u2018\u2019\u201c\u201d]|[^\S ]|  "


def clean_texts(frame: pl.DataFrame, columns: list[str]) -> list[pl.Expr]:
    """``clean_text`` for each column; where no cell needs more than trimming, only the
    trimming and blank rules run (the same result, a fraction of the work on large files)."""
    text = [c for c in columns if frame.schema[c] == pl.String]
    needs = (
        frame.select(pl.col(c).str.contains(_NEEDS_CLEANING).any() for c in text).row(0)
        if text and frame.height
        else (False,) * len(text)
    )
    exprs = []
    for col, needed in zip(text, needs, strict=True):
        if needed:
            exprs.append(clean_text(col))
            continue
        trimmed = pl.col(col).str.strip_chars()
        exprs.append(
            pl.when(trimmed.str.to_lowercase().is_in(BLANKS))
            .then(None)
            .otherwise(trimmed)
            .alias(col)
        )
    exprs += [clean_text(c) for c in columns if c not in text]
    return exprs


def nfkc(frame: pl.DataFrame) -> pl.DataFrame:
    """Unicode NFKC on every text cell that is not plain ASCII (cheap for ordinary files)."""
    out = []
    for name in frame.columns:
        s = frame[name]
        if (
            s.dtype == pl.String
            and not s.drop_nulls().str.contains(r"^[\x00-\x7f]*$").all()
        ):
            s = s.map_elements(
                lambda v: unicodedata.normalize("NFKC", v), return_dtype=pl.String
            )
        out.append(s)
    return pl.DataFrame(out)


EARLIEST = dt.date(1900, 1, 1)
SCIENTIFIC = r"^\d+(\.\d+)?[eE][+-]?\d+$"


def parse_date(col: str, formats: Sequence[str] = DATE_FORMATS) -> pl.Expr:
    """B.0.6: day-first forms only; two-digit years and dates before 1900 are unparseable.

    ``formats`` may leave out forms no cell of the column can match (``date_formats``).
    """
    text = pl.col(col).str.replace(r"[ T]00:00(:00)?$", "")
    four_digit_year = text.str.contains(r"(^\d{4}-)|(\d{4}$)")
    parsed = pl.coalesce(
        [text.str.to_date(f, strict=False) for f in formats or DATE_FORMATS]
    )
    ok = four_digit_year & (parsed >= pl.lit(EARLIEST))
    return pl.when(ok).then(parsed).otherwise(None).alias(col)


# What a cell must contain for each date form to match it.
_FORM_NEEDS = {
    "%Y-%m-%d": "-", "%d/%m/%Y": "/", "%d-%m-%Y": "-", "%d.%m.%Y": ".",
    "%d-%b-%Y": "alpha", "%d %b %Y": "alpha",
}  # fmt: skip


def date_formats(frame: pl.DataFrame, columns: list[str]) -> dict[str, list[str]]:
    """Per date column, the forms of DATE_FORMATS some cell could match (in their order): a
    form whose separator, or month name, appears in no cell can parse no cell."""
    text = [c for c in columns if frame.schema[c] == pl.String]
    if not text or frame.height == 0:
        return dict.fromkeys(columns, DATE_FORMATS)
    marks = ("-", "/", ".")
    found = frame.select(
        *[pl.col(c).str.contains(m, literal=True).any().alias(f"{c}\x1f{m}")
          for c in text for m in marks],
        *[pl.col(c).str.contains("[A-Za-z]").any().alias(f"{c}\x1falpha") for c in text],
    ).row(0, named=True)  # fmt: skip
    out = dict.fromkeys(columns, DATE_FORMATS)
    for c in text:
        out[c] = [f for f in DATE_FORMATS if found[f"{c}\x1f{_FORM_NEEDS[f]}"]]
    return out


def parse_month(col: str) -> pl.Expr:
    text = pl.col(col)
    full = pl.coalesce([text.str.to_date(f, strict=False) for f in DATE_FORMATS])
    month = (text + "-01").str.to_date("%Y-%m-%d", strict=False)
    return pl.coalesce([month, full]).dt.month_start().alias(col)


def parse_bool(col: str) -> pl.Expr:
    low = pl.col(col).str.replace(r"^[a-z]{1,2}\)\s*", "").str.to_lowercase()
    return (
        pl.when(low.is_in(TRUE))
        .then(True)
        .when(low.is_in(FALSE))
        .then(False)
        .otherwise(None)
        .alias(col)
    )


def parse_code(col: str, codes: frozenset[str]) -> pl.Expr:
    """B.0.8 steps 2-3: strip a list letter, take the leading code token, keep it if known."""
    upper = pl.col(col).str.to_uppercase().str.replace(r"^[A-Z]{1,2}\)\s*", "")
    token = upper.str.extract(r"^([A-Z0-9]{1,6})(?:\s*[:\-\u2013]|\s|$)", 1)
    known = list(codes)
    return (
        pl.when(upper.is_in(known))
        .then(upper)
        .when(token.is_in(known))
        .then(token)
        .otherwise(None)
        .alias(col)
    )


def parse_int(col: str) -> pl.Expr:
    text = pl.col(col).str.replace_all(r"[,\s]", "")
    num = text.cast(pl.Float64, strict=False)
    whole = (num >= 0) & (num == num.floor())
    return pl.when(whole).then(num.cast(pl.Int32)).otherwise(None).alias(col)


def parse_float(col: str) -> pl.Expr:
    text = pl.col(col).str.replace_all(r"[,£%\s]", "")
    return text.cast(pl.Float64, strict=False).alias(col)


def parse_codes(col: str, codes: frozenset[str]) -> pl.Expr:
    parts = (
        pl.col(col)
        .str.to_uppercase()
        .str.split(";")
        .list.eval(pl.element().str.strip_chars())
    )
    return parts.list.eval(pl.element().filter(pl.element().is_in(list(codes)))).alias(
        col
    )


@dataclass(frozen=True)
class Located:
    file: str
    sheet: str | None = None


def cast_table(
    raw: pl.DataFrame, table: schemas.Table, where: Located
) -> tuple[pl.DataFrame, list[Issue]]:
    """Type a text frame of canonical columns (plus ``src_row``), collecting located issues.

    Errors (R01, R02, R03 on required dates) make the file unloadable; warnings null the cell and
    add their code to the row's ``dq_flags`` (formats.md §D.1).
    """
    issues: list[Issue] = []
    frame = raw.with_columns(
        clean_texts(raw, [c for c in table.columns if c in raw.columns])
    )
    missing = [
        pl.lit(None, pl.String).alias(c)
        for c in table.columns
        if c not in frame.columns
    ]
    frame = frame.with_columns(missing)
    forms = date_formats(
        frame, [c for c, col in table.columns.items() if col.type == "date"]
    )
    parsers = {
        name: _parser(name, col, forms.get(name, DATE_FORMATS))
        for name, col in table.columns.items()
    }
    typed = frame.with_columns(
        [expr.alias(f"_typed_{name}") for name, (expr, _) in parsers.items()]
    )
    checks: dict[str, pl.Expr] = {}
    for name, col in table.columns.items():
        raw_col, parsed = pl.col(name), pl.col(f"_typed_{name}")
        if col.required:
            checks[f"_blank_{name}"] = raw_col.is_null()
        if col.type == "id":
            checks[f"_sci_{name}"] = raw_col.str.contains(SCIENTIFIC).fill_null(False)
        if col.type not in ("id", "text"):
            checks[f"_bad_{name}"] = raw_col.is_not_null() & _failed(
                col, raw_col, parsed
            )
    marks = typed.with_columns(**checks)
    any_marks = (
        marks.select(pl.col(list(checks)).any()).row(0, named=True) if checks else {}
    )
    flags: list[pl.Expr] = []
    for name, col in table.columns.items():
        if any_marks.get(f"_blank_{name}"):
            code = "R01" if col.type == "id" else "R02"
            rows = marks.filter(pl.col(f"_blank_{name}"))["src_row"].to_list()
            issues += _blank_required(rows, table, name, where, code)
        if any_marks.get(f"_sci_{name}"):
            rows = marks.filter(pl.col(f"_sci_{name}"))["src_row"].to_list()
            issues += [
                Issue("R10", "error", where.file,
                      f"Row {r}, '{name}': the id was turned into a number like 1.23E+12 by "
                      "Excel, so it cannot be matched. Format the column as Text and export "
                      "it again.", row=str(r), column=name, field=f"{table.name}.{name}",
                      sheet=where.sheet)
                for r in rows
            ]  # fmt: skip
        if any_marks.get(f"_bad_{name}"):
            failed = marks.filter(pl.col(f"_bad_{name}")).select(
                "src_row", pl.col(name).alias("raw")
            )
            code, severity = _failure_code(col)
            issues += _failure_issues(
                failed, table, name, col, code, severity, where, parsers[name][1]
            )
            flags.append(pl.when(pl.col(f"_bad_{name}")).then(pl.lit(code)))
    flag_list = (
        pl.concat_list(flags).list.drop_nulls().list.unique(maintain_order=True)
        if flags
        else pl.lit([], pl.List(pl.String))
    )
    out = marks.with_columns(dq_flags=flag_list).select(
        "src_row", "dq_flags", *[pl.col(f"_typed_{c}").alias(c) for c in table.columns]
    )
    return out, issues


def _parser(
    name: str, col: schemas.Column, date_forms: Sequence[str] = DATE_FORMATS
) -> tuple[pl.Expr, frozenset[str]]:
    codes = code_list(col.codes) if col.codes else frozenset()
    match col.type:
        case "date":
            return parse_date(name, date_forms), codes
        case "month":
            return parse_month(name), codes
        case "bool":
            return parse_bool(name), codes
        case "int":
            return parse_int(name), codes
        case "float":
            return parse_float(name), codes
        case "code":
            return (
                parse_code(name, codes) if codes else pl.col(name).str.to_uppercase()
            ), codes
        case "codes":
            return parse_codes(name, codes), codes
        case _:
            return pl.col(name), codes


def _failed(col: schemas.Column, raw: pl.Expr, parsed: pl.Expr) -> pl.Expr:
    if col.type == "codes":
        return parsed.list.len() < raw.str.split(";").list.len()
    return parsed.is_null()


def _failure_code(col: schemas.Column) -> tuple[str, Severity]:
    if col.type in ("date", "month"):
        return "R03", "error" if col.required else "warning"
    if col.type == "bool":
        return "R06", "warning"
    if col.type in ("int", "float"):
        return "R07", "warning"
    return "R04", "warning"


_FIX = {
    "R03": "Enter the date as dd/mm/yyyy or yyyy-mm-dd and upload the file again.",
    "R06": "Use Y or N (or leave it blank if not known).",
    "R07": "Enter a whole number of 0 or more.",
}


def _failure_issues(
    failed: pl.DataFrame,
    table: schemas.Table,
    name: str,
    col: schemas.Column,
    code: str,
    severity: Severity,
    where: Located,
    codes: frozenset[str],
) -> list[Issue]:
    out = []
    for row, raw in failed.select("src_row", "raw").iter_rows():
        if code == "R04":
            what = f"'{raw}' is not a recognised code"
            fix = f"Use one of the codes for {col.codes} (see the templates README)."
        elif code == "R03":
            what = f"'{raw}' is not a real date"
            fix = _FIX[code]
            if _month_first(str(raw)):
                what += " (it looks like US format, month first)"
        else:
            what = f"'{raw}' is not valid here"
            fix = _FIX.get(code, "Correct the value and upload the file again.")
        effect = "" if severity == "error" else " It was left blank."
        out.append(
            Issue(
                code, severity, where.file,
                f"Row {row}, '{name}': {what}.{effect} {fix}",
                row=str(row), column=name, field=f"{table.name}.{name}",
                value=None if col.personal else str(raw)[:100], sheet=where.sheet,
            )
        )  # fmt: skip
    return out


def _blank_required(
    rows: list[int], table: schemas.Table, name: str, where: Located, code: str
) -> list[Issue]:
    what = "the child id is blank" if code == "R01" else "this required value is blank"
    return [
        Issue(
            code, "error", where.file,
            f"Row {row}, '{name}': {what}. Fill it in, or delete the row, "
            "and upload the file again.",
            row=str(row), column=name, field=f"{table.name}.{name}", sheet=where.sheet,
        )
        for row in rows
    ]  # fmt: skip


DISPLAY_ORDER = [
    "severity",
    "code",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "message",
]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def grouped(frame: pl.DataFrame) -> pl.DataFrame:
    """Issues grouped by rule and column, with counts and the first 20 rows (formats.md §D.1)."""
    if frame.height == 0:
        return pl.DataFrame(
            schema=dict.fromkeys(["severity", "code", "file", "column"], pl.String)
        )
    return (
        frame.group_by(
            "severity", "code", "file", "sheet", "column", maintain_order=True
        )
        .agg(
            count=pl.len(),
            rows=pl.col("row").drop_nulls().head(20).str.join(", "),
            example=pl.col("message").first(),
        )
        .sort(pl.col("severity").replace_strict(SEVERITY_ORDER, default=3), "code")
    )


def has_errors(issues: list[Issue]) -> bool:
    return any(i.severity == "error" for i in issues)


def _month_first(raw: str) -> bool:
    try:
        dt.datetime.strptime(raw.strip(), "%m/%d/%Y")
    except ValueError:
        return False
    return True
