"""docs/indicators.md is generated from the registry and must match it."""

from __future__ import annotations

from csperf import counting_rules, indicator_docs, indicators


def test_the_indicator_documentation_is_up_to_date():
    written = indicator_docs.DOCS_FILE.read_text(encoding="utf-8")
    assert written == indicator_docs.render(), (
        "docs/indicators.md is stale: run python -m csperf.indicator_docs"
    )


def test_every_indicator_has_a_section_with_its_definition_and_benchmark():
    text = indicator_docs.render()
    for ind in indicators.registry().values():
        section = text.split(f"(`{ind.id}`)", 1)[1].split("\n### ", 1)[0]
        assert " ".join(ind.definition.split()) in section
        assert "| Benchmark |" in section
        assert "| Basis |" in section


def test_the_documentation_states_every_counting_rule():
    text = indicator_docs.render()
    assert len(counting_rules.RULES) == 12
    for n, rule in counting_rules.RULES.items():
        assert f"{n}. {rule}" in text


def test_a_stale_registry_is_noticed():
    reg = dict(indicators.registry())
    first = next(iter(reg))
    del reg[first]
    assert indicator_docs.render(reg) != indicator_docs.render()
