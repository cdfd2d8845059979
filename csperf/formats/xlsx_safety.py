"""An xlsx package checked before any cell is read (formats.md §B.0.1, §B.0.4).

``check`` uses only ``zipfile`` and defusedxml: the package must be a ZIP holding
``[Content_Types].xml`` and ``xl/workbook.xml``, with no macros, no external links, no encrypted
members, safe member names, bounded sizes (every member is decompressed once and counted, since ZIP
headers can lie) and no DOCTYPE in any XML part. It returns the sheets in workbook order with their
visibility and part names, or the one refusal. ``first_row`` and ``formula_gaps`` then read one
sheet's XML for what the cell reader does not say: the Excel row its range starts on, and formula
cells that have no cached value.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring, iterparse

from csperf.validate import Issue

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM_BYTES = 64 * 1024  # small parts compress well and cannot hold a bomb
CHUNK = 1 << 20
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_DTD16 = re.compile(  # UTF-16 (little-endian; big-endian matches it one byte on)
    b"<\x00!\x00(?:"
    + "DOCTYPE".encode("utf-16-le")
    + b"|"
    + "ENTITY".encode("utf-16-le")
    + b")",
    re.I,
)
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


# What each refusal says after the file name.
WHY: dict[str, str] = {
    "password": (
        "is password-protected. Remove the password in Excel (File > Info > Protect "
        "Workbook) and upload it again."
    ),
    "xls": ("is an old-style Excel file (.xls). Save it as .xlsx."),
    "not_zip": (
        "is not a readable .xlsx workbook (it is empty, damaged or another kind of file)."
        " Save it from Excel as .xlsx."
    ),
    "damaged": ("is damaged or incomplete. Export it again and upload the new file."),
    "not_workbook": (
        "is not an Excel workbook (it may be a Word or OpenDocument file). Save it as "
        ".xlsx."
    ),
    "too_big": ("unpacks to more than 300 MB. Split it into smaller workbooks."),
    "unsafe_name": (
        "contains a part with an unsafe name, so it is not read. Save it again from "
        "Excel."
    ),
    "encrypted_parts": (
        "has encrypted parts. Remove the password in Excel and upload it again."
    ),
    "macros": (
        "contains macros. Save it as a macro-free workbook (.xlsx) and upload it again."
    ),
    "links": (
        "has links to other workbooks. Break the links in Excel (Data > Edit Links > "
        "Break Link) and upload it again."
    ),
    "ratio": (
        "contains a part that unpacks to over 100 times its packed size, which csperf "
        "does not read. Save it again from Excel."
    ),
    "doctype": (
        "contains a DOCTYPE or entity declaration, which csperf never reads. Save the "
        "workbook again from Excel."
    ),
}


@dataclass(frozen=True)
class Sheet:
    name: str
    part: str  # the worksheet's member name, e.g. xl/worksheets/sheet1.xml
    hidden: bool
    formulas: bool  # holds formula cells (their cached values are checked cell by cell)


@dataclass(frozen=True)
class Package:
    sheets: list[Sheet]


class _RefusedError(Exception):
    def __init__(self, code: str, what: str) -> None:
        super().__init__(what)
        self.code = code
        self.what = what


def check(name: str, data: bytes) -> Package | Issue:
    """The workbook's sheets, or the one issue that refuses the file (F01-F05)."""
    try:
        return _check(data)
    except _RefusedError as refused:
        return Issue(refused.code, "error", name, f"{name} {refused.what}")


def _check(data: bytes) -> Package:
    if data.startswith(OLE):
        if any(
            n.encode("utf-16-le") in data
            for n in ("EncryptionInfo", "EncryptedPackage")
        ):
            raise _RefusedError("F04", WHY["password"])
        raise _RefusedError("F02", WHY["xls"])
    if not data.startswith(ZIP):
        raise _RefusedError("F01", WHY["not_zip"])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            formulas = _members(package)
            return Package(_sheets(package, formulas))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError):
        raise _RefusedError("F01", WHY["damaged"]) from None


def _members(package: zipfile.ZipFile) -> set[str]:
    """B.0.1 checks of every member; returns the parts that hold formula cells."""
    infos = package.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _RefusedError("F03", f"has more than {MAX_MEMBERS:,} parts, more than a workbook "
                            "needs. Save it again from Excel.")  # fmt: skip
    names = {i.filename for i in infos}
    for info in infos:
        _member_checks(info)
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise _RefusedError("F02", WHY["not_workbook"])
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise _RefusedError("F03", WHY["too_big"])
    formulas: set[str] = set()
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        total, has_formula = _read_member(package, info, total)
        if has_formula:
            formulas.add(info.filename)
    return formulas


def _member_checks(info: zipfile.ZipInfo) -> None:
    name = info.filename
    parts = name.split("/")
    if (
        "\\" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name)
        or ".." in parts
    ):
        raise _RefusedError("F03", WHY["unsafe_name"])
    if info.flag_bits & 0x1:
        raise _RefusedError("F04", WHY["encrypted_parts"])
    lower = name.lower()
    if lower.endswith("vbaproject.bin"):
        raise _RefusedError("F02", WHY["macros"])
    if lower.startswith("xl/externallinks/"):
        raise _RefusedError("F02", WHY["links"])
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > RATIO_FROM_BYTES and size / packed > MAX_RATIO:
        raise _RefusedError("F03", WHY["ratio"])


