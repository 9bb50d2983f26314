"""Writing a site to a folder of static files, so any web server or CDN can serve it.

Each file is written to a temporary name, flushed to disk and renamed over the old one, so a reader of
the folder sees either the old or the new complete file, never half of one. Files whose bytes did not
change are not touched, so static hosts keep their ETags and Last-Modified times.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .feeds import ALL
from .formats import FORMATS
from .site import Site

LOCK_FILE = ".feedpub.lock"
LAYOUT_FOLDERS = ("all", "topics", "providers")


class PublishError(Exception):
    """The output folder cannot be written; the message says why and what to do."""


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_site(site: Site, out: Path) -> WriteReport:
    """Write every document of ``site`` under ``out`` and remove feed files that no longer exist."""
    report = WriteReport()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"cannot create the output folder {out}: {error.strerror}") from None
    with _exclusive(out):
        _remove_leftover_temporaries(out)
        staging = _Staging()
        try:
            wanted: set[str] = set()
            for path in site.paths():
                wanted.add(path)
                document = site.render(path)
                if document is None:
                    continue
                if staging.stage(out / path, document.body):
                    report.written.append(path)
                else:
                    report.unchanged.append(path)
            staging.commit()
        finally:
            staging.discard()
        for stale in _feed_files(out):
            if stale not in wanted:
                (out / stale).unlink()
                report.removed.append(stale)
        for folder in sorted(_layout_folders(out), reverse=True):
            if folder != out and not any(folder.iterdir()):
                folder.rmdir()  # an archive folder whose feed is gone
    return report


class _Staging:
    """New file contents written beside their targets, made durable with one sync, then renamed in.

    One sync for the whole build instead of one per file: a build killed before the renames leaves only
    temporary files (removed by the next build); one killed during them leaves every file either old or
    new, and whole.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def stage(self, target: Path, body: bytes) -> bool:
        """Write ``body`` beside ``target`` unless ``target`` already holds exactly that; True if staged."""
        try:
            if target.stat().st_size == len(body) and target.read_bytes() == body:
                return False
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        temporary = Path(name)
        self._pending.append((temporary, target))
        with os.fdopen(handle, "wb") as stream:
            stream.write(body)
        os.chmod(temporary, 0o644)
        return True

    def commit(self) -> None:
        if self._pending:
            os.sync()  # every staged file is on disk before any of them replaces a good one
        for temporary, target in self._pending:
            os.replace(temporary, target)
        self._pending.clear()

    def discard(self) -> None:
        for temporary, _ in self._pending:
            temporary.unlink(missing_ok=True)
        self._pending.clear()


def _remove_leftover_temporaries(out: Path) -> None:
    """Remove temporary files a killed build left behind (only ever our own ``.name.*.tmp`` pattern)."""
    for folder in _layout_folders(out):
        for entry in folder.glob(".*.tmp"):
            entry.unlink(missing_ok=True)


def _feed_files(out: Path) -> Iterator[str]:
    """Feed files and feed pages in ``out`` that feedpub's layout could have written (nothing else is ever
    removed)."""
    suffixes = (".html", *(f".{extension}" for extension in FORMATS))
    for folder in _layout_folders(out):
        for entry in sorted(folder.iterdir()):
            # At the top, only the all-articles feed is ours; a manifest.json beside it is not.
            ours = folder != out or entry.name.startswith(f"{ALL}.")
            if ours and entry.is_file() and entry.name.endswith(suffixes) and not entry.name.startswith("."):
                yield entry.relative_to(out).as_posix()


def _layout_folders(out: Path) -> Iterator[Path]:
    """The output folder and the subfolders feedpub writes feeds into (never links, never hidden ones)."""
    yield out
    for top in LAYOUT_FOLDERS:
        root = out / top
        if root.is_dir() and not root.is_symlink():
            for folder, dirnames, _ in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                yield Path(folder)


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """Hold a lock on ``out`` so two builds into one folder cannot interleave their writes."""
    lock_path = out / LOCK_FILE
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(
                f"another feedpub build is writing to {out} (it holds {lock_path}); "
                "wait for it to finish and run this build again"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
