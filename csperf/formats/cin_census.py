"""CIN census XML (formats.md §B.3): recognise a census and parse it into canonical tables.

``parse`` reads the document with defusedxml (no DOCTYPE, entities or external references), maps
``Children/Child`` to the tables child, referral, cin_episode, assessment, cin_plan, s47, cp_plan
and cp_review (exactly the pairs of formats.md §A.6's "CIN census XML" column; the element-to-table
mapping is in ``cin_census_map``), types them with ``validate.cast_table`` and returns them as
``store.TableLoad`` rows with pseudonymised ids.
Issues are located as ``Child[7]/CINdetails[2]/Assessments[1]``; a table row's ``src_row`` is the
1-based index of its ``Child`` element. Both schemas are read: ``GenderCurrent`` (2024 and
earlier) and ``Sex`` (2025 onwards). Tail text and unknown elements are ignored.

The council code in ``Header/Source/LEA`` is not compared with the installation's council here:
this module is not told the council, so ingest reads it with ``la_code`` and raises C04 itself.

Writing a census (the demo, the round-trip tests) is ``cin_census_write.write``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import polars as pl
from defusedxml import ElementTree as DefusedElementTree
from defusedxml.common import DefusedXmlException

from csperf import periods, schemas, store
from csperf.formats import frames
from csperf.formats.cin_census_map import Rows, collect, local, numbered
from csperf.validate import Issue, Located, cast_table, code_list, nfkc

FORMAT = "cin_xml"
MAX_BYTES = 50 * 1024 * 1024
TABLES = (
    "child",
    "referral",
    "cin_episode",
    "assessment",
    "cin_plan",
    "s47",
    "cp_plan",
    "cp_review",
)
_SAFE: dict[str, bool] = {
    "forbid_dtd": True,
    "forbid_entities": True,
    "forbid_external": True,
}
_HEAD_BYTES = 4096
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FIRST_TAG = re.compile(r"<([A-Za-z_][\w.:-]*)")
_CHILD_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Child[\s/>]")
_LINED = frozenset({
    "Child", "CINdetails", "Assessments", "CINPlanDates", "Section47",
    "ChildProtectionPlans", "CPPreviewDate",
})  # fmt: skip
# cast_table's advice, reworded for XML (dates are ISO and booleans 0/1 in the census).
_XML_FIXES = {
    "Enter the date as dd/mm/yyyy or yyyy-mm-dd": "Enter the date as yyyy-mm-dd",
    "Use Y or N (or leave it blank if not known).": "Use 1 for yes or 0 for no.",
}
_STEP = re.compile(r"(\w+)\[(\d+)\]")
_FIRST_CHILD = ["Message", "Children", "Child"]
_COLLECTION = ["Message", "Header", "CollectionDetails", "Collection"]


# Columns copied from a parent element: their problems are reported once, at the parent.
_INHERITED: dict[str, set[str]] = {
    "child": set(),
    "referral": {"child_id"},
    "cin_episode": {"child_id", "referral_date"},
    "cp_review": {"child_id", "plan_start_date"},
}


# ---------------------------------------------------------------- reading helpers


def _iso_date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


# ---------------------------------------------------------------- recognition and header


def _root_name(head: bytes) -> str | None:
    """Name of the first element in the first bytes of a document, namespace prefix stripped."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    match = _FIRST_TAG.search(_COMMENT.sub("", text))
    return match.group(1).rpartition(":")[2] if match else None


def _walk(data: bytes) -> Iterator[tuple[str, list[str], Element]]:
    """(event, path of element names, element) from a safe incremental parse."""
    path: list[str] = []
    events: Iterable[tuple[str, Any]] = DefusedElementTree.iterparse(
        io.BytesIO(data), events=("start", "end"), **_SAFE
    )
    for event, elem in events:
        if event == "start":
            path.append(local(elem.tag))
            yield event, path, elem
        else:
            yield event, path, elem
            path.pop()


def recognise(name: str, data: bytes) -> bool:
    """A CIN census: root ``Message`` with ``Children/Child`` (and ``Collection`` CIN if given).

    Looks at the first few KB for the root element, then reads incrementally only as far as the
    first ``Child``. A ``Message`` document that cannot be read safely is still recognised when it
    has ``Child`` elements, so that ``parse`` reports why (F05/F06).
    """
    if _root_name(data[:_HEAD_BYTES]) != "Message":
        return False
    try:
        for event, path, elem in _walk(data):
            if event == "start" and path == _FIRST_CHILD:
                return True
            if (
                event == "end"
                and path == _COLLECTION
                and (elem.text or "").strip().upper() not in ("", "CIN")
            ):
                return False
    except (DefusedXmlException, ParseError, ValueError, LookupError):
        return _CHILD_TAG.search(data[:65536]) is not None
    return False