def _read_member(
    package: zipfile.ZipFile, info: zipfile.ZipInfo, total: int
) -> tuple[int, bool]:
    """Decompress one member (checking its CRC), counting bytes and looking for DOCTYPE."""
    xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
    worksheet = info.filename.startswith("xl/worksheets/") and xml
    has_formula = False
    tail = b""
    with package.open(info) as member:
        for chunk in _chunks(member):
            total += len(chunk)
            if total > MAX_UNCOMPRESSED:
                raise _RefusedError("F03", WHY["too_big"])
            window = tail + chunk
            if xml and _declares_dtd(window):
                raise _RefusedError("F05", WHY["doctype"])
            if worksheet and not has_formula:
                has_formula = _has_formula(window)
            tail = chunk[-32:]
    return total, has_formula


def _declares_dtd(window: bytes) -> bool:
    """``<!DOCTYPE`` or ``<!ENTITY`` (UTF-8 or UTF-16); markup, since text escapes ``<``."""
    if b"!" not in window:  # a rare byte: one fast scan clears most chunks
        return False
    return bool(_DTD.search(window) or _DTD16.search(window))


def _has_formula(window: bytes) -> bool:
    """A formula element (``<f>``, ``<f .../>``, ``<x:f>``): each ``f`` checked in place, since
    cell data (numbers, shared-string indices) rarely holds one."""
    i = window.find(b"f")
    while i != -1:
        before, after = window[i - 1 : i], window[i + 1 : i + 2]
        if after in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            if before == b"<":
                return True
            if before == b":" and _FORMULA.search(window, max(0, i - 64), i + 2):
                return True
        i = window.find(b"f", i + 1)
    return False


def _chunks(member: IO[bytes]) -> Iterator[bytes]:
    while chunk := member.read(CHUNK):
        yield chunk


def _sheets(package: zipfile.ZipFile, formulas: set[str]) -> list[Sheet]:
    workbook = _xml(package, "xl/workbook.xml")
    rels_name = "xl/_rels/workbook.xml.rels"
    targets: dict[str, str] = {}
    if rels_name in package.namelist():
        for rel in _xml(package, rels_name):
            if rel.get(
                "TargetMode", ""
            ).lower() == "external" and "externalLink" in rel.get("Type", ""):
                raise _RefusedError("F02", WHY["links"])
            targets[rel.get("Id", "")] = rel.get("Target", "")
    out = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        target = targets.get(element.get(_REL, ""), "")
        part = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        out.append(
            Sheet(
                name=element.get("name", ""),
                part=part,
                hidden=element.get("state", "visible") != "visible",
                formulas=part in formulas,
            )
        )
    return out


def _xml(package: zipfile.ZipFile, part: str) -> Element:
    try:
        root: Element = fromstring(package.read(part), forbid_dtd=True)
    except DefusedXmlException:
        raise _RefusedError("F05", WHY["doctype"]) from None
    except ParseError:
        raise _RefusedError("F01", f"has a damaged part ({part}). Save it again from "
                            "Excel.") from None  # fmt: skip
    return root


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


# ---------------------------------------------------------------- one sheet's XML


def column_index(letters: str) -> int:
    """0-based column of Excel column letters (A = 0)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cells(data: bytes, part: str) -> Iterator[tuple[int, int | None, bool, bool]]:
    """(row, column, has value, formula without value) of each cell, in document order."""
    with zipfile.ZipFile(io.BytesIO(data)) as package, package.open(part) as member:
        row = 0
        events = iterparse(member, events=("start", "end"), forbid_dtd=True)
        for event, element in events:
            tag = _local(element.tag)
            if event == "start":
                if tag == "row":
                    r = element.get("r")
                    row = int(r) if r and r.isdigit() else row + 1
                continue
            if tag == "row":
                element.clear()
            if tag != "c":
                continue
            ref = _CELL_REF.match(element.get("r", ""))
            col = column_index(ref.group(1)) if ref else None
            kids = {_local(k.tag): k for k in element}
            value = kids.get("v")
            has_value = (value is not None and bool(value.text)) or "is" in kids
            yield row, col, has_value, "f" in kids and not has_value
            element.clear()


def first_row(data: bytes, part: str) -> int:
    """Excel row of the first row holding a value: where the cell reader's range starts."""
    try:
        for row, _col, has_value, _gap in _cells(data, part):
            if has_value:
                return row
    except (ParseError, DefusedXmlException, KeyError, zipfile.BadZipFile):
        return 1
    return 1


@dataclass(frozen=True)
class FormulaGaps:
    first_column: int  # 0-based column where the cell reader's range starts
    cells: list[
        tuple[int, int]
    ]  # (Excel row, 0-based column) of formulas with no value


def formula_gaps(data: bytes, part: str) -> FormulaGaps:
    first_col: int | None = None
    gaps: list[tuple[int, int]] = []
    try:
        for row, col, has_value, gap in _cells(data, part):
            if col is None:
                continue
            if has_value:
                first_col = col if first_col is None else min(first_col, col)
            elif gap:
                gaps.append((row, col))
    except (ParseError, DefusedXmlException, KeyError, zipfile.BadZipFile):
        return FormulaGaps(0, [])
    return FormulaGaps(first_col or 0, gaps)
