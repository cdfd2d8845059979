"""Making sure a database is ready: on first start, the fictional demo council is generated
and loaded through the real upload path, one snapshot per quarter.

The command line's ``demo`` writes every quarter's statutory files; the app's first start
writes only those it loads. The latest quarter is loaded from its statutory files (Annex A
workbook, SSDA903 tables, two CIN census years) plus csperf CSVs for what no return carries;
earlier quarters from the csperf CSVs alone, which keeps the first start well under a minute
(writing and reading a quarter's statutory files takes about ten seconds). Both routes give the
same indicator values (tests/test_demo_formats.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from csperf import demo, demo_formats, ingest, periods, store

Progress = Callable[[float, str], None]
DEFAULT_FILES = Path("data/demo")


def install_demo(
    con: duckdb.DuckDBPyConnection,
    files_dir: Path = DEFAULT_FILES,
    nation: str = "england",
    scale: int = 1,
    progress: Progress | None = None,
    statutory_quarters: int = 1,
    write_every_quarter: bool = False,
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
        statutory = who.nation == "england" and (
            write_every_quarter or i >= n - statutory_quarters
        )
        if statutory:
            written = demo_formats.write_quarter(paths[0].parent, quarter, who.code)
            if i >= n - statutory_quarters and _within_limits(written):
                paths = written
            elif i >= n - statutory_quarters:
                say(
                    0.1 + 0.9 * i / n,
                    "The statutory files at this scale exceed the upload limits; "
                    "loading the csperf CSVs for this quarter instead",
                )
        paths = [*paths, demo_formats.write_costs(paths[0].parent)]
        upload = ingest.read(
            [(p.name, p.read_bytes()) for p in paths], quarter, who.code
        )
        ingest.load(con, who.code, upload)
        loaded.append(quarter)
    store.set_setting(con, "council.name", who.name)
    say(1.0, "The demo council is ready")
    return loaded


def _within_limits(paths: list[Path]) -> bool:
    """The files fit one upload: each within the per-file limit, all within the per-load one
    (security.md S23); at large --scale the CIN census grows past 50 MB."""
    sizes = [p.stat().st_size for p in paths]
    return (
        max(sizes, default=0) <= ingest.MAX_FILE_BYTES
        and sum(sizes) <= ingest.MAX_LOAD_BYTES
    )


def ensure_database(
    path: Path, progress: Progress | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the database; on first start (no quarters loaded) install the demo council."""
    con = store.connect(path)
    if not store.quarters(con):
        install_demo(con, path.parent / "demo", progress=progress)
    return con
