"""Ofsted Annex A (formats.md §B.1): the xlsx workbook, or one CSV per list, read and written.

Reading a workbook: the package is checked first (``xlsx_safety``: ZIP structure, macros,
external links, sizes, DOCTYPE) before any cell is read; then each sheet is read as text with
fastexcel, assigned to a list by its name (else by its headers), its header row found in rows
1-10, and its headers matched by text, never by position (``annex_a_headers``). Values are
normalised (``annex_a_values``) and the lists mapped to canonical tables (``annex_a_tables``).
Issues carry the sheet name and the Excel row number. Lists 10-11 are recognised, not loaded.

Writing (the demo, round-trip tests): ``write_xlsx`` gives the January 2024 template's Lists 1-9
for the window csperf asks for (§B.7), from the canonical frames of ``canonical.read_dir``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import fastexcel
import polars as pl

from csperf import periods, store
from csperf.formats import annex_a_headers as headers
from csperf.formats import (
    annex_a_tables,
    annex_a_write,
    csv_text,
    deadline,
    xlsx_safety,
)
from csperf.formats.annex_a_tables import ListRows
from csperf.formats.annex_a_values import EXCEL_ERRORS
from csperf.validate import Issue

FORMAT = "annex_a"
HEADER_ROWS = 10  # the header row is one of Excel rows 1-10 (B.0.4)
MAX_ROWS = 2_000_000
MAX_COLUMNS = 500
MAX_CELL_CHARS = 32_767
# B.1.1: a sheet named for no list is the list with >= 80% of its headers known.
SHARE = 0.8
_ERROR_NAMES = {
    "NA": "#N/A", "Ref": "#REF!", "Value": "#VALUE!", "Div0": "#DIV/0!", "Name": "#NAME?",
    "Num": "#NUM!", "Null": "#NULL!",
}  # fmt: skip
_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")


def write_xlsx(tables: dict[str, pl.DataFrame], quarter: periods.Quarter) -> bytes:
    """Lists 1-9 of the January 2024 template for the window csperf asks for (§B.7)."""
    return annex_a_write.write_xlsx(tables, quarter)


# ---------------------------------------------------------------- header matching


@dataclass
class Match:
    """Which sheet column (by position) each field of a list reads (B.1.2)."""

    columns: dict[str, int] = field(default_factory=dict)  # field -> column position
    ignored: list[int] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # header texts given twice
    ambiguous: dict[str, list[int]] = field(default_factory=dict)  # field -> positions

    @property
    def known(self) -> int:
        """Headers recognised, whether taken, ignored or ambiguous."""
        ambiguous = {i for positions in self.ambiguous.values() for i in positions}
        return len(set(self.columns.values()) | set(self.ignored) | ambiguous)


def match_headers(n: int, header: list[str | None]) -> Match:
    """Pass 1 exact normalised texts (fields and ignored headers), pass 2 variant regexes."""
    known = {headers.normalise(h.text): h for h in headers.headers(n)}
    texts = {i: headers.normalise(h) for i, h in enumerate(header) if h and h.strip()}
    out = Match()
    for i, text in texts.items():
        h = known.get(text)
        if h is None:
            continue
        if h.field is None:
            out.ignored.append(i)
        elif h.field in out.columns:
            out.repeated.append(header[i] or text)
        else:
            out.columns[h.field] = i
    used = set(out.columns.values()) | set(out.ignored)
    for h in headers.headers(n):
        if h.field is None or h.regex is None or h.field in out.columns:
            continue
        hits = [
            i
            for i, text in texts.items()
            if i not in used
            and re.search(h.regex, text)
            and not (h.exclude and re.search(h.exclude, text))
        ]
        if len(hits) > 1:
            out.ambiguous[h.field] = hits
        elif hits:
            out.columns[h.field] = hits[0]
            used.add(hits[0])
    return out


def _is_header_row(n: int | None, row: list[str | None]) -> bool:
    """B.0.4: a child-id header and at least three known headers."""
    lists = [n] if n is not None else list(headers.ALL_LISTS)
    for k in lists:
        m = match_headers(k, row)
        if headers.CHILD_ID in m.columns and m.known >= 3:
            return True
    return False


def _by_headers(header: list[str | None]) -> int | None:
    """B.1.1: the list with the highest share (>= 0.8, unique) of the sheet's headers known."""
    texts = [h for h in header if h and h.strip()]
    if not texts:
        return None
    shares = {}
    for n in headers.ALL_LISTS:
        m = match_headers(n, header)
        if headers.CHILD_ID in m.columns:
            shares[n] = m.known / len(texts)
    best = max(shares.values(), default=0.0)
    top = [n for n, s in shares.items() if s == best]
    return top[0] if best >= SHARE and len(top) == 1 else None


