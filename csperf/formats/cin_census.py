"""CIN census XML (formats.md §B.3): recognise a census, parse it into canonical tables, write one.

``parse`` reads the document with defusedxml (no DOCTYPE, entities or external references), maps
``Children/Child`` to the tables child, referral, cin_episode, assessment, cin_plan, s47, cp_plan
and cp_review (exactly the pairs of formats.md §A.6's "CIN census XML" column), types them with
``validate.cast_table`` and returns them as ``store.TableLoad`` rows with pseudonymised ids.
Issues are located as ``Child[7]/CINdetails[2]/Assessments[1]``; a table row's ``src_row`` is the
1-based index of its ``Child`` element. Both schemas are read: ``GenderCurrent`` (2024 and
earlier) and ``Sex`` (2025 onwards). Tail text and unknown elements are ignored.

The council code in ``Header/Source/LEA`` is not compared with the installation's council here:
this module is not told the council, so ingest reads it with ``la_code`` and raises C04 itself.

``write`` produces a census (2025+ schema) from canonical frames holding raw child ids; the demo
and the round-trip tests use it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.sax.saxutils import escape

import polars as pl
from defusedxml import ElementTree as DefusedElementTree
from defusedxml.common import DefusedXmlException

from csperf import periods, schemas, store
from csperf.formats import frames
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
_SEX = {"1": "M", "2": "F", "0": "U", "9": "U"}

# The XML element each canonical column comes from, for the issue's ``column`` (formats.md §D.1).
_ELEMENTS: dict[str, dict[str, str]] = {
    "child": {
        "child_id": "LAchildID",
        "sex": "Sex",
        "birth_month": "PersonBirthDate",
        "ethnicity": "Ethnicity",
        "disability": "Disabilities",
    },
    "referral": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "source": "ReferralSource",
        "nfa": "ReferralNFA",
    },
    "cin_episode": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "start_date": "CINreferralDate",
        "end_date": "CINclosureDate",
        "primary_need": "PrimaryNeedCode",
        "closure_reason": "ReasonForClosure",
    },
    "assessment": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "start_date": "AssessmentActualStartDate",
        "authorised_date": "AssessmentAuthorisationDate",
        "factors": "AssessmentFactors",
    },
    "cin_plan": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "start_date": "CINPlanStartDate",
        "end_date": "CINPlanEndDate",
    },
    "s47": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "start_date": "S47ActualStartDate",
        "icpc_date": "DateOfInitialCPC",
        "icpc_not_required": "ICPCnotRequired",
    },
    "cp_plan": {
        "child_id": "LAchildID",
        "referral_date": "CINreferralDate",
        "start_date": "CPPstartDate",
        "end_date": "CPPendDate",
        "initial_category": "InitialCategoryOfAbuse",
        "latest_category": "LatestCategoryOfAbuse",
        "previous_plans": "NumberOfPreviousCPP",
    },
    "cp_review": {
        "child_id": "LAchildID",
        "plan_start_date": "CPPstartDate",
        "review_date": "CPPreviewDate",
    },
}
# Columns copied from a parent element: their problems are reported once, at the parent.
_INHERITED: dict[str, set[str]] = {
    "child": set(),
    "referral": {"child_id"},
    "cin_episode": {"child_id", "referral_date"},
    "cp_review": {"child_id", "plan_start_date"},
}


# ---------------------------------------------------------------- reading helpers


def _local(tag: object) -> str:
    """Element name without its namespace (``{uri}Child`` and ``Child`` are both ``Child``)."""
    return str(tag).rpartition("}")[2]


def _fields(elem: Element) -> dict[str, Element]:
    """The element's children by name, the first of each name."""
    out: dict[str, Element] = {}
    for sub in elem:
        out.setdefault(_local(sub.tag), sub)
    return out


def _text(fields: dict[str, Element], name: str) -> str | None:
    elem = fields.get(name)
    if elem is None or elem.text is None:
        return None
    text = elem.text.strip()
    return text or None


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
            path.append(_local(elem.tag))
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


# ---------------------------------------------------------------- collecting rows


