"""A council's targets, polarity and accepted partial figures change the stored values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from csperf import overrides, overview, periods, store, values

Q = periods.Quarter.parse


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db, path)
    con = store.connect(path)
    yield con
    con.close()


def _headline(con, ind_id: str, quarter: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    frame = values.read(con, Q(quarter), ind_id)
    return frame.filter(frame["breakdown"] == "all").row(0, named=True)


def test_a_target_set_from_a_quarter_leaves_earlier_quarters_their_default(demo_copy):
    overrides.set_target(demo_copy, "assessment_timeliness", 90, Q("2026-27Q1"))
    values.recompute(demo_copy)
    assert _headline(demo_copy, "assessment_timeliness", "2025-26Q4")["target"] == 85
    assert _headline(demo_copy, "assessment_timeliness", "2026-27Q1")["target"] == 90
    assert _headline(demo_copy, "assessment_timeliness", "2026-27Q2")["target"] == 90


def test_a_target_for_every_quarter_and_its_removal(demo_copy):
    overrides.set_target(demo_copy, "cla_rate", 80)
    values.recompute(demo_copy)
    assert _headline(demo_copy, "cla_rate", "2024-25Q1")["target"] == 80
    overrides.set_target(demo_copy, "cla_rate", None)
    values.recompute(demo_copy)
    assert _headline(demo_copy, "cla_rate", "2024-25Q1")["target"] is None


def test_a_polarity_override_changes_the_judgement_of_a_change(demo_copy):
    stored = values.read(demo_copy)
    quarter = Q("2026-27Q2")

    def judgement() -> str:
        chosen = overrides.read(demo_copy)
        rows = overview.headline_rows(stored, quarter, "england", chosen)
        row = next(r for r in rows if r.indicator.id == "assessment_timeliness")
        assert row.change is not None
        return row.change.judgement

    default = judgement()
    assert default in ("better", "worse")  # higher is better in the catalogue
    overrides.set_polarity(demo_copy, "assessment_timeliness", "lower_is_better")
    assert judgement() == {"better": "worse", "worse": "better"}[default]
    overrides.set_polarity(demo_copy, "assessment_timeliness", "neutral")
    assert judgement() == "neutral"
    overrides.set_polarity(demo_copy, "assessment_timeliness", None)
    assert judgement() == default


def test_an_unknown_polarity_is_refused(demo_copy):
    with pytest.raises(ValueError, match="polarity must be one of"):
        overrides.set_polarity(demo_copy, "cla_rate", "up")


def test_a_partial_figure_is_shown_only_when_accepted_and_then_flagged(demo_copy):
    quarter = Q("2026-27Q2")
    snap = store.snapshot_for(demo_copy, quarter)
    assert snap is not None
    # The looked-after episodes now start on 1 April 2026: 6 of the 12 months are missing.
    store.run(
        demo_copy,
        "update snapshot_table set coverage_start = date '2026-04-01' "
        "where snapshot_id = ? and table_name = 'cla_episode'",
        [snap.snapshot_id],
    )
    values.recompute(demo_copy)
    row = _headline(demo_copy, "placement_stability_short", str(quarter))
    assert (row["status"], row["value"]) == ("partial coverage", None)
    assert "1 October 2025 to 31 March 2026 is missing" in row["status_reason"]

    overrides.accept_partial(demo_copy, "placement_stability_short", quarter, True)
    values.recompute(demo_copy)
    row = _headline(demo_copy, "placement_stability_short", str(quarter))
    assert row["status"] == "ok"
    assert row["value"] is not None
    assert row["flags"] == ["partial_coverage"]
    assert row["status_reason"].startswith("Partial figure.")
    earlier = _headline(demo_copy, "placement_stability_short", "2026-27Q1")
    assert earlier["flags"] == []


def test_chosen_neighbours_replace_the_published_models_ten(demo_copy):
    from csperf import benchmarks

    who = benchmarks.council("999")
    # Five of Worcestershire's neighbours (indicators.md check 4): LAC 2025 = 55, 57, 65, 56, 119.
    overrides.set_neighbours(demo_copy, who, [933, 916, 838, 937, 893])
    values.recompute(demo_copy)
    row = _headline(demo_copy, "cla_rate", "2026-27Q2")
    assert row["sn_median"] == 57
    assert row["sn_mean"] == pytest.approx(70.4)
    overrides.set_neighbours(demo_copy, who, None)
    values.recompute(demo_copy)
    assert _headline(demo_copy, "cla_rate", "2026-27Q2")["sn_median"] == 56.5


def test_a_neighbour_choice_is_checked(demo_copy):
    from csperf import benchmarks

    who = benchmarks.council("885")
    with pytest.raises(ValueError, match="own neighbour"):
        overrides.set_neighbours(demo_copy, who, [885, 933, 916, 838, 937])
    with pytest.raises(ValueError, match="not the DfE LA code"):
        overrides.set_neighbours(demo_copy, who, [1, 933, 916, 838, 937])
    with pytest.raises(ValueError, match="at least 5"):
        overrides.set_neighbours(demo_copy, who, [933, 916])
