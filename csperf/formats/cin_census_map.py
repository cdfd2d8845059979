"""CIN census XML mapped to canonical tables' text rows (formats.md §A.6, "CIN census XML").

``collect`` walks ``Children/Child`` and gives, for each of the eight CIN tables, a ``Rows``: the
untyped text values column by column, each row's XML location (``Child[7]/CINdetails[2]``), its
1-based ``Child`` index and the XML element each column comes from (for issue locations). Also
the namespace-blind element helpers the reader shares (``local``, ``numbered``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

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


# ---------------------------------------------------------------- element helpers


def local(tag: object) -> str:
    """Element name without its namespace (``{uri}Child`` and ``Child`` are both ``Child``)."""
    return str(tag).rpartition("}")[2]


def _fields(elem: Element) -> dict[str, Element]:
    """The element's children by name, the first of each name."""
    out: dict[str, Element] = {}
    for sub in elem:
        out.setdefault(local(sub.tag), sub)
    return out


def _text(fields: dict[str, Element], name: str) -> str | None:
    elem = fields.get(name)
    if elem is None or elem.text is None:
        return None
    text = elem.text.strip()
    return text or None


# ---------------------------------------------------------------- collecting rows


@dataclass
class Rows:
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


def collect(root: Element, tables: Iterable[str]) -> dict[str, Rows]:
    """Each table's rows from the document's ``Children/Child`` elements, in ``tables`` order."""
    out = {t: Rows(t) for t in tables}
    index = 0
    for container in root:
        if local(container.tag) != "Children":
            continue
        for elem in container:
            if local(elem.tag) == "Child":
                index += 1
                _child(elem, index, out)
    return out


def _child(elem: Element, index: int, out: dict[str, Rows]) -> None:
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
        if local(sub.tag) == "CINdetails":
            number += 1
            _details(sub, f"{where}/CINdetails[{number}]", index, child_id, out)


def _disability(chars: Element | None) -> str | None:
    """Any code other than NONE → true; only NONE → false; no ``Disabilities`` → null."""
    if chars is None:
        return None
    codes = [
        (item.text or "").strip().upper()
        for box in chars
        if local(box.tag) == "Disabilities"
        for item in box
        if local(item.tag) == "Disability"
    ]
    codes = [c for c in codes if c]
    if not codes:
        return None
    return "false" if all(c == "NONE" for c in codes) else "true"


def numbered(elem: Element, names: set[str]) -> Iterator[tuple[str, int, Element]]:
    """Children with the given names, each with its 1-based index among same-named siblings."""
    counts: dict[str, int] = {}
    for sub in elem:
        name = local(sub.tag)
        if name in names:
            counts[name] = counts.get(name, 0) + 1
            yield name, counts[name], sub


def _details(
    elem: Element, where: str, index: int, child_id: str | None, out: dict[str, Rows]
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
    for name, number, sub in numbered(elem, names):
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
    rows: Rows,
) -> None:
    boxes = [s for s in elem if local(s.tag) == "FactorsIdentifiedAtAssessment"]
    codes = [
        (item.text or "").strip()
        for box in boxes
        for item in box
        if local(item.tag) == "AssessmentFactors"
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
    out: dict[str, Rows],
) -> None:
    start = _text(f, "CPPstartDate")
    out["cp_plan"].add(where, index, {
        **base, "start_date": start, "end_date": _text(f, "CPPendDate"),
        "initial_category": _text(f, "InitialCategoryOfAbuse"),
        "latest_category": _text(f, "LatestCategoryOfAbuse"),
        "previous_plans": _text(f, "NumberOfPreviousCPP"),
    })  # fmt: skip
    for _, box_no, box in numbered(elem, {"Reviews"}):
        for _, no, review in numbered(box, {"CPPreviewDate"}):
            text = (review.text or "").strip() or None
            at = f"{where}/Reviews[{box_no}]/CPPreviewDate[{no}]"
            out["cp_review"].add(at, index, {
                "child_id": base["child_id"], "plan_start_date": start, "review_date": text,
            })  # fmt: skip
