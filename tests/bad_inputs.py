# ruff: noqa: E501 -- the corpus is listed one row per line, as in security.md
"""The bad-input corpus of security.md §I, built in memory (no large file is committed).

Each item is (number, description, files, expected code, outcome) where files is a list of
(name, bytes) and outcome is "refused", "loads" or "nothing" (item 2).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import xlsxwriter

GOOD_PLANS = b"child_id,start_date,end_date\nP1,2025-01-01,\nP2,2025-02-01,\n"


@dataclass(frozen=True)
class Item:
    number: int
    what: str
    files: list[tuple[str, bytes]]
    code: str
    outcome: str  # refused | loads | nothing


def workbook(rows: list[list[object]] | None = None, sheet: str = "List 6") -> bytes:
    """A small Annex A style workbook (List 6, children in need)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet(sheet)
    header = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "CIN Start Date",
              "Primary Need Code", "CIN Closure Date", "Reason for Closure"]  # fmt: skip
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for r, row in enumerate(rows or [["A1", "M", "WBRI", "01/02/2015", "01/04/2025", "N1", "", ""]]):
        for c, v in enumerate(row):
            ws.write(r + 1, c, v)
    book.close()
    return out.getvalue()


def with_member(base: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr(name, data)
    return out.getvalue()


def replace_member(base: bytes, name: str, fn) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, fn(data) if info.filename == name else data)
    return out.getvalue()


def ole(names: list[str]) -> bytes:
    """Enough of an OLE compound file for recognition: signature plus directory names."""
    body = b"".join(n.encode("utf-16-le") for n in names)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + body + b"\x00" * 1024


def bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))  # ratio ~1000
    return out.getvalue()


