"""`python -m csperf bench`: speed figures printed as `name value unit`, never asserted.

ingest: the demo's latest quarter at ``--scale N`` in each format, recognised, validated and
loaded into a fresh database, each format in a fresh process so its peak memory is its own.
compute: every indicator for every demo quarter, recomputed from the stored snapshots.
report: the bundle of the demo's latest quarter with the full catalogue.
pages: the Overview and three indicator pages rerun with warm caches (Streamlit's AppTest).
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from csperf import (
    benchmarks,
    crash_safety,
    demo,
    demo_formats,
    indicators,
    ingest,
    periods,
    schemas,
    store,
    values,
)
from csperf.formats import canonical

GROUPS = [f for f in schemas.SOURCE_FORMATS if f != "placement_costs"]


def group(name: str) -> str | None:
    """Which format a demo file is written in, by the names demo_formats gives them."""
    if name.startswith("Annex_A_"):
        return "annex_a"
    if name.startswith("SSDA903_"):
        return "ssda903_xml" if name.endswith(".xml") else "ssda903_csv"
    if name.startswith("CIN_Census_"):
        return "cin_xml"
    if name == "local_measures.csv":
        return "local_measures"
    if name.removesuffix(".csv") in canonical.template_tables():
        return "csperf_csv"
    return None


def run(target: str | None, scale: int) -> int:
    targets = [target] if target else ["ingest", "compute"]
    with tempfile.TemporaryDirectory(prefix="csperf-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        files = demo.generate(work / "files", scale=scale)
        print(f"demo_generate_scale_{scale} {time.perf_counter() - started:.2f} s")
        for name in targets:
            if name == "ingest":
                _ingest(work, files, scale)
            elif name == "compute":
                _compute(work, files, scale)
            elif name == "commentary":
                _compute(work, files, scale)
                _commentary(work / "compute.duckdb", scale)
            elif name == "report":
                _compute(work, files, scale)
                _report(work / "compute.duckdb", scale)
            elif name == "pages":
                _compute(work, files, scale)
                _pages(work / "compute.duckdb", scale)
            else:
                print(f"{name} not_available_in_this_release -")
    return 0


def _ingest(work: Path, files: demo.DemoFiles, scale: int) -> None:
    label, _ = files.quarters[-1]
    quarter = periods.Quarter.parse(label)
    folder = work / "files" / label
    started = time.perf_counter()
    demo_formats.write_quarter(folder, quarter, files.council.code)
    print(f"demo_write_formats_scale_{scale} {time.perf_counter() - started:.2f} s")
    population = {str(y): v for y, v in files.council.population.items()}
    context = multiprocessing.get_context("spawn")
    for fmt in GROUPS:
        paths = sorted(p for p in folder.iterdir() if group(p.name) == fmt)
        with context.Pool(1) as pool:
            result: dict[str, Any] = pool.apply(
                _measure,
                (paths, label, files.council.code, population, str(work / fmt)),
            )
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(f"ingest_{fmt}_scale_{scale} {result['seconds']:.2f} s "
              f"({len(paths)} files, {size:.1f} MB, {result['rows']} rows, "
              f"{result['errors']} errors, peak {result['peak_mb']:.0f} MB)")  # fmt: skip
    _crash_safety(work, files, scale)


CRASH_SEEDS = range(1, 21)  # security.md S36: twenty kills here, three in CI


def _crash_safety(work: Path, files: demo.DemoFiles, scale: int) -> None:
    """S36: the quarter loaded from csperf CSVs, then the previous quarter's contacts loaded in
    its place by a process killed at 20 seeded moments; how many left the database intact."""
    old_db = work / "csperf_csv" / "bench.duckdb"
    earlier = [p for p in files.quarters[-2][1] if p.name == "contact.csv"]
    if not old_db.exists() or not earlier:
        print("ingest_crash_safety not_available -")
        return
    label = files.quarters[-1][0]
    started = time.perf_counter()
    outcomes = crash_safety.run(
        old_db, work / "crash", label, files.council.code, earlier, CRASH_SEEDS
    )
    intact = sum(o.intact for o in outcomes)
    states = ", ".join(
        f"{s} {sum(o.state == s for o in outcomes)}" for s in ("old", "new")
    )
    print(f"ingest_crash_safety_scale_{scale} {intact}/{len(outcomes)} intact "
          f"({states}; {time.perf_counter() - started:.0f} s)")  # fmt: skip
    for o in outcomes:
        if not o.intact:
            print(f"  seed {o.seed} killed after {o.killed_after:.2f} s: {o.state} "
                  f"{o.detail}".rstrip())  # fmt: skip


def _measure(
    paths: list[Path], label: str, code: str, population: dict[str, int], db: str
) -> dict[str, Any]:
    """Runs in a fresh process: read, validate and load one format's files."""
    quarter = periods.Quarter.parse(label)
    data = [(p.name, p.read_bytes()) for p in paths]
    con = store.connect(Path(db) / "bench.duckdb")
    store.set_setting(con, "population", population)
    started = time.perf_counter()
    upload = ingest.read(data, quarter, code)
    errors = sum(1 for i in upload.issues if i.severity == "error")
    if not upload.blocked and upload.loads:
        ingest.load(con, code, upload)
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    return {"seconds": seconds, "rows": sum(f.rows for f in upload.files), "errors": errors,
            "peak_mb": peak}  # fmt: skip


