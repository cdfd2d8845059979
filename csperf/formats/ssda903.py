"""SSDA903 children-looked-after returns (formats.md §B.2): recognising and reading them.

A CSV is one 903 table, recognised by its header set (B.2.1); the XML (B.2.3) holds them all.
Header, Episodes, Reviews, UASC, Missing and OC3 rows are mapped to canonical tables (B.2.2),
typed by ``validate.cast_table``, de-duplicated (K01, K02) and pseudonymised; the other 903
tables are recognised and not loaded (I04). Issues name the source column and the row as the
user sees it: the CSV row (header = row 1), or ``CHILD[i]/EPISODE[j]`` and the line in the XML.

Also the 903 table layouts (``TABLES``, ``COLUMNS``, ``FILE_NAMES``, …) that the writer,
``ssda903_write``, shares. The XML streaming reader is ``ssda903_xml``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from csperf import periods, schemas, store, validate
from csperf.formats import csv_text, frames, ssda903_xml
from csperf.validate import Issue, Located, cast_table, clean_text, parse_date

FORMAT_CSV = "ssda903_csv"
FORMAT_XML = "ssda903_xml"
AMBIGUOUS = "ambiguous"
MAX_XML_BYTES = 50 * 1024 * 1024
HISTORY_MONTHS = 30  # the episode window csperf asks for (formats.md §B.7)

TABLES: dict[str, list[str]] = {
    "Header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "Episodes": [
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ],
    "Reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "UASC": ["CHILD", "SEX", "DOB", "DUC"],
    "OC3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "Missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "OC2": [
        "CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
        "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED",
    ],
    "AD1": [
        "CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR",
        "SEX_ADOPTR", "LS_ADOPTR",
    ],
    "PlacedAdoption": [
        "CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED",
    ],
    "PrevPerm": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "SWEpisodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
    "DoLo": ["CHILD", "DOB", "DOLO_START", "DOLO_END"],
}  # fmt: skip

# The loaded tables: 903 column -> canonical column (B.2.2); everything else is dropped.
COLUMNS: dict[str, dict[str, str]] = {
    "Header": {"CHILD": "child_id", "SEX": "sex", "DOB": "birth_month", "ETHNIC": "ethnicity"},
    "UASC": {"CHILD": "child_id"},
    "Episodes": {
        "CHILD": "child_id", "DECOM": "start_date", "DEC": "end_date", "RNE": "reason_new",
        "LS": "legal_status", "CIN": "category_of_need", "PLACE": "placement_type",
        "PLACE_PROVIDER": "placement_provider", "REC": "reason_ceased",
        "REASON_PLACE_CHANGE": "reason_place_change", "URN": "urn",
    },
    "Reviews": {"CHILD": "child_id", "REVIEW": "review_date", "REVIEW_CODE": "participation"},
    "Missing": {
        "CHILD": "child_id", "MISSING": "kind", "MIS_START": "start_date", "MIS_END": "end_date",
    },
    "OC3": {
        "CHILD": "child_id", "IN_TOUCH": "in_touch", "ACTIV": "activity",
        "ACCOM": "accommodation",
    },
}  # fmt: skip
CANONICAL: dict[str, str] = {
    "Header": "child",
    "UASC": "child",
    "Episodes": "cla_episode",
    "Reviews": "cla_review",
    "Missing": "missing_episode",
    "OC3": "care_leaver",
}
NOT_LOADED = [t for t in TABLES if t not in CANONICAL]
FILE_NAMES = {t: f"SSDA903_{t}.csv" for t in CANONICAL}

# CSV column -> XML element where they differ (B.2.3).
_XML_ELEMENTS = {c: x for x, c in ssda903_xml.RENAMES.items()}
_SCIENTIFIC = r"^[0-9]+(\.[0-9]+)?E[+-]?[0-9]+$"
_XML_ROOT = re.compile(
    rb"^\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?EXPSSDA903[\s/>]",
    re.S,
)


# ---------------------------------------------------------------- recognition


def recognise_csv(header: list[str]) -> str | None:
    """The 903 table whose columns the header holds, fewest extra columns winning (B.2.1).

    ``AMBIGUOUS`` when two tables tie (F08); None when the header holds no 903 table.
    """
    cols = {h.strip().lstrip("\ufeff").upper() for h in header}
    fits = [(len(cols - set(c)), t) for t, c in TABLES.items() if set(c) <= cols]
    if not fits:
        return None
    fewest = min(n for n, _ in fits)
    best = [t for n, t in fits if n == fewest]
    return best[0] if len(best) == 1 else AMBIGUOUS


def recognise_xml(data: bytes) -> bool:
    """True when the document's root element is ``EXPSSDA903`` (any namespace prefix)."""
    head = data[:8192]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = data[:16384].decode("utf-16", errors="ignore").encode()
    return _XML_ROOT.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


