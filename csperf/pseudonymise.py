"""Keyed pseudonyms for child ids and worker names (formats.md §A.1).

The key never enters the database: it comes from ``CSPERF_KEY`` (64 hex characters) or a key file
created on first use with owner-only permissions (``CSPERF_KEY_FILE``, default
``~/.config/csperf/key``). Rotating the key breaks linkage with earlier snapshots.
"""

from __future__ import annotations

import contextvars
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import polars as pl

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_INTEGRAL_FLOAT = re.compile(r"^(\d+)\.0+$")
WORKER_PLACEHOLDERS = {"", "#n/a", "unallocated", "not allocated", "none", "-"}


class KeyConfigError(Exception):
    """No usable pseudonymisation key (issue code F09)."""


def key_file() -> Path:
    configured = os.environ.get("CSPERF_KEY_FILE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "csperf" / "key"


@cache
def _key_from(env_key: str | None, path: str) -> bytes:
    if env_key is not None:
        if not _HEX64.match(env_key):
            raise KeyConfigError(
                "CSPERF_KEY must be 64 hexadecimal characters (a 32-byte key)."
            )
        return bytes.fromhex(env_key)
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    text = file.read_text().strip()
    if not _HEX64.match(text):
        raise KeyConfigError(
            f"The pseudonymisation key file {file} is malformed. Restore it from backup, "
            "or remove it to create a new key (earlier snapshots will no longer link)."
        )
    return bytes.fromhex(text)


def key() -> bytes:
    try:
        return _key_from(os.environ.get("CSPERF_KEY"), str(key_file()))
    except OSError as exc:
        raise KeyConfigError(
            f"The pseudonymisation key could not be read or created: {exc}"
        ) from None


def norm_child_id(raw: str) -> str:
    text = "".join(unicodedata.normalize("NFKC", raw).split()).upper()
    m = _INTEGRAL_FLOAT.match(text)
    return m.group(1) if m else text


class _Memo:
    """The (normalised id, pseudonym) pairs hashed so far in one upload."""

    def __init__(self) -> None:
        self.pairs = pl.DataFrame(schema={"raw": pl.String, "hashed": pl.String})


_MEMO: contextvars.ContextVar[_Memo | None] = contextvars.ContextVar(
    "csperf_pseudonym_memo", default=None
)


@contextmanager
def shared_memo() -> Iterator[None]:
    """Within one upload, each child id is hashed once across all its files and tables.

    The memo lives only for the ``with`` block: no raw id outlives the read.
    """
    token = _MEMO.set(_Memo())
    try:
        yield
    finally:
        _MEMO.reset(token)


def child_ids(values: pl.Series) -> pl.Series:
    """Pseudonymise a column of raw child ids (null stays null)."""
    k = key()
    normalised = _normalise_ids(values)
    memo = _MEMO.get()
    distinct = normalised.drop_nulls().unique().to_frame("raw")
    if memo is not None and memo.pairs.height:
        distinct = distinct.join(memo.pairs, on="raw", how="anti")
    hashed = pl.Series(
        [
            hmac.digest(k, f"csperf:child:v1:{v}".encode(), "sha256").hex()
            for v in distinct["raw"].to_list()
        ],
        dtype=pl.String,
    )
    pairs = distinct.with_columns(hashed=hashed)
    if memo is not None:
        memo.pairs = pairs = pl.concat([memo.pairs, pairs])
    return (
        normalised.to_frame("raw")
        .join(pairs, on="raw", how="left", maintain_order="left")["hashed"]
        .alias(values.name)
    )


def _normalise_ids(values: pl.Series) -> pl.Series:
    """norm(id) of formats.md §A.1, vectorised; NFKC only where a value is not plain ASCII."""
    text = values.cast(pl.String)
    if not text.drop_nulls().str.contains(r"^[\x00-\x7f]*$").all():
        text = text.map_elements(
            lambda v: unicodedata.normalize("NFKC", v), return_dtype=pl.String
        )
    return (
        text.str.replace_all(r"\s+", "")
        .str.to_uppercase()
        .str.replace(r"^(\d+)\.0+$", "${1}")
    )


def workers(values: pl.Series) -> pl.Series:
    """Pseudonymise worker names; placeholders become null (unallocated)."""
    k = key()

    def one(v: str) -> str | None:
        text = " ".join(unicodedata.normalize("NFKC", v).split()).casefold()
        if text in WORKER_PLACEHOLDERS:
            return None
        return hmac.digest(k, f"csperf:worker:v1:{text}".encode(), "sha256").hex()

    return _map_unique(values, one)


def _map_unique(values: pl.Series, fn: Callable[[str], str | None]) -> pl.Series:
    """Apply ``fn`` once per distinct value (ids repeat across rows)."""
    distinct = values.drop_nulls().unique()
    mapped = pl.Series([fn(v) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, mapped, default=None, return_dtype=pl.String)
