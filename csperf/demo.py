"""The deterministic demo council generator (cli.md ``demo``; formats.md §B.7 "Demo files").

``generate`` simulates a fictional council's children's social care from 1996 (care histories)
and 2014 (the front door) to the end of ``LATEST_QUARTER``, then writes, for each of the
``QUARTERS`` quarters, the csperf canonical CSVs and a local-measures file as extracted at that
quarter's end. The same arguments always give byte-identical files.

Modules: ``demo_sim`` (the day-by-day simulation), ``demo_frontdoor`` (children, contacts, early
help, missing from home), ``demo_referrals`` (referrals and what follows them), ``demo_care`` and
``demo_placements`` (periods of care), ``demo_tables`` and ``demo_extract`` (the quarterly
CSVs), ``demo_measures`` (local measures), ``demo_model``, ``demo_world`` and ``demo_codes``
(the building blocks, the simulation's state and the code mixes).
"""

from __future__ import annotations

import gc
import shutil
from dataclasses import dataclass
from pathlib import Path

from csperf import demo_measures
from csperf.demo_extract import Window, extract, write
from csperf.demo_model import to_day
from csperf.demo_sim import simulate
from csperf.demo_tables import build
from csperf.demo_world import Settings
from csperf.periods import Nation, Quarter

LATEST_QUARTER = "2026-27Q2"  # fixed, so the output is deterministic
QUARTERS = 12  # 2023-24Q3 to 2026-27Q2
SEED = 20240401
WALES_VOLUME = 0.65


@dataclass(frozen=True)
class DemoCouncil:
    code: str  # "999" (England) / "W06999999" (Wales)
    name: str
    nation: str  # "england" / "wales"
    region: str | None  # "West Midlands" for England, None for Wales
    population: dict[int, int]  # 0-17 population by mid-year


@dataclass(frozen=True)
class DemoFiles:
    council: DemoCouncil
    quarters: list[tuple[str, list[Path]]]  # (quarter, its files), oldest first


def _nation(nation: str) -> Nation:
    if nation == "england":
        return "england"
    if nation == "wales":
        return "wales"
    raise ValueError(f"The demo council's nation is england or wales, not '{nation}'.")


def council(nation: str = "england", scale: int = 1) -> DemoCouncil:
    """The fictional council: Northfield (England, 999) or Glanmor (Wales, W06999999)."""
    if _nation(nation) == "england":
        return DemoCouncil(
            "999",
            "Northfield (fictional)",
            "england",
            "West Midlands",
            _population(118_900 * scale),
        )
    return DemoCouncil(
        "W06999999", "Glanmor (fictional)", "wales", None, _population(74_200 * scale)
    )


def _population(first: int) -> dict[int, int]:
    """Mid-2020 to mid-2026, growing about 0.34% a year, to the nearest hundred."""
    return {
        year: int(round(first * 1.0034 ** (year - 2020), -2))
        for year in range(2020, 2027)
    }


def quarters() -> list[Quarter]:
    latest = Quarter.parse(LATEST_QUARTER)
    return [latest.shift(i - QUARTERS + 1) for i in range(QUARTERS)]


def generate(out_dir: Path, nation: str = "england", scale: int = 1) -> DemoFiles:
    """Simulate the demo council and write each quarter's files to ``out_dir/<quarter>/``,
    replacing those folders if they exist. ``scale`` multiplies the children and so the rows."""
    if scale < 1:
        raise ValueError("The demo's scale is a whole number of 1 or more.")
    who = council(nation, scale)
    england = who.nation == "england"
    vol = scale * (1.0 if england else WALES_VOLUME)
    latest = Quarter.parse(LATEST_QUARTER)
    settings = Settings(
        _nation(nation), scale, vol, "NF" if england else "GM", to_day(latest.end)
    )
    seed = SEED + scale + (0 if england else 1000)
    collecting = gc.isenabled()
    gc.disable()  # millions of small records and no cycles: far quicker without the GC
    try:
        written = _write_quarters(Path(out_dir), settings, seed)
    finally:
        if collecting:
            gc.enable()
    return DemoFiles(who, written)


def _write_quarters(
    out_dir: Path, settings: Settings, seed: int
) -> list[tuple[str, list[Path]]]:
    windows = [Window.of(quarter, index) for index, quarter in enumerate(quarters())]
    world = simulate(settings, seed)
    tables = build(world, min(w.episodes for w in windows))
    digits = max(3, len(str(max(r.stop - 1 for r in world.rosters.values()))))
    written = []
    for quarter, window in zip(quarters(), windows, strict=True):
        folder = out_dir / str(quarter)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        paths = write(extract(tables, world, window), folder, digits)
        paths.append(
            demo_measures.write(folder / "local_measures.csv", quarter, settings.vol)
        )
        written.append((str(quarter), paths))
    return written
