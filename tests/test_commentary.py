"""Commentary drafting (commentary.md §7, §9, §11): the §11 examples word for word, the gates,
small numbers, traceability, determinism, house style and the template contract."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import meta, nodes

from csperf import commentary, commentary_review, facts, indicators, periods, store
from tests.commentary_facts import (
    AT_QEND,
    MONTH,
    base,
    change,
    comparator,
    spc,
    value,
    with_comparators,
)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "commentary"


def blocks(template: str, data: dict[str, Any]) -> dict[str, str]:
    return commentary.render(template, data)


def text(template: str, data: dict[str, Any]) -> str:
    return commentary.paragraph(blocks(template, data))


# ---------------------------------------------------------------- §11, word for word


def example_1() -> dict[str, Any]:
    f = base("assessment_timeliness")
    f["latest"] = value("91.3%")
    f["previous"] = value("78.5%")
    f["change_prev"] = change("12.8 percentage points", "up", judgement="better")
    f["spc"] = spc(state="fixed", variation="improvement_high", kind="improvement",
                   rule="astronomical", side="high", mean="80.0%",
                   limits={"lower": "71.1%", "upper": "88.9%"})  # fmt: skip
    f["gates"].update(movement=True, evaluative=True, spc="astronomical")
    with_comparators(
        f,
        comparator("england", "85.7%", "higher", "in 2024-25"),
        comparator("sn_median", "84.0%", "higher"),
    )
    f["flags"] = ["basis_mismatch"]
    return f


def test_example_1_improvement_signal() -> None:
    assert text("assessment_timeliness.md.j2", example_1()) == (
        "Assessments completed within 45 working days rose to 91.3% in Quarter 2 2025-26 "
        "(July to September 2025), from 78.5% in Quarter 1 (an increase of 12.8 percentage "
        "points). This is above the upper process limit (88.9%), a special cause signal; as "
        "higher is better, it is an improvement. It is higher than England (85.7% in "
        "2024-25) and the statistical neighbour median (84.0%). The national figure covers a "
        "full year. [Analyst: add explanation]"
    )


def test_example_1_summary_headline() -> None:
    assert blocks("assessment_timeliness.md.j2", example_1())["headline"] == (
        "Timely assessments improved to 91.3% in Quarter 2 2025-26, above their usual range "
        "and higher than England."
    )


def test_example_2_concern_signal_without_a_national_figure() -> None:
    f = base("rhi_care")
    f["latest"] = value("61.0%")
    f["year_ago"] = value("70.4%")
    f["change_year"] = change("9.4 percentage points", "down", judgement="worse")
    f["spc"] = spc(state="fixed", variation="concern_low", kind="concern", rule="shift",
                   side="low", mean="68.2%", run_word="seven",
                   limits={"lower": "60.1%", "upper": "76.3%"})  # fmt: skip
    f["gates"].update(evaluative=True, spc="shift")
    f["flags"] = ["no_national_comparator"]
    assert text("rhi_care.md.j2", f) == (
        "Return interviews held within 72 hours for children missing from care have been "
        "below their average (68.2%) for seven quarters in a row, a special cause signal; as "
        "higher is better, this is a concern. In Quarter 2 2025-26 (July to September 2025) "
        "the figure was 61.0%, compared with 70.4% in Quarter 2 2024-25. There is no "
        "published national figure for this measure. [Analyst: add explanation]"
    )


def test_example_3_common_cause() -> None:
    f = base("cla_rate", "rate", polarity="neutral", unit="rate_per_10k")
    f["period"] = copy.deepcopy(AT_QEND)
    f["latest"] = value("71.4")
    f["previous"] = value("70.2")
    f["year_ago"] = value("69.5")
    f["spc"] = spc(state="fixed", variation="common_cause", kind="common", mean="70.4",
                   limits={"lower": "65.0", "upper": "75.8"})  # fmt: skip
    with_comparators(
        f,
        comparator("england", "67", "similar", "at 31 March 2025"),
        comparator("sn_median", "84", "lower"),
    )
    f["sn_rank"] = {"display": "3rd lowest of 11", "position": "3rd lowest", "of": "11",
                    "when": "At 31 March 2025"}  # fmt: skip
    assert text("cla_rate.md.j2", f) == (
        "The rate of looked-after children was 71.4 per 10,000 children aged under 18 at 30 "
        "September 2025, compared with 70.2 at 30 June 2025 and 69.5 a year earlier. This is "
        "within the range expected from previous quarters (65.0 to 75.8), so there is no "
        "sign of a change. It is similar to England (67 at 31 March 2025) and lower than the "
        "statistical neighbour median (84). At 31 March 2025 the council had the 3rd lowest "
        "rate of 11."
    )


def test_example_4_monthly_local_measure() -> None:
    f = base("phone_demand", "count", polarity="neutral", unit="count", local=True)
    f["period"] = copy.deepcopy(MONTH)
    f["latest"] = value("1,652")
    f["previous"] = value("1,548")
    f["year_ago"] = value("1,471")
    f["spc"] = spc(state="fixed", variation="common_cause", kind="common", mean="1,560",
                   limits={"lower": "1,290", "upper": "1,830"})  # fmt: skip
    f["flags"] = ["no_national_comparator"]
    assert text("phone_demand.md.j2", f) == (
        "The front door received 1,652 calls in September 2025, compared with 1,548 in "
        "August 2025 and 1,471 in September 2024. This is within the range expected from "
        "previous months (1,290 to 1,830), so there is no sign of a change. There is no "
        "national or statistical neighbour figure for this local measure."
    )


def category(
    phrase: str, latest: dict[str, Any], previous: dict[str, Any] | None = None,
    year_ago: dict[str, Any] | None = None, change_prev: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {"key": phrase, "label": phrase, "phrase": phrase, "latest": latest,
            "previous": previous, "year_ago": year_ago, "change_prev": change_prev,
            "change_year": None}  # fmt: skip


def test_example_5_small_numbers() -> None:
    f = base("unplanned_moves", "count", polarity="lower_is_better", unit="count")
    f["latest"] = value("20")
    f["categories"] = [
        category("for children aged 0 to 4", value("fewer than 6", suppressed=True),
                 value("fewer than 6", suppressed=True)),
        category("for children aged 10 to 15", value("14"), value("8"),
                 change_prev=change("6", "up", small_counts=True)),
    ]  # fmt: skip
    assert blocks("unplanned_moves.md.j2", f)["breakdown"] == (
        "Fewer than 6 unplanned placement moves were recorded for children aged 0 to 4 in "
        "Quarter 2 2025-26 (July to September 2025), as in Quarter 1. There were 14 unplanned "
        "moves for children aged 10 to 15, compared with 8 in Quarter 1. Percentage changes "
        "are not given for numbers below 20."
    )


def test_example_6_change_from_zero() -> None:
    f = base("agency_placements", "breakdown", polarity="neutral", unit="count")
    f["period"] = copy.deepcopy(AT_QEND)
    f["latest"] = value("30")
    f["categories"] = [
        category("for children aged 0 to 4", value("7"), None, value("0", zero=True)),
    ]
    assert blocks("agency_placements.md.j2", f)["breakdown"] == (
        "There were 7 agency placements for children aged 0 to 4 at 30 September 2025, "
        "compared with none a year earlier."
    )


def test_example_7_target_assurance() -> None:
    f = base("assessment_timeliness")
    f["latest"] = value("86.0%")
    f["spc"] = spc(state="fixed", variation="common_cause", kind="common",
                   assurance="hit_and_miss", mean="83.6%",
                   limits={"lower": "74.0%", "upper": "93.2%"})  # fmt: skip
    f["target"] = {"display": "85.0%", "judgement": "met", "same_display": False}
    f["gates"]["target"] = True
    assert blocks("assessment_timeliness.md.j2", f)["spc"] == (
        "This is within the range expected from previous quarters (74.0% to 93.2%), so "
        "there is no sign of a change. The target of 85.0% lies inside the process limits "
        "(74.0% to 93.2%), so at current performance it will be met in some quarters and "
        "missed in others. It was met this quarter."
    )


def test_example_8_too_little_data_since_a_definition_change() -> None:
    f = base("cp_repeat")
    f["spc"] = spc(
        state="insufficient", n_word="four", **{"break": "Quarter 3 2024-25"}
    )
    assert blocks("family_proportion.md.j2", f)["spc"] == (
        "With four quarters of comparable data since the definition changed in Quarter 3 "
        "2024-25, it is too early to judge whether this measure is changing."
    )


def test_example_9_wales() -> None:
    f = base("assessment_timeliness", nation="wales")
    f["period"].update(
        quarter="2020-21Q3",
        label_long="Quarter 3 2020-21 (October to December 2020)",
        label_mid="Quarter 3 2020-21",
        window_text="in Quarter 3 2020-21 (October to December 2020)",
        previous_label="in Quarter 2",
        year_ago_label="in Quarter 3 2019-20",
    )
    f["latest"] = value("88.0%")
    f["previous"] = value("86.4%")
    f["spc"] = spc(state="fixed", variation="common_cause", kind="common", mean="86.9%",
                   limits={"lower": "80.2%", "upper": "93.5%"})  # fmt: skip
    f["flags"] = ["no_national_comparator"]
    assert text("assessment_timeliness.md.j2", f) == (
        "Well-being assessments completed within 42 working days were 88.0% in Quarter 3 "
        "2020-21 (October to December 2020), compared with 86.4% in Quarter 2. This is "
        "within the range expected from previous quarters (80.2% to 93.5%), so there is no "
        "sign of a change. There is no published national figure for this measure."
    )


def test_example_11_equal_at_display_precision() -> None:
    f = base()
    with_comparators(
        f,
        comparator("england", "22.4%", "similar", "in 2024-25", same=True),
        comparator("sn_median", "22.4%", "similar", same=True),
    )
    assert blocks("family_proportion.md.j2", f)["comparators"] == (
        "It is the same as England (22.4% in 2024-25) and in line with the statistical "
        "neighbour median (22.4%)."
    )


# Example 10 (the stale banner) is reproduced word for word in tests/test_commentary_review.py.


# ---------------------------------------------------------------- more crafted cases


def test_values_equal_at_display_precision_claim_no_movement() -> None:
    f = base()
    f["latest"] = value("22.4%")
    f["previous"] = value("22.4%")
    f["change_prev"] = change("", "up", same=True)
    out = text("family_proportion.md.j2", f)
    assert "compared with 22.4% in Quarter 1" in out
    assert not re.search(r"\b(rose|fell|increase|decrease|up|down)\b", out)


def test_special_cause_without_matching_direction_gives_no_movement_words() -> None:
    f = example_1()
    f["gates"]["movement"] = False
    out = text("assessment_timeliness.md.j2", f)
    assert "rose" not in out and "increase" not in out
    assert out.startswith("Assessments completed within 45 working days were 91.3%")


def test_common_cause_gives_no_evaluative_words() -> None:
    f = example_1()
    f["spc"] = spc(state="fixed", variation="common_cause", kind="common",
                   limits={"lower": "70.0%", "upper": "95.0%"})  # fmt: skip
    f["gates"].update(movement=False, evaluative=False, spc=None)
    out = text("assessment_timeliness.md.j2", f)
    for banned in ("improve", "deteriorat", "worsen", "concern", "[Analyst"):
        assert banned not in out


def test_concern_by_an_astronomical_low_point_on_a_lower_is_better_measure() -> None:
    f = base("cp_repeat", polarity="lower_is_better")
    limits = {"lower": "10.0%", "upper": "20.0%"}
    f["spc"] = spc(state="fixed", variation="concern_high", kind="concern",
                   rule="astronomical", side="high", limits=limits)  # fmt: skip
    f["gates"].update(evaluative=True)
    assert blocks("family_proportion.md.j2", f)["spc"] == (
        "This is above the upper process limit (20.0%), a special cause signal; as lower is "
        "better, it is a concern."
    )


def test_trend_and_two_of_three_signals() -> None:
    f = base("cp_repeat", polarity="lower_is_better")
    f["spc"] = spc(state="fixed", variation="improvement_low", kind="improvement",
                   rule="trend", side="low", run_less_one_word="five",
                   limits={"lower": "10.0%", "upper": "20.0%"})  # fmt: skip
    assert blocks("family_proportion.md.j2", f)["spc"] == (
        "Each of the last five quarters was lower than the one before, a special cause "
        "signal; as lower is better, this is an improvement."
    )
    f["spc"].update(rule="two_of_three", side="low")
    assert blocks("family_proportion.md.j2", f)["spc"].startswith(
        "Two of the last three quarters were more than two-thirds of the way from the "
        "average to the lower process limit"
    )


def test_neither_signal_on_a_neutral_measure() -> None:
    f = base("cla_rate", "rate", polarity="neutral", unit="rate_per_10k")
    limits = {"lower": "60.0", "upper": "80.0"}
    f["spc"] = spc(state="fixed", variation="neither_high", kind="neither",
                   rule="astronomical", side="high", limits=limits)  # fmt: skip
    out = text("cla_rate.md.j2", f)
    assert "a special cause signal in a measure with no preferred direction" in out
    assert "improvement" not in out and "concern" not in out
    assert out.endswith("[Analyst: add explanation]")


def test_states_without_spc_wording() -> None:
    f = base()
    for state, words in [
        ("not_applicable", "Rolling figures overlap, so they are not tested"),
        ("rare_counts", "The numbers are too small for a test"),
        (
            "flat",
            "The figure has been the same in every quarter since Quarter 3 2024-25.",
        ),
        ("insufficient", "With four quarters of data, it is too early to judge"),
    ]:
        f["spc"] = spc(state=state)
        assert blocks("family_proportion.md.j2", f)["spc"].startswith(words), state


def test_suppressed_percentage_is_not_published() -> None:
    f = base()
    f["latest"] = value("c", suppressed=True)
    f["spc"] = spc(state="suppressed")
    out = text("family_proportion.md.j2", f)
    assert out.startswith(
        "The proportion of a measure in Quarter 2 2025-26 (July to September 2025) is not "
        "published, as it rests on fewer than 6 children."
    )


def test_change_to_zero_and_no_comparator() -> None:
    f = base("contacts", "count", polarity="neutral", unit="count")
    f["latest"] = value("0", zero=True)
    f["previous"] = value("9")
    assert text("family_count.md.j2", f).startswith(
        "There were none a measure in Quarter 2 2025-26"
    ) or "compared with 9 in Quarter 1" in text("family_count.md.j2", f)


def test_target_not_met_near_and_in_line() -> None:
    f = base()
    for judgement, same, words in [
        ("not_met", False, "The target of 85.0% was not met."),
        ("near", False, "It was close to the target of 85.0% but did not meet it."),
        ("met", True, "It was in line with the target of 85.0%."),
    ]:
        f["target"] = {"display": "85.0%", "judgement": judgement, "same_display": same}
        assert words in blocks("family_proportion.md.j2", f)["spc"]


def test_caveats_in_their_fixed_order() -> None:
    f = base()
    f["flags"] = ["provisional", "basis_mismatch", "comparator_old", "small_base"]
    assert blocks("family_proportion.md.j2", f)["caveats"] == (
        "The process limits are provisional, as they rest on fewer than 12 quarters. The "
        "national figure covers a full year. The latest published comparator is more than "
        "two years older than this quarter. This percentage is based on fewer than 20 "
        "children."
    )


def test_not_judged_comparators_give_both_values_only() -> None:
    f = base()
    with_comparators(f, comparator("england", "22.0%", "not_judged", "in 2024-25"))
    out = blocks("family_proportion.md.j2", f)["comparators"]
    assert out == "For comparison, the figure for England was 22.0% in 2024-25."


def test_wording_words() -> None:
    assert commentary._a_an("8% rise") == "an 8% rise"
    assert commentary._a_an("11.2% fall") == "an 11.2% fall"
    assert commentary._a_an("1.5% rise") == "a 1.5% rise"
    assert commentary._a_an("18 children") == "an 18 children"
    assert commentary._a_an("180 children") == "a 180 children"
    assert commentary._a_an("increase") == "an increase"
    assert commentary._a_an("decrease") == "a decrease"
    assert facts.word(7) == "seven" and facts.word(12) == "12"


# ---------------------------------------------------------------- the facts layer


def test_comparison_groups_and_orders_the_comparators() -> None:
    comps = [
        comparator("england", "85.7%", "higher", "in 2024-25"),
        comparator("region", "80.0%", "higher"),
        comparator("sn_median", "84.0%", "higher"),
        comparator("sn_mean", "86.0%", "similar"),
    ]
    out = facts.comparison(comps)
    # The region shares England's judgement, so it stays in the table.
    assert [(k["kind"], [i["name"] for i in k["items"]]) for k in out["clauses"]] == [
        ("higher_than", ["England", "the statistical neighbour median"]),
        ("in_line_with", ["the statistical neighbour mean"]),
    ]
    assert out["clauses"][0]["items"][0]["period_label"] == "in 2024-25"


def test_comparator_periods() -> None:
    assert facts.comparator_period("31 March 2025", "quarter") == "in 2024-25"
    assert facts.comparator_period("31 March 2025", "at_qend") == "at 31 March 2025"
    assert facts.comparator_period("2024-25", "r12") == "in 2024-25"


def test_change_is_the_difference_of_the_displayed_values() -> None:
    ind = indicators.registry()["assessment_timeliness"]
    now = {"value": 24.14, "numerator": 241.4, "denominator": 1000}
    then = {"value": 22.36, "numerator": 223.6, "denominator": 1000}
    c = facts.change_fact(now, then, ind, "all", ind.polarity, facts.Settings())
    assert c is not None
    assert c["display"] == "1.7 percentage points"  # 24.1% - 22.4%, not 1.78 rounded
    assert (c["direction"], c["judgement"]) == ("up", "better")


def test_relative_change_only_on_bases_of_20_or_more() -> None:
    ind = indicators.registry()["contacts"]
    s = facts.Settings()
    big = facts.change_fact(
        {"value": 120.0}, {"value": 100.0}, ind, "all", "neutral", s
    )
    small = facts.change_fact({"value": 14.0}, {"value": 8.0}, ind, "all", "neutral", s)
    assert big is not None and big["relative"] == "20%"
    assert small is not None and small["relative"] is None and small["small_counts"]


def test_a_small_count_is_suppressed_and_never_shown() -> None:
    s = facts.Settings()
    shown = facts.value_fact({"value": 3.0}, "count", "num0", s)
    assert (
        shown is not None and shown["suppressed"] and shown["display"] == "fewer than 6"
    )
    pct = facts.value_fact(
        {"value": 60.0, "numerator": 3.0, "denominator": 5.0}, "percent", "pct1", s
    )
    assert pct is not None and pct["suppressed"] and pct["display"] == "c"
    zero = facts.value_fact({"value": 0.0}, "count", "num0", s)
    assert zero is not None and zero["zero"] and not zero["suppressed"]


# ---------------------------------------------------------------- the demo council


def drafts_of(db: Path, tmp_path_factory: pytest.TempPathFactory) -> list[commentary.Draft]:
    """The latest quarter drafted from a copy of a demo database (others hold it open)."""
    import shutil

    copy_path = tmp_path_factory.mktemp("commentary") / "csperf.duckdb"
    shutil.copy(db, copy_path)
    con = store.connect(copy_path, read_only=True)
    try:
        return commentary.draft_quarter(con, store.quarters(con)[-1])
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_drafts(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return drafts_of(demo_db, tmp_path_factory)


@pytest.fixture(scope="module")
def wales_drafts(wales_db: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return drafts_of(wales_db, tmp_path_factory)


def golden_text(drafts: list[commentary.Draft]) -> str:
    out = []
    for d in drafts:
        out.append(f"## {d.indicator_id}\n\n{d.text}\n")
        if d.headline:
            out.append(f"Headline: {d.headline}\n")
    return "\n".join(out)


@pytest.mark.parametrize("which", ["england", "wales"])
def test_demo_golden(which: str, request: pytest.FixtureRequest) -> None:
    drafts = request.getfixturevalue(
        "demo_drafts" if which == "england" else "wales_drafts"
    )
    path = GOLDEN / f"demo_{which}.md"
    got = golden_text(drafts)
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got)
    assert path.exists(), "run pytest --update-golden once to write the golden file"
    assert got == path.read_text()


def test_every_indicator_of_the_demo_has_a_paragraph(demo_drafts) -> None:  # type: ignore[no-untyped-def]
    ids = [d.indicator_id for d in demo_drafts]
    assert ids[0] == commentary.SUMMARY
    assert set(ids[1:]) == {i.id for i in indicators.for_nation("england")}
    assert all(d.text for d in demo_drafts)
    assert "- " in demo_drafts[0].text  # headlines
    assert demo_drafts[0].text.count("\n") <= 5  # at most six headlines


def test_every_number_is_traced_to_the_paragraphs_facts(
    demo_drafts, wales_drafts
) -> None:  # type: ignore[no-untyped-def]
    for d in [*demo_drafts, *wales_drafts]:
        if d.indicator_id == commentary.SUMMARY:
            continue
        assert commentary_review.untraced(d.text, d.facts) == [], d.indicator_id
        assert commentary_review.untraced(d.headline, d.facts) == [], d.indicator_id


def test_no_small_count_is_written(demo_drafts, wales_drafts) -> None:  # type: ignore[no-untyped-def]
    small = re.compile(
        r"(?<![\d.,£-])([1-5])(?![\d.,%])"
        r"(?! (?:working days|hours|months|years|or more|to \d|and over))"
    )
    allowed = (
        "Quarter 1",
        "Quarter 2",
        "Quarter 3",
        "Quarter 4",
        "aged 0 to 4",
        "aged 5 to",
    )
    for d in [*demo_drafts, *wales_drafts]:
        cleaned = d.text
        for a in allowed:
            cleaned = cleaned.replace(a, "")
        for n in d.facts.get("indicator", {}).get("definition_numbers", []):
            cleaned = cleaned.replace(f" {n} ", " ")
        cleaned = re.sub(r"\d{4}-\d\d", "", cleaned)
        cleaned = re.sub(
            r"\b\d{1,2} (January|February|March|April|May|June|July|August|"
            r"September|October|November|December)",
            "",
            cleaned,
        )
        assert not small.search(cleaned), (d.indicator_id, small.search(cleaned))


BANNED_TEXT = """soared plummeted skyrocketed rocketed surged slumped spiked dramatic
dramatically massive huge vast overwhelming staggering shocking alarming worrying concerning
crisis excellent good bad poor best worst pleasing pleasingly encouraging encouragingly
disappointing disappointingly unfortunately sadly only just merely clearly obviously
remarkably we our us significant significantly notable marked markedly substantial
substantially considerable better worse"""
BANNED = frozenset(BANNED_TEXT.split())
CAUSAL = (
    "due to", "because", "caused by", "as a result of", "led to", "driven by", "owing to",
    "thanks to", "e.g.", "i.e.", "etc.",
)  # fmt: skip


def lint(paragraph: str) -> list[str]:
    """House style (commentary.md §6) on one generated paragraph."""
    problems = []
    plain = re.sub(r"as (higher|lower) is better", "", paragraph)
    words = re.findall(r"[A-Za-z]+", plain)
    problems += [f"banned word {w}" for w in words if w.lower() in BANNED]
    problems += [f"causal phrase {c}" for c in CAUSAL if c in paragraph.lower()]
    if "!" in paragraph:
        problems.append("exclamation mark")
    for sentence in re.split(r"(?<=[.])\s+|\n", paragraph):
        s = sentence.strip().removeprefix("- ")
        if s and re.match(r"[\d%£]", s):
            problems.append(f"sentence starts with a number: {s[:30]}")
        if len(s.split()) > 35:
            problems.append(f"sentence of {len(s.split())} words: {s[:40]}")
    if re.search(r"\d\s*(pp|% points|per cent points)\b", paragraph):
        problems.append("percentage points abbreviated")
    if re.search(r"%\s+percentage points", paragraph) or re.search(
        r"\d(\.\d)?% (increase|decrease)", paragraph
    ):
        problems.append("percentage used for a change of a percentage")
    if re.search(r"\d%?\s*[-\u2013]\s*£?\d", re.sub(r"\d{4}-\d\d", "", paragraph)):
        problems.append("range written with a dash")
    if re.search(r"\s[.,;]", paragraph):
        problems.append("space before punctuation")
    if re.search(r"\bQ[1-4] \d{2}/\d{2}", paragraph):
        problems.append("quarter written Q2 25/26")
    return problems


def test_house_style(demo_drafts, wales_drafts) -> None:  # type: ignore[no-untyped-def]
    for d in [*demo_drafts, *wales_drafts]:
        assert lint(d.text) == [], d.indicator_id


def test_lint_catches_what_it_should() -> None:
    assert lint("12 children were seen.")
    assert lint("The figure soared.")
    assert lint("It rose by 3 pp.")
    assert lint("It ranged 17.9%-27.3%.")
    assert lint("It fell due to staffing.")
    assert lint("The figure was 12.0% .")
    assert not lint("The figure was 12.0%.")


def test_wales_wording(wales_drafts, demo_drafts) -> None:  # type: ignore[no-untyped-def]
    wales = "\n".join(d.text for d in wales_drafts)
    england = "\n".join(d.text for d in demo_drafts)
    assert "child protection register" in wales and "child protection plan" not in wales
    assert (
        "child protection plan" in england
        and "child protection register" not in england
    )
    assert "42 working days" in wales and "45 working days" in england
    assert "England" not in wales


def test_generation_is_deterministic_across_processes(
    demo_db: Path, tmp_path: Path
) -> None:
    import shutil

    db = tmp_path / "csperf.duckdb"
    shutil.copy(demo_db, db)
    script = (
        "import sys, json\n"
        "from csperf import commentary, store\n"
        "con = store.connect(sys.argv[1], read_only=True)\n"
        "q = store.quarters(con)[-1]\n"
        "print(json.dumps([(d.text, d.facts_hash) for d in commentary.draft_quarter(con, q)]))\n"
    )
    outs = []
    for seed in ("1", "987"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True,
                             env=env, cwd=ROOT, check=True)  # fmt: skip
        outs.append(run.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000


# ---------------------------------------------------------------- the template contract


ALLOWED_STEMS = {f"family_{f}" for f in ("proportion", "rate", "count", "cumulative",
                 "duration", "average", "money", "breakdown")}  # fmt: skip


def test_template_stems_are_ids_families_or_partials() -> None:
    ids = set(indicators.registry())
    for path in (ROOT / "commentary_templates").glob("*.j2"):
        stem = path.name.removesuffix(".md.j2")
        assert stem in ids or stem in ALLOWED_STEMS or stem.startswith("_"), path.name
    used = {i.family for i in indicators.registry().values()}
    for family in used:
        assert (ROOT / "commentary_templates" / f"family_{family}.md.j2").exists()


def test_templates_compile_read_only_f_and_do_no_arithmetic() -> None:
    env = commentary.environment()
    banned_nodes = (nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod,
                    nodes.Pow)  # fmt: skip
    for name in env.list_templates(extensions=["j2"]):
        if name.startswith("report/"):
            continue
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        tree = env.parse(source)
        env.get_template(name)  # compiles
        # Names the template sets itself (in blocks, loops, imports, macros) are declared.
        declared = {
            n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")
        }
        declared |= {i.target for i in tree.find_all(nodes.Import)}
        undeclared = meta.find_undeclared_variables(tree) - declared
        assert undeclared <= {"f"}, (name, undeclared)
        assert not list(tree.find_all(banned_nodes)), name
        for comp in tree.find_all(nodes.Compare):
            operands = [comp.expr, *(o.expr for o in comp.ops)]
            for o in operands:
                assert not (
                    isinstance(o, nodes.Const) and isinstance(o.value, int | float)
                ), name
        for call in tree.find_all(nodes.Name):
            assert call.name not in ("round", "format", "random", "now"), name
        for flt in tree.find_all(nodes.Filter):
            assert flt.name not in ("round", "format", "random"), name


def test_a_missing_fact_is_an_error_not_a_blank() -> None:
    f = base()
    del f["latest"]
    with pytest.raises(jinja2.UndefinedError):
        commentary.render("family_proportion.md.j2", f)


def test_template_hash_follows_the_chain() -> None:
    chain = commentary.template_chain("assessment_timeliness.md.j2")
    assert chain[:2] == ["assessment_timeliness.md.j2", "family_proportion.md.j2"]
    assert "_default.md.j2" in chain and "_macros.md.j2" in chain
    assert (
        commentary.template_name(indicators.registry()["sickness"]) == "sickness.md.j2"
    )
    assert (
        commentary.template_name(indicators.registry()["cin_rate"])
        == "family_rate.md.j2"
    )


def test_facts_hash_ignores_salience_and_sees_displays() -> None:
    a = base()
    b = copy.deepcopy(a)
    assert commentary.facts_hash(a) == commentary.facts_hash(b)
    b["latest"]["display"] = "22.5%"
    assert commentary.facts_hash(a) != commentary.facts_hash(b)


def test_salience_ranks_concerns_and_balances() -> None:
    ind = indicators.registry()["assessment_timeliness"]
    concern = base()
    concern["spc"] = spc(state="fixed", variation="concern_low", kind="concern",
                         rule="astronomical", side="low")  # fmt: skip
    s = commentary.salience(ind, concern)
    assert s["components"]["variation"] == 6 and s["components"]["priority"] == 2
    drafts = []
    for i in range(7):
        kind = "concern" if i < 6 else "improvement"
        drafts.append(commentary.Draft(f"i{i}", "2025-26Q2", "t", {}, "h", "t",
                      headline=f"Headline {i}.",
                      salience={"score": 10 - i, "variation_points": 5, "kind": kind,
                                "eligible": True, "components": {}}))  # fmt: skip
    chosen = commentary.select_headlines(drafts, {}, 6, 3, True)
    assert [d.indicator_id for d in chosen] == ["i0", "i1", "i2", "i3", "i4", "i6"]
    assert len(commentary.select_headlines(drafts, {}, 6, 3, False)) == 6


def test_the_quarter_helpers() -> None:
    q = periods.Quarter.parse("2025-26Q2")
    p = facts.period_fact("quarter", q)
    assert p["window_text"] == "in Quarter 2 2025-26 (July to September 2025)"
    assert p["previous_label"] == "in Quarter 1"
    assert facts.period_fact("at_qend", q)["previous_label"] == "at 30 June 2025"
    assert facts.period_fact("month", q)["year_ago_label"] == "in September 2024"
    q1 = periods.Quarter.parse("2025-26Q1")
    assert facts.period_fact("quarter", q1)["previous_label"] == "in Quarter 4 2024-25"


def test_the_stale_flow_on_the_demo_council(demo_db: Path, tmp_path: Path) -> None:
    """Edit a drafted paragraph, change the figures under it (a new target, recomputed), and
    see it flagged stale with the old and new figures and the analyst's text untouched."""
    import shutil

    from csperf import overrides, values

    db = tmp_path / "csperf.duckdb"
    shutil.copy(demo_db, db)
    con = store.connect(db)
    try:
        quarter = store.quarters(con)[-1]
        commentary_review.refresh(con, quarter)
        ind = "assessment_timeliness"
        before = commentary_review.get(con, quarter, ind)
        assert before.status == "draft" and "The target of 85.0%" in before.text
        commentary_review.save_edit(con, quarter, ind, "Timeliness held up this quarter.")
        overrides.set_target(con, ind, 95.0)
        values.recompute(con)  # as the Settings page does; refreshes reviewed quarters
        after = commentary_review.get(con, quarter, ind)
        assert (after.status, after.text) == ("stale", "Timeliness held up this quarter.")
        banner = commentary_review.banner(after) or ""
        assert "85.0% → 95.0%" in banner
        assert "Your text has not been changed." in banner
        assert "The target of 95.0%" in after.generated_text
        # A draft paragraph is regenerated silently.
        other = commentary_review.get(con, quarter, "cla_rate")
        assert other.status == "draft"
    finally:
        con.close()


