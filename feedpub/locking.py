"""The output folder's lock: a build holds it alone while it writes, deploys share it while they read, so
a deploy never uploads a folder half rewritten and two builds never interleave their writes."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

LOCK_FILE = ".feedpub.lock"


class FolderBusy(OutputError):
    """Another feedpub process holds the output folder; the message says which and what to do."""


@contextmanager
def holding(out: Path, exclusive: bool, busy: str) -> Iterator[None]:
    """Hold the lock of ``out`` (alone when ``exclusive``); raises `FolderBusy` with ``busy`` when another
    process holds it in a way that excludes us. Raises OSError when the lock file cannot be opened."""
    with (out / LOCK_FILE).open("a") as lock:
        try:
            fcntl.flock(lock, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(busy) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