@dataclass
class _Rows:
    """One table's text rows, column by column, with each row's XML location and Child index."""

    table: str
    values: dict[str, list[str | None]] = field(default_factory=dict)
    where: list[str] = field(default_factory=list)
    child: list[int] = field(default_factory=list)
    empty_factors: list[bool] = field(default_factory=list)
    elements: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.elements = dict(_ELEMENTS[self.table])
        self.values = {c: [] for c in self.elements}

    def add(self, where: str, child: int, row: dict[str, str | None]) -> None:
        for col, values in self.values.items():
            values.append(row.get(col))
        self.where.append(where)
        self.child.append(child)


def _collect(root: Element) -> dict[str, _Rows]:
    out = {t: _Rows(t) for t in TABLES}
    index = 0
    for container in root:
        if _local(container.tag) != "Children":
            continue
        for elem in container:
            if _local(elem.tag) == "Child":
                index += 1
                _child(elem, index, out)
    return out


def _child(elem: Element, index: int, out: dict[str, _Rows]) -> None:
    where = f"Child[{index}]"
    parts = _fields(elem)
    ids = _fields(parts["ChildIdentifiers"]) if "ChildIdentifiers" in parts else {}
    chars = parts.get("ChildCharacteristics")
    child_id = _text(ids, "LAchildID")
    sex_element = (
        "Sex" if "Sex" in ids or "GenderCurrent" not in ids else "GenderCurrent"
    )
    sex = _text(ids, sex_element)
    rows = out["child"]
    if sex_element == "GenderCurrent":
        rows.elements["sex"] = sex_element
    rows.add(where, index, {
        "child_id": child_id,
        "sex": _SEX.get(sex, sex) if sex else None,
        "birth_month": _text(ids, "PersonBirthDate")
        or _text(ids, "ExpectedPersonBirthDate"),
        "ethnicity": _text(_fields(chars), "Ethnicity") if chars is not None else None,
        "disability": _disability(chars),
    })  # fmt: skip
    number = 0
    for sub in elem:
        if _local(sub.tag) == "CINdetails":
            number += 1
            _details(sub, f"{where}/CINdetails[{number}]", index, child_id, out)


def _disability(chars: Element | None) -> str | None:
    """Any code other than NONE → true; only NONE → false; no ``Disabilities`` → null."""
    if chars is None:
        return None
    codes = [
        (item.text or "").strip().upper()
        for box in chars
        if _local(box.tag) == "Disabilities"
        for item in box
        if _local(item.tag) == "Disability"
    ]
    codes = [c for c in codes if c]
    if not codes:
        return None
    return "false" if all(c == "NONE" for c in codes) else "true"


def _numbered(elem: Element, names: set[str]) -> Iterator[tuple[str, int, Element]]:
    """Children with the given names, each with its 1-based index among same-named siblings."""
    counts: dict[str, int] = {}
    for sub in elem:
        name = _local(sub.tag)
        if name in names:
            counts[name] = counts.get(name, 0) + 1
            yield name, counts[name], sub


def _details(
    elem: Element, where: str, index: int, child_id: str | None, out: dict[str, _Rows]
) -> None:
    f = _fields(elem)
    ref = _text(f, "CINreferralDate")
    base = {"child_id": child_id, "referral_date": ref}
    out["referral"].add(where, index, {
        **base, "source": _text(f, "ReferralSource"), "nfa": _text(f, "ReferralNFA"),
    })  # fmt: skip
    out["cin_episode"].add(where, index, {
        **base, "start_date": ref, "end_date": _text(f, "CINclosureDate"),
        "primary_need": _text(f, "PrimaryNeedCode"),
        "closure_reason": _text(f, "ReasonForClosure"),
    })  # fmt: skip
    names = {"Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"}
    for name, number, sub in _numbered(elem, names):
        at = f"{where}/{name}[{number}]"
        s = _fields(sub)
        if name == "Assessments":
            _assessment(sub, s, at, index, base, out["assessment"])
        elif name == "CINPlanDates":
            out["cin_plan"].add(at, index, {
                **base, "start_date": _text(s, "CINPlanStartDate"),
                "end_date": _text(s, "CINPlanEndDate"),
            })  # fmt: skip
        elif name == "Section47":
            out["s47"].add(at, index, {
                **base, "start_date": _text(s, "S47ActualStartDate"),
                "icpc_date": _text(s, "DateOfInitialCPC"),
                "icpc_not_required": _text(s, "ICPCnotRequired"),
            })  # fmt: skip
        else:
            _cp_plan(sub, s, at, index, base, out)


