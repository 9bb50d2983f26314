"""Replacing files so that a reader sees either the old or the new complete file, never half of one; and
reading a file that may not be what its name says (`read_regular_file`).

New content is written to a temporary name beside its target, made durable, and renamed over the old file
(a rename within one folder is atomic); then the folders are synced so the renames last too. Durability
comes from the files' own filesystem (``syncfs`` of it, once for the files and once for the renames, or
else ``fsync`` of each file and then of each folder), never from a sync of every filesystem on the host.
"""

from __future__ import annotations

import json
import os
import stat
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
        try:
            unwritten = memoryview(body)
            while unwritten:
                unwritten = unwritten[os.write(handle, unwritten):]
        finally:
            os.close(handle)
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
        folders = sorted({target.parent for _, target in pending})
        if pending and self._durable:
            _flush([temporary for temporary, _ in pending], folders)  # on disk before any replaces a good file
        for temporary, target in pending:
            os.replace(temporary, target)
        if pending and self._durable:
            _flush(folders, folders)  # so that the renames last too
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


class FileRefused(ValueError):
    """A file that is not read: not a regular file, or too large."""


_MORE = 1 << 16  # bytes asked for by each read past the size the file had when opened


def read_regular_file(path: str | os.PathLike[str], max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``; `FileRefused` past ``max_bytes`` (also when it grows past
    it while read) or for a pipe, device or folder put in its place, which is never waited on; OSError when
    it cannot be read. One read of the size the file has (a plain ``read(max_bytes + 1)`` would have the
    system map a buffer of the limit for every file), and one more to see its end."""
    return read_regular(path, max_bytes)[0]


def read_regular(path: str | os.PathLike[str], max_bytes: int) -> tuple[bytes, os.stat_result]:
    """`read_regular_file`, with the status of the file as it was opened."""
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise FileRefused("it is not a regular file (a folder, a device or a pipe)")
        if status.st_size > max_bytes:
            raise FileRefused(f"it is {status.st_size:,} bytes, over the limit of {max_bytes:,} bytes")
        raw = os.read(handle, status.st_size + 1)
        while len(raw) <= max_bytes:
            more = os.read(handle, min(_MORE, max_bytes + 1 - len(raw)))
            if not more:
                return raw, status
            raw += more
        raise FileRefused(f"it grew past the limit of {max_bytes:,} bytes while being read")
    finally:
        os.close(handle)


MAX_STATE_BYTES = 1 << 30  # a state file of feedpub's own (cache, snapshot, manifest) larger than this is damaged


def read_table(path: Path, format_: int, field: str) -> dict[str, Any]:
    """The table under ``field`` of a small JSON state file (a manifest, a record of digests) written by
    `write_table` with ``format_``; empty when the file is missing, damaged or of another format: losing
    one only costs the next run time."""
    try:
        document = json.loads(read_regular_file(path, MAX_STATE_BYTES))
        if document.get("format") == format_ and isinstance(document.get(field), dict):
            return document[field]
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def write_table(path: Path, format_: int, field: str, table: dict[str, Any]) -> None:
    """Replace the state file at ``path`` atomically, without a sync of its own (see `read_table`)."""
    replace_file(path, json.dumps({"format": format_, field: table}, separators=(",", ":")).encode(), durable=False)


@cache
def _libc() -> Any:
    """The C library's functions this module needs beyond Python's (``syncfs``, ``statfs``); None where
    there is none to load."""
    import ctypes  # only a build that wrote files needs it

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _syncfs() -> Any:
    """Linux's ``syncfs(fd)``: flushes one filesystem, whatever the number of files; None elsewhere."""
    return getattr(_libc(), "syncfs", None)


FUSE = 0x65735546  # FUSE_SUPER_MAGIC, as statfs gives a FUSE filesystem's type
_STATFS_BUFFER = 512  # more than any platform's struct statfs, whose first field is the type


def filesystem_type(folder: Path) -> int | None:
    """The type (magic number) of the filesystem ``folder`` is on, from ``statfs``; None if unknown."""
    import ctypes

    statfs = getattr(_libc(), "statfs", None)
    if statfs is None:
        return None
    buffer = ctypes.create_string_buffer(_STATFS_BUFFER)
    if statfs(os.fsencode(folder), buffer) != 0:
        return None
    return ctypes.c_ulong.from_buffer(buffer).value & 0xFFFFFFFF


def _syncs_whole_filesystem(folder: Path) -> bool:
    """Whether ``syncfs`` makes everything on ``folder``'s filesystem durable. Not on FUSE (sshfs, rclone,
    s3fs, ...): the kernel answers it there without asking the filesystem, where an ``fsync`` of each file
    and folder does ask."""
    kind = filesystem_type(folder)
    return kind is not None and kind != FUSE


def _flush(paths: list[Path], folders: list[Path]) -> None:
    """Make ``paths`` durable (files in ``folders``, or those folders themselves, so that the names in them
    last): one ``syncfs`` per filesystem the folders are on, or else an ``fsync`` of each path."""
    syncfs = _syncfs()
    devices: dict[int, Path] = {}
    for folder in folders:
        devices.setdefault(os.stat(folder).st_dev, folder)
    if syncfs is not None and all(map(_syncs_whole_filesystem, devices.values())):
        for path in devices.values():
            handle = os.open(path, os.O_RDONLY)
            try:
                if syncfs(handle) == 0:
                    continue
            finally:
                os.close(handle)
            break  # refused: fall back to fsync of every path
        else:
            return
    for path in paths:
        handle = os.open(path, os.O_RDONLY)  # a folder too: its fsync makes the names in it last
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