def test_missing_data_gives_a_reason_for_every_paragraph() -> None:
    """A council that has loaded one quarter of child protection plans only."""
    from csperf import ingest

    con = store.connect(":memory:")
    q = periods.Quarter.parse("2025-26Q2")
    child = b"child_id,sex,birth_month,ethnicity,disability,uasc\nA,F,2015-03,WBRI,N,N\n"
    plans = b"child_id,start_date\nA,2025-01-01\n"
    upload = ingest.read([("child.csv", child), ("cp_plan.csv", plans)], q, held={})
    ingest.load(con, "885", upload)
    drafts = {d.indicator_id: d for d in commentary.draft_quarter(con, q)}
    assert all(d.text for d in drafts.values())
    assert drafts["contacts"].text == (
        "There is no figure in Quarter 2 2025-26 (July to September 2025). No contacts are "
        "loaded for the quarter."
    )
    assert drafts["cp_rate"].text.startswith(
        "The rate of children subject to a child protection plan at 30 September 2025 is "
        "not published, as it rests on fewer than 6 children."
    )
    assert drafts["cp_category"].text == "There is no figure at 30 September 2025."
    assert drafts[commentary.SUMMARY].text == (
        "In Quarter 2 2025-26, every indicator with enough data was within its usual range."
    )
    for d in drafts.values():
        assert lint(d.text) == [], d.indicator_id
        if d.indicator_id != commentary.SUMMARY:
            assert commentary_review.untraced(d.text, d.facts) == [], d.indicator_id
    con.close()


def test_a_pinned_indicator_heads_the_summary(demo_db: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "csperf.duckdb"
    shutil.copy(demo_db, db)
    con = store.connect(db)
    try:
        quarter = store.quarters(con)[-1]
        before = commentary.draft_quarter(con, quarter)
        contacts = next(d for d in before if d.indicator_id == "contacts")
        assert contacts.headline not in before[0].text  # a score of 0: never a headline
        commentary.set_pinned(con, quarter, "contacts", True)
        after = commentary.draft_quarter(con, quarter)
        assert after[0].text.startswith(f"- {contacts.headline}")
        assert after[0].text.count("\n") <= 5  # still at most six headlines
        pinned = next(d for d in after if d.indicator_id == "contacts")
        assert pinned.salience["components"]["pin"] == 100
        assert pinned.facts_hash == contacts.facts_hash  # a pin is not a fact
        commentary.set_pinned(con, quarter, "contacts", False)
        assert commentary.draft_quarter(con, quarter)[0].text == before[0].text
    finally:
        con.close()


def test_data_quality_warnings_on_a_source_table_raise_a_caveat(demo_db: Path) -> None:
    """The demo's latest quarter has R05 warnings on looked-after episodes (codes of another
    collection year) and K05 on missing episodes: their indicators say so, others do not."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "csperf.duckdb"
        shutil.copy(demo_db, db)
        con = store.connect(db, read_only=True)
        try:
            quarter = store.quarters(con)[-1]
            assert facts.warned_tables(con, quarter) == {"cla_episode", "missing_episode"}
            drafts = {d.indicator_id: d for d in commentary.draft_quarter(con, quarter)}
        finally:
            con.close()
    caveat = (
        "Data-quality warnings were raised on records this figure draws on; the Data "
        "quality page lists them."
    )
    assert "dq_warnings" in drafts["cla_rate"].facts["flags"]
    assert caveat in drafts["cla_rate"].text
    assert "dq_warnings" not in drafts["cp_rate"].facts["flags"]
    assert caveat not in drafts["cp_rate"].text


def test_the_text_withholds_what_the_tables_withhold(demo_drafts) -> None:  # type: ignore[no-untyped-def]
    """Secondary suppression (security.md S3): in the demo's latest quarter 62 unplanned moves
    are 28, 19, 12 and fewer than 6 by age; stating 12 would reveal the small one (3), so the
    text withholds it, as the pack's tables do."""
    text = next(d.text for d in demo_drafts if d.indicator_id == "unplanned_moves")
    assert "There were 62 unplanned placement moves" in text
    assert (
        "The number of unplanned moves for children aged 5 to 9 is not published, so that "
        "smaller numbers cannot be worked out from the total."
    ) in text
    assert "12 unplanned moves" not in text
    assert "Fewer than 6 unplanned moves were recorded for children aged 0 to 4" in text