def _header(data: bytes) -> dict[str, str]:
    """``Header`` leaf values by name (``Collection``, ``ReferenceDate``, ``LEA`` ...)."""
    out: dict[str, str] = {}
    try:
        for event, path, elem in _walk(data):
            if len(path) >= 2 and path[1] == "Children":
                break
            if event == "end" and len(path) >= 3 and path[1] == "Header":
                out.setdefault(path[-1], (elem.text or "").strip())
    except (DefusedXmlException, ParseError, ValueError, LookupError):
        return out
    return out


def la_code(data: bytes) -> str | None:
    """``Header/Source/LEA``, the council's DfE LA code as the file states it (for C04)."""
    return _header(data).get("LEA") or None


def reference_date(data: bytes) -> dt.date | None:
    """``Header/CollectionDetails/ReferenceDate``: the census's extract date."""
    return _iso_date(_header(data).get("ReferenceDate"))


# ---------------------------------------------------------------- typing and loads


def _typed(rows: Rows, name: str) -> tuple[pl.DataFrame, list[Issue]]:
    """Cast one table's text rows; issues located by XML path; ``src_row`` = Child index."""
    table = schemas.TABLES[rows.table]
    count = len(rows.where)
    raw = pl.DataFrame(
        [pl.Series(c, v, dtype=pl.String) for c, v in rows.values.items()]
        + [pl.Series("src_row", range(1, count + 1), dtype=pl.Int32)]
    )
    typed, issues = cast_table(nfkc(raw), table, Located(name))
    if any(rows.empty_factors):
        typed = typed.with_columns(
            factors=pl.when(pl.Series(rows.empty_factors, dtype=pl.Boolean))
            .then(pl.lit([], pl.List(pl.String)))
            .otherwise(pl.col("factors"))
        )
    inherited = _INHERITED.get(rows.table, {"child_id", "referral_date"})
    located = [_locate(i, rows) for i in issues if i.column not in inherited]
    typed = typed.with_columns(src_row=pl.Series(rows.child, dtype=pl.Int32))
    if rows.table != "child":
        typed = typed.unique(subset=list(table.key), keep="first", maintain_order=True)
    return typed, located


def _locate(issue: Issue, rows: Rows) -> Issue:
    """The issue with its row as the XML location and its column as the XML element."""
    if issue.row is None or not issue.row.isdigit():
        return issue
    where = rows.where[int(issue.row) - 1]
    column = issue.column or ""
    element = rows.elements.get(column, column)
    if issue.field == "assessment.factors" and issue.value is not None:
        known = code_list("factor")
        parts = [p.strip() for p in issue.value.split(";")]
        bad = ", ".join(p for p in parts if p.upper() not in known)
        message = (
            f"{where}, <{element}>: '{bad}' is not a recognised assessment factor code. "
            "It was left out and the other factors kept. Use the CIN census factor codes "
            "(see the templates README)."
        )
        return dataclasses.replace(
            issue, row=where, column=element, message=message, value=bad[:100]
        )
    message = issue.message.replace(
        f"Row {issue.row}, '{column}'", f"{where}, <{element}>", 1
    )
    for general, census in _XML_FIXES.items():
        message = message.replace(general, census)
    return dataclasses.replace(issue, row=where, column=element, message=message)


def _unique(issues: list[Issue]) -> list[Issue]:
    """One issue per (code, location, element, value): a CINreferralDate feeds two tables."""
    seen: set[tuple[str, str | None, str | None, str | None]] = set()
    out = []
    for issue in issues:
        key = (issue.code, issue.row, issue.column, issue.value)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out


def _fail(code: str, name: str, message: str, row: str | None = None) -> Issue:
    return Issue(code, "error", name, message, row=row)