# ---------------------------------------------------------------- reading CSV


def parse_csv(
    name: str,
    data: bytes,
    quarter: periods.Quarter,
    others: dict[str, bytes] | None = None,
    *,
    text: csv_text.CsvText | None = None,
) -> tuple[list[store.TableLoad], list[Issue]]:
    """One 903 CSV table. ``others`` are the load's other files (name -> bytes): a UASC table
    among them sets ``child.uasc`` for a Header (true with a UASC row, else false), and a Header
    among them is the reference for the DOB of other tables (K07). ``text`` is the file already
    read by ``csv_text.read``, to save reading it twice."""
    read = text if text is not None else csv_text.read(name, data)
    if isinstance(read, list):
        return [], read
    issues = list(read.issues)
    upper = {h: h.strip().upper() for h in read.header}
    if len(set(upper.values())) < len(upper):
        twice = sorted({u for u in upper.values() if list(upper.values()).count(u) > 1})
        return [], [*issues, _h02(name, twice)]
    kind = recognise_csv(read.header)
    if kind is None or kind == AMBIGUOUS:
        return [], [*issues, _f08(name, kind)]
    extra = [h for h in read.header if upper[h] not in TABLES[kind]]
    if extra:
        issues.append(
            Issue("H03", "info", name,
                  f"{name}: columns ignored and not stored: {', '.join(extra)}.",
                  column=", ".join(extra))
        )  # fmt: skip
    if kind not in CANONICAL:
        return [], [
            *issues,
            _i04(name, f"the SSDA903 {kind} table, which csperf does not use"),
        ]
    if read.frame.height == 0:
        return [], [*issues, _i04(name, f"an SSDA903 {kind} table with no rows")]
    raw = read.frame.rename(upper)
    source = _Source(name, kind, FORMAT_CSV, columns={u: h for h, u in upper.items()})
    wanted = (
        {"UASC"} if kind == "Header" else {"Header"} if "DOB" in TABLES[kind] else set()
    )
    uasc, dobs = _companions(name, data, others, wanted)
    typed, more = _typed(raw, source, uasc if kind == "Header" else None, dobs)
    load = _load(name, data, quarter, source, typed)
    return [load], issues + more


def _companions(
    name: str, data: bytes, others: dict[str, bytes] | None, wanted: set[str]
) -> tuple[set[str] | None, pl.DataFrame | None]:
    """UASC children (None without a UASC table) and Header dates of birth of the other files."""
    uasc: set[str] | None = None
    dobs: list[pl.DataFrame] = []
    for other_name, other in sorted((others or {}).items()) if wanted else []:
        if other_name == name or other == data:
            continue
        kind = recognise_csv(_peek_header(other))
        if kind not in wanted:
            continue
        read = csv_text.read(other_name, other)
        if isinstance(read, list):
            continue
        frame = read.frame.rename({h: h.strip().upper() for h in read.header})
        ids = frame.select(_id_key(pl.col("CHILD")).alias("id"), "DOB")
        if kind == "UASC":
            uasc = (uasc or set()) | set(ids["id"].drop_nulls().to_list())
        else:
            dobs.append(ids)
    if not dobs:
        return uasc, None
    header = (
        pl.concat(dobs).with_columns(clean_text("DOB")).with_columns(parse_date("DOB"))
    )
    return uasc, header.drop_nulls().unique("id", keep="first", maintain_order=True)


