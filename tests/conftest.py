"""Shared fixtures: a fresh in-memory store, the demo database, the app served for a browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# A fixed pseudonymisation key for tests, so no key file is created in the user's home.
os.environ.setdefault("CSPERF_KEY", "0f" * 32)
settings.register_profile("ci", max_examples=50, deadline=None)
settings.load_profile("ci")

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


@pytest.fixture
def con():  # type: ignore[no-untyped-def]
    from csperf import store

    connection = store.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from csperf import demo

    out = tmp_path_factory.mktemp("demo_files")
    demo.generate(out, nation="england", scale=1)
    return out


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_files: Path) -> Path:
    """The demo council loaded through the real upload path, as a closed database file."""
    from csperf import first_start, store

    path = tmp_path_factory.mktemp("demo_db") / "csperf.duckdb"
    connection = store.connect(path)
    first_start.install_demo(connection, demo_files)
    connection.close()
    return path


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo database that the app under AppTest opens (CSPERF_DB)."""
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    monkeypatch.setenv("CSPERF_DB", str(copy))
    return copy


@pytest.fixture(scope="session")
def wales_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Welsh demo council (csperf CSVs and local measures), as a closed database file."""
    from csperf import first_start, store

    path = tmp_path_factory.mktemp("wales_db") / "csperf-wales.duckdb"
    connection = store.connect(path)
    first_start.install_demo(
        connection, tmp_path_factory.mktemp("wales_files"), nation="wales"
    )
    connection.close()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[str]:
    """The app served on a free local port over a copy of the demo database."""
    db = tmp_path_factory.mktemp("served") / "csperf.duckdb"
    shutil.copy(demo_db, db)
    port = _free_port()
    env = {**os.environ, "CSPERF_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:  # noqa: S310 -- local test server
                if r.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("the app did not start within 60 seconds")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, object],
) -> dict[str, object]:
    """Debian's chromium, never a downloaded browser; a missing chromium fails the tests."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }  # fmt: skip


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the demo council's golden commentary files (tests/golden/commentary)",
    )