# ---------------------------------------------------------------- recognition


def recognise_xlsx(data: bytes) -> bool:
    """A ZIP with ``[Content_Types].xml`` and ``xl/workbook.xml`` and a sheet named for a list
    (or, failing names, whose headers in rows 1-10 are a list's)."""
    if not data.startswith(xlsx_safety.ZIP):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        return False
    checked = xlsx_safety.check("workbook", data)
    if isinstance(checked, Issue):
        return True  # a workbook: parse_xlsx gives the refusal
    if any(headers.list_by_name(s.name) is not None for s in checked.sheets):
        return True
    try:
        reader = fastexcel.read_excel(data)
        for sheet in reader.sheet_names:
            top = _cells(reader, sheet, HEADER_ROWS)
            if any(_by_headers(list(r)) is not None for r in top.iter_rows()):
                return True
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError, ValueError, OSError):
        return False
    return False


def recognise_csv(name: str, header: list[str]) -> int | None:
    """The list a per-list CSV holds: by file name (B.1.1), else by headers; confirmed by the
    list's required headers."""
    n = headers.list_by_name(PurePath(name).stem)
    cells: list[str | None] = list(header)
    if n is None:
        n = _by_headers(cells)
    if n is None:
        return None
    m = match_headers(n, cells)
    if n not in headers.LOADED:
        return n if headers.CHILD_ID in m.columns else None
    if all(h.field in m.columns for h in headers.required(n)):
        return n
    return None


# ---------------------------------------------------------------- parsing


def parse_xlsx(
    name: str, data: bytes, quarter: periods.Quarter
) -> tuple[list[store.TableLoad], list[Issue]]:
    """Check the package, read each sheet as its list, map the lists; never raises on bad input."""
    checked = xlsx_safety.check(name, data)
    if isinstance(checked, Issue):
        return [], [checked]
    issues: list[Issue] = []
    lists: list[ListRows] = []
    try:
        reader = fastexcel.read_excel(data)
        available = set(reader.sheet_names)
        for sheet in checked.sheets:
            if sheet.name not in available:
                continue  # a chart sheet
            deadline.check()
            rows, more = _read_sheet(name, data, reader, sheet)
            issues += more
            if rows is not None:
                lists.append(rows)
    except (fastexcel.FastExcelError, pl.exceptions.PolarsError, ValueError, OSError):
        return [], [
            Issue("F01", "error", name, f"{name} could not be read as a workbook. Open it in "
                  "Excel, save it again as .xlsx and upload the new file.")
        ]  # fmt: skip
    if any(i.code == "F03" for i in issues):
        return [], issues
    if not lists and not any(i.code.startswith("H") for i in issues):
        issues.append(
            Issue("F08", "error", name, f"{name}: no sheet was recognised as an Annex A list. "
                  "Name each sheet after its list (e.g. 'List 3') and keep the template's "
                  "headers.")
        )  # fmt: skip
    return _build(name, data, quarter, lists, issues)


def _build(
    name: str,
    data: bytes,
    quarter: periods.Quarter,
    lists: list[ListRows],
    issues: list[Issue],
) -> tuple[list[store.TableLoad], list[Issue]]:
    try:
        loads, more = annex_a_tables.build(name, data, quarter, lists, FORMAT)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        return [], [*issues, Issue("F01", "error", name, f"{name} could not be read "
                                   f"({type(exc).__name__}). Save it again and upload the "
                                   "new file.")]  # fmt: skip
    return loads, issues + more


