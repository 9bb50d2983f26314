"""The output folder as a deploy sees it: every file a reader may fetch, with its MD5.

Hidden files and folders (the build's manifest, its lock, temporary files) are build state and never
leave the machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from ..publish import LOCK_FILE
from ..site import INDEX
from .plan import DeployError, LocalFile


def scan(out: Path, threads: int) -> dict[str, LocalFile]:
    """Every non-hidden file under ``out`` by relative path, with size and MD5.

    The files are split into ``threads`` slices hashed side by side (hashlib releases the GIL on large
    buffers); one task per slice, since a task per file costs more in locking than its MD5.
    """
    root = str(out)
    paths = list(_walk(root))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        slices = pool.map(lambda part: [_describe(root, path) for path in part], [paths[i::threads] for i in range(threads)])
        return {file.path: file for part in slices for file in part}


def read(out: Path, path: str) -> bytes:
    with open(f"{out}/{path}", "rb") as handle:
        return handle.read()


def _walk(root: str) -> Iterator[str]:
    for parent, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        prefix = "" if parent == root else parent[len(root) + 1 :].replace(os.sep, "/") + "/"
        for name in sorted(filenames):
            if not name.startswith("."):
                yield prefix + name


def _describe(root: str, path: str) -> LocalFile:
    try:
        with open(f"{root}/{path}", "rb") as handle:
            body = handle.read()
    except OSError as error:
        raise DeployError(f"cannot read {root}/{path}: {error.strerror}") from None
    return LocalFile(path, len(body), hashlib.md5(body, usedforsecurity=False).hexdigest())


@contextmanager
def unchanging(out: Path) -> Iterator[None]:
    """Keep builds out of ``out`` while it is deployed (a shared hold on the build's own lock), so the
    files uploaded are the ones that were compared."""
    if not (out / INDEX).is_file():
        raise DeployError(f"{out} holds no built site (no {INDEX}): run `feedpub build` first", status=2)
    try:
        lock = (out / LOCK_FILE).open("a")
    except OSError as error:
        raise DeployError(f"cannot open {out / LOCK_FILE}: {error.strerror}", status=2) from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeployError(f"a feedpub build is writing to {out}; deploy again when it has finished") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
