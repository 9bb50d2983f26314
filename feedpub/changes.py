"""The one answer to "has this changed?", shared by the article cache, the server's reloader and the
static writer's fingerprints.

- A file has changed when its `stat_key` has: size, modification and change times in nanoseconds and
  inode. The change time catches edits that keep the size and put the old modification time back
  (``rsync -t``, ``cp -p``, tar), since no program can set it.
- Output made by other code is never trusted: `code_digest` covers feedpub's own source and templates and
  the versions of the libraries and the Python that shape what it writes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from functools import cache
from pathlib import Path

StatKey = tuple[int, int, int, int]
# The libraries whose versions can change a parsed article or a rendered byte, and the module each installs.
SHAPING_LIBRARIES = {
    "feedgen": "feedgen", "lxml": "lxml", "PyYAML": "yaml", "Jinja2": "jinja2", "python-dateutil": "dateutil",
}


def stat_key(status: os.stat_result) -> StatKey:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def file_key(path: str) -> StatKey | None:
    """The `StatKey` of the file at ``path``, or None when it cannot be looked at (gone, unreadable)."""
    try:
        return stat_key(os.stat(path))
    except OSError:
        return None


@cache
def code_digest() -> str:
    """A digest of the code that turns articles into feeds: every file of the package (so an editable
    install's edits count), and the versions of Python and of `SHAPING_LIBRARIES`."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(sys.version.encode())
    for name, module in SHAPING_LIBRARIES.items():
        digest.update(f"\0{name}={_installed_version(name, module)}".encode())
    _digest_folder(digest, Path(__file__).parent, "")
    return digest.hexdigest()


def _installed_version(name: str, module: str) -> str:
    """The version of the installed distribution ``name``, or "none". Read from the name of the one
    ``<name>-<version>.dist-info`` folder beside its ``module``, as installers make it (importing
    `importlib.metadata` would cost every build's start-up 10 ms); else from `importlib.metadata`."""
    wanted = re.sub(r"[-_.]+", "_", name).lower() + "-"
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        folder = os.path.dirname(os.path.dirname(spec.origin))  # site-packages/<module>/__init__.py
        found = [entry for entry in _listing(folder) if entry.lower().startswith(wanted) and entry.endswith(".dist-info")]
        if len(found) == 1:
            return found[0][len(wanted):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


@cache
def _listing(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder))
    except OSError:
        return ()


def _digest_folder(digest: hashlib._Hash, folder: Path, prefix: str) -> None:
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        name = f"{prefix}{item.name}"
        if item.is_dir():
            if not item.name.startswith((".", "__pycache__")):
                _digest_folder(digest, item, name + "/")
        elif item.name.endswith((".py", ".html", ".xsl", ".css")):
            digest.update(name.encode() + b"\0" + item.read_bytes())
