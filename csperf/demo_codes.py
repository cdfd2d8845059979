"""The demo council's code mixes (formats.md §C codes with plausible weights) and its teams."""

from __future__ import annotations

from csperf.demo_model import Choice

REFERRAL_SOURCE = Choice(
    {
        "6": 27,
        "2A": 19,
        "2B": 2,
        "3A": 2,
        "3B": 2.5,
        "3C": 1,
        "3D": 1,
        "3E": 3,
        "3F": 5,
        "5A": 4,
        "5B": 2,
        "5C": 2,
        "5D": 4,
        "1A": 5,
        "1B": 1,
        "1C": 2,
        "1D": 1,
        "4": 2,
        "7": 3,
        "8": 5,
        "9": 1,
        "10": 1,
    }
)
CONTACT_SOURCE = Choice(
    {
        "6": 36,
        "2A": 17,
        "2B": 2,
        "3A": 2,
        "3B": 2,
        "3C": 1,
        "3D": 1,
        "3E": 4,
        "3F": 4,
        "5A": 3,
        "5B": 2,
        "5C": 2,
        "5D": 3,
        "1A": 6,
        "1B": 1,
        "1C": 1,
        "1D": 1,
        "4": 2,
        "7": 2,
        "8": 5,
        "9": 2,
        "10": 1,
    }
)
UASC_SOURCE = Choice({"6": 50, "5C": 20, "8": 20, "4": 10})
ETHNICITY = {
    "england": Choice(
        {
            "WBRI": 66,
            "WIRI": 0.5,
            "WIRT": 0.3,
            "WOTH": 4,
            "WROM": 0.7,
            "MWBC": 4,
            "MWBA": 1,
            "MWAS": 2,
            "MOTH": 3,
            "AIND": 2,
            "APKN": 5,
            "ABAN": 1,
            "AOTH": 1.5,
            "BCRB": 1.5,
            "BAFR": 2,
            "BOTH": 1,
            "CHNE": 0.3,
            "OOTH": 1.2,
            "REFU": 0.5,
            "NOBT": 1.5,
        }
    ),
    "wales": Choice(
        {
            "WBRI": 85,
            "WIRI": 0.3,
            "WIRT": 0.3,
            "WOTH": 2.5,
            "WROM": 0.4,
            "MWBC": 1.5,
            "MWBA": 0.6,
            "MWAS": 1.2,
            "MOTH": 1.5,
            "AIND": 0.6,
            "APKN": 0.8,
            "ABAN": 0.8,
            "AOTH": 0.6,
            "BCRB": 0.3,
            "BAFR": 1.2,
            "BOTH": 0.3,
            "CHNE": 0.3,
            "OOTH": 1,
            "REFU": 0.3,
            "NOBT": 1.5,
        }
    ),
}
UASC_ETHNICITY = Choice({"AOTH": 35, "BAFR": 30, "OOTH": 20, "BOTH": 8, "WOTH": 7})
CATEGORY = Choice({"NEG": 48, "EMO": 37, "PHY": 8, "SAB": 4, "MUL": 3})
NEED_SUPPORT = Choice(
    {"N1": 55, "N3": 6, "N4": 13, "N5": 15, "N6": 5, "N7": 1, "N8": 3, "N2": 2}
)
NEED_NO_SUPPORT = Choice({"N9": 40, "N1": 20, "N4": 15, "N5": 14, "N6": 6, "N3": 5})
CLOSE_NO_SUPPORT = Choice({"RC8": 65, "RC9": 28, "RC7": 7})
CLOSE_SUPPORT = Choice({"RC7": 94, "RC5": 4, "RC3": 1, "RC4": 1})
EARLY_HELP_ORG = Choice(
    {
        "Family Hub": 45,
        "School": 22,
        "Health Visiting": 12,
        "School Nursing": 5,
        "Early Help Team": 8,
        "Voluntary Sector": 5,
        "Youth Service": 3,
    }
)
LOCALITIES = ("North", "South", "East")
PARTICIPATION = Choice(
    {"PN1": 36, "PN2": 8, "PN3": 10, "PN4": 5, "PN5": 8, "PN6": 23, "PN7": 10}
)
PLACE_CHANGE = Choice(
    {
        "CARPL": 44,
        "CREQB": 12,
        "CREQO": 8,
        "CHILD": 6,
        "LAREQ": 5,
        "STAND": 3,
        "ALLEG": 3,
        "CLOSE": 3,
        "APPRR": 2,
        "CUSTOD": 1,
        "OTHER": 13,
    }
)

