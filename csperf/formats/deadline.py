"""The parse-time limit per file (security.md S26): 60 seconds, then the file is refused (F03).

``ingest`` starts the clock for each file; parsers call ``check`` between their steps (each sheet,
each table), and ``ingest`` checks once more when the file is parsed and validated. Native calls
are not interrupted; the file is refused at the next check. ``clock`` can be replaced (tests pass
a clock that jumps past the limit, never waiting).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MAX_PARSE_SECONDS = 60.0
clock: Callable[[], float] = time.monotonic

_started: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "parse_started", default=None
)


class ParseTimeExceededError(Exception):
    """Parsing one file took longer than the limit."""


@contextmanager
def parsing() -> Iterator[None]:
    """Time one file's parsing; ``check`` inside raises once the limit is passed."""
    token = _started.set(clock())
    try:
        yield
    finally:
        _started.reset(token)


def check() -> None:
    started = _started.get()
    if started is not None and clock() - started > MAX_PARSE_SECONDS:
        raise ParseTimeExceededError


def message(name: str) -> str:
    return (
        f"{name} took longer than {MAX_PARSE_SECONDS:.0f} seconds to read, so it was not "
        "loaded. Split it into smaller files (for example fewer years), or remove sheets and "
        "columns csperf does not use, and upload again."
    )
