"""The disclosure gate (security.md S1-S4, S6, S8): primary, derived and secondary suppression,
the text lint and the legend."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from csperf import disclosure

C = disclosure.SYMBOL


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """Indicator rows with defaults: one count indicator, one period."""
    base = {"indicator_id": "x", "period": "2025-26Q1", "breakdown": "all", "category": "all",
            "unit": "count", "format": "num0", "numerator": None, "denominator": None,
            "value": None}  # fmt: skip
    out = []
    for r in rows:
        row = {**base, **r}
        if row["unit"] == "count" and "numerator" not in r:
            row["numerator"] = row["value"]
        out.append(row)
    schema = {k: pl.Float64 if k in disclosure.GATED else pl.String for k in base}
    return pl.DataFrame(out, schema=schema)


def counts(total: float, parts: dict[str, float], breakdown: str = "b") -> pl.DataFrame:
    return frame(
        {"value": total},
        *(
            {"breakdown": breakdown, "category": k, "value": v}
            for k, v in parts.items()
        ),
    )


def cells(table: disclosure.PublishableTable, column: str = "value") -> list[Any]:
    return [r[column] for r in table.rows()]


# ---------------------------------------------------------------- S1


def test_a_publishable_table_cannot_be_made_outside_the_gate() -> None:
    table = disclosure.publish(frame({"value": 10}))
    with pytest.raises(TypeError):
        disclosure.PublishableTable(
            table.data, table.suppressed, table.display, table.record
        )


def test_require_refuses_a_raw_dataframe() -> None:
    with pytest.raises(TypeError, match="PublishableTable"):
        disclosure.require(frame({"value": 10}))


# ---------------------------------------------------------------- S2 primary


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0.0), (1, C), (2, C), (3, C), (4, C), (5, C), (6, 6.0), (7, 7.0)],
)
def test_a_count_from_1_to_5_becomes_c_and_zero_stays_zero(
    count: int, shown: Any
) -> None:
    table = disclosure.publish(frame({"value": count}))
    assert cells(table) == [shown]
    assert cells(table, "numerator") == [shown]
    assert table.display["value"][0] == (C if shown == C else str(count))


def test_a_suppressed_count_is_null_in_the_data_and_flagged() -> None:
    table = disclosure.publish(frame({"value": 3}))
    assert table.data["value"][0] is None
    assert table.suppressed["value"][0]
    assert table.record.primary == 1  # value and numerator are one figure


@given(st.integers(1, 20), st.integers(0, 40))
def test_only_counts_from_1_to_the_threshold_change(threshold: int, count: int) -> None:
    table = disclosure.publish(frame({"value": count}), threshold)
    assert (cells(table) == [C]) == (1 <= count <= threshold)


def test_the_threshold_comes_from_the_caller() -> None:
    assert cells(disclosure.publish(frame({"value": 7}), 10)) == [C]
    assert cells(disclosure.publish(frame({"value": 7}), 5)) == [7.0]


# ---------------------------------------------------------------- S3 derived


def pct(num: float, den: float) -> pl.DataFrame:
    return frame(
        {"unit": "percent", "format": "pct1", "numerator": num, "denominator": den,
         "value": 100 * num / den if den else None}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("num", "den", "value", "numerator", "denominator"),
    [
        (3, 40, C, C, 40.0),  # small numerator
        (37, 40, C, C, 40.0),  # small complement: 3 not in the group
        (4, 4, C, C, C),  # 100% of a small group
        (0, 4, C, 0.0, C),  # 0% of a small group
        (0, 40, 0.0, 0.0, 40.0),  # a true zero of a large group
        (20, 40, 50.0, 20.0, 40.0),
    ],
)
def test_a_percentage_is_withheld_when_a_count_behind_it_is_small(
    num: float, den: float, value: Any, numerator: Any, denominator: Any
) -> None:
    row = next(disclosure.publish(pct(num, den)).rows())
    assert (row["value"], row["numerator"], row["denominator"]) == (
        value,
        numerator,
        denominator,
    )


def test_a_rate_on_a_small_count_is_withheld() -> None:
    rate = frame(
        {"unit": "rate_per_10k", "format": "rate1", "numerator": 2,
         "denominator": 120_000, "value": 2 / 12}
    )  # fmt: skip
    table = disclosure.publish(rate)
    assert cells(table) == [C]
    assert cells(table, "denominator") == [120_000.0]
    assert table.record.derived == 1


def test_an_average_over_a_small_group_is_withheld() -> None:
    avg = frame(
        {"unit": "days", "format": "days0", "numerator": 900, "denominator": 4,
         "value": 225}
    )  # fmt: skip
    assert cells(disclosure.publish(avg)) == [C]


@given(st.integers(0, 200), st.integers(0, 200), st.integers(1, 10))
def test_a_published_percentage_never_reveals_a_small_count(
    a: int, b: int, threshold: int
) -> None:
    num, den = min(a, b), max(a, b)
    if den == 0:
        return
    row = next(disclosure.publish(pct(num, den), threshold).rows())
    if row["value"] != C:
        for count in (num, den, den - num):
            assert not 1 <= count <= threshold
    if row["numerator"] != C and row["denominator"] != C:
        assert not 1 <= den - num <= threshold


def test_a_change_is_withheld_when_either_side_is() -> None:
    rows = frame(
        {"period": "2025-26Q1", "value": 3},
        {"period": "2025-26Q2", "value": 10},
        {"period": "2025-26Q3", "value": 14},
    )
    table = disclosure.publish(rows, with_change=True)
    assert cells(table, "change") == [None, C, 4.0]
    assert list(table.display["change"]) == [
        "\u2013",
        C,
        "+4",
    ]


# ---------------------------------------------------------------- S4 secondary


def test_a_single_suppressed_category_takes_the_next_smallest_with_it() -> None:
    table = disclosure.publish(counts(100, {"a": 3, "b": 40, "c": 9, "d": 48}))
    assert cells(table) == [100.0, C, 40.0, C, 48.0]
    assert table.record.primary == 1
    assert table.record.secondary == 1


def test_zero_cells_are_not_picked_and_the_total_goes_when_no_other_cell_is_left() -> (
    None
):
    table = disclosure.publish(counts(8, {"a": 3, "b": 0, "c": 0, "d": 5}))
    assert cells(table) == [8.0, C, 0.0, 0.0, C]  # 3 and 5 are both primary
    table = disclosure.publish(counts(3, {"a": 3, "b": 0}))
    assert cells(table) == [C, C, 0.0]  # the total is itself 3


def test_an_equation_with_two_suppressed_cells_needs_no_more() -> None:
    rows = pl.concat(
        [
            counts(9, {"a": 9, "b": 0}),  # 'a' is 9, not small; total is shown
            counts(9, {"m1": 4, "m2": 5}, "month").slice(1),
        ]
    )
    table = disclosure.publish(rows)
    # months 4 and 5 are primary; the total stays, since two cells of its equation are hidden
    assert cells(table) == [9.0, 9.0, 0.0, C, C]


def test_each_breakdown_of_a_total_is_its_own_equation() -> None:
    rows = pl.concat(
        [
            counts(12, {"a": 12, "b": 0}),  # all in one category
            counts(12, {"m1": 3, "m2": 0, "m3": 9}, "month").slice(1),
        ]
    )
    table = disclosure.publish(rows)
    # month m1 = 3 is primary; m3 (the only other positive month) goes with it
    got = cells(table)
    assert got[3] == C and got[5] == C
    assert got[1] == 12.0  # the other breakdown had nothing hidden
    assert audit(rows, table)


def test_categories_that_do_not_add_up_to_the_total_are_not_an_equation() -> None:
    table = disclosure.publish(
        counts(30, {"a": 3, "b": 20})
    )  # 23 != 30: children in both
    assert cells(table) == [30.0, C, 20.0]
    assert table.record.secondary == 0


def test_numerators_of_a_breakdown_adding_up_to_the_all_row_are_protected() -> None:
    rows = frame(
        {"unit": "number", "format": "dec1", "numerator": 100, "denominator": 10,
         "value": 10},
        {"breakdown": "team", "category": "A", "unit": "number", "format": "dec1",
         "numerator": 60, "denominator": 7, "value": 60 / 7},
        {"breakdown": "team", "category": "B", "unit": "number", "format": "dec1",
         "numerator": 40, "denominator": 3, "value": 40 / 3},
    )  # fmt: skip
    table = disclosure.publish(rows)
    # team B's 3 workers are small, so team A's denominator is withheld too, with its value
    assert cells(table, "denominator") == [10.0, C, C]
    assert cells(table) == [10.0, C, C]


def _breakdowns(rows: list[dict[str, Any]], total: float) -> list[list[int]]:
    """Row numbers of each breakdown whose categories add up to the total."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["breakdown"] != "all":
            groups.setdefault(r["breakdown"], []).append(i)
    return [ix for ix in groups.values() if sum(rows[i]["value"] for i in ix) == total]