# Assessment factors (§C.14): (code, chance of being recorded at an assessment).
FACTORS = (
    ("1B", 0.10),
    ("2B", 0.14),
    ("4B", 0.30),
    ("4A", 0.08),
    ("5B", 0.03),
    ("6B", 0.04),
    ("6A", 0.03),
    ("7A", 0.01),
    ("10A", 0.04),
    ("11A", 0.03),
    ("13A", 0.015),
    ("14A", 0.05),
    ("15A", 0.05),
    ("16A", 0.18),
    ("17A", 0.15),
    ("18B", 0.015),
    ("18C", 0.07),
    ("19B", 0.01),
    ("19C", 0.03),
    ("20", 0.08),
    ("22A", 0.003),
    ("23A", 0.003),
    ("24A", 0.03),
)

# Placement mixes by age band (SUPPORTED = H5 before April 2024, K3 after; both 16+).
PLACEMENT = {
    "baby": Choice({"U6": 45, "U4": 6, "U3": 20, "U5": 8, "U2": 4, "P1": 10, "R3": 7}),
    "child": Choice(
        {
            "U6": 50,
            "U4": 10,
            "U3": 19,
            "U1": 4,
            "P1": 9,
            "K2": 5,
            "R1": 1,
            "S1": 1,
            "Z1": 1,
        }
    ),
    "teen": Choice(
        {
            "U6": 40,
            "U4": 11,
            "U3": 10,
            "U1": 3,
            "K2": 17,
            "P1": 6,
            "S1": 3,
            "R1": 2,
            "Z1": 1,
            "R5": 0.5,
        }
    ),
    "older": Choice(
        {
            "U6": 25,
            "U4": 9,
            "U3": 6,
            "K2": 17,
            "SUPPORTED": 36,
            "P1": 5,
            "R1": 1,
            "Z1": 1,
        }
    ),
    "uasc": Choice({"U6": 32, "U4": 8, "SUPPORTED": 45, "K2": 15}),
    "disabled": Choice({"K2": 45, "R1": 20, "S1": 20, "U6": 15}),
}
PLACEMENT["young"] = PLACEMENT["child"]
PROVIDER = {
    "U1": Choice({"PR1": 1}),
    "U4": Choice({"PR1": 55, "PR4": 40, "PR5": 5}),
    "K2": Choice({"PR4": 72, "PR1": 20, "PR5": 8}),
    "H5": Choice({"PR4": 60, "PR5": 30, "PR1": 10}),
    "P1": Choice({"PR0": 1}),
    "A3": Choice({"PR1": 70, "PR5": 30}),
    "R1": Choice({"PR4": 50, "PR5": 30, "PR3": 20}),
    "R3": Choice({"PR4": 50, "PR3": 50}),
    "R5": Choice({"PR3": 1}),
    "S1": Choice({"PR4": 60, "PR5": 40}),
}
PROVIDER_OF = {
    "U2": "U1",
    "U3": "U1",
    "U5": "U4",
    "U6": "U4",
    "K3": "H5",
    "A4": "A3",
    "A5": "A3",
    "A6": "A3",
}

# Care leavers (§C.15).
IN_TOUCH = Choice({"YES": 88, "NO": 5, "REFU": 3, "NREQ": 2, "RHOM": 2})
ACCOMMODATION = Choice(
    {
        "U": 28,
        "Z": 11,
        "D": 18,
        "B": 15,
        "E": 6,
        "C": 3,
        "K": 4,
        "T": 4,
        "S": 1.5,
        "X": 1.5,
        "V": 1,
        "W": 0.5,
        "R": 1.5,
        "Y": 5,
    }
)
UNSUITABLE = {"S", "X", "V", "W", "R"}
ACTIVITY = Choice(
    {
        "F1": 6,
        "P1": 1,
        "F2": 20,
        "P2": 4,
        "F4": 3,
        "P4": 1,
        "F5": 16,
        "P5": 9,
        "G4": 6,
        "G5": 28,
        "G6": 6,
    }
)

# Teams and their social workers at scale 1 (England); 110 case-holding workers in all.
TEAM_SIZES = {
    "Front Door": 16,
    "Locality North": 20,
    "Locality South": 20,
    "Locality East": 18,
    "Disabled Children": 10,
    "Children in Care": 26,
    "Leaving Care": 14,
}
FRONT_DOOR, DISABLED, IN_CARE, LEAVING_CARE = (
    "Front Door",
    "Disabled Children",
    "Children in Care",
    "Leaving Care",
)


def locality_team(locality: int) -> str:
    return f"Locality {LOCALITIES[locality]}"