def many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(2001):
            z.writestr(f"xl/extra/{i}.xml", "<a/>")
    return out.getvalue()


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol3;</LAchildID></ChildIdentifiers></Child></Children></Message>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&xxe;</LAchildID></ChildIdentifiers></Child></Children></Message>"""
CENSUS_OTHER_LA = b"""<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2025</Year>
<ReferenceDate>2025-09-30</ReferenceDate></CollectionDetails><Source><LEA>885</LEA></Source></Header>
<Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2015-03-27</PersonBirthDate>
<Sex>M</Sex></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
<CINdetails><CINreferralDate>2025-05-01</CINreferralDate><ReferralSource>6</ReferralSource>
<PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>0</ReferralNFA></CINdetails></Child></Children></Message>"""


def items() -> list[Item]:
    plans = "cp_plan.csv"
    wb = workbook()
    big = b"child_id,start_date\n" + b"X,2025-01-01\n" * (50 * 1024 * 1024 // 13 + 1)
    return [
        Item(1, "empty file", [(plans, b"")], "F01", "refused"),
        Item(2, "header only", [(plans, b"child_id,start_date,end_date\n")], "I04", "nothing"),
        Item(3, "random bytes named .csv", [("x.csv", bytes(range(256)) * 4)], "F02", "refused"),
        Item(4, "executable renamed .xlsx", [("x.xlsx", b"\x7fELF\x02\x01\x01" + b"\0" * 200)], "F02", "refused"),
        Item(5, "plain text named .xlsx", [("x.xlsx", b"just some text\n")], "F02", "refused"),
        Item(6, ".xls renamed .xlsx", [("x.xlsx", ole(["Workbook", "SummaryInformation"]))], "F02", "refused"),
        Item(7, "workbook with macros", [("x.xlsx", with_member(wb, "xl/vbaProject.bin", b"\0" * 64))], "F02", "refused"),
        Item(8, "workbook with external links", [("x.xlsx", with_member(wb, "xl/externalLinks/externalLink1.xml", b"<externalLink/>"))], "F02", "refused"),
        Item(9, ".docx renamed .xlsx", [("x.xlsx", _docx())], "F02", "refused"),
        Item(10, "UTF-16 without BOM", [(plans, "child_id,start_date\nX,2025-01-01\n".encode("utf-16-le"))], "F02", "refused"),
        Item(11, "password-protected workbook", [("x.xlsx", ole(["EncryptionInfo", "EncryptedPackage"]))], "F04", "refused"),
        Item(12, "truncated ZIP", [("x.xlsx", wb[: len(wb) // 2])], "F01", "refused"),
        Item(13, "zip bomb", [("x.xlsx", bomb())], "F03", "refused"),
        Item(14, "more than 2,000 members", [("x.xlsx", many_members())], "F03", "refused"),
        Item(15, "member name with ..", [("x.xlsx", with_member(wb, "../evil.xml", b"<a/>"))], "F03", "refused"),
        Item(16, "file over 50 MB", [(plans, big)], "F03", "refused"),
        Item(17, "cell over 32,767 characters", [(plans, b"child_id,start_date\n" + b"X" * 40_000 + b",2025-01-01\n")], "F03", "refused"),
        Item(18, "XML billion laughs", [("c.xml", LAUGHS)], "F05", "refused"),
        Item(19, "XML external entity", [("c.xml", XXE)], "F05", "refused"),
        Item(20, "XML truncated", [("c.xml", CENSUS_OTHER_LA[:200])], "F06", "refused"),
        Item(21, "XML unknown root", [("c.xml", b"<Invoice><Line/></Invoice>")], "F08", "refused"),
        Item(22, "undecodable text", [(plans, b"child_id,start_date\nZ\x81,2025-01-01\n")], "F07", "refused"),
        Item(23, "Windows-1252 text", [(plans, "child_id,start_date\nZo\u00eb,2025-01-01\n".encode("cp1252"))], "I01", "loads"),
        Item(24, "header matches nothing", [("notes.csv", b"colour,size\nred,3\n")], "F08", "refused"),
        Item(25, "ragged rows", [(plans, b"child_id,start_date\nX,2025-01-01,extra,more\n")], "F01", "refused"),
        Item(26, "required column missing", [(plans, b"child_id,end_date\nX,2025-01-01\n")], "H01", "refused"),
        Item(27, "duplicate header", [(plans, b"child_id,start_date,start_date\nX,2025-01-01,2025-01-01\n")], "H02", "refused"),
        Item(28, "Annex A header not in rows 1-10", [("x.xlsx", _low_header())], "H04", "refused"),
        Item(29, "blank child id", [(plans, b"child_id,start_date\n,2025-01-01\n")], "R01", "refused"),
        Item(30, "id in scientific notation", [(plans, b"child_id,start_date\n1.23E+12,2025-01-01\n")], "R10", "refused"),
        Item(31, "impossible required date", [(plans, b"child_id,start_date\nX,31/02/2024\n")], "R03", "refused"),
        Item(32, "US-format required date", [(plans, b"child_id,start_date\nX,03/13/2024\n")], "R03", "refused"),
        Item(33, "unknown codes", [(plans, b"child_id,start_date,latest_category\nX,2025-01-01,ZZZ\n")], "R04", "loads"),
        Item(34, "negative count", [(plans, b"child_id,start_date,previous_plans\nX,2025-01-01,-2\n")], "R07", "loads"),
        Item(35, "Excel errors", [("x.xlsx", workbook([["A1", "M", "#N/A", "01/02/2015", "01/04/2025", "N1", "", ""]]))], "R08", "loads"),
        Item(36, "formula without cached value", [("x.xlsx", _uncached_formula())], "R09", "loads"),
        Item(37, "date after the extract date", [(plans, b"child_id,start_date,end_date\nX,2025-01-01,2025-12-01\n")], "D01", "loads"),
        Item(38, "end before start", [(plans, b"child_id,start_date,end_date\nX,2025-03-01,2025-01-01\n")], "D02", "loads"),
        Item(39, "exact and conflicting duplicates", [(plans, b"child_id,start_date,end_date\nX,2025-01-01,\nX,2025-01-01,\nY,2025-01-01,\nY,2025-01-01,2025-02-01\n")], "K01", "loads"),
        Item(40, "overlapping episodes", [("cla_episode.csv", b"child_id,start_date,end_date,reason_new\nA,2025-01-01,2025-03-01,S\nA,2025-02-01,,P\n")], "K03", "loads"),
        Item(41, "file for another LA", [("census.xml", CENSUS_OTHER_LA)], "C04", "loads"),
        Item(42, "extract not covering the windows", [("cla_episode.csv", b"child_id,start_date,end_date,reason_new\nA,2025-08-01,,S\n")], "C03", "loads"),
        Item(43, "local measure unknown id", [("local_measures.csv", b"measure_id,period_end,value\nnot_a_measure,2025-09-30,3\n")], "M01", "refused"),
        Item(44, "formula payloads in text", [("cin_episode.csv", b"child_id,start_date,team\nA,2025-01-01,\"=HYPERLINK(\"\"http://x\"\")\"\n")], "", "loads"),
        Item(45, "XSS payload in a file name and label", [("<img src=x onerror=alert(1)>.csv", b"measure_id,period_end,value,breakdown,category\nphone_demand,2025-09-30,40,service,<script>alert(1)</script>\n")], "", "loads"),
        Item(46, "the same file twice", [(plans, GOOD_PLANS), ("copy.csv", GOOD_PLANS)], "F10", "refused"),
    ]  # fmt: skip


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def _low_header() -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("List 6")
    ws.write(11, 0, "Child Unique ID")
    ws.write(11, 1, "Gender")
    ws.write(11, 2, "CIN Start Date")
    ws.write(12, 0, "A1")
    book.close()
    return out.getvalue()


def _uncached_formula() -> bytes:
    """A List 6 workbook whose closure-reason cell is a formula with no cached value."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = book.add_worksheet("List 6")
    header = ["Child Unique ID", "Gender", "CIN Start Date", "Primary Need Code",
              "Reason for Closure"]  # fmt: skip
    for c, h in enumerate(header):
        ws.write(0, c, h)
    for c, v in enumerate(["A1", "M", "01/04/2025", "N1"]):
        ws.write(1, c, v)
    ws.write_formula(1, 4, '=A2&"x"')
    book.close()
    return replace_member(
        out.getvalue(), "xl/worksheets/sheet1.xml", lambda x: re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", x)
    )