def _peek_header(data: bytes) -> list[str]:
    """The first line of a CSV as fields, without reading the whole file."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = data[:131072].decode("utf-16", errors="ignore")
    else:
        head = data[:65536].decode("utf-8-sig", errors="replace")
    lines = head.splitlines()
    first = lines[0] if lines else ""
    sep = ","
    if "," not in first and (";" in first or "\t" in first):
        sep = ";" if ";" in first else "\t"
    return next(csv.reader([first], delimiter=sep), [])


def _id_key(expr: pl.Expr) -> pl.Expr:
    """A child id as compared across 903 tables: no whitespace, upper-case."""
    return expr.str.replace_all(r"\s+", "").str.to_uppercase()


# ---------------------------------------------------------------- reading XML


def parse_xml(
    name: str, data: bytes, quarter: periods.Quarter
) -> tuple[list[store.TableLoad], list[Issue]]:
    """An EXPSSDA903 document: one Header row per CHILD, its episodes, reviews, missing
    episodes and OC3 details. Unsafe (F05), malformed (F06) or oversized (F03) XML is refused."""
    if len(data) > MAX_XML_BYTES:
        what = "is larger than 50 MB. Split it, or load fewer years."
        return [], [_refuse("F03", name, what)]
    rows = ssda903_xml.XmlRows()
    refused = rows.read(name, data)
    if refused is not None:
        return [], [refused]
    if rows.root != "EXPSSDA903":
        return [], [_f08(name, None)]
    if not rows.tables["Header"]:
        return [], [_i04(name, "an SSDA903 XML document with no CHILD elements")]
    loads: list[store.TableLoad] = []
    issues: list[Issue] = []
    for kind, columns in _XML_COLUMNS.items():
        found = rows.tables[kind]
        raw = pl.DataFrame(
            {c: [r.get(c) for r, _, _ in found] for c in columns},
            schema=dict.fromkeys(columns, pl.String),
        ).with_row_index("src_row", offset=1)
        paths = [p for _, p, _ in found]
        source = _Source(name, kind, FORMAT_XML, paths, [n for _, _, n in found])
        typed, more = _typed(raw.cast({"src_row": pl.Int32}), source, None, None)
        issues += more
        loads.append(_load(name, data, quarter, source, typed))
    return loads, issues


_XML_COLUMNS = {
    "Header": ["CHILD", "SEX", "DOB", "ETHNIC", "UASC"],
    "Episodes": list(COLUMNS["Episodes"]),
    "Reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "Missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "OC3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
}

# ---------------------------------------------------------------- mapping and checks


@dataclass(frozen=True)
class _Source:
    """One 903 table of one file, and how to tell the user where a row came from."""

    file: str
    kind: str
    source_format: str
    # XML: each row's element path and source line; its src_row is its index + 1
    paths: list[str] | None = None
    lines: list[int] | None = None
    # CSV: each 903 column (upper-case) as the file's header writes it
    columns: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def table(self) -> schemas.Table:
        return schemas.TABLES[CANONICAL[self.kind]]

    def row(self, src_row: int) -> str:
        return str(src_row) if self.paths is None else self.paths[src_row - 1]

    def where(self, src_row: int, *, first: bool = True) -> str:
        """'Row 5' (``first=False``: 'row 5') or 'CHILD[2]/EPISODE[1] (line 14)'."""
        if self.paths is None or self.lines is None:
            return f"{'Row' if first else 'row'} {src_row}"
        return f"{self.paths[src_row - 1]} (line {self.lines[src_row - 1]})"

    def column(self, canonical: str) -> str:
        """The 903 column a canonical column came from, as the file writes it."""
        if canonical == "suitable":
            name = "ACCOM"
        elif canonical == "uasc":
            name = "UASC"
        else:
            name = next(
                (s for s, c in COLUMNS[self.kind].items() if c == canonical), canonical
            )
        if self.source_format == FORMAT_XML:
            return _XML_ELEMENTS.get(name, name)
        return self.columns.get(name, name)


def _typed(
    raw: pl.DataFrame, source: _Source, uasc: set[str] | None, dobs: pl.DataFrame | None
) -> tuple[pl.DataFrame, list[Issue]]:
    """Source rows (903 columns as text, plus src_row) as a typed, de-duplicated canonical frame."""
    text = _canonical_text(raw, source, uasc)
    issues = _scientific_ids(text, source)
    flagged = _k07(raw, source, dobs, issues) if dobs is not None else []
    text, dropped = _exact_duplicates(text, source)
    typed, cast_issues = cast_table(text, source.table, Located(source.file))
    issues += [_relocate(i, source) for i in cast_issues] + dropped
    if source.kind == "Header":
        typed = typed.with_columns(pl.col("sex").fill_null("U"))
    typed, more = _same_key(typed, source)
    typed = _flag(typed, flagged, "K07")
    return typed, issues + more


def _canonical_text(
    raw: pl.DataFrame, source: _Source, uasc: set[str] | None
) -> pl.DataFrame:
    mapping = dict(COLUMNS[source.kind])
    if source.kind == "Header" and "UASC" in raw.columns and source.paths is not None:
        mapping["UASC"] = "uasc"
    cols = [pl.col(s).alias(c) for s, c in mapping.items() if s in raw.columns]
    frame = validate.nfkc(raw.select("src_row", *cols))
    names = [c for c in frame.columns if c != "src_row"]
    frame = frame.with_columns(clean_text(c).str.to_uppercase().alias(c) for c in names)
    return frame.with_columns(_ADJUST[source.kind](uasc))


def _header(uasc: set[str] | None) -> list[pl.Expr]:
    sex = pl.col("sex")
    out = [pl.when(sex == "1").then(pl.lit("M")).when(sex == "2").then(pl.lit("F"))
           .otherwise(sex).alias("sex")]  # fmt: skip
    if uasc is not None:
        member = _id_key(pl.col("child_id")).is_in(sorted(uasc))
        out.append(
            pl.when(member).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("uasc")
        )
    return out


def _uasc(_: set[str] | None) -> list[pl.Expr]:
    return [pl.lit("Y").alias("uasc")]


def _episodes(_: set[str] | None) -> list[pl.Expr]:
    urn = pl.col("urn")
    return [pl.when(urn.str.contains(r"^X+$")).then(None).otherwise(urn).alias("urn")]


def _reviews(_: set[str] | None) -> list[pl.Expr]:
    return []


def _missing(_: set[str] | None) -> list[pl.Expr]:
    return [pl.lit("Y").alias("looked_after")]


def _oc3(_: set[str] | None) -> list[pl.Expr]:
    """IN_TOUCH, ACTIV `0` -> null; ACCOM = accommodation letter + `1` suitable / `2` not."""
    acc = pl.col("accommodation")
    letter = acc.str.extract(r"^([A-Z])\s*[0-9]?$", 1)
    digit = acc.str.extract(r"^[A-Z]\s*([0-9])$", 1)
    return [
        *[pl.when(pl.col(c) == "0").then(None).otherwise(pl.col(c)).alias(c)
          for c in ("in_touch", "activity")],
        pl.when(acc == "0").then(None).when(letter.is_not_null()).then(letter)
        .otherwise(acc).alias("accommodation"),
        pl.when(digit == "1").then(pl.lit("Y")).when(digit == "2").then(pl.lit("N"))
        .when(digit == "0").then(None).otherwise(digit).alias("suitable"),
    ]  # fmt: skip


_ADJUST = {
    "Header": _header,
    "UASC": _uasc,
    "Episodes": _episodes,
    "Reviews": _reviews,
    "Missing": _missing,
    "OC3": _oc3,
}


def _relocate(issue: Issue, source: _Source) -> Issue:
    """A cast_table issue located by the 903 column and, in XML, the element path and line."""
    if issue.column is None:
        return issue
    column = source.column(issue.column)
    message = issue.message
    if issue.row is not None and issue.row.isdigit():
        row = int(issue.row)
        message = message.replace(
            f"Row {row}, '{issue.column}'", f"{source.where(row)}, '{column}'", 1
        )
        if issue.column == "sex" and issue.code == "R04":
            message = message.replace(
                "It was left blank.", "It was recorded as U (unknown)."
            )
        return dataclasses.replace(
            issue, row=source.row(row), column=column, message=message
        )
    return dataclasses.replace(issue, column=column)


def _scientific_ids(text: pl.DataFrame, source: _Source) -> list[Issue]:
    rows = text.filter(pl.col("child_id").str.contains(_SCIENTIFIC))[
        "src_row"
    ].to_list()
    column = source.column("child_id")
    return [
        Issue("R10", "error", source.file,
              f"{source.where(r)}, '{column}': the child id is in scientific notation, so Excel "
              "has changed it. Export the file again without opening it in Excel.",
              row=source.row(r), column=column, field=f"{source.table.name}.child_id")
        for r in rows
    ]  # fmt: skip


def _k07(
    raw: pl.DataFrame, source: _Source, dobs: pl.DataFrame, issues: list[Issue]
) -> list[int]:
    """Rows whose DOB differs from the child's Header DOB (K07: the Header wins)."""
    if "DOB" not in raw.columns or source.kind == "Header":
        return []
    mine = raw.select(
        "src_row", _id_key(pl.col("CHILD")).alias("id"), clean_text("DOB")
    ).with_columns(parse_date("DOB"))
    differ = mine.join(dobs.rename({"DOB": "header_dob"}), on="id").filter(
        pl.col("DOB").is_not_null() & (pl.col("DOB") != pl.col("header_dob"))
    )
    rows: list[int] = sorted(differ["src_row"].to_list())
    column = source.column("DOB")
    issues += [
        Issue("K07", "warning", source.file,
              f"{source.where(r)}, '{column}': the date of birth differs from the child's "
              "Header row; the Header's is used. Correct whichever is wrong.",
              row=source.row(r), column=column)
        for r in rows
    ]  # fmt: skip
    return rows