def _ranges(
    rows: list[dict[str, Any]],
    hidden: list[bool],
    groups: list[list[int]],
    total: float,
) -> dict[int, set[float]] | None:
    """Values each hidden category can take if the total is ``total`` (None: impossible);
    the extremes are enough (0 and the rest when two or more share the rest)."""
    out: dict[int, set[float]] = {}
    for ix in groups:
        rest = total - sum(rows[i]["value"] for i in ix if not hidden[i])
        unknown = [i for i in ix if hidden[i]]
        if rest < 0 or (not unknown and rest != 0):
            return None
        for i in unknown:
            out[i] = {rest} if len(unknown) == 1 else {0, rest}
    return out


def audit(source: pl.DataFrame, table: disclosure.PublishableTable) -> bool:
    """An independent check: every hidden count can take at least two values given all the
    published cells and the equations total = sum(categories) per breakdown (cells >= 0)."""
    rows = source.to_dicts()
    hidden = [r["value"] == C for r in table.rows()]
    at = next(i for i, r in enumerate(rows) if r["breakdown"] == "all")
    groups = _breakdowns(rows, rows[at]["value"])
    totals = (
        list(range(int(rows[at]["value"]) + 20)) if hidden[at] else [rows[at]["value"]]
    )
    possible: dict[int, set[float]] = {i: set() for i, h in enumerate(hidden) if h}
    for total in totals:
        ranges = _ranges(rows, hidden, groups, total)
        if ranges is None:
            continue
        if hidden[at]:
            possible[at].add(total)
        for i, vals in ranges.items():
            possible[i] |= vals
    return all(len(v) >= 2 for v in possible.values())


