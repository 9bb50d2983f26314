"""Replacing files so that a reader sees either the old or the new complete file, never half of one.

New content is written to a temporary name beside its target, flushed to disk and renamed over the old
file (a rename within one folder is atomic).
"""

from __future__ import annotations

import os
from pathlib import Path


class Staging:
    """New file contents written beside their targets, made durable with one sync, then renamed in.

    One sync for the whole build instead of one per file: a build killed before the renames leaves only
    temporary files (removed by the next build); one killed during them leaves every file either old or
    new, and whole.
    """

    def __init__(self, durable: bool = True) -> None:
        self._durable = durable  # False for files whose loss costs only time (caches, manifests)
        self._pending: list[tuple[Path, Path]] = []
        self._folders: set[Path] = set()

    def stage(self, target: Path, body: bytes) -> bool:
        """Write ``body`` beside ``target`` unless ``target`` already holds exactly that; True if staged."""
        try:
            if target.stat().st_size == len(body) and target.read_bytes() == body:
                return False
        except OSError:
            pass
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)  # left by a killed build that had our process id
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        self._pending.append((temporary, target))
        with os.fdopen(handle, "wb") as stream:
            stream.write(body)
        return True

    def hand_over(self) -> list[tuple[Path, Path]]:
        """The staged (temporary, target) pairs, for a `Staging` in another process to `take`; this one
        forgets them."""
        pending, self._pending = self._pending, []
        return pending

    def take(self, pending: list[tuple[Path, Path]]) -> None:
        """Commit (or discard) files another process staged, with these."""
        self._pending.extend(pending)

    def commit(self) -> None:
        if self._pending and self._durable:
            os.sync()  # every staged file is on disk before any of them replaces a good one
        for temporary, target in self._pending:
            os.replace(temporary, target)
        self._pending.clear()

    def discard(self) -> None:
        for temporary, _ in self._pending:
            temporary.unlink(missing_ok=True)
        self._pending.clear()



def replace_file(target: Path, body: bytes, durable: bool = True) -> bool:
    """Put ``body`` at ``target`` atomically (and, unless told otherwise, durably), unless it already holds
    exactly that; True if written."""
    staging = Staging(durable)
    try:
        written = staging.stage(target, body)
        staging.commit()
    finally:
        staging.discard()
    return written
