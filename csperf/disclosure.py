"""The one gate every published number passes (security.md S1-S4, S6, S8).

``publish`` takes stored indicator rows (the long format: one row per indicator, period,
breakdown and category, with ``unit``, ``format``, ``numerator``, ``denominator`` and ``value``)
and returns a ``PublishableTable``, the only thing exporters accept:

* S2 primary suppression: a count from 1 to the threshold becomes ``c``; a true zero stays 0.
* S3 derived figures: a percentage, rate or average is withheld when its numerator, its
  denominator or denominator - numerator is from 1 to the threshold (and the numerator is
  withheld too when the complement is small, so it cannot be worked out); a change is withheld
  when either side is.
* S4 secondary suppression, the rule implemented: a breakdown whose categories add up exactly to
  the indicator's ``all`` row for the same period (in the numerator or the denominator column)
  is one equation, total = sum of categories. While any equation has exactly one suppressed cell,
  the smallest remaining positive category of that equation is suppressed, else its total.
  Equations share totals (an ``all`` row belongs to each of its breakdowns: months, sources...),
  so the loop runs until no equation changes: a total suppressed for one breakdown makes the
  next breakdown suppress a second cell. Linked periods are equations too: a quarter in the
  year to date (``<stem>_ytd`` = the previous quarter's ``<stem>_ytd`` + ``<stem>_quarter``
  measure rows), so two year-to-date totals cannot give away the quarter between them. A
  suppressed numerator or denominator withholds the row's value as well. Not covered: rolling
  12-month figures (each is four quarters, but the quarters are not published as counts of the
  same thing) and equations across separately published tables that are not in one frame.

The threshold is the installation setting ``disclosure.threshold`` (analysis_settings), passed in
by the caller; ``DEFAULT_THRESHOLD`` is its default.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from csperf import formatting, periods

DEFAULT_THRESHOLD = 5
SYMBOL = "c"
GATED = ("value", "numerator", "denominator")
REQUIRED = ("indicator_id", "period", "breakdown", "category", "unit", "format", *GATED)
COMPARATORS = ("england", "region", "sn_median", "sn_mean", "wales", "target")
_SERIES = ("indicator_id", "breakdown", "category")
_KEY = object()  # only publish() can make a PublishableTable


def legend(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The note that explains the suppression mark (S8)."""
    return (
        f"{SYMBOL} = suppressed to protect the children described: a count from 1 to "
        f"{threshold}, or a figure from which such a count could be worked out (a "
        "percentage, rate, average or change based on it, or a total or other cell that "
        f"would reveal it), is shown as {SYMBOL}. A true zero is shown as 0. In text, such "
        f"counts are written as \u201cfewer than {threshold + 1}\u201d."
    )