@given(
    st.lists(st.integers(0, 12), min_size=2, max_size=4),
    st.lists(st.integers(0, 100), min_size=2, max_size=4),
)
def test_no_suppressed_cell_can_be_worked_out_from_two_breakdowns_of_one_total(
    first: list[int], weights: list[int]
) -> None:
    total = sum(first)
    # a second breakdown of the same total, its parts in proportion to the weights
    scale = sum(weights) or 1
    second = [total * w // scale for w in weights]
    second[-1] += total - sum(second)
    rows = pl.concat(
        [
            counts(total, {f"a{i}": v for i, v in enumerate(first)}),
            counts(total, {f"m{i}": v for i, v in enumerate(second)}, "month").slice(1),
        ]
    )
    assert audit(rows, disclosure.publish(rows))


def test_two_year_to_date_totals_that_differ_by_3_do_not_give_the_quarter_away() -> (
    None
):
    def measures(period: str, quarter: int, ytd: int) -> list[dict[str, Any]]:
        return [
            {"period": period, "breakdown": "measure", "category": "starts_quarter",
             "value": quarter},
            {"period": period, "breakdown": "measure", "category": "starts_ytd", "value": ytd},
        ]  # fmt: skip

    rows = frame(*measures("2025-26Q1", 50, 50), *measures("2025-26Q2", 3, 53))
    got = cells(disclosure.publish(rows))
    assert got[2] == C  # the quarter's 3
    assert (got[1], got[3]).count(C) >= 1  # 53 - 50 cannot be worked out
    # Q1: quarter = year to date, so both go once one does
    assert got[0] == got[1] == C
    # without the previous quarter's year to date there is nothing to work the 3 out from
    alone = frame(*measures("2025-26Q2", 3, 60))
    assert cells(disclosure.publish(alone)) == [C, 60.0]


# ---------------------------------------------------------------- record, display, legend


def test_the_record_for_the_manifest_gives_threshold_and_counts() -> None:
    table = disclosure.publish(counts(100, {"a": 3, "b": 40, "c": 9, "d": 48}), 5)
    assert table.record.manifest() == {
        "threshold": 5,
        "symbol": "c",
        "primary_suppressions": 1,
        "derived_suppressions": 0,
        "secondary_suppressions": 1,
    }


def test_display_uses_the_indicators_format() -> None:
    table = disclosure.publish(pct(20, 40).with_columns(england=pl.lit(22.0)))
    assert table.display.row(0, named=True) == {
        "value": "50.0%",
        "numerator": "20",
        "denominator": "40",
        "england": "22%",
    }


def test_the_legend_explains_c_with_the_threshold() -> None:
    text = disclosure.legend(7)
    assert text.startswith("c = suppressed")
    assert "from 1 to 7" in text
    assert "fewer than 8" in text


# ---------------------------------------------------------------- S6 text lint


@pytest.mark.parametrize(
    "text",
    [
        "3 children were placed out of area.",
        "Two young people went missing twice.",
        "Of 120 children, 4 were placed with siblings.",
        "There were 5 looked after children in the unit.",
        "care leavers: 1",
    ],
)
def test_the_lint_blocks_a_small_count_near_a_cohort_noun(text: str) -> None:
    found = disclosure.lint_text(text)
    assert len(found) == 1
    assert "fewer than 6" in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "fewer than 6 children were placed out of area.",
        "Children aged 0 to 4 are the largest group.",
        "In Quarter 2, 120 children started to be looked after.",
        "Q2 children in need rate rose.",
        "Children seen within 45 working days rose to 88%.",
        "Children re-referred within 12 months: 21.5%.",
        "Children in care per 10,000 children: 71.4.",
        "On 3 March 2025 the children's service moved.",
    ],
)
def test_the_lint_passes_labels_dates_periods_and_units(text: str) -> None:
    assert disclosure.lint_text(text) == []


def test_the_lint_exempts_given_label_strings() -> None:
    label = "Children with 3 or more plans"
    assert disclosure.lint_text(f"{label} fell.", labels=(label,)) == []
    assert disclosure.lint_text(f"{label} fell.") != []


def test_the_lint_follows_the_threshold() -> None:
    assert disclosure.lint_text("7 children", 5) == []
    assert len(disclosure.lint_text("7 children", 10)) == 1