def parse_csv(
    name: str, data: bytes, quarter: periods.Quarter
) -> tuple[list[store.TableLoad], list[Issue]]:
    """One list per CSV, recognised by file name then headers; never raises on bad input."""
    text = csv_text.read(name, data)
    if isinstance(text, list):
        return [], text
    issues = list(text.issues)
    header: list[str | None] = list(text.header)
    n = headers.list_by_name(PurePath(name).stem)
    if n is None:
        n = _by_headers(header)
        if n is not None:
            issues.append(_i02(name, None, n))
    if n is None:
        return [], [*issues, Issue("F08", "error", name, f"{name} was not recognised as an "
                    "Annex A list. Name the file after its list (e.g. 'List 3.csv') and keep "
                    "the template's headers.")]  # fmt: skip
    if n not in headers.LOADED:
        return [], [*issues, _i04(name, None, n)]
    body = text.frame.drop("src_row")
    body = body.rename({c: f"c{i}" for i, c in enumerate(body.columns)})
    rows, more = _list_rows(name, None, n, header, body, text.frame["src_row"], [], [])
    issues += more
    if rows is None:
        return [], issues
    return _build(name, data, quarter, [rows], issues)


def _cells(
    reader: fastexcel.ExcelReader, sheet: str, n_rows: int | None = None
) -> pl.DataFrame:
    loaded = reader.load_sheet(
        sheet, header_row=None, dtypes="string", skip_rows=0, n_rows=n_rows
    )
    frame = pl.from_arrow(loaded.to_arrow())
    assert isinstance(frame, pl.DataFrame)  # noqa: S101 -- a record batch is a frame
    return frame


def _read_sheet(
    name: str, data: bytes, reader: fastexcel.ExcelReader, sheet: xlsx_safety.Sheet
) -> tuple[ListRows | None, list[Issue]]:
    issues: list[Issue] = []
    n = headers.list_by_name(sheet.name)
    if n is not None and n not in headers.LOADED:
        return None, [_i04(name, sheet.name, n)]
    loaded = reader.load_sheet(
        sheet.name, header_row=None, dtypes="string", skip_rows=0
    )
    if loaded.height > MAX_ROWS or loaded.width > MAX_COLUMNS:
        return None, [_f03(name, sheet.name, "more than 2,000,000 rows or 500 columns")]
    batch, errors = loaded.to_arrow_with_errors()
    cells = pl.from_arrow(batch)
    assert isinstance(cells, pl.DataFrame)  # noqa: S101 -- a record batch is a frame
    if cells.height == 0:
        return None, ([_i04(name, sheet.name, n, empty=True)] if n is not None else [])
    longest = cells.select(pl.all().str.len_chars().max()).row(0) if cells.width else ()
    if max((int(x or 0) for x in longest), default=0) > MAX_CELL_CHARS:
        return None, [_f03(name, sheet.name, "a cell longer than 32,767 characters")]
    if sheet.hidden:
        issues.append(Issue("I02", "info", name, f"{name}: sheet '{sheet.name}' is hidden; it "
                            "was read like the others.", sheet=sheet.name))  # fmt: skip
    origin = xlsx_safety.first_row(data, sheet.part)
    found, n, more = _find_header(name, sheet.name, cells, origin, n)
    issues += more
    if found is None or n is None:
        return None, issues
    header: list[str | None] = list(cells.row(found))
    body = cells.slice(found + 1)
    body = body.rename({c: f"c{i}" for i, c in enumerate(body.columns)})
    first = origin + found + 1
    src_row = pl.int_range(first, first + body.height, dtype=pl.Int32, eager=True)
    bad = _error_cells(errors, found, origin)
    gaps = _formula_gaps(data, sheet, origin + found) if sheet.formulas else []
    rows, more = _list_rows(name, sheet.name, n, header, body, src_row, bad, gaps)
    return rows, issues + more


def _find_header(
    name: str, sheet: str, cells: pl.DataFrame, origin: int, n: int | None
) -> tuple[int | None, int | None, list[Issue]]:
    """The header row (index in ``cells``, within Excel rows 1-10) and the sheet's list.

    A sheet named ``List n`` without a header row is H04; one named by a keyword (or nothing)
    is then assigned by its headers (I02), else ignored (I03).
    """
    top = [list(r) for r in cells.head(max(0, HEADER_ROWS - origin + 1)).iter_rows()]
    if n is not None:
        found = next((i for i, r in enumerate(top) if _is_header_row(n, r)), None)
        if found is not None:
            return found, n, []
        if headers.numbered(sheet):
            return None, n, [_h04(name, sheet)]
    found = next((i for i, r in enumerate(top) if _is_header_row(None, r)), None)
    assigned = _by_headers(top[found]) if found is not None else None
    if found is None or assigned is None:
        return None, None, [_i03(name, sheet)]
    if assigned not in headers.LOADED:
        return None, None, [_i02(name, sheet, assigned), _i04(name, sheet, assigned)]
    return found, assigned, [_i02(name, sheet, assigned)]