def _peak_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss survives exec on Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _compute(work: Path, files: demo.DemoFiles, scale: int) -> None:
    con = store.connect(work / "compute.duckdb")
    who = benchmarks.council(files.council.code)
    store.set_setting(
        con, "population", {str(y): v for y, v in files.council.population.items()}
    )
    for label, paths in files.quarters:
        quarter = periods.Quarter.parse(label)
        upload = ingest.read([(p.name, p.read_bytes()) for p in paths], quarter)
        ingest.load(con, who.code, upload)
    started = time.perf_counter()
    done = values.recompute(con)
    print(f"compute_{len(indicators.registry())}_indicators_{done}_quarters_scale_{scale} "
          f"{time.perf_counter() - started:.2f} s")  # fmt: skip


def _commentary(db: Path, scale: int) -> None:
    """Drafting the full catalogue for the latest quarter: facts, templates and summary."""
    from csperf import commentary

    con = store.connect(db, read_only=True)
    quarter = store.quarters(con)[-1]
    commentary.draft_quarter(con, quarter)  # warm: templates compiled, registry read
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        drafts = commentary.draft_quarter(con, quarter)
        runs.append(time.perf_counter() - started)
    con.close()
    print(f"commentary_draft_{len(drafts) - 1}_paragraphs_and_summary_scale_{scale} "
          f"{min(runs):.2f} s")  # fmt: skip


def _pages(db: Path, scale: int) -> None:
    from csperf.ui import page_timing  # the one benchmark that needs Streamlit

    shown = ["cla_rate", "assessment_timeliness", "placement_types"]
    for name, seconds in page_timing.measure(db, shown).items():
        print(f"page_{name}_scale_{scale} {seconds * 1000:.0f} ms")


def _report(db: Path, scale: int) -> None:
    """The bundle for the latest quarter, full catalogue (goal: under 15 s)."""
    from csperf.report import bundle

    con = store.connect(db)
    quarter = store.quarters(con)[-1]
    runs = []
    for _ in range(
        2
    ):  # the first includes loading the renderers, as a user's first build
        started = time.perf_counter()
        built = bundle.build(con, quarter, allow_draft=True)
        runs.append(time.perf_counter() - started)
    size = len(built.zip_bytes()) / 1e6
    print(f"report_bundle_{quarter}_scale_{scale} {runs[0]:.2f} s "
          f"({len(built.files)} files, {size:.1f} MB)")  # fmt: skip
    print(f"report_bundle_again_{quarter}_scale_{scale} {runs[1]:.2f} s")
    con.close()
