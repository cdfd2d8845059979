"""Contract tests: whatever the registry lists has its query, worked example and valid fields."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from csperf import benchmarks, indicators

ROOT = Path(__file__).parent.parent
REGISTRY = indicators.registry()


def test_the_six_foundation_indicators_are_registered():
    assert {"cla_rate", "cla_starts_ceases", "cp_rate", "cin_rate", "assessment_timeliness",
            "placement_stability_short"} <= set(REGISTRY)  # fmt: skip


@pytest.mark.parametrize("ind", REGISTRY.values(), ids=list(REGISTRY))
def test_every_indicator_has_a_query_and_a_worked_example(ind):
    assert (ROOT / "csperf" / "sql" / f"{ind.id}.sql").exists()
    example = tomllib.loads(
        (ROOT / "tests" / "examples" / f"{ind.id}.toml").read_text()
    )
    assert example["case"], "at least one worked case"


@pytest.mark.parametrize("ind", REGISTRY.values(), ids=list(REGISTRY))
def test_every_query_starts_with_a_comment_saying_what_it_counts(ind):
    assert ind.sql.lstrip().startswith("--")


def test_every_benchmark_key_exists_in_the_shipped_files():
    keys = benchmarks.keys_available()
    for ind in REGISTRY.values():
        for b in ind.benchmarks:
            assert b.key in keys, (ind.id, b.key)


def test_the_loader_refuses_an_unknown_benchmark_key(tmp_path):
    text = (ROOT / "csperf" / "indicators.toml").read_text()
    bad = tmp_path / "indicators.toml"
    bad.write_text(text.replace('key = "LAIT:LAC" }', 'key = "LAIT:NOT_A_KEY" }'))
    with pytest.raises(indicators.RegistryError, match="NOT_A_KEY"):
        indicators.load_registry(bad)


def test_the_loader_refuses_a_format_that_does_not_suit_the_unit(tmp_path):
    text = (ROOT / "csperf" / "indicators.toml").read_text()
    bad = tmp_path / "indicators.toml"
    bad.write_text(text.replace('format = "rate1"', 'format = "pct1"', 1))
    with pytest.raises(indicators.RegistryError, match="does not suit"):
        indicators.load_registry(bad)


def test_the_loader_refuses_a_duplicate_id(tmp_path):
    text = (ROOT / "csperf" / "indicators.toml").read_text()
    first = text.index("\n[[indicator]]\n")
    second = text.index("\n[[indicator]]\n", first + 1)
    bad = tmp_path / "indicators.toml"
    bad.write_text(text + "\n" + text[first:second])
    with pytest.raises(indicators.RegistryError, match="twice"):
        indicators.load_registry(bad)


def test_headline_priority_two_marks_the_key_statutory_measures():
    key = {i.id for i in REGISTRY.values() if i.headline_priority == 2}
    assert key == {"rereferrals", "assessment_timeliness", "icpc_timeliness", "cp_rate",
                   "cp_repeat", "cp_reregistration", "cin_rate", "cla_rate",
                   "placement_stability_short", "placement_stability_long",
                   "cla_review_timeliness"}  # fmt: skip
