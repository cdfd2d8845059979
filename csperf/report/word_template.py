"""The council's own Word template for ``report.docx`` (report.md; security.md S32).

A template is accepted only as a ``.docx`` of at most 10 MB that passes the zip guard of S24
(member count, sizes, compression ratio, safe names, nothing encrypted), holds no macros, and
has no external relationships (``TargetMode="External"``, which is also how an attached template
is linked). It is kept in the database, never on disk. The pack built on it keeps its styles,
headers, footers and logo; its body is replaced by the pack.
"""

from __future__ import annotations

import base64
import io
import posixpath
import re
import zipfile

import duckdb
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from csperf import store

SETTING = "report.word_template"
MAX_BYTES = 10 * 1024 * 1024
MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM_BYTES = 64 * 1024
_EXTERNAL = re.compile(rb"TargetMode\s*=\s*[\"']External[\"']", re.I)
_MACRO_TYPES = (b"macroEnabled", b"vbaProject", b"vbaData")


class TemplateRefusedError(ValueError):
    """Why a Word template cannot be used; the message says what to do."""


def check(name: str, data: bytes) -> None:
    """Raise TemplateRefusedError unless ``data`` is a safe .docx template."""
    if not name.lower().endswith(".docx"):
        raise TemplateRefusedError(
            f"{name}: a Word template must be a .docx file. Save it as a Word document "
            "(.docx), without macros, and upload it again."
        )
    if len(data) > MAX_BYTES:
        raise TemplateRefusedError(
            f"{name}: the template is {len(data) / 1024 / 1024:.1f} MB; the limit is 10 MB. "
            "Remove large images from it and upload it again."
        )
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise TemplateRefusedError(
            f"{name}: this is not a Word document (.docx). Open it in Word and save it as "
            "a .docx."
        ) from None
    with package:
        _guard(name, package)
        _contents(name, package)


def _guard(name: str, package: zipfile.ZipFile) -> None:
    infos = package.infolist()
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise TemplateRefusedError(f"{name}: the document is too large once unpacked.")
    for info in infos:
        member = info.filename
        unsafe = (
            member.startswith(("/", "\\"))
            or "\\" in member
            or ".." in posixpath.normpath(member).split("/")
        )
        if unsafe:
            raise TemplateRefusedError(
                f"{name}: the document holds an unsafe part name."
            )
        if info.flag_bits & 0x1:
            raise TemplateRefusedError(
                f"{name}: the document is encrypted. Remove the password and upload it again."
            )
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise TemplateRefusedError(
                f"{name}: a part of the document is compressed suspiciously far."
            )


def _read(package: zipfile.ZipFile, member: str) -> bytes:
    """A member, decompressed with its bytes counted (ZIP headers can lie)."""
    out = bytearray()
    with package.open(member) as handle:
        while chunk := handle.read(1 << 20):
            out += chunk
            if len(out) > MAX_UNCOMPRESSED:
                raise TemplateRefusedError("the document is too large once unpacked.")
    return bytes(out)


def _contents(name: str, package: zipfile.ZipFile) -> None:
    members = set(package.namelist())
    if "word/document.xml" not in members or "[Content_Types].xml" not in members:
        raise TemplateRefusedError(
            f"{name}: this is not a Word document (.docx). Open it in Word and save it as "
            "a .docx."
        )
    types = _read(package, "[Content_Types].xml")
    if any(m.lower().endswith(".bin") and "vba" in m.lower() for m in members) or any(
        t in types for t in _MACRO_TYPES
    ):
        raise TemplateRefusedError(
            f"{name}: the template contains macros. Save it as a Word document (.docx) "
            "without macros and upload it again."
        )
    for member in sorted(members):
        if not member.endswith((".rels", ".xml")):
            continue
        part = _read(package, member)
        try:
            fromstring(part, forbid_dtd=True)
        except (ParseError, DefusedXmlException):
            raise TemplateRefusedError(
                f"{name}: the part {member} is not well-formed XML or declares a DTD."
            ) from None
        if member.endswith(".rels") and _EXTERNAL.search(part):
            raise TemplateRefusedError(
                f"{name}: the template links to something outside itself (an external "
                "image, hyperlink target or attached template). Embed or remove it and "
                "upload it again."
            )
        if member == "word/settings.xml" and b"attachedTemplate" in part:
            raise TemplateRefusedError(
                f"{name}: the template is attached to another template. Detach it (Word: "
                "Developer, Document Template) and upload it again."
            )


def save(con: duckdb.DuckDBPyConnection, name: str, data: bytes) -> None:
    """Check the template, then keep it (and its name) in the database."""
    check(name, data)
    store.set_setting(
        con, SETTING, {"name": name, "data": base64.b64encode(data).decode("ascii")}
    )


def remove(con: duckdb.DuckDBPyConnection) -> None:
    store.set_setting(con, SETTING, None)


def stored(con: duckdb.DuckDBPyConnection) -> tuple[str, bytes] | None:
    """The council's template, or None (the clean default is used)."""
    value = store.get_setting(con, SETTING)
    if not value:
        return None
    return str(value["name"]), base64.b64decode(value["data"])