def _exact_duplicates(
    text: pl.DataFrame, source: _Source
) -> tuple[pl.DataFrame, list[Issue]]:
    """K01: later copies of a row repeating an earlier one in every loaded column are dropped."""
    cols = [c for c in text.columns if c != "src_row"]
    if not text.select(cols).is_duplicated().any():
        return text, []
    marked = text.with_columns(_first=pl.col("src_row").min().over(cols))
    copies = marked.filter(pl.col("src_row") != pl.col("_first"))
    issues = [
        Issue("K01", "warning", source.file,
              f"{source.where(r)} repeats {source.where(first, first=False)} exactly; the "
              "copy was dropped. Remove repeated rows from the extract.",
              row=source.row(r))
        for r, first in copies.select("src_row", "_first").sort("src_row").iter_rows()
    ]  # fmt: skip
    return text.filter(~pl.col("src_row").is_in(copies["src_row"].implode())), issues


def _same_key(typed: pl.DataFrame, source: _Source) -> tuple[pl.DataFrame, list[Issue]]:
    """K02: rows sharing the natural key; the one with most values kept (ties: the first)."""
    spec = source.table
    key = list(spec.key)
    filled = pl.sum_horizontal(
        [pl.col(c).is_not_null().cast(pl.Int32) for c in spec.columns]
    )
    ranked = typed.with_columns(_filled=filled).sort(
        ["_filled", "src_row"], descending=[True, False]
    )
    kept = ranked.unique(subset=key, keep="first", maintain_order=True)
    if kept.height == typed.height:
        return typed, []
    dropped = ranked.join(kept.select("src_row"), on="src_row", how="anti")
    pairs = dropped.select("src_row", *key).join(
        kept.select(pl.col("src_row").alias("_kept"), *key), on=key, how="left",
        nulls_equal=True,
    )  # fmt: skip
    columns = [source.column(c) for c in key]
    names = " and ".join(columns)
    issues = [
        Issue("K02", "warning", source.file,
              f"{source.where(r)} has the same {names} as {source.where(k, first=False)} but "
              f"different values; {source.where(k, first=False)}, with the most values filled "
              "in, was kept and this row dropped. Correct the extract so that each record "
              "appears once.",
              row=source.row(r), column=", ".join(columns))
        for r, k in pairs.select("src_row", "_kept").sort("src_row").iter_rows()
    ]  # fmt: skip
    out = _flag(kept.drop("_filled").sort("src_row"), pairs["_kept"].to_list(), "K02")
    return out, issues


