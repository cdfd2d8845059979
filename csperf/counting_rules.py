"""The counting rules every indicator follows (indicators.md, "Counting rules"), as data.

The Indicator page's method note and ``docs/indicators.md`` quote them, so the wording is held once.
"""

from __future__ import annotations

RULES: dict[int, str] = {
    1: "As at the quarter end: a quarter's figures use only events on or before the quarter "
    "end; later dates in an extract are ignored (an episode ending after the quarter end is open "
    "at it).",
    2: "Open at a date: started on or before it and not ended by it. An episode, plan or case that "
    "ends on the date is not open at that date.",
    3: "Short breaks (legal status V3, V4) are left out of every looked-after figure: counts, "
    "starts, ceases, placements and denominators.",
    4: "Children, not episodes, for starts and ceases: a child who starts twice in the window "
    "counts once, likewise ceases. Breakdowns of children at a date count each child once. "
    "Section 47 enquiries, referrals, assessments, contacts, reviews and missing episodes count "
    "events.",
    5: "A period of care ends with an episode whose reason for ceasing is not X1 and begins at the "
    "latest episode with reason for new episode S on or before it; where the extract holds no such "
    "episode, at the child's first episode in the extract (its length is then a lower bound).",
    6: "A placement is a run of episodes: reason for new episode P, T, B, U or S starts a new "
    "placement, L continues the current one; a child's first episode in the extract starts one; a "
    "placement whose first episode is temporary (T0 to T4) is not counted.",
    7: "Working days from date a to date b: a is day 0; count Mondays to Fridays after a up to and "
    'including b, less the nation\'s bank holidays. "Within 45 working days" means 45 or fewer.',
    8: "Within 12 months before a date: on or after the same calendar day one year before, and "
    "strictly before the date. Two years or more: the end is on or after the second anniversary of "
    "the start.",
    9: "Return interview within 72 hours: completed no more than 3 days after the missing episode "
    "ended (the records hold dates, not times). Measured for missing episodes only, not absences.",
    10: 'Rates and percentages are computed unrounded; a zero denominator gives no value ("no '
    "cases in the period\"), never 0%. Values are shown at the indicator's precision and "
    "comparators at their published precision.",
    11: "Looked-after reviews are numbered within the period of care: the first is on time within "
    "20 working days of the start of care, the second within 3 months of the first, later ones "
    "within 6 months of the previous. Reviews whose period of care began before the extract are "
    "left out.",
    12: "A file's quarter is the quarter the user loads it for; a file whose own dates or council "
    "code disagree with it gives a warning.",
}
