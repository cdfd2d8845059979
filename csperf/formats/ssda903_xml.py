"""The SSDA903 XML streaming reader (formats.md §B.2.3): expat, through defusedxml, gathers the
903 tables' rows from an EXPSSDA903 document without building a tree. ``ssda903.parse_xml`` maps
and checks the rows it gathers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from csperf.validate import Issue

# XML element -> CSV column where they differ (B.2.3).
RENAMES = {"CHILDID": "CHILD", "PL": "PLACE"}
_RECORDS = {"EPISODE": "Episodes", "AREVIEW": "Reviews", "AMISSING": "Missing"}
_F05 = (
    "contains a DOCTYPE, entity or external reference, which csperf never reads. "
    "Export the file again without them."
)

_Row = tuple[dict[str, str], str, int]  # 903 fields, element path, source line


@dataclass
class _XmlChild:
    """One CHILD element as read so far: its HEADER fields and its repeating records."""

    index: int
    line: int
    header: dict[str, str] = field(default_factory=dict)
    header_path: str = ""
    records: list[tuple[str, str, dict[str, str], int]] = field(default_factory=list)

    def rows(self) -> Iterable[tuple[str, _Row]]:
        """(903 table, row) pairs: one Header row, OC3 when IN_TOUCH has text, the records."""
        me = f"CHILD[{self.index}]"
        path = self.header_path or me
        ident = {
            "CHILD": self.header.get("CHILD", ""),
            "DOB": self.header.get("DOB", ""),
        }
        head = dict(self.header)
        if head.get("UASC") == "":
            head["UASC"] = "N"  # an empty <UASC/>: not an unaccompanied asylum seeker
        yield "Header", (head, path, self.line)
        if self.header.get("IN_TOUCH"):
            yield "OC3", ({**self.header, **ident}, path, self.line)
        counts: dict[str, int] = defaultdict(int)
        for tag, parent, fields, line in self.records:
            counts[tag] += 1
            where = f"{path}/{tag}" if parent == "HEADER" else f"{me}/{tag}"
            row = {**fields, "CHILD": ident["CHILD"]}
            if tag != "EPISODE":
                row["DOB"] = ident["DOB"]
            yield _RECORDS[tag], (row, f"{where}[{counts[tag]}]", line)


@dataclass
class XmlRows:
    """The 903 tables' rows, gathered while expat reads the document (no tree is built).

    Leaf elements of ``CHILD/HEADER`` are the Header fields, those of ``EPISODE``,
    ``AREVIEW`` and ``AMISSING`` their records' fields; anything else is ignored.
    """

    root: str = ""
    tables: dict[str, list[_Row]] = field(default_factory=lambda: defaultdict(list))
    _open: list[str] = field(default_factory=list)  # local names of the open elements
    _text: list[str] = field(default_factory=list)
    _child: _XmlChild | None = None
    _record: dict[str, str] | None = None
    _record_depth: int = 0
    _leaf: int = -1  # depth of the latest element started, until an element ends
    _names: dict[str, str] = field(default_factory=dict)
    _expat: Any = None
    _count: int = 0

    def read(self, name: str, data: bytes) -> Issue | None:
        """Parse with defusedxml (no DTD, entities or external references); a refusal if not."""
        parser = DefusedXMLParser(
            forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        self._expat = parser.parser
        self._expat.StartElementHandler = self._start
        self._expat.EndElementHandler = self._end
        self._expat.CharacterDataHandler = self._text.append
        try:
            self._expat.Parse(data, True)
        except DefusedXmlException:
            return _refuse("F05", name, _F05)
        except LookupError:
            what = "declares a text encoding csperf cannot read. Export it as UTF-8."
            return _refuse("F07", name, what)
        except (ExpatError, ParseError, ValueError, UnicodeError) as exc:
            line = getattr(exc, "lineno", None) or getattr(exc, "position", (None,))[0]
            at = f" (line {line})" if line else ""
            return _refuse("F06", name, f"is not well-formed XML{at}. Export it again.")
        return None

    def _start(self, tag: str, _attrs: object) -> None:
        local = self._names.get(tag) or self._name(tag)
        depth = len(self._open)
        self._open.append(local)
        self._leaf = depth  # a leaf if it ends before another element starts
        self._text.clear()
        child = self._child
        if self._record is not None:
            return
        if depth == 0:
            self.root = local
        elif depth == 1 and local == "CHILD":
            self._count += 1
            self._child = _XmlChild(self._count, self._expat.CurrentLineNumber)
        elif child is None:
            return
        elif local in _RECORDS:
            self._record = {}
            self._record_depth = depth
            line = self._expat.CurrentLineNumber
            child.records.append((local, self._open[-2], self._record, line))
        elif depth == 2 and local == "HEADER" and not child.header_path:
            child.header_path = f"CHILD[{child.index}]/HEADER"
            child.line = self._expat.CurrentLineNumber

    def _end(self, _tag: str) -> None:
        local = self._open.pop()
        depth = len(self._open)
        leaf, self._leaf = depth == self._leaf, -1
        child = self._child
        if child is None:
            return
        if depth == 1:
            for kind, row in child.rows():
                self.tables[kind].append(row)
            self._child = None
        elif self._record is not None and depth == self._record_depth:
            self._record = None
        elif leaf:
            self._field(local, child, depth)

    def _field(self, local: str, child: _XmlChild, depth: int) -> None:
        """A leaf's text, kept for its record or for CHILD/HEADER (or a CHILD without one)."""
        if self._record is not None:
            target = self._record
        elif depth == 2 or (depth == 3 and self._open[2] == "HEADER"):
            target = child.header
        else:
            return
        target.setdefault(RENAMES.get(local, local), "".join(self._text).strip())

    def _name(self, tag: str) -> str:
        local = self._names[tag] = tag.rpartition("}")[2].rpartition(":")[2]
        return local


def _refuse(code: str, name: str, what: str) -> Issue:
    return Issue(code, "error", name, f"{name} {what}")
