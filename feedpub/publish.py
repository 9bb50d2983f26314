"""Writing a site to a folder of static files, so any web server or CDN can serve it.

Each file is written to a temporary name, flushed to disk and renamed over the old one, so a reader of
the folder sees either the old or the new complete file, never half of one. Files whose bytes did not
change are not touched, so static hosts keep their ETags and Last-Modified times.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import Staging, replace_file
from .feeds import ALL
from .formats import FORMATS
from .site import Site

LOCK_FILE = ".feedpub.lock"
# Fingerprints of the documents the last build wrote, so the next one renders only what changed.
MANIFEST = ".feedpub-manifest.json"
MANIFEST_FORMAT = 1
LAYOUT_FOLDERS = ("all", "topics", "providers")


class PublishError(Exception):
    """The output folder cannot be written; the message says why and what to do."""


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_site(site: Site, out: Path, progress: Callable[[int, int], None] | None = None) -> WriteReport:
    """Write every document of ``site`` under ``out`` and remove feed files that no longer exist.

    ``progress(done, total)`` is called as documents are done, for a progress bar.
    """
    report = WriteReport()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"cannot create the output folder {out}: {error.strerror}") from None
    with _exclusive(out):
        _remove_leftover_temporaries(out)
        previous = _read_manifest(out)
        manifest: dict[str, list[Any]] = {}
        staging = Staging()
        try:
            wanted: set[str] = set()
            paths = list(site.paths())
            for done, path in enumerate(paths, 1):
                if progress is not None and (done % 50 == 0 or done == len(paths)):
                    progress(done, len(paths))
                wanted.add(path)
                fingerprint = site.fingerprint(path)
                if fingerprint is not None and _still_current(out / path, previous.get(path), fingerprint):
                    manifest[path] = previous[path]
                    report.unchanged.append(path)
                    continue
                document = site.render(path)
                if document is None:
                    continue
                if staging.stage(out / path, document.body):
                    report.written.append(path)
                else:
                    report.unchanged.append(path)
                if fingerprint is not None:
                    manifest[path] = [fingerprint]
            staging.commit()
        finally:
            staging.discard()
        _write_manifest(out, manifest)
        for stale in _feed_files(out):
            if stale not in wanted:
                (out / stale).unlink()
                report.removed.append(stale)
        for folder in sorted(_layout_folders(out), reverse=True):
            if folder != out and not any(folder.iterdir()):
                folder.rmdir()  # an archive folder whose feed is gone
    return report


def _still_current(target: Path, recorded: list[Any] | None, fingerprint: str) -> bool:
    """True when ``target`` was written from this fingerprint and has not been touched since."""
    if not recorded or len(recorded) != 3 or recorded[0] != fingerprint:
        return False
    try:
        stat = target.stat()
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == recorded[1:]


def _read_manifest(out: Path) -> dict[str, list[Any]]:
    """What the last build wrote: fingerprints, sizes and times by path; anything unreadable counts as none."""
    try:
        document = json.loads((out / MANIFEST).read_bytes())
        if document.get("format") == MANIFEST_FORMAT and isinstance(document.get("documents"), dict):
            return document["documents"]
    except (OSError, ValueError, AttributeError):
        pass
    return {}


def _write_manifest(out: Path, manifest: dict[str, list[Any]]) -> None:
    for path, record in manifest.items():
        if len(record) == 1:  # written or checked this build: record the file as it is now
            try:
                stat = (out / path).stat()
            except OSError:
                continue
            record += [stat.st_size, stat.st_mtime_ns]
    body = json.dumps({"format": MANIFEST_FORMAT, "documents": manifest}, separators=(",", ":")).encode()
    # Unchanged bytes are left alone, so a build that changed nothing touches no file; a lost manifest only
    # costs the next build a full render, so it needs no sync of its own.
    replace_file(out / MANIFEST, body, durable=False)


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
        prefix = folder.relative_to(out).as_posix() + "/" if folder != out else ""
        with os.scandir(folder) as entries:  # scandir knows file types without a stat per file
            names = sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
        for name in names:
            # At the top, only the all-articles feed is ours; a manifest.json beside it is not.
            ours = folder != out or name.startswith(f"{ALL}.")
            if ours and name.endswith(suffixes) and not name.startswith("."):
                yield prefix + name


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