def short_legend(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The legend in one clause, for a file that can only carry it beside the figures (CSV)."""
    return (
        f"{SYMBOL} = suppressed: a count from 1 to {threshold}, or a figure that would "
        "reveal one"
    )


@dataclass(frozen=True)
class Disclosure:
    """What the gate applied, for the manifest and the notes."""

    threshold: int
    primary: int  # counts from 1 to the threshold
    derived: int  # figures withheld because a count behind them is small (S3)
    secondary: int  # cells withheld so that no suppressed cell can be worked out (S4)

    def manifest(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "symbol": SYMBOL,
            "primary_suppressions": self.primary,
            "derived_suppressions": self.derived,
            "secondary_suppressions": self.secondary,
        }


@dataclass(frozen=True, eq=False)
class PublishableTable:
    """Rows that passed the gate: ``data`` has null where a figure is suppressed, ``suppressed``
    says which (one Boolean column per gated column), ``display`` holds the text to show."""

    data: pl.DataFrame
    suppressed: pl.DataFrame
    display: pl.DataFrame
    record: Disclosure
    _key: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self._key is not _KEY:
            raise TypeError("a PublishableTable comes only from disclosure.publish")

    @property
    def threshold(self) -> int:
        return self.record.threshold

    @property
    def gated(self) -> tuple[str, ...]:
        return tuple(self.suppressed.columns)

    def __len__(self) -> int:
        return self.data.height

    def cell(self, row: int, column: str) -> Any:
        """The published cell: ``c`` when suppressed, else the value (None when there is none)."""
        if column in self.suppressed.columns and self.suppressed[column][row]:
            return SYMBOL
        return self.data[column][row]

    def rows(self) -> Iterator[dict[str, Any]]:
        """Published rows, ``c`` in place of each suppressed figure."""
        for i, row in enumerate(self.data.iter_rows(named=True)):
            hidden = self.suppressed.row(i, named=True)
            yield {k: SYMBOL if hidden.get(k) else v for k, v in row.items()}

    def restrict(self, keep: pl.Series) -> PublishableTable:
        """The same published rows, fewer of them (a Boolean mask); suppression is kept."""
        return PublishableTable(
            self.data.filter(keep),
            self.suppressed.filter(keep),
            self.display.filter(keep),
            self.record,
            _KEY,
        )


def require(table: object) -> PublishableTable:
    """Exporters call this first: anything but a PublishableTable is refused (S1)."""
    if not isinstance(table, PublishableTable):
        raise TypeError(
            "exporters accept only a disclosure.PublishableTable, "
            f"not {type(table).__name__}: pass the rows through disclosure.publish"
        )
    return table


def _small(x: float | None, t: int) -> bool:
    return x is not None and 1 <= x <= t


class _Gate:
    """Suppression state of one publish() call: which cells are hidden and why."""

    def __init__(self, rows: list[dict[str, Any]], threshold: int) -> None:
        self.rows = rows
        self.t = threshold
        self.hidden: list[set[str]] = [set() for _ in rows]
        self.why: Counter[str] = Counter()

    def hide(self, i: int, column: str, reason: str) -> bool:
        if column in self.hidden[i]:
            return False
        self.hidden[i].add(column)
        row = self.rows[i]
        # a count row's value is its numerator: one figure, counted once
        duplicate = row["unit"] == "count" and column == "numerator"
        if not duplicate:
            self.why[reason] += 1
        if column in ("numerator", "denominator"):
            reason_value = reason if row["unit"] == "count" else "derived"
            self.hide(i, "value", reason_value)
        if row["unit"] == "count" and column == "value":
            self.hide(i, "numerator", reason)
        return True

    def primary(self) -> None:
        for i, row in enumerate(self.rows):
            if row["unit"] == "count":
                if _small(row["value"], self.t) or _small(row["numerator"], self.t):
                    self.hide(i, "value", "primary")
                if _small(row["denominator"], self.t):
                    self.hide(i, "denominator", "primary")
                continue
            self._derived(i, row)

    def _derived(self, i: int, row: dict[str, Any]) -> None:
        num, den = row["numerator"], row["denominator"]
        if _small(num, self.t):
            self.hide(i, "numerator", "primary")
        if _small(den, self.t):
            self.hide(i, "denominator", "primary")
        elif num is not None and den is not None and _small(den - num, self.t):
            self.hide(i, "numerator", "derived")  # the complement would be revealed

    def secondary(self) -> None:
        equations = _equations(self.rows)
        changed = True
        while changed:
            changed = False
            for column, total, parts in equations:
                cells = [total, *parts]
                if sum(column in self.hidden[i] for i in cells) != 1:
                    continue
                pick = self._next_cell(column, total, parts)
                if pick is not None and self.hide(pick, column, "secondary"):
                    changed = True

    def _next_cell(self, column: str, total: int, parts: list[int]) -> int | None:
        """The smallest remaining positive part, else the total, else any remaining part."""
        open_parts = [i for i in parts if column not in self.hidden[i]]
        positive = [i for i in open_parts if self.rows[i][column] > 0]
        if positive:
            return min(positive, key=lambda i: (self.rows[i][column], i))
        if column not in self.hidden[total]:
            return total
        return open_parts[0] if open_parts else None


def primary_hidden(
    unit: str,
    value: float | None,
    numerator: float | None,
    denominator: float | None,
    threshold: int = DEFAULT_THRESHOLD,
) -> frozenset[str]:
    """The columns one row loses to primary suppression on its own (no secondary
    suppression, which needs the whole table): the gate's rule, for a single figure."""
    row = {
        "unit": unit,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
    }
    gate = _Gate([row], threshold)
    gate.primary()
    return frozenset(gate.hidden[0])


Equation = tuple[str, int, list[int]]  # (column, total row, part rows)


def _equations(rows: list[dict[str, Any]]) -> list[Equation]:
    """Breakdowns whose categories sum to the ``all`` row, and year-to-date chains."""
    totals: dict[tuple[Any, Any], int] = {}
    groups: dict[tuple[Any, Any, Any], list[int]] = {}
    for i, row in enumerate(rows):
        key = (row["indicator_id"], row["period"])
        if row["breakdown"] == "all":
            totals[key] = i
        else:
            groups.setdefault((*key, row["breakdown"]), []).append(i)
    out: list[Equation] = []
    for (ind, period, _), parts in groups.items():
        total = totals.get((ind, period))
        if total is not None and len(parts) >= 2:
            out.extend(_if_adds_up(rows, total, parts))
    for total, parts in _ytd_links(rows):
        out.extend(_if_adds_up(rows, total, parts))
    return out


def _if_adds_up(
    rows: list[dict[str, Any]], total: int, parts: list[int]
) -> list[Equation]:
    """The columns in which total = sum(parts) holds exactly in the data."""
    counts = all(rows[i]["unit"] == "count" for i in [total, *parts])
    out: list[Equation] = []
    for column in ("value", "numerator", "denominator") if counts else GATED[1:]:
        values = [rows[i][column] for i in [total, *parts]]
        if (
            all(v is not None for v in values)
            and abs(values[0] - sum(values[1:])) < 1e-9
        ):
            out.append((column, total, parts))
    return out


def _ytd_links(rows: list[dict[str, Any]]) -> Iterator[tuple[int, list[int]]]:
    """A quarter in the year to date: <stem>_ytd = previous quarter's <stem>_ytd + <stem>_quarter
    (in Q1, <stem>_ytd = <stem>_quarter), for measure rows of quarterly periods."""
    at = {
        (r["indicator_id"], r["period"], r["category"]): i
        for i, r in enumerate(rows)
        if r["breakdown"] == "measure"
    }
    for (ind, period, category), i in at.items():
        if not str(category).endswith("_ytd"):
            continue
        try:
            quarter = periods.Quarter.parse(str(period))
        except periods.PeriodError:
            continue
        this = at.get((ind, period, str(category).removesuffix("_ytd") + "_quarter"))
        before = at.get((ind, str(quarter.previous), category))
        if this is None or (quarter.q > 1 and before is None):
            continue
        yield i, [this] if quarter.q == 1 or before is None else [before, this]


def publish(
    frame: pl.DataFrame,
    threshold: int = DEFAULT_THRESHOLD,
    *,
    with_change: bool = False,
) -> PublishableTable:
    """Pass rows through the gate. ``with_change`` adds ``change`` (value minus the previous row
    of the same series, rows in time order), withheld when either side is (S3)."""
    if not isinstance(frame, pl.DataFrame):
        raise TypeError("disclosure.publish takes a polars DataFrame of indicator rows")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"disclosure.publish needs the columns {missing}")
    if threshold < 1:
        raise ValueError("the disclosure threshold is a whole number from 1")
    rows = frame.to_dicts()
    gate = _Gate(rows, threshold)
    gate.primary()
    gate.secondary()
    gated = list(GATED)
    data = frame
    if with_change:
        data, gated = _with_change(gate, data), [*gated, "change"]
    mask = pl.DataFrame(
        {c: [c in h for h in gate.hidden] for c in gated},
        schema=dict.fromkeys(gated, pl.Boolean),
    )
    data = data.with_columns(
        pl.when(mask[c]).then(None).otherwise(pl.col(c)).alias(c) for c in gated
    )
    record = Disclosure(
        threshold, gate.why["primary"], gate.why["derived"], gate.why["secondary"]
    )
    return PublishableTable(data, mask, _display(data, mask), record, _KEY)