_F07 = (
    "{name} is not in a text encoding csperf can read (an unknown encoding, or bytes its "
    "declared encoding does not define). Export the census again as UTF-8 and upload the "
    "new file."
)
_DECLARED = re.compile(rb"""^<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


def _decodable(data: bytes) -> bool:
    """Whether the bytes decode in the encoding the document declares (UTF-8 if none)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        declared = _DECLARED.match(data.removeprefix(b"\xef\xbb\xbf")[:200])
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _read(name: str, data: bytes) -> Element | Issue:
    """The parsed document, or the one issue saying why it cannot be read safely."""
    if len(data) > MAX_BYTES:
        size = len(data) / (1024 * 1024)
        limit = MAX_BYTES / (1024 * 1024)
        return _fail("F03", name,
                     f"{name} is {size:.1f} MB; CIN census files over {limit:.0f} MB are not read. "
                     "Check it is the right file, or export the census without other data, and "
                     "upload it again.")  # fmt: skip
    try:
        root: Element = DefusedElementTree.fromstring(data, **_SAFE)
    except DefusedXmlException:
        return _fail("F05", name,
                     f"{name} contains a DOCTYPE, entity or external reference, which csperf "
                     "never reads (for safety). Export the census again from your case "
                     "management system without them and upload the new file.")  # fmt: skip
    except ParseError as exc:
        if not _decodable(data):
            return _fail("F07", name, _F07.format(name=name))
        line, col = getattr(exc, "position", (None, None))
        return _fail("F06", name,
                     f"{name} is not well-formed XML (line {line}, column {col}): it may have "
                     "been cut short or edited by hand. Export the census again and upload the "
                     "new file.", row=f"line {line}")  # fmt: skip
    except (ValueError, LookupError):
        return _fail("F07", name, _F07.format(name=name))
    if local(root.tag) != "Message":
        return _fail("F08", name,
                     f"{name} is XML but not a CIN census (its root element is "
                     f"<{local(root.tag)}>, not <Message>). Upload the census XML your case "
                     "management system exports for the DfE.")  # fmt: skip
    return root


def _lined_tree(data: bytes) -> tuple[Element, dict[int, int]]:
    """The document parsed again, with the source line of the elements issues can name."""
    parser = DefusedElementTree.DefusedXMLParser(target=TreeBuilder(), **_SAFE)
    lines: dict[int, int] = {}
    expat = parser.parser
    start = expat.StartElementHandler

    def on_start(*args: object) -> object:
        elem = start(*args)
        if local(getattr(elem, "tag", "")) in _LINED:
            lines[id(elem)] = expat.CurrentLineNumber
        return elem

    expat.StartElementHandler = on_start
    parser.feed(data)
    root: Element = parser.close()
    return root, lines


def _element_at(root: Element, where: str) -> Element | None:
    """The element at a location such as ``Child[7]/CINdetails[2]/Assessments[1]``."""
    steps: list[tuple[str, int]] = []
    for step in where.split("/"):
        match = _STEP.fullmatch(step)
        if match is None:
            return None
        steps.append((match.group(1), int(match.group(2))))
    children = (
        e
        for part in root
        if local(part.tag) == "Children"
        for e in part
        if local(e.tag) == "Child"
    )
    found = next(itertools.islice(children, steps[0][1] - 1, None), None)
    for name, number in steps[1:]:
        if found is None:
            return None
        found = next((e for _, n, e in numbered(found, {name}) if n == number), None)
    return found


def _with_lines(data: bytes, issues: list[Issue]) -> list[Issue]:
    """Add the source line to located messages (formats.md §D.1); parses again, so only
    when there are located issues."""
    located = {i.row for i in issues if i.row and i.row.startswith("Child[")}
    if not located:
        return issues
    root, lines = _lined_tree(data)
    line_of: dict[str, int] = {}
    for where in located:
        elem = _element_at(root, where)
        if elem is not None and id(elem) in lines:
            line_of[where] = lines[id(elem)]
    out = []
    for issue in issues:
        where = issue.row or ""
        line = line_of.get(where)
        if line is not None and issue.message.startswith(f"{where}, "):
            rest = issue.message[len(where) + 2 :]
            issue = dataclasses.replace(issue, message=f"{where} (line {line}), {rest}")
        out.append(issue)
    return out


def _header_of(root: Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in root:
        if local(part.tag) == "Header":
            for group in part:
                for leaf in group:
                    out.setdefault(local(leaf.tag), (leaf.text or "").strip())
    return out


def parse(
    name: str, data: bytes, quarter: periods.Quarter
) -> tuple[list[store.TableLoad], list[Issue]]:
    """The census as TableLoads of the eight CIN tables, with located issues; never raises."""
    root = _read(name, data)
    if isinstance(root, Issue):
        return [], [root]
    issues: list[Issue] = []
    header = _header_of(root)
    ref = _iso_date(header.get("ReferenceDate"))
    if header.get("ReferenceDate") and ref is None:
        issues.append(
            Issue("R03", "warning", name,
                  f"Header, <ReferenceDate>: '{header['ReferenceDate'][:100]}' is not a date "
                  f"(yyyy-mm-dd). The quarter end {quarter.end.isoformat()} was used as the "
                  "extract date. Correct it and upload the file again.",
                  row="Header/CollectionDetails", column="ReferenceDate",
                  value=header["ReferenceDate"][:100])
        )  # fmt: skip
    coverage = None if ref is None else year_start(ref)
    loads = []
    for table, rows in collect(root, TABLES).items():
        typed, table_issues = _typed(rows, name)
        issues += table_issues
        loads.append(
            frames.table_load(
                name=name,
                data=data,
                table=table,
                typed=typed,
                source_format=FORMAT,
                extract_date=ref or quarter.end,
                detected=f"{FORMAT}:{table}",
                coverage=coverage,
            )
        )
    return loads, _with_lines(data, _unique(issues))


def year_start(day: dt.date) -> dt.date:
    """First day of the 12 months ending on ``day``."""
    return periods.add_months(day, -12) + dt.timedelta(days=1)