def _flag(typed: pl.DataFrame, rows: Iterable[int], code: str) -> pl.DataFrame:
    wanted = sorted(set(rows))
    if not wanted:
        return typed
    hit = pl.col("src_row").is_in(wanted)
    flags = pl.col("dq_flags")
    return typed.with_columns(
        pl.when(hit & ~flags.list.contains(code))
        .then(flags.list.concat(pl.lit([code], pl.List(pl.String))))
        .otherwise(flags)
        .alias("dq_flags")
    )


def _load(
    name: str,
    data: bytes,
    quarter: periods.Quarter,
    source: _Source,
    typed: pl.DataFrame,
) -> store.TableLoad:
    table = CANONICAL[source.kind]
    if source.lines is not None:
        lines = pl.Series(source.lines, dtype=pl.Int32)
        typed = typed.with_columns(src_row=pl.lit(lines).gather(pl.col("src_row") - 1))
    return frames.table_load(
        name=name, data=data, table=table, typed=typed,
        source_format=source.source_format, extract_date=quarter.end,
        detected=f"ssda903:{source.kind}", coverage=_coverage(typed, table),
    )  # fmt: skip


def _coverage(typed: pl.DataFrame, table: str) -> dt.date | None:
    """Episodes: the month of the earliest DEC (formats.md §D.4), else of the earliest DECOM."""
    if table != "cla_episode" or typed.height == 0:
        return frames.coverage_start(typed, table)
    first = (
        typed.select(pl.min("end_date")).item()
        or typed.select(pl.min("start_date")).item()
    )
    return first.replace(day=1) if isinstance(first, dt.date) else None


def _refuse(code: str, name: str, what: str) -> Issue:
    return Issue(code, "error", name, f"{name} {what}")


def _f08(name: str, kind: str | None) -> Issue:
    if kind == AMBIGUOUS:
        what = ("has the columns of more than one SSDA903 table, so csperf cannot tell which "
                "it is. Export each 903 table to its own file with only its columns.")  # fmt: skip
    else:
        what = "was not recognised as any SSDA903 table or document."
    return _refuse("F08", name, what)


def _h02(name: str, twice: list[str]) -> Issue:
    return _refuse("H02", name, f"has the column {', '.join(twice)} more than once. Keep one "
                   "and upload the file again.")  # fmt: skip


def _i04(name: str, what: str) -> Issue:
    return Issue(
        "I04", "info", name, f"{name} is {what}; it was recognised and not loaded."
    )