def _assessment(
    elem: Element,
    f: dict[str, Element],
    where: str,
    index: int,
    base: dict[str, str | None],
    rows: _Rows,
) -> None:
    boxes = [s for s in elem if _local(s.tag) == "FactorsIdentifiedAtAssessment"]
    codes = [
        (item.text or "").strip()
        for box in boxes
        for item in box
        if _local(item.tag) == "AssessmentFactors"
    ]
    codes = [c for c in codes if c]
    rows.add(where, index, {
        **base, "start_date": _text(f, "AssessmentActualStartDate"),
        "authorised_date": _text(f, "AssessmentAuthorisationDate"),
        "factors": ";".join(codes) if codes else None,
    })  # fmt: skip
    rows.empty_factors.append(bool(boxes) and not codes)


def _cp_plan(
    elem: Element,
    f: dict[str, Element],
    where: str,
    index: int,
    base: dict[str, str | None],
    out: dict[str, _Rows],
) -> None:
    start = _text(f, "CPPstartDate")
    out["cp_plan"].add(where, index, {
        **base, "start_date": start, "end_date": _text(f, "CPPendDate"),
        "initial_category": _text(f, "InitialCategoryOfAbuse"),
        "latest_category": _text(f, "LatestCategoryOfAbuse"),
        "previous_plans": _text(f, "NumberOfPreviousCPP"),
    })  # fmt: skip
    for _, box_no, box in _numbered(elem, {"Reviews"}):
        for _, no, review in _numbered(box, {"CPPreviewDate"}):
            text = (review.text or "").strip() or None
            at = f"{where}/Reviews[{box_no}]/CPPreviewDate[{no}]"
            out["cp_review"].add(at, index, {
                "child_id": base["child_id"], "plan_start_date": start, "review_date": text,
            })  # fmt: skip


# ---------------------------------------------------------------- typing and loads


def _typed(rows: _Rows, name: str) -> tuple[pl.DataFrame, list[Issue]]:
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


def _locate(issue: Issue, rows: _Rows) -> Issue:
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
    if _local(root.tag) != "Message":
        return _fail("F08", name,
                     f"{name} is XML but not a CIN census (its root element is "
                     f"<{_local(root.tag)}>, not <Message>). Upload the census XML your case "
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
        if _local(getattr(elem, "tag", "")) in _LINED:
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
        if _local(part.tag) == "Children"
        for e in part
        if _local(e.tag) == "Child"
    )
    found = next(itertools.islice(children, steps[0][1] - 1, None), None)
    for name, number in steps[1:]:
        if found is None:
            return None
        found = next((e for _, n, e in _numbered(found, {name}) if n == number), None)
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
        if _local(part.tag) == "Header":
            for group in part:
                for leaf in group:
                    out.setdefault(_local(leaf.tag), (leaf.text or "").strip())
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
    coverage = None if ref is None else _year_start(ref)
    loads = []
    for table, rows in _collect(root).items():
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


def _year_start(day: dt.date) -> dt.date:
    """First day of the 12 months ending on ``day``."""
    return periods.add_months(day, -12) + dt.timedelta(days=1)


# ---------------------------------------------------------------- writing


Row = dict[str, Any]