def _with_change(gate: _Gate, frame: pl.DataFrame) -> pl.DataFrame:
    last: dict[tuple[Any, ...], int] = {}
    change: list[float | None] = []
    for i, row in enumerate(gate.rows):
        key = tuple(row[k] for k in _SERIES)
        before = last.get(key)
        last[key] = i
        now, then = row["value"], None if before is None else gate.rows[before]["value"]
        if before is not None and ({"value"} & (gate.hidden[i] | gate.hidden[before])):
            gate.hidden[i].add("change")
            gate.why["derived"] += 1
        change.append(None if now is None or then is None else now - then)
    return frame.with_columns(change=pl.Series(change, dtype=pl.Float64))


def _number_text(x: float) -> str:
    return formatting.fmt(x, "num0" if float(x).is_integer() else "dec2")


def _signed_change(x: float, code: str) -> str:
    delta = Decimal(repr(x))
    sign = "+" if delta > 0 else "-" if delta < 0 else ""
    return sign + formatting.fmt_change(delta, code)


def _display(data: pl.DataFrame, mask: pl.DataFrame) -> pl.DataFrame:
    """Text of each gated and comparator column through formatting.fmt, ``c`` where hidden."""
    text: dict[str, list[str]] = {c: [] for c in mask.columns}
    comparators = [c for c in COMPARATORS if c in data.columns]
    text.update({c: [] for c in comparators})
    for i, row in enumerate(data.iter_rows(named=True)):
        code = row["format"]
        for c in mask.columns:
            v = row[c]
            if mask[c][i]:
                text[c].append(SYMBOL)
            elif v is None:
                text[c].append(formatting.NO_VALUE)
            elif c == "value":
                text[c].append(formatting.fmt(v, code))
            elif c == "change":
                text[c].append(_signed_change(v, code))
            else:
                text[c].append(_number_text(v))
        for c in comparators:
            v = row[c]
            if v is None:
                text[c].append(formatting.NO_VALUE)
            else:
                text[c].append(formatting.fmt(v, formatting.comparator_code(code, v)))
    return pl.DataFrame(text, schema=dict.fromkeys(text, pl.String))


