"""Page rerun timings for `python -m csperf bench pages`: figures printed, never asserted.

Each page is run once to fill the caches, then rerun with the same database, as when the
analyst changes a widget; the figure is the median of the reruns.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent.parent


def _median_rerun(at: AppTest, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(at.exception[0].message)
    return statistics.median(times)


def measure(db: Path, indicator_ids: list[str], runs: int = 5) -> dict[str, float]:
    """Seconds per rerun, by page: the Overview, then each indicator page named."""
    os.environ["CSPERF_DB"] = str(db)
    out: dict[str, float] = {}
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    started = time.perf_counter()
    at.run()
    out["overview_first_run"] = time.perf_counter() - started
    out["overview_rerun"] = _median_rerun(at, runs)
    for ind in indicator_ids:
        at.query_params["id"] = ind
        at.switch_page("pages/indicator.py").run()  # first visit fills its caches
        if not at.header or not at.get("vega_lite_chart"):
            raise RuntimeError(f"the indicator page for {ind} showed no chart")
        out[f"indicator_{ind}_rerun"] = _median_rerun(at, runs)
    return out
