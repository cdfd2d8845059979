"""S36: a load killed with SIGKILL at seeded moments leaves the old or the new state, whole."""

from __future__ import annotations

from pathlib import Path

from csperf import crash_safety, ingest, periods, store

Q = "2025-26Q2"
SEEDS = [
    11,
    22,
    33,
]  # CI runs three points; `python -m csperf bench ingest` runs twenty


def contacts(n: int, day: str) -> bytes:
    rows = "".join(f"C{i},{day},6\n" for i in range(n))
    return ("child_id,contact_date,source\n" + rows).encode()


def test_a_load_killed_at_seeded_moments_leaves_the_old_or_the_new_state(
    tmp_path: Path,
) -> None:
    old_db = tmp_path / "old.duckdb"
    con = store.connect(old_db)
    upload = ingest.read([("contact.csv", contacts(1_000, "2025-08-01"))],
                         periods.Quarter.parse(Q))  # fmt: skip
    ingest.load(con, "885", upload)
    con.close()
    new_file = tmp_path / "contact.csv"
    new_file.write_bytes(contacts(150_000, "2025-09-01"))
    outcomes = crash_safety.run(old_db, tmp_path / "runs", Q, "885", [new_file], SEEDS)
    assert [o.seed for o in outcomes] == SEEDS
    for o in outcomes:  # the seed and the moment are printed on failure
        assert o.intact, o
    # the old database was only copied, never loaded into
    con = store.connect(old_db)
    assert con.execute("select count(*) from contact").fetchone() == (1_000,)
    con.close()
