"""Replacing files so that a reader sees either the old or the new complete file, never half of one.

New content is written to a temporary name beside its target, made durable, and renamed over the old file
(a rename within one folder is atomic); then the folders are synced so the renames last too. Durability
comes from the files' own filesystem (``syncfs`` of it, or ``fsync`` of each file), never from a sync of
every filesystem on the host.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any


class Staging:
    """New file contents written beside their targets, made durable together, then renamed in.

    A build killed before the renames leaves only temporary files (removed by the next build); one killed
    during them leaves every file either old or new, and whole.
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
        pending = self._pending
        if pending and self._durable:
            _flush([temporary for temporary, _ in pending])  # on disk before any replaces a good file
        for temporary, target in pending:
            os.replace(temporary, target)
        if pending and self._durable:
            for folder in sorted({target.parent for _, target in pending}):
                _fsync_folder(folder)
        pending.clear()

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


def read_table(path: Path, format_: int, field: str) -> dict[str, Any]:
    """The table under ``field`` of a small JSON state file (a manifest, a record of digests) written by
    `write_table` with ``format_``; empty when the file is missing, damaged or of another format: losing
    one only costs the next run time."""
    try:
        document = json.loads(path.read_bytes())
        if document.get("format") == format_ and isinstance(document.get(field), dict):
            return document[field]
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def write_table(path: Path, format_: int, field: str, table: dict[str, Any]) -> None:
    """Replace the state file at ``path`` atomically, without a sync of its own (see `read_table`)."""
    replace_file(path, json.dumps({"format": format_, field: table}, separators=(",", ":")).encode(), durable=False)


@cache
def _syncfs() -> object | None:
    """Linux's ``syncfs(fd)``: flushes one filesystem, whatever the number of files; None elsewhere."""
    import ctypes  # only a build that wrote files needs it

    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


def _flush(files: list[Path]) -> None:
    """Make the contents of ``files`` durable: one ``syncfs`` per filesystem they are on, or else an
    ``fsync`` of each."""
    syncfs = _syncfs()
    devices: dict[int, Path] = {}
    for path in files:
        devices.setdefault(os.stat(path).st_dev, path)
    if syncfs is not None:
        for path in devices.values():
            handle = os.open(path, os.O_RDONLY)
            try:
                if syncfs(handle) == 0:  # type: ignore[operator]
                    continue
            finally:
                os.close(handle)
            break  # refused: fall back to fsync of every file
        else:
            return
    for path in files:
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
