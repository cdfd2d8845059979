"""The one number formatter: format codes (indicators.md) -> text, half-up rounding.

Chart axes, tables and sentences all go through ``fmt`` so they agree.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

PLACES = {
    "num0": 0, "pct1": 1, "pct0": 0, "rate1": 1, "rate0": 0, "days0": 0, "days1": 1,
    "weeks0": 0, "weeks1": 1, "dec1": 1, "dec2": 2, "gbp0": 0, "gbp2": 2,
}  # fmt: skip
NO_VALUE = "\u2013"  # en dash


def round_half_up(value: float, places: int) -> Decimal:
    """Round as people do (2.25 -> 2.3), not banker's rounding; via the shortest repr."""
    return Decimal(repr(value)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def displayed(value: float, code: str) -> Decimal:
    """The value exactly as shown at the code's precision (for 'equal at display precision')."""
    if code == "gbp0" and abs(value) >= 1_000_000:
        return round_half_up(value / 1_000_000, 1) * 1_000_000
    return round_half_up(value, PLACES[code])


def _number(d: Decimal, places: int) -> str:
    return f"{d:,.{places}f}"


def fmt(value: float | None, code: str) -> str:
    """'22.4%', '52.3', '1,234', '38 days', '£2.5 million'; an en dash for no value."""
    if value is None:
        return NO_VALUE
    if code not in PLACES:
        raise ValueError(f"unknown format code {code!r}")
    places = PLACES[code]
    if code == "gbp0" and abs(value) >= 1_000_000:
        return f"£{_number(round_half_up(value / 1_000_000, 1), 1)} million"
    d = round_half_up(value, places)
    text = _number(d, places)
    if code.startswith("pct"):
        return f"{text}%"
    if code.startswith("days"):
        return f"{text} day" if d == 1 else f"{text} days"
    if code.startswith("weeks"):
        return f"{text} week" if d == 1 else f"{text} weeks"
    if code.startswith("gbp"):
        return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"
    return text


CHANGE_UNITS = {"pct": "percentage points", "rate": "per 10,000"}


def fmt_change(delta: Decimal, code: str) -> str:
    """A change in the indicator's own unit, unsigned: '1.7 percentage points', '3.2 per 10,000'."""
    places = PLACES[code]
    magnitude = abs(delta)
    prefix = code.rstrip("0123456789")
    if prefix == "pct":
        unit = " percentage point" if magnitude == 1 else " percentage points"
        return f"{_number(magnitude, places)}{unit}"
    if prefix == "rate":
        return f"{_number(magnitude, places)} per 10,000"
    return fmt(float(magnitude), code)


def comparator_code(code: str, value: float) -> str:
    """Show a comparator at its published precision: whole numbers stay whole (rate0, pct0).

    Only codes with a whole-number twin in the format list change (there is no dec0)."""
    if float(value).is_integer() and code in ("rate1", "pct1", "days1", "weeks1"):
        return code[:-1] + ("0" if code[-1] == "1" else code[-1])
    return code
