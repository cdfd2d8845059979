"""Crash safety of a load (security.md S36): ``kill -9`` during a load leaves the previous state.

A database holding a quarter (the old state) is copied; a separate process loads other files for
the same quarter into the copy and is killed (SIGKILL) at a seeded random moment. The copy must
then open, hold exactly the old or the new state, and its row counts must match
``snapshot_file``. The new state's hash comes from one load run to its end.

Run as ``python -m csperf.crash_safety DB QUARTER COUNCIL FILE...``: the process that is killed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from csperf import ingest, periods, schemas, store

ROOT = Path(__file__).parent.parent
# Tables whose content a load decides; audit rows and load times differ from run to run.
STATE_TABLES = [
    *schemas.ALL_TABLES, "snapshot_file", "snapshot_table", "load_issue", "indicator_value",
]  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    seed: int
    killed_after: float  # seconds after the process started
    state: str  # "old", "new" or "broken"
    counts_match: bool
    detail: str = ""

    @property
    def intact(self) -> bool:
        return self.state in ("old", "new") and self.counts_match


def state_hash(con: duckdb.DuckDBPyConnection) -> str:
    return "|".join(store.table_hash(con, t) for t in STATE_TABLES)


def counts_match(con: duckdb.DuckDBPyConnection) -> bool:
    """Every (snapshot, table, format) holds the rows its ``snapshot_file`` rows say."""
    rows = con.execute(
        "select snapshot_id, table_name, source_format, sum(rows) from snapshot_file "
        "group by all"
    ).fetchall()
    said = {(int(s), str(t), str(f)): int(n) for s, t, f, n in rows}
    held: dict[tuple[int, str, str], int] = {}
    for table in schemas.ALL_TABLES:
        for sid, fmt, n in con.execute(
            f"select snapshot_id, source_format, count(*) from {table} group by all"  # noqa: S608 -- table name from the schema registry
        ).fetchall():
            held[(int(sid), table, str(fmt))] = int(n)
    return said == held


def load_files(db: Path, quarter: str, council: str, paths: Sequence[Path]) -> None:
    """Read and load the files into the database (the work the killed process does)."""
    con = store.connect(db)
    try:
        upload = ingest.read(
            [(p.name, p.read_bytes()) for p in paths],
            periods.Quarter.parse(quarter),
            council,
        )
        ingest.load(con, council, upload)
    finally:
        con.close()


def _command(db: Path, quarter: str, council: str, paths: Sequence[Path]) -> list[str]:
    return [sys.executable, "-m", "csperf.crash_safety", str(db), quarter, council,
            *[str(p) for p in paths]]  # fmt: skip


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def _hash_of(db: Path) -> tuple[str, bool]:
    con = store.connect(db)
    try:
        return state_hash(con), counts_match(con)
    finally:
        con.close()


def run(
    old_db: Path,
    work: Path,
    quarter: str,
    council: str,
    paths: Sequence[Path],
    seeds: Sequence[int],
) -> list[Outcome]:
    """Kill a load of ``paths`` into a copy of ``old_db`` once per seed; ``old_db`` is unchanged.

    Each seed picks the moment of the kill, from when the process starts loading (its imports
    done) to the time a complete load took.
    """
    work.mkdir(parents=True, exist_ok=True)
    con = store.connect(old_db)
    try:
        store.run(
            con, "checkpoint"
        )  # everything in the one file, which is what is copied
        old_hash = state_hash(con)
    finally:
        con.close()
    finished = work / "finished.duckdb"
    shutil.copy(old_db, finished)
    proc = _start(finished, quarter, council, paths)
    started = time.perf_counter()
    if proc.wait() != 0:
        raise RuntimeError("The reference load did not finish.")
    full = time.perf_counter() - started
    new_hash, _ = _hash_of(finished)
    outcomes = []
    for seed in seeds:
        target = work / f"seed-{seed}.duckdb"
        shutil.copy(old_db, target)
        delay = random.Random(seed).uniform(0.0, full)  # noqa: S311 -- a test schedule, not a secret
        proc = _start(target, quarter, council, paths)
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        outcomes.append(_judge(target, seed, delay, old_hash, new_hash))
        for leftover in work.glob(f"seed-{seed}.duckdb*"):
            leftover.unlink()
    return outcomes


def _start(
    db: Path, quarter: str, council: str, paths: Sequence[Path]
) -> subprocess.Popen[bytes]:
    """Start a loading process and return once it has imported csperf and begins to load."""
    proc = subprocess.Popen(  # noqa: S603 -- this interpreter running csperf, with paths the caller chose
        _command(db, quarter, council, paths), env=_environment(), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    if proc.stdout is not None:
        proc.stdout.readline()  # "loading", written before the database is opened
    return proc


def _judge(db: Path, seed: int, delay: float, old: str, new: str) -> Outcome:
    try:
        found, match = _hash_of(db)
    except (duckdb.Error, store.StoreError) as exc:
        return Outcome(seed, delay, "broken", False, f"{type(exc).__name__}: {exc}")
    state = "old" if found == old else "new" if found == new else "broken"
    return Outcome(seed, delay, state, match)


def main(argv: Sequence[str]) -> int:
    db, quarter, council, *files = argv
    print("loading", flush=True)
    load_files(Path(db), quarter, council, [Path(f) for f in files])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
