"""The output folder as a deploy sees it: every file a reader may fetch, with its MD5.

Hidden files and folders (the build's manifest, its lock, temporary files) are build state and never
leave the machine.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from ..atomic import read_table, write_table
from ..changes import stat_key
from ..feeds.keys import INDEX
from ..locking import LOCK_FILE, FolderBusy, holding
from .plan import DeployError, LocalFile

# The MD5 of each file with the stat key it had, so the next deploy hashes only files that changed since.
# Hidden like the build's manifest: build state, never uploaded.
DIGESTS = ".feedpub-deploy.json"
DIGESTS_FORMAT = 1


def scan(out: Path, threads: int) -> dict[str, LocalFile]:
    """Every non-hidden file under ``out`` by relative path, with size and MD5.

    A file is hashed only when its stat key (`feedpub.changes.stat_key`, the one answer to "has this file
    changed?") differs from the one recorded beside its MD5 by the last deploy, in ``DIGESTS``: after a
    one-article build that is a dozen files, not a gigabyte. The files to hash are split into ``threads``
    slices hashed side by side (hashlib releases the GIL on large buffers).
    """
    root = str(out)
    recorded = _read_digests(out)
    files: dict[str, LocalFile] = {}
    todo: list[tuple[str, list[int]]] = []
    for path in _walk(root):
        try:
            key = list(stat_key(os.stat(f"{root}/{path}")))
        except OSError as error:
            raise DeployError(f"cannot read {root}/{path}: {error.strerror}") from None
        entry = recorded.get(path)
        if entry is not None and entry[:-1] == key and isinstance(entry[-1], str):
            files[path] = LocalFile(path, key[0], entry[-1])
        else:
            todo.append((path, key))
    if todo or len(recorded) != len(files):
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for part in pool.map(lambda part: [_describe(root, path) for path, _ in part], [todo[i::threads] for i in range(threads)]):
                files.update((file.path, file) for file in part)
        keys = dict(todo)
        digests = {path: [*keys[path], file.md5] if path in keys else recorded[path] for path, file in files.items()}
        with suppress(OSError):  # a folder we may not write, a lost record: the next deploy hashes again
            write_table(out / DIGESTS, DIGESTS_FORMAT, "files", digests)
    return files


def _read_digests(out: Path) -> dict[str, list[Any]]:
    return read_table(out / DIGESTS, DIGESTS_FORMAT, "files")


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
    if not (out / INDEX.path).is_file():
        raise DeployError(f"{out} holds no built site (no {INDEX.path}): run `feedpub build` first", status=2)
    stack = ExitStack()
    try:
        stack.enter_context(holding(out, exclusive=False, busy=f"a feedpub build is writing to {out}; deploy again when it has finished"))
    except FolderBusy as busy:
        raise DeployError(str(busy)) from None
    except OSError as error:
        raise DeployError(f"cannot open {out / LOCK_FILE}: {error.strerror}", status=2) from None
    with stack:
        yield
