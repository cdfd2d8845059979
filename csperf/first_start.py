"""Making sure a database is ready: on first start, the fictional demo council is generated
and loaded through the real upload path, one snapshot per quarter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from csperf import demo, ingest, periods, store

Progress = Callable[[float, str], None]
DEFAULT_FILES = Path("data/demo")


def install_demo(
    con: duckdb.DuckDBPyConnection,
    files_dir: Path = DEFAULT_FILES,
    nation: str = "england",
    scale: int = 1,
    progress: Progress | None = None,
) -> list[periods.Quarter]:
    """Generate the demo council's files and load every quarter; returns the quarters loaded."""
    say = progress or (lambda _f, _m: None)
    say(0.0, "Generating the fictional demo council")
    generated = demo.generate(files_dir, nation=nation, scale=scale)
    who = generated.council
    store.set_setting(con, "population", {str(y): v for y, v in who.population.items()})
    store.set_setting(con, "population.source", "Demo generator (fictional council)")
    loaded = []
    n = len(generated.quarters)
    for i, (label, paths) in enumerate(generated.quarters):
        quarter = periods.Quarter.parse(label)
        say(0.1 + 0.9 * i / n, f"Loading {quarter.label_long}")
        upload = ingest.read([(p.name, p.read_bytes()) for p in paths], quarter)
        ingest.load(con, who.code, upload)
        loaded.append(quarter)
    store.set_setting(con, "council.name", who.name)
    say(1.0, "The demo council is ready")
    return loaded


def ensure_database(
    path: Path, progress: Progress | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the database; on first start (no quarters loaded) install the demo council."""
    con = store.connect(path)
    if not store.quarters(con):
        install_demo(con, path.parent / "demo", progress=progress)
    return con