# ---------------------------------------------------------------- text lint (S6)

COHORT = re.compile(
    r"\b(?:child(?:ren)?(?:['\u2019]s)?|young\s+(?:person|people)(?:['\u2019]s)?|"
    r"care[\s-]+leavers?|bab(?:y|ies)|siblings?|famil(?:y|ies)|boys?|girls?)\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# Numbers that are part of a label, a definition, a date, a period or a unit: never counts.
EXEMPT = re.compile(
    "|".join(
        [
            r"\bfewer\s+than\s+\d[\d,]*",  # the prose form of a suppressed count
            r"\baged\s+\d+(?:\s*(?:to|-|\u2013|and)\s*\d+)?",  # "aged 0 to 4"
            r"\bunder[\s-]?\d+s\b",  # "under 5s"
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\b(?:\s+\d{{4}})?",  # "3 March 2025"
            rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b",  # "March 3"
            r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b",  # 2025-03-03, 3/3/25
            r"\b\d{4}-\d{2}\s*Q[1-4]\b|\bQuarter\s+[1-4]\b|\bQ[1-4]\b",  # quarter labels
            r"\b\d[\d,.]*\s+(?:working\s+|calendar\s+)?"
            r"(?:days?|weeks?|months?|years?|hours?|minutes?)\b",  # "45 working days"
            r"\bper\s+\d[\d,]*",  # "per 10,000"
            r"\b\d[\d,.]*\s*(?:%|per\s*cent\b|percentage\s+points?\b)",  # 3%, 3 per cent
            r"\b\d+\.\d+",  # a decimal is not a count
            r"\b\d+(?:st|nd|rd|th)\b",  # ordinals: "3rd"
            r"\b(?:stage|tier|level|step|section|part|appendix|table|figure|chart|page|"
            r"item|phase|rule|key\s+stage)\s+\d+\b",  # numbered labels
        ]
    ),
    re.IGNORECASE,
)
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20,
}  # fmt: skip
NUMERAL = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?![\w]|[.,]\d)|\b("
    + "|".join(_WORDS)
    + r")\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'\u2019-]+")
NEAR = 3  # words


def _mask(text: str, labels: tuple[str, ...]) -> str:
    """The text with each exempt span (labels first) made one placeholder word, offsets kept."""

    def blank(m: re.Match[str]) -> str:
        return "_" + " " * (len(m.group()) - 1)

    out = text
    for label in sorted({x for x in labels if x}, key=len, reverse=True):
        out = re.sub(re.escape(label), blank, out, flags=re.IGNORECASE)
    return EXEMPT.sub(blank, out)


def lint_text(
    text: str, threshold: int = DEFAULT_THRESHOLD, labels: tuple[str, ...] = ()
) -> list[str]:
    """S6: each numeral from 1 to the threshold within three words of a cohort noun (child,
    children, young person/people, care leaver, baby, sibling, family, boy, girl); numbers in
    ``labels`` (indicator titles, definitions) and in dates, periods and units are exempt."""
    masked = _mask(text, labels)
    starts = [m.start() for m in _WORD.finditer(masked)]

    def word_index(pos: int) -> int:
        return max(0, sum(1 for s in starts if s <= pos) - 1)

    nouns = [
        (word_index(m.start()), word_index(m.end() - 1), m)
        for m in COHORT.finditer(masked)
    ]
    found: list[str] = []
    for m in NUMERAL.finditer(masked):
        word = m.group(2)
        n = _WORDS[word.lower()] if word else int(m.group(1).replace(",", ""))
        if not 1 <= n <= threshold:
            continue
        at = word_index(m.start())
        for first, last, noun in nouns:
            gap = first - at if first > at else at - last
            if 1 <= gap <= NEAR:
                lo, hi = min(m.start(), noun.start()), max(m.end(), noun.end())
                found.append(
                    f"\u201c{text[lo:hi]}\u201d: the count {m.group()} is within three words "
                    f"of \u201c{noun.group()}\u201d. Counts from 1 to {threshold} are not "
                    f"published: write \u201cfewer than {threshold + 1}\u201d or remove it."
                )
                break
    return found