def _table(tables: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    if name in tables:
        return tables[name]
    spec = schemas.TABLES[name]
    return pl.DataFrame(schema={c: frames.polars_type(name, c) for c in spec.columns})


def _upto(day: dt.date | None, limit: dt.date) -> dt.date | None:
    return day if day is not None and day <= limit else None


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape(str(value))


class _Xml:
    """A small indented XML writer (element order as in the DfE schema)."""

    def __init__(self) -> None:
        self.lines = ['<?xml version="1.0" encoding="utf-8"?>']
        self.depth = 0

    def open(self, name: str) -> None:
        self.lines.append(f"{'  ' * self.depth}<{name}>")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}</{name}>")

    def leaf(self, name: str, value: object) -> None:
        if value is not None:
            self.lines.append(f"{'  ' * self.depth}<{name}>{_value(value)}</{name}>")

    def empty(self, name: str) -> None:
        self.lines.append(f"{'  ' * self.depth}<{name}/>")

    def encode(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode("utf-8")


@dataclass
class _Episode:
    row: Row
    referral: Row | None = None
    records: dict[str, list[Row]] = field(
        default_factory=lambda: {
            t: [] for t in ("assessment", "cin_plan", "s47", "cp_plan")
        }
    )


def _episodes(
    tables: dict[str, pl.DataFrame], first: dt.date, last: dt.date
) -> dict[str, list[_Episode]]:
    """CIN episodes open at any time from ``first`` to ``last``, by child, oldest first."""
    frame = (
        _table(tables, "cin_episode")
        .filter(
            pl.col("child_id").is_not_null()
            & (pl.col("start_date") <= last)
            & (pl.col("end_date").is_null() | (pl.col("end_date") >= first))
        )
        .sort("child_id", "start_date")
        .unique(subset=["child_id", "start_date"], keep="first", maintain_order=True)
    )
    out: dict[str, list[_Episode]] = {}
    for row in frame.iter_rows(named=True):
        out.setdefault(row["child_id"], []).append(_Episode(row))
    return out


def _link(row: Row, episodes: list[_Episode]) -> _Episode | None:
    """The episode a record belongs to: by referral date, else the one its date falls within."""
    if row.get("referral_date") is not None:
        return next(
            (e for e in episodes if e.row["start_date"] == row["referral_date"]), None
        )
    day = row["start_date"]
    within = [
        e
        for e in episodes
        if e.row["start_date"] <= day
        and (e.row["end_date"] is None or day <= e.row["end_date"])
    ]
    return within[-1] if within else None


def _attach(
    tables: dict[str, pl.DataFrame], by_child: dict[str, list[_Episode]], last: dt.date
) -> None:
    for row in (
        _table(tables, "referral")
        .sort("child_id", "referral_date")
        .iter_rows(named=True)
    ):
        for episode in by_child.get(row["child_id"], []):
            if (
                episode.row["start_date"] == row["referral_date"]
                and episode.referral is None
            ):
                episode.referral = row
    for kind in ("assessment", "cin_plan", "s47", "cp_plan"):
        frame = _table(tables, kind).filter(pl.col("start_date") <= last)
        for row in frame.sort("child_id", "start_date").iter_rows(named=True):
            linked = _link(row, by_child.get(row["child_id"], []))
            if linked is not None:
                linked.records[kind].append(row)


def write(
    tables: dict[str, pl.DataFrame], reference_date: dt.date, la_code: str
) -> bytes:
    """A CIN census (2025+ schema) of the children in need in the 12 months to the date.

    ``tables`` are canonical frames with raw child ids (``canonical.read_dir``). Records dated
    after ``reference_date`` are left out and end dates after it left blank. Deterministic.
    """
    last = reference_date
    by_child = _episodes(tables, _year_start(last), last)
    _attach(tables, by_child, last)
    children: dict[str, Row] = {}
    for row in _table(tables, "child").iter_rows(named=True):
        if row["child_id"] in by_child:
            children.setdefault(row["child_id"], row)
    reviews: dict[tuple[str, dt.date], list[dt.date]] = {}
    for child_id, plan, review in (
        _table(tables, "cp_review")
        .filter(pl.col("review_date") <= last)
        .sort("child_id", "plan_start_date", "review_date")
        .select("child_id", "plan_start_date", "review_date")
        .iter_rows()
    ):
        reviews.setdefault((child_id, plan), []).append(review)
    xml = _Xml()
    xml.open("Message")
    _write_header(xml, last, la_code)
    xml.open("Children")
    for child_id in sorted(by_child):
        _write_child(
            xml, child_id, children.get(child_id), by_child[child_id], reviews, last
        )
    xml.close("Children")
    xml.close("Message")
    return xml.encode()


def _write_header(xml: _Xml, last: dt.date, la_code: str) -> None:
    xml.open("Header")
    xml.open("CollectionDetails")
    xml.leaf("Collection", "CIN")
    xml.leaf("Year", last.year if last.month <= 3 else last.year + 1)
    xml.leaf("ReferenceDate", last)
    xml.close("CollectionDetails")
    xml.open("Source")
    xml.leaf("SourceLevel", "L")
    xml.leaf("LEA", la_code)
    xml.leaf("SoftwareCode", "csperf")
    xml.leaf("SerialNo", "001")
    xml.leaf("DateTime", f"{last.isoformat()}T00:00:00")
    xml.close("Source")
    xml.close("Header")


def _write_child(
    xml: _Xml,
    child_id: str,
    child: Row | None,
    episodes: list[_Episode],
    reviews: dict[tuple[str, dt.date], list[dt.date]],
    last: dt.date,
) -> None:
    child = child or {}
    xml.open("Child")
    xml.open("ChildIdentifiers")
    xml.leaf("LAchildID", child_id)
    xml.leaf("PersonBirthDate", child.get("birth_month"))
    xml.leaf("Sex", child.get("sex"))
    xml.close("ChildIdentifiers")
    xml.open("ChildCharacteristics")
    xml.leaf("Ethnicity", child.get("ethnicity"))
    if child.get("disability") is not None:
        xml.open("Disabilities")
        xml.leaf("Disability", "DDA" if child["disability"] else "NONE")
        xml.close("Disabilities")
    xml.close("ChildCharacteristics")
    for episode in episodes:
        _write_details(xml, episode, reviews, last)
    xml.close("Child")


def _write_details(
    xml: _Xml,
    episode: _Episode,
    reviews: dict[tuple[str, dt.date], list[dt.date]],
    last: dt.date,
) -> None:
    row, referral = episode.row, episode.referral or {}
    closed = _upto(row["end_date"], last)
    xml.open("CINdetails")
    xml.leaf("CINreferralDate", row["start_date"])
    xml.leaf("ReferralSource", referral.get("source"))
    xml.leaf("PrimaryNeedCode", row["primary_need"])
    xml.leaf("CINclosureDate", closed)
    xml.leaf("ReasonForClosure", row["closure_reason"] if closed else None)
    for a in episode.records["assessment"]:
        xml.open("Assessments")
        xml.leaf("AssessmentActualStartDate", a["start_date"])
        xml.leaf("AssessmentAuthorisationDate", _upto(a["authorised_date"], last))
        _write_factors(xml, a["factors"])
        xml.close("Assessments")
    for p in episode.records["cin_plan"]:
        xml.open("CINPlanDates")
        xml.leaf("CINPlanStartDate", p["start_date"])
        xml.leaf("CINPlanEndDate", _upto(p["end_date"], last))
        xml.close("CINPlanDates")
    for s in episode.records["s47"]:
        xml.open("Section47")
        xml.leaf("S47ActualStartDate", s["start_date"])
        xml.leaf("DateOfInitialCPC", _upto(s["icpc_date"], last))
        xml.leaf("ICPCnotRequired", s["icpc_not_required"])
        xml.close("Section47")
    xml.leaf("ReferralNFA", referral.get("nfa"))
    for c in episode.records["cp_plan"]:
        _write_cp_plan(xml, c, reviews.get((c["child_id"], c["start_date"]), []), last)
    xml.close("CINdetails")


def _write_factors(xml: _Xml, factors: list[str] | None) -> None:
    if factors is None:
        return
    if not factors:
        xml.empty("FactorsIdentifiedAtAssessment")
        return
    xml.open("FactorsIdentifiedAtAssessment")
    for code in factors:
        xml.leaf("AssessmentFactors", code)
    xml.close("FactorsIdentifiedAtAssessment")


def _write_cp_plan(xml: _Xml, plan: Row, reviews: list[dt.date], last: dt.date) -> None:
    xml.open("ChildProtectionPlans")
    xml.leaf("CPPstartDate", plan["start_date"])
    xml.leaf("CPPendDate", _upto(plan["end_date"], last))
    xml.leaf("InitialCategoryOfAbuse", plan["initial_category"])
    xml.leaf("LatestCategoryOfAbuse", plan["latest_category"])
    xml.leaf("NumberOfPreviousCPP", plan["previous_plans"])
    if reviews:
        xml.open("Reviews")
        for day in reviews:
            xml.leaf("CPPreviewDate", day)
        xml.close("Reviews")
    xml.close("ChildProtectionPlans")