def _f03(name: str, sheet: str, what: str) -> Issue:
    return Issue("F03", "error", name, f"{name}: sheet '{sheet}' has {what}. Split it.",
                 sheet=sheet)  # fmt: skip


def _error_cells(
    errors: fastexcel.CellErrors | None, header_index: int, origin: int
) -> list[tuple[int, int, str]]:
    """(Excel row, column position, Excel error text) of error cells below the header."""
    out = []
    for error in errors.errors if errors is not None else []:
        row, col = error.offset_position
        m = _ERROR_DETAIL.search(error.detail)
        if row > header_index and m:
            out.append((origin + row, col, _ERROR_NAMES.get(m.group(1), "#N/A")))
    return out


def _formula_gaps(
    data: bytes, sheet: xlsx_safety.Sheet, header_row: int
) -> list[tuple[int, int]]:
    gaps = xlsx_safety.formula_gaps(data, sheet.part)
    return [(r, c - gaps.first_column) for r, c in gaps.cells if r > header_row]


def _list_rows(
    name: str,
    sheet: str | None,
    n: int,
    header: list[str | None],
    body: pl.DataFrame,
    src_row: pl.Series,
    error_cells: list[tuple[int, int, str]],
    formula_gaps: list[tuple[int, int]],
) -> tuple[ListRows | None, list[Issue]]:
    """Match the headers and take the list's field columns as text, with ``src_row``."""
    m = match_headers(n, header)
    refused, issues = _header_issues(name, sheet, n, header, m)
    if refused:
        return None, issues
    frame = body.with_columns(src_row=src_row.cast(pl.Int32)).select(
        "src_row", *[pl.col(f"c{i}").alias(f) for f, i in m.columns.items()]
    )
    if (
        m.columns
    ):  # rows with nothing in the columns read (or only error values) are skipped
        frame = frame.filter(
            ~pl.all_horizontal(
                pl.col(f).is_null()
                | pl.col(f).str.strip_chars().is_in(["", *EXCEL_ERRORS])
                for f in m.columns
            )
        )
    kept = set(frame["src_row"].to_list())
    names = {f: str(header[i]).strip() for f, i in m.columns.items()}
    by_position = {i: f for f, i in m.columns.items()}
    errors = [
        (r, by_position[c], e)
        for r, c, e in error_cells
        if c in by_position and r in kept
    ]
    gaps = [
        (r, by_position[c]) for r, c in formula_gaps if c in by_position and r in kept
    ]
    frame, flags, more = _blank_cells(name, sheet, frame, names, errors, gaps)
    return ListRows(n, sheet, frame, names, flags), issues + more


def _blank_cells(
    name: str,
    sheet: str | None,
    frame: pl.DataFrame,
    names: dict[str, str],
    errors: list[tuple[int, str, str]],
    gaps: list[tuple[int, str]],
) -> tuple[pl.DataFrame, dict[int, list[str]], list[Issue]]:
    """R08 (Excel error values, as cells or as text) and R09 (formulas with no saved value):
    the cells are blank; one issue per column with a count; the rows are flagged."""
    fields = [c for c in frame.columns if c != "src_row"]
    if fields:
        mask = frame.select(
            pl.col("src_row"),
            *[pl.col(f).str.strip_chars().str.to_uppercase().is_in(EXCEL_ERRORS)
              .fill_null(False).alias(f) for f in fields],
        )  # fmt: skip
        for f in fields:
            hit = frame.filter(mask[f])
            errors += [
                (r, f, str(v).strip()) for r, v in hit.select("src_row", f).iter_rows()
            ]
        frame = frame.with_columns(
            pl.when(mask[f]).then(None).otherwise(pl.col(f)).alias(f) for f in fields
        )
    flags: dict[int, list[str]] = {}
    issues = []
    where = f"{name}, {sheet}" if sheet else name
    for code, cells in (("R08", [(r, f, e) for r, f, e in errors]),
                        ("R09", [(r, f, "") for r, f in gaps])):  # fmt: skip
        for f in dict.fromkeys(f for _, f, _ in cells):
            mine = sorted((r, e) for r, g, e in cells if g == f)
            for r, _ in mine:
                flags.setdefault(r, []).append(code)
            first, example = mine[0]
            what = (
                f"{len(mine)} cells hold an Excel error value such as {example}"
                if code == "R08"
                else f"{len(mine)} formula cells have no saved value"
            )
            fix = (
                "Correct the formula or lookup that gives it, or clear the cells"
                if code == "R08"
                else "Open the workbook in Excel, let it calculate, save it"
            )
            issues.append(
                Issue(code, "warning", name, f"{where}, '{names[f]}': {what} (first in row "
                      f"{first}). They were left blank. {fix} and upload it again.",
                      row=str(first), column=names[f], field=_field(f), sheet=sheet)
            )  # fmt: skip
    return frame, flags, issues


