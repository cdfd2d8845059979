"""The demo council generator (csperf/demo.py): its files, their windows, determinism, volumes.

Every figure is computed here straight from the CSVs with polars, never through other csperf
code, so the tests check the generator rather than the product's own readers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from csperf import demo, schemas

TEMPLATES = {
    name: [
        c for c in table.columns if (name, c) != ("referral", "previous_referrals_12m")
    ]
    for name, table in schemas.TABLES.items()
    if name != "cla_child_state"
}
FILES = sorted([f"{name}.csv" for name in TEMPLATES] + ["local_measures.csv"])
MEASURES_HEADER = "measure_id,period_end,value,numerator,denominator,breakdown,category"
EVENT_DATE = {
    "contact": "contact_date",
    "referral": "referral_date",
    "assessment": "start_date",
    "s47": "start_date",
    "cp_review": "review_date",
    "cla_review": "review_date",
    "missing_episode": "start_date",
}
INTERVALS = ("early_help", "cin_episode", "cin_plan", "cp_plan")
SHORT_BREAKS = ["V3", "V4"]


@pytest.fixture(scope="module")
def england(tmp_path_factory: pytest.TempPathFactory) -> demo.DemoFiles:
    return demo.generate(tmp_path_factory.mktemp("england"))


@pytest.fixture(scope="module")
def wales(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[demo.DemoFiles, demo.DemoFiles]:
    """The Welsh demo generated twice (the cheaper council to repeat), the second time into a
    folder that already holds a quarter folder with a stale file and a file of its own."""
    second = tmp_path_factory.mktemp("wales_2")
    (second / demo.LATEST_QUARTER).mkdir()
    (second / demo.LATEST_QUARTER / "stale.csv").write_text("left over\n")
    (second / "notes.txt").write_text("not the generator's\n")
    return (
        demo.generate(tmp_path_factory.mktemp("wales_1"), nation="wales"),
        demo.generate(second, nation="wales"),
    )


def quarter_end(label: str) -> dt.date:
    """'2026-27Q2' -> 30 September 2026 (financial-year quarters)."""
    fy, q = int(label[:4]), int(label[-1])
    year, month = (fy, 3 * q + 3) if q < 4 else (fy + 1, 3)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_back(end: dt.date, months: int) -> dt.date:
    """The first day of the ``months`` to ``end``: the day after the same calendar day
    ``months`` earlier (clamped to its month's end; 30 September less 30 months is 30 March)."""
    year, month = divmod(end.year * 12 + end.month - 1 - months, 12)
    day = min(end.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day) + dt.timedelta(days=1)


@cache
def read(path: Path) -> pl.DataFrame:
    """A demo CSV with every column as text except the dates of its table."""
    frame = pl.read_csv(path, infer_schema_length=0)
    table = schemas.TABLES.get(path.stem)
    if table is None:
        return frame.with_columns(pl.col("period_end").str.to_date())
    dates = [
        c
        for c, col in table.columns.items()
        if col.type == "date" and c in frame.columns
    ]
    return frame.with_columns(pl.col(dates).str.to_date())


def folder(files: demo.DemoFiles, label: str) -> Path:
    return dict(files.quarters)[label][0].parent


def open_at(frame: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return frame.filter(
        (pl.col("start_date") <= day)
        & (pl.col("end_date").is_null() | (pl.col("end_date") > day))
    )


def test_every_quarter_has_the_csperf_csvs_and_a_local_measures_file(
    england: demo.DemoFiles,
) -> None:
    labels = [label for label, _ in england.quarters]
    assert len(labels) == demo.QUARTERS == 12
    assert (labels[0], labels[-1]) == ("2023-24Q3", demo.LATEST_QUARTER)
    assert len(set(labels)) == 12
    for label, paths in england.quarters:
        assert paths[0].parent.name == label
        assert sorted(p.name for p in paths) == FILES
        assert sorted(p.name for p in paths[0].parent.iterdir()) == FILES
        for path in paths:
            header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
            assert header == TEMPLATES.get(path.stem, MEASURES_HEADER.split(",")), path


def test_the_same_arguments_give_byte_identical_files(
    wales: tuple[demo.DemoFiles, demo.DemoFiles],
) -> None:
    first, second = wales
    assert [label for label, _ in first.quarters] == [
        label for label, _ in second.quarters
    ]
    for (_, paths_1), (_, paths_2) in zip(first.quarters, second.quarters, strict=True):
        assert [p.name for p in paths_1] == [p.name for p in paths_2]
        for p1, p2 in zip(paths_1, paths_2, strict=True):
            assert p1.read_bytes() == p2.read_bytes(), p1.name


def test_generating_replaces_the_quarter_folders_only(
    wales: tuple[demo.DemoFiles, demo.DemoFiles],
) -> None:
    out = folder(wales[1], demo.LATEST_QUARTER).parent
    assert not (out / demo.LATEST_QUARTER / "stale.csv").exists()
    assert (out / "notes.txt").exists()


def test_no_file_knows_anything_after_its_quarter_end(england: demo.DemoFiles) -> None:
    for label, paths in england.quarters:
        end = quarter_end(label)
        for path in paths:
            frame = read(path)
            for col in [c for c, dtype in frame.schema.items() if dtype == pl.Date]:
                latest = frame[col].max()
                assert latest is None or latest <= end, (label, path.name, col, latest)


def test_events_lie_in_the_24_months_to_the_quarter_end(
    england: demo.DemoFiles,
) -> None:
    for label, _ in england.quarters:
        end, where = quarter_end(label), folder(england, label)
        start = months_back(end, 24)
        for table, col in EVENT_DATE.items():
            dates = read(where / f"{table}.csv")[col]
            assert dates.min() >= start and dates.max() <= end, (label, table)
        for table in INTERVALS:
            rows = read(where / f"{table}.csv")
            late = rows.filter(
                pl.col("end_date").is_not_null() & (pl.col("end_date") < start)
            )
            assert late.is_empty() and rows["start_date"].max() <= end, (label, table)
        # Looked-after episodes: open in the 30 months, or earlier episodes of those periods of
        # care (which all end with X1, a new episode following), back to at most 10 years.
        episodes = read(where / "cla_episode.csv")
        earlier = episodes.filter(pl.col("end_date") < months_back(end, 30))
        assert episodes["start_date"].max() <= end
        assert (earlier["reason_ceased"] == "X1").all(), label
        assert earlier.is_empty() or earlier["start_date"].min() >= months_back(
            end, 120
        )


def test_an_episode_ended_with_x1_is_followed_the_same_day(
    england: demo.DemoFiles,
) -> None:
    for label, _ in england.quarters:
        episodes = read(folder(england, label) / "cla_episode.csv")
        ended = episodes.filter(pl.col("reason_ceased") == "X1").select(
            "child_id", pl.col("end_date").alias("start_date")
        )
        assert ended.height > 100
        unfollowed = ended.join(episodes, on=["child_id", "start_date"], how="anti")
        assert unfollowed.is_empty(), label
        assert episodes.filter(
            pl.col("end_date").is_null() != pl.col("reason_ceased").is_null()
        ).is_empty()


def test_short_breaks_are_children_not_otherwise_looked_after(
    england: demo.DemoFiles,
) -> None:
    episodes = read(folder(england, demo.LATEST_QUARTER) / "cla_episode.csv")
    breaks = episodes.filter(pl.col("legal_status").is_in(SHORT_BREAKS))
    others = episodes.filter(~pl.col("legal_status").is_in(SHORT_BREAKS))
    assert 0.01 < breaks.height / episodes.height < 0.08
    assert breaks.join(others, on="child_id", how="semi").is_empty()


def test_the_latest_quarter_has_a_mid_size_councils_volumes(
    england: demo.DemoFiles,
) -> None:
    end = quarter_end(demo.LATEST_QUARTER)
    year_start = months_back(end, 12)
    where = folder(england, demo.LATEST_QUARTER)
    episodes = read(where / "cla_episode.csv")
    looked_after = open_at(episodes, end).filter(
        ~pl.col("legal_status").is_in(SHORT_BREAKS)
    )
    assert 900 <= looked_after["child_id"].n_unique() <= 1150
    assert (
        350 <= open_at(read(where / "cp_plan.csv"), end)["child_id"].n_unique() <= 550
    )
    assert (
        2800
        <= open_at(read(where / "cin_episode.csv"), end)["child_id"].n_unique()
        <= 4200
    )
    referrals = read(where / "referral.csv").filter(
        pl.col("referral_date") >= year_start
    )
    assert 4000 <= referrals.height <= 6000
    contacts = read(where / "contact.csv").filter(pl.col("contact_date") >= year_start)
    assert 16_000 <= contacts.height <= 24_000


def test_looked_after_children_rise_over_the_twelve_quarters(
    england: demo.DemoFiles,
) -> None:
    def looked_after(label: str) -> int:
        episodes = read(folder(england, label) / "cla_episode.csv")
        at_end = open_at(episodes, quarter_end(label))
        return at_end.filter(~pl.col("legal_status").is_in(SHORT_BREAKS))[
            "child_id"
        ].n_unique()

    first, last = england.quarters[0][0], england.quarters[-1][0]
    assert looked_after(last) - looked_after(first) >= 40


def test_a_later_extract_agrees_with_an_earlier_one_up_to_its_end(
    england: demo.DemoFiles,
) -> None:
    """What the earlier file shows is what the later one shows, cut at the earlier end."""
    earlier, later = england.quarters[-2][0], england.quarters[-1][0]
    cut = quarter_end(earlier)

    def as_known_then(frame: pl.DataFrame, col: str) -> pl.DataFrame:
        return frame.with_columns(
            pl.when(pl.col(col) > cut).then(None).otherwise(pl.col(col)).alias(col)
        )

    for table, key, col in [
        ("cla_episode", ["child_id", "start_date"], "end_date"),
        ("assessment", ["child_id", "start_date"], "authorised_date"),
        ("cp_plan", ["child_id", "start_date"], "end_date"),
    ]:
        old = read(folder(england, earlier) / f"{table}.csv").select(*key, col)
        new = as_known_then(read(folder(england, later) / f"{table}.csv"), col)
        new = new.filter(pl.col("start_date") <= cut).select(*key, col)
        assert new.join(old, on=key, how="anti").is_empty(), table
        both = old.join(new, on=key, suffix="_later")
        assert both.height > 1000
        differ = both.filter(pl.col(col).ne_missing(pl.col(f"{col}_later")))
        assert differ.is_empty(), table


def test_the_child_file_has_one_row_per_child_of_the_other_files(
    england: demo.DemoFiles,
) -> None:
    where = folder(england, demo.LATEST_QUARTER)
    children = read(where / "child.csv")
    assert children["child_id"].is_unique().all()
    assert children["child_id"].str.contains(r"^NF\d{7}$").all()
    others = pl.concat(
        [read(where / f"{t}.csv").select("child_id") for t in TEMPLATES if t != "child"]
    )
    assert set(others["child_id"]) == set(children["child_id"])
    assert set(children["sex"]) <= {"M", "F", "U"}
    assert children["birth_month"].str.contains(r"^\d{4}-\d{2}$").all()


def test_rows_are_in_child_id_then_date_order(england: demo.DemoFiles) -> None:
    where = folder(england, demo.LATEST_QUARTER)
    for table in TEMPLATES:
        frame = read(where / f"{table}.csv")
        key = list(schemas.TABLES[table].key)
        assert frame.equals(frame.sort(key, nulls_last=True, maintain_order=True)), (
            table
        )


def test_local_measures_agree_across_the_quarters_files(
    england: demo.DemoFiles,
) -> None:
    key = ["measure_id", "period_end", "breakdown", "category"]
    frames = [
        read(folder(england, label) / "local_measures.csv")
        for label, _ in england.quarters
    ]
    for frame, (label, _) in zip(frames, england.quarters, strict=True):
        assert frame["period_end"].max() == quarter_end(label)
        assert frame.select(key).is_duplicated().sum() == 0
        assert frame["period_end"].n_unique() == 27  # the months of 9 quarters
    shared = frames[-2].join(frames[-1], on=key, suffix="_later", nulls_equal=True)
    assert shared.height > 0
    assert (shared["value"] == shared["value_later"]).all()
    measures = set(frames[-1]["measure_id"])
    assert {"sw_vacancy_rate", "phone_demand", "visits", "fam_kpi_03"} <= measures


def test_the_welsh_demo_is_a_smaller_council_with_its_own_code(
    england: demo.DemoFiles, wales: tuple[demo.DemoFiles, demo.DemoFiles]
) -> None:
    welsh = wales[0]
    assert (welsh.council.code, welsh.council.nation) == ("W06999999", "wales")
    assert welsh.council.region is None
    assert england.council.code == "999" and england.council.region == "West Midlands"
    assert 70_000 < welsh.council.population[2025] < 80_000
    assert 115_000 < england.council.population[2025] < 125_000

    def children(files: demo.DemoFiles) -> pl.DataFrame:
        return read(folder(files, demo.LATEST_QUARTER) / "child.csv")

    assert children(welsh).height < 0.8 * children(england).height
    assert children(welsh)["child_id"].str.starts_with("GM").all()
    assert sorted(p.name for p in welsh.quarters[-1][1]) == FILES


def test_statutory_demo_files_are_used_only_within_the_upload_limits(tmp_path):
    from csperf import first_start, ingest

    small = tmp_path / "a.xml"
    small.write_bytes(b"<x/>")
    assert first_start._within_limits([small])
    big = tmp_path / "b.xml"
    with big.open("wb") as f:
        f.truncate(ingest.MAX_FILE_BYTES + 1)  # sparse: no disk used
    assert not first_start._within_limits([small, big])
