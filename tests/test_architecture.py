"""Boundaries: only csperf/ui/, pages/ and app.py import streamlit; pages hold no SQL."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CORE = sorted(
    p for p in (ROOT / "csperf").rglob("*.py") if "ui" not in p.relative_to(ROOT).parts
)
PAGES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
SHARED = "/".join(["..", "shared"])  # the developers' reference folder, never in a user's clone


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {
        a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for a in n.names
    }
    names |= {
        (n.module or "").split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom)
    }
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_modules_do_not_import_streamlit(path):
    assert "streamlit" not in imports(path)


def test_importing_the_core_never_loads_streamlit():
    modules = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in CORE]
    modules = [
        m.removesuffix(".__init__") for m in modules if not m.endswith("__main__")
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=120)  # fmt: skip
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_import_only_streamlit_and_csperf(path):
    assert imports(path) <= {"streamlit", "csperf"}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_sql_and_stay_thin(path):
    text = path.read_text()
    assert not re.search(
        r"\b(select|insert|delete|update)\b.+\b(from|into|set)\b", text, re.I
    )
    assert len(text.splitlines()) <= 80


def test_nothing_reads_the_developers_shared_folder():
    for path in [
        *ROOT.joinpath("csperf").rglob("*.py"),
        *PAGES,
        *ROOT.joinpath("tests").rglob("*.py"),
    ]:
        if path.name == "test_architecture.py":
            continue
        assert SHARED not in path.read_text(), path
