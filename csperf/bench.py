"""`python -m csperf bench`: speed figures printed as `name value unit`, never asserted."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import duckdb

from csperf import benchmarks, demo, indicators, ingest, periods, store, values


def run(target: str | None, scale: int) -> int:
    targets = [target] if target else ["ingest", "compute"]
    with tempfile.TemporaryDirectory(prefix="csperf-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        files = demo.generate(work / "files", scale=scale)
        print(f"generate_demo_scale_{scale} {time.perf_counter() - started:.2f} s")
        con = store.connect(work / "bench.duckdb")
        for name in targets:
            if name == "ingest":
                _ingest(con, files, scale)
            elif name == "compute":
                _compute(con, files, scale)
            else:
                print(f"{name} not_available_in_this_release -")
    print(
        f"peak_rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0


def _ingest(con: duckdb.DuckDBPyConnection, files: demo.DemoFiles, scale: int) -> None:
    label, paths = files.quarters[-1]
    quarter = periods.Quarter.parse(label)
    data = [(p.name, p.read_bytes()) for p in paths]
    started = time.perf_counter()
    upload = ingest.read(data, quarter)
    read = time.perf_counter() - started
    store.set_setting(
        con, "population", {str(y): v for y, v in files.council.population.items()}
    )
    ingest.load(con, files.council.code, upload)
    total = time.perf_counter() - started
    rows = sum(f.rows for f in upload.files)
    print(f"ingest_csperf_csv_read_validate_scale_{scale} {read:.2f} s")
    print(f"ingest_csperf_csv_total_scale_{scale} {total:.2f} s ({rows} rows)")


def _compute(con: duckdb.DuckDBPyConnection, files: demo.DemoFiles, scale: int) -> None:
    who = benchmarks.council(files.council.code)
    store.set_setting(
        con, "population", {str(y): v for y, v in files.council.population.items()}
    )
    for label, paths in files.quarters:
        quarter = periods.Quarter.parse(label)
        if store.snapshot_for(con, quarter) is None:
            ingest.load(
                con,
                who.code,
                ingest.read([(p.name, p.read_bytes()) for p in paths], quarter),
            )
    started = time.perf_counter()
    done = values.recompute(con)
    print(f"compute_{len(indicators.registry())}_indicators_{done}_quarters_scale_{scale} "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip
