"""Recognising a file by its content and handing it to its format (formats.md §B.0.2).

XML by its root element (CIN census, SSDA903); a workbook by its ZIP structure (Annex A); a CSV
by its header set: SSDA903 tables, then csperf CSVs, local measures, then Annex A lists by name.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

import defusedxml.ElementTree as SafeET
import polars as pl

from csperf import periods, store
from csperf.formats import (
    annex_a,
    canonical,
    cin_census,
    csv_text,
    local_measures,
    placement_costs,
    ssda903,
)
from csperf.validate import Issue

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ALLOWED = {".csv", ".xlsx", ".xml"}
SAVE_AS = {
    ".xls": "xlsx",
    ".xlsm": "xlsx",
    ".ods": "xlsx",
    ".xlsb": "xlsx",
    ".txt": "csv",
}


@dataclass
class Parsed:
    source_format: str | None = None
    loads: list[store.TableLoad] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    catalogue: pl.DataFrame | None = None  # a council's measure catalogue rows (§B.5.2)


def parse(
    name: str,
    data: bytes,
    quarter: periods.Quarter,
    others: dict[str, bytes] | None = None,
) -> Parsed:
    """Recognise one file and parse it; never raises on bad input.

    ``others`` are the other files of the same load (SSDA903 Header rows take UASC from them).
    """
    suffix = PurePath(name).suffix.lower()
    if suffix in SAVE_AS and not data.startswith(ZIP):
        return _refuse(
            "F02",
            name,
            f"is not a file type csperf reads. Save it as .{SAVE_AS[suffix]}.",
        )
    if data.startswith(ZIP) or data.startswith(OLE) or suffix == ".xlsx":
        return _workbook(name, data, quarter)
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return _xml(name, data, quarter)
    return _csv(name, data, quarter, others or {})


def _refuse(code: str, name: str, what: str) -> Parsed:
    return Parsed(issues=[Issue(code, "error", name, f"{name} {what}")])


def _workbook(name: str, data: bytes, quarter: periods.Quarter) -> Parsed:
    if data.startswith(OLE):
        if any(
            n.encode("utf-16-le") in data
            for n in ("EncryptionInfo", "EncryptedPackage")
        ):
            return _refuse("F04", name, "is password-protected. Remove the password in Excel "
                           "and upload it again.")  # fmt: skip
        return _refuse(
            "F02", name, "is an old-style Excel file (.xls). Save it as .xlsx."
        )
    if not data.startswith(ZIP):
        return _refuse("F02", name, "is not an Excel workbook. Save it as .xlsx.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError):
        return _refuse("F01", name, "is damaged or incomplete. Export it again.")
    if "xl/workbook.xml" not in names:
        return _refuse("F02", name, "is not an Excel workbook (it may be a Word or "
                       "OpenDocument file). Save it as .xlsx.")  # fmt: skip
    loads, issues = annex_a.parse_xlsx(name, data, quarter)
    return Parsed(annex_a.FORMAT, loads, issues)


def _xml(name: str, data: bytes, quarter: periods.Quarter) -> Parsed:
    if cin_census.recognise(name, data):
        loads, issues = cin_census.parse(name, data, quarter)
        return Parsed(cin_census.FORMAT, loads, issues)
    if ssda903.recognise_xml(data):
        loads, issues = ssda903.parse_xml(name, data, quarter)
        return Parsed(ssda903.FORMAT_XML, loads, issues)
    return _unknown_xml(name, data)


def _unknown_xml(name: str, data: bytes) -> Parsed:
    if len(data) > cin_census.MAX_BYTES:
        return _refuse(
            "F03", name, "is larger than 50 MB. Split it, or load fewer years."
        )
    try:
        root = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except SafeET.ParseError:
        return _refuse(
            "F06",
            name,
            "is not well-formed XML. Export it again and upload the new file.",
        )
    except Exception:  # defusedxml's DTD, entity and external-reference refusals
        return _refuse("F05", name, "contains a DOCTYPE, entity or external reference, which "
                       "csperf never reads. Export the file again without them.")  # fmt: skip
    tag = str(root.tag).rsplit("}", 1)[-1]
    return _refuse("F08", name, f"is XML with the root element <{tag}>, which is neither a CIN "
                   "census (<Message>) nor an SSDA903 return (<EXPSSDA903>).")  # fmt: skip


def _csv(
    name: str, data: bytes, quarter: periods.Quarter, others: dict[str, bytes]
) -> Parsed:
    text = csv_text.read(name, data)
    if isinstance(text, list):
        return Parsed(issues=text)
    table_903 = ssda903.recognise_csv(text.header)
    if table_903 == "ambiguous":
        return _refuse(
            "F08",
            name,
            "matches more than one SSDA903 table. Remove the extra columns.",
        )
    if table_903 is not None:
        loads, issues = ssda903.parse_csv(name, data, quarter, others, text=text)
        return Parsed(ssda903.FORMAT_CSV, loads, issues)
    if (table := canonical.recognise(name, text.header)) is not None:
        loads, issues = canonical.parse(name, data, text, table, quarter.end)
        return Parsed(canonical.FORMAT, loads, issues)
    if placement_costs.recognise(text.header):
        loads, issues = placement_costs.parse(name, data, text, quarter.end)
        return Parsed(placement_costs.FORMAT, loads, issues)
    if local_measures.recognise(text.header):
        loads, issues = local_measures.parse(name, data, text, quarter.end, others)
        return Parsed(local_measures.FORMAT, loads, issues)
    if local_measures.recognise_catalogue(text.header):
        rows, issues = local_measures.parse_catalogue(name, text)
        return Parsed(local_measures.FORMAT, issues=issues, catalogue=rows)
    if annex_a.recognise_csv(name, text.header) is not None:
        loads, issues = annex_a.parse_csv(name, data, quarter)
        return Parsed(annex_a.FORMAT, loads, issues)
    return _refuse(
        "F08", name,
        "was not recognised as any format csperf reads (Annex A, SSDA903, CIN census, csperf "
        "CSV, local measures). A csperf CSV must be named after its table (e.g. referral.csv) "
        "with the template's columns; download the templates to compare.",
    )  # fmt: skip
