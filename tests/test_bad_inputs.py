"""The bad-input corpus (security.md §I): every item gives its code, none raises, and a refused
item leaves what was loaded before exactly as it was."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from csperf import __main__ as cli
from csperf import ingest, periods, store
from tests.bad_inputs import GOOD_PLANS, Item, items

Q = periods.Quarter.parse("2025-26Q2")
ITEMS = items()
GOOD_EPISODES = b"child_id,start_date,reason_new\nE1,2024-01-01,S\n"


def hashes(con) -> dict[str, str]:  # type: ignore[no-untyped-def]
    skip = {"audit_log", "load_issue"}
    return {t: store.table_hash(con, t) for t in store.all_table_names() if t not in skip}


@pytest.fixture
def loaded(con):  # type: ignore[no-untyped-def]
    """A database with a quarter already loaded, to prove refusals change nothing."""
    store.set_setting(con, "population", {"2025": 1000})
    upload = ingest.read([("cp_plan.csv", GOOD_PLANS), ("cla_episode.csv", GOOD_EPISODES)], Q)
    ingest.load(con, "999", upload)
    return con


def codes(con, upload: ingest.Upload) -> set[str]:  # type: ignore[no-untyped-def]
    stored = {r[0] for r in con.execute("select code from load_issue").fetchall()}
    return {i.code for i in upload.issues} | stored


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i.number:02d}" for i in ITEMS])
def test_each_corpus_item_gives_its_code_and_never_raises(loaded, item: Item):
    before = hashes(loaded)
    upload = ingest.read(item.files, Q, "999")
    if item.outcome == "refused":
        assert upload.blocked, upload.issues
        assert item.code in {i.code for i in upload.issues if i.severity == "error"}
        with pytest.raises(ingest.LoadRefusedError):
            ingest.load(loaded, "999", upload)
        assert hashes(loaded) == before
    elif item.outcome == "nothing":
        assert item.code in {i.code for i in upload.issues}
        assert not upload.loads
        assert hashes(loaded) == before
    else:
        assert not upload.blocked, upload.issues
        ingest.load(loaded, "999", upload)
        if item.code:
            assert item.code in codes(loaded, upload)


@pytest.mark.parametrize("item", ITEMS, ids=[f"{i.number:02d}" for i in ITEMS])
def test_each_corpus_item_mixed_with_a_good_file(loaded, item: Item):
    upload = ingest.read([*item.files, ("cin_plan.csv", b"child_id,start_date\nZ,2025-01-01\n")], Q)
    good = upload.files[-1]
    assert not good.blocked and good.tables == ["cin_plan"]
    assert upload.blocked == (item.outcome == "refused")


def test_every_issue_is_located_by_file_and_says_how_to_fix_it(loaded):
    for item in ITEMS:
        for issue in ingest.read(item.files, Q).issues:
            assert issue.file, (item.number, issue)
            assert issue.message.strip().endswith("."), (item.number, issue.message)


@pytest.mark.parametrize(
    "item", [i for i in ITEMS if i.outcome == "refused" and i.number != 16],
    ids=lambda i: f"{i.number:02d}",
)
def test_the_command_line_refuses_with_exit_1_or_2_and_no_traceback(tmp_path, item: Item):
    paths = []
    for n, (name, data) in enumerate(item.files):
        folder = tmp_path / str(n)
        folder.mkdir()
        path = folder / name.replace("/", "_")[-60:]
        path.write_bytes(data)
        paths.append(str(path))
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["load", "--db", str(tmp_path / "t.duckdb"), "--council", "999",
                         "--quarter", str(Q), *paths])  # fmt: skip
    assert code in (1, 2)
    assert "Traceback" not in err.getvalue()
    assert item.code in out.getvalue() + err.getvalue()


def test_an_unusable_pseudonymisation_key_refuses_the_load_and_writes_nothing(
    tmp_path, monkeypatch
):
    from csperf import pseudonymise

    key_file = tmp_path / "key"
    key_file.write_text("not a key")
    monkeypatch.delenv("CSPERF_KEY")
    monkeypatch.setenv("CSPERF_KEY_FILE", str(key_file))
    pseudonymise._key_from.cache_clear()
    upload = ingest.read([("cp_plan.csv", GOOD_PLANS)], Q)
    assert [i.code for i in upload.issues] == ["F09"]
    assert upload.blocked
    assert [p.name for p in tmp_path.iterdir()] == ["key"]
    assert key_file.read_text() == "not a key"
    pseudonymise._key_from.cache_clear()