def _header_issues(
    name: str, sheet: str | None, n: int, header: list[str | None], m: Match
) -> tuple[bool, list[Issue]]:
    """H01 (required header missing), H02 (twice, or a variant matching two), H03 (dropped)."""
    where = f"{name}, sheet '{sheet}'" if sheet else name
    issues: list[Issue] = []
    for text in m.repeated:
        issues.append(Issue("H02", "error", name, f"{where}: the column '{text}' appears more "
                            "than once. Keep one copy and upload the file again.",
                            column=text, sheet=sheet))  # fmt: skip
    for f, positions in m.ambiguous.items():
        cols = ", ".join(f"'{header[i]}'" for i in positions)
        issues.append(Issue("H02", "error", name, f"{where}: the columns {cols} could each be "
                            f"{_label(f)}. Rename all but one (the template's header is "
                            f"'{_template_text(n, f)}') and upload the file again.",
                            column=str(header[positions[0]]), field=_field(f),
                            sheet=sheet))  # fmt: skip
    for h in headers.required(n):
        if h.field not in m.columns and h.field not in m.ambiguous:
            issues.append(Issue("H01", "error", name, f"{where} has no column '{h.text}', which "
                                f"List {n} requires. Add it (or rename the column that holds "
                                "it) and upload the file again.",
                                column=h.text, field=_field(h.field), sheet=sheet))  # fmt: skip
    used = set(m.columns.values()) | set(m.ignored)
    dropped = [
        str(h) for i, h in enumerate(header) if h and h.strip() and i not in used
    ]
    if dropped:
        listed = ", ".join(dropped)
        issues.append(Issue("H03", "info", name, f"{where}: columns csperf does not use were "
                            f"ignored and not stored: {listed}.", sheet=sheet))  # fmt: skip
    return any(i.severity == "error" for i in issues), issues


def _field(f: str | None) -> str | None:
    if f is None:
        return None
    if f == headers.CHILD_ID:
        return "child.child_id"
    return f"allocation.{f}" if f in (headers.TEAM, headers.WORKER) else f


def _label(f: str) -> str:
    return f"'{_field(f)}'"


def _template_text(n: int, f: str) -> str:
    return next((h.text for h in headers.headers(n) if h.field == f), f)


def _h04(name: str, sheet: str) -> Issue:
    return Issue("H04", "error", name, f"{name}, sheet '{sheet}': no header row was found in "
                 "rows 1-10 (a row with 'Child Unique ID' and the list's other headers). Put "
                 "the template's headers in one of the first ten rows.", sheet=sheet)  # fmt: skip


def _i02(name: str, sheet: str | None, n: int) -> Issue:
    what = f"sheet '{sheet}'" if sheet else "the file"
    return Issue("I02", "info", name, f"{name}: {what} was read as List {n} from its headers.",
                 sheet=sheet)  # fmt: skip


def _i03(name: str, sheet: str) -> Issue:
    return Issue("I03", "info", name, f"{name}: sheet '{sheet}' is not an Annex A list, so it "
                 "was ignored.", sheet=sheet)  # fmt: skip


def _i04(name: str, sheet: str | None, n: int, empty: bool = False) -> Issue:
    what = f"sheet '{sheet}'" if sheet else "the file"
    if empty:
        why = f"is List {n} with no records, so it replaces nothing"
    else:
        why = (
            f"is List {n} (adoption), recognised and not loaded: csperf does not use it"
        )
    return Issue("I04", "info", name, f"{name}: {what} {why}.", sheet=sheet)


__all__ = [
    "FORMAT", "match_headers", "parse_csv", "parse_xlsx", "recognise_csv", "recognise_xlsx",
    "write_xlsx", "xlsx_safety",
]  # fmt: skip
