"""The Ofsted Annex A header table as data (formats.md §B.1.1-B.1.2).

``TEMPLATE`` is the January 2024 template: every list's exact headers, in order (typos and curly
quotes reproduced). ``FIELDS`` says, per list, which headers csperf reads: the target field (a
key ``table.column``, or ``child_id``/``team``/``worker``), or ``None`` for a header that is
recognised and not stored (*ignored*), and the regex that matches variant header texts in pass 2.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Header:
    text: str  # the exact January 2024 header
    field: str | None  # target key; None = recognised and ignored
    regex: str | None = (
        None  # variant texts (pass 2), searched in the normalised header
    )
    required: bool = False
    exclude: str | None = None  # a header matching this is never this field


CHILD_ID = "child_id"
TEAM = "team"
WORKER = "worker"

COMMON: list[Header] = [
    Header(
        "Child Unique ID", CHILD_ID,
        r"\b(child|person|client)\b.*\b(id|identifier|ref|reference)\b",
        required=True, exclude=r"family|adopter",
    ),
    Header("Gender", "child.sex", r"^(gender|sex)\b", required=True),
    Header("Ethnicity", "child.ethnicity", r"^ethnic"),
    Header("Date of Birth", "child.birth_month", r"date of birth|^dob$|birth date"),
    Header("Age", None),
    Header("Age of Child (Years)", None),
    Header("Does the Child have a Disability", "child.disability", r"disab"),
    Header("Allocated Team", TEAM, r"allocated team|^team$"),
    Header("Allocated Worker", WORKER, r"allocated (social )?worker|^worker$"),
]  # fmt: skip

_UASC = r"unaccompanied|\buasc\b"

SPECIFIC: dict[int, list[Header]] = {
    1: [
        Header("Date of Contact", "contact.contact_date", r"date.*contact", required=True),
        Header("Contact Source", "contact.source", r"contact.*source"),
    ],
    2: [
        Header("Assessment start date", "early_help.start_date", r"start", required=True),
        Header("Assessment completion date", "early_help.end_date", r"complet|end"),
        Header("Organisation completing assessment", "early_help.organisation",
               r"organisation|agency"),
    ],
    3: [
        Header("Date of Referral", "referral.referral_date", r"date.*referral", required=True),
        Header("Referral Source", "referral.source", r"referral.*source"),
        Header("Referral NFA?", "referral.nfa", r"\bnfa\b|no further action"),
        Header("Number of Referrals in Last 12 Months", "referral.previous_referrals_12m",
               r"referrals in (the )?last 12"),
    ],
    4: [
        Header("Continuous Assessment Start Date", "assessment.start_date",
               r"assessment.*start", required=True),
        Header("Child Seen During Continuous Assessment", None),
        Header("Continuous Assessment Date of Authorisation", "assessment.authorised_date",
               r"authori[sz]"),
        Header("Was the child assessed as requiring LA children's social care support?",
               "assessment.requires_support", r"requir.*support"),
    ],
    5: [
        Header("Strategy discussion initiating Section 47 Enquiry Start Date",
               "s47.start_date", r"(section 47|s47).*start", required=True),
        Header("Was an Initial Child Protection Conference deemed unnecessary?",
               "s47.icpc_not_required", r"unnecessary|not required"),
        Header("Date of Initial Child Protection Conference", "s47.icpc_date",
               r"^date.*(conference|icpc)"),
        Header("Did the Initial Child Protection Conference Result in a Child Protection Plan",
               "s47.resulted_in_plan", r"result.*plan"),
        Header("Number of Section 47 Enquiries in the last 12 months", None),
        Header("Number of ICPCs in the last 12 months", None),
    ],
    6: [
        Header("CIN Start Date", "cin_episode.start_date", r"cin start|start date",
               required=True),
        Header("Primary Need Code", "cin_episode.primary_need", r"primary need|need code"),
        Header("Date Child Was Last Seen", None),
        Header("Case Status", None),
        Header("CIN Closure Date", "cin_episode.end_date", r"closure date"),
        Header("Reason for Closure", "cin_episode.closure_reason", r"reason.*clos"),
    ],
    7: [
        Header("Child Protection Plan Start Date", "cp_plan.start_date",
               r"plan start|cpp start", required=True),
        Header("Initial Category of Abuse", "cp_plan.initial_category", r"initial categ"),
        Header("Latest Category of Abuse", "cp_plan.latest_category", r"latest categ"),
        Header("Date of the Last Statutory Visit", None),
        Header("Was the Child Seen Alone?", None),
        Header("Date of latest review conference", "cp_review.review_date", r"review"),
        Header("Child Protection Plan End Date", "cp_plan.end_date", r"plan end|cpp end"),
        Header("Subject to Emergency Protection Order or Protected Under Police Powers in "
               "Last Six Months (Y/N)", None),
        Header("Number of Previous Child Protection Plans", "cp_plan.previous_plans",
               r"previous.*plan"),
    ],
    8: [
        Header("Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
               "child.uasc", _UASC),
        Header("Date Started to be Looked After", "cla_episode.start_date",
               r"started to be looked after", required=True),
        Header("Child's Category of Need", "cla_episode.category_of_need",
               r"category of need"),
        Header("Is this a second or subsequent period of being a Looked After Child within "
               "the last 12 months (Y/N)", None),
        Header("Start date of current legal status", None),
        Header("Child's Legal Status", "cla_episode.legal_status", r"legal status$"),
        Header("Date of Latest Statutory Review", "cla_review.review_date",
               r"statutory review"),
        Header("Date of Last Social Work Visit", None),
        Header("What is the permanence plan for this child?", None),
        Header("Date of Last IRO Visit / Contact to the Child", None),
        Header("Date of Last Health Assessment", None),
        Header("Date of Last Dental Check", None),
        Header("Number of Placements in the Last 12 months", "cla_child_state.placements_12m",
               r"number of placements"),
        Header("Date Ceased to be Looked After", "cla_episode.end_date",
               r"ceased.*looked after$"),
        Header("Reason Ceased to be Looked After", "cla_episode.reason_ceased",
               r"reason ceased"),
        Header("Start Date of Most Recent Placement", None),
        Header("Placement Type", "cla_episode.placement_type", r"placement type"),
        Header("Placement Provider", "cla_episode.placement_provider", r"placement provider"),
        Header("Placement postcode", None),
        Header("LA of Placement", None),
        Header("URN of Placement", "cla_episode.urn", r"\burn\b"),
        Header("Placement Location", "cla_episode.placement_location", r"placement location"),
        Header("Number of Episodes the Child has been \u2018Missing\u2019 from their Placement "
               "in the last 12 months", "cla_child_state.missing_12m", r"episodes.*missing"),
        Header("Number of Episodes the Child has been \u2018Absent\u2019 from their Placement "
               "in the last 12 months", "cla_child_state.absent_12m", r"episodes.*absent"),
        Header("Was the child offered a Return Interview after their last missing episode "
               "(Y/N)?", "cla_child_state.rhi_offered_last", r"offered.*return interview"),
        Header("Did the child accept a Return Interview after their last missing episode "
               "(Y/N)?", "cla_child_state.rhi_accepted_last", r"accept.*return interview"),
    ],
    9: [
        Header("Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over "
               "(Y/N)", "child.uasc", _UASC),
        Header("Allocated Personal Advisor", None),
        Header("Latest Pathway Plan Review Date", None),
        Header("Eligibility Category", "care_leaver.eligibility", r"eligib"),
        Header("LA in Touch", "care_leaver.in_touch", r"in touch"),
        Header("Latest Date of Contact", "care_leaver.latest_contact_date",
               r"date of contact|latest contact"),
        Header("Type of Accommodation", "care_leaver.accommodation", r"type of accom"),
        Header("Suitability of Accommodation", "care_leaver.suitable", r"suitab"),
        Header("Activity Status", "care_leaver.activity", r"activity"),
    ],
}  # fmt: skip

# Lists 10-11 (adoption) are recognised and not loaded: every header is ignored except the id
# that finds the header row.
_ADOPTION: dict[int, list[str]] = {
    10: [
        "Child Unique ID", "Family identifier", "Gender", "Ethnicity", "Date of Birth",
        "Age of Child (Years)", "Does the Child have a Disability", "Date the Child Entered Care",
        "Date of Decision that Child Should be Placed for Adoption", "Date of Placement Order",
        "Date of Matching Child and Prospective Adopters", "Date Placed for Adoption",
        "Date of Adoption Order",
        "Date of Decision that Child Should No Longer be Placed for Adoption",
        "Reason Why Child No Longer Placed for Adoption",
        "Date the child was placed for fostering in FFA or concurrent planning placement",
    ],
    11: [
        "Individual adopter identifier", "Family identifier", "Gender", "Ethnicity",
        "Disability", "Is the (prospective) adopter fostering for adoption?",
        "Date enquiry received", "Date Stage 1 started", "Date Stage 1 ended",
        "Date Stage 2 started", "Date Stage 2 ended", "Date application submitted",
        "Date application approved", "Date adopter matched with child(ren)",
        "Date child/children placed with adopter(s)", "No. of children placed",
        "Date of Adoption Order", "Date of leaving adoption process",
        "Reason for leaving adoption process",
    ],
}  # fmt: skip
_ADOPTION_IDS = {10: "Child Unique ID", 11: "Individual adopter identifier"}

# The January 2024 template's column order, Lists 1-9 (common columns where the template has
# them; Lists 1-3 have no disability column).
_AGE = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
_DISABILITY = "Does the Child have a Disability"
_ALLOCATED = ["Allocated Team", "Allocated Worker"]


def _names(n: int) -> list[str]:
    return [h.text for h in SPECIFIC[n]]


TEMPLATE: dict[int, list[str]] = {
    1: [*_AGE, *_names(1)],
    2: [*_AGE, *_names(2)],
    3: [*_AGE, *_names(3), *_ALLOCATED],
    4: [*_AGE, _DISABILITY, *_names(4), *_ALLOCATED],
    5: [*_AGE, _DISABILITY, *_names(5), *_ALLOCATED],
    6: [*_AGE, _DISABILITY, "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen",
        "CIN Closure Date", "Reason for Closure", "Case Status", *_ALLOCATED],
    7: [*_AGE, _DISABILITY, *_names(7), *_ALLOCATED],
    8: [*_AGE, _names(8)[0], _DISABILITY, *_names(8)[1:18], "Placement postcode",
        "URN of Placement", "Placement Location", "LA of Placement", *_names(8)[22:],
        *_ALLOCATED],
    9: [*_AGE, _names(9)[0], _DISABILITY, *_ALLOCATED, *_names(9)[1:2],
        "Eligibility Category", "Latest Pathway Plan Review Date", *_names(9)[4:]],
    **_ADOPTION,
}  # fmt: skip

LOADED = range(1, 10)
ALL_LISTS = range(1, 12)

# B.1.1: list numbers by sheet or file name, else keywords (the first list that matches).
_LIST_NUMBER = re.compile(r"\blist\s*(\d{1,2})\b")
_KEYWORDS: list[tuple[int, str, str | None]] = [
    (1, r"contact", None),
    (2, r"early help|help", None),
    (3, r"referral", None),
    (4, r"assess", r"early|help"),
    (5, r"47|icpc", None),
    (6, r"need|\bcin\b", None),
    (7, r"protection|cpp", None),
    (8, r"care|\bcla\b|\blac\b|looked after", r"leav"),
    (9, r"leav", None),
    (10, r"adoption", None),
    (11, r"adopter", None),
]


def list_by_name(name: str) -> int | None:
    """The list a sheet or file name stands for (B.1.1), or None."""
    text = re.sub(r"[^0-9a-z]+", " ", name.lower()).strip()
    m = _LIST_NUMBER.search(text)
    if m:
        n = int(m.group(1))
        return n if n in ALL_LISTS else None
    for n, pattern, unless in _KEYWORDS:
        if re.search(pattern, text) and not (unless and re.search(unless, text)):
            return n
    return None


def numbered(name: str) -> bool:
    """True when the name gives the list's number (``List 3``), not just a keyword."""
    text = re.sub(r"[^0-9a-z]+", " ", name.lower()).strip()
    return _LIST_NUMBER.search(text) is not None


def normalise(header: str) -> str:
    """B.1.2: B.0.5 cleaning, lower case, trailing ``?``/``:`` and spaces removed."""
    text = unicodedata.normalize("NFKC", header).replace("\u00a0", " ")
    text = re.sub("[\u2018\u2019]", "'", text)
    text = re.sub("[\u201c\u201d]", '"', text)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return re.sub(r"[?:\s]+$", "", text)


@cache
def headers(n: int) -> tuple[Header, ...]:
    """Every header csperf knows for list ``n``, common columns first (table order)."""
    if n in _ADOPTION:
        return tuple(
            Header(t, CHILD_ID if t == _ADOPTION_IDS[n] else None) for t in _ADOPTION[n]
        )
    return (*COMMON, *SPECIFIC[n])


def fields(n: int) -> list[str]:
    """The stored fields of list ``n``, in table order."""
    return [h.field for h in headers(n) if h.field is not None]


def required(n: int) -> list[Header]:
    return [h for h in headers(n) if h.required]
