"""Writing a site to a folder of static files, so any web server or CDN can serve it.

Each file is written to a temporary name, flushed to disk and renamed over the old one, so a reader of
the folder sees either the old or the new complete file, never half of one. Files whose bytes did not
change are not touched, so static hosts keep their ETags and Last-Modified times.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import Staging, read_table, write_table
from ..errors import OutputError
from ..locking import LOCK_FILE, holding
from ..feeds.keys import DocKey, FeedKey, parse_path
from ..feeds.kinds import subscription_keys
from ..render import FORMATS
from ..site import Site
from .parallel import render_documents

# Fingerprints of the documents the last build wrote, so the next one renders only what changed.
MANIFEST = ".feedpub-manifest.json"
MANIFEST_FORMAT = 1


class PublishError(OutputError):
    """The output folder cannot be written; the message says why and what to do."""


@dataclass
class Written:
    """What a writer that stays running (``build --watch``) knows the output folder holds after its last
    write: the manifest and the feed files. The next write then trusts it instead of listing the folder,
    reading the manifest and statting every file, so it costs in proportion to what changed; a file
    someone else changes meanwhile is put right when its documents next change, or by a build."""

    manifest: dict[str, list[Any]] = field(default_factory=dict)
    # The files of each subscription feed (its formats, page and archives); None until a first write.
    feed_files: dict[FeedKey, set[str]] | None = None


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def write_site(
    site: Site, out: Path, progress: Callable[[int, int], None] | None = None, workers: int = 1,
    state: Written | None = None,
) -> WriteReport:
    """Write every document of ``site`` under ``out`` and remove feed files that no longer exist.

    ``progress(done, total)`` is called as documents are done, for a progress bar. With more than one
    worker, many documents to render are rendered in that many processes (see `feedpub.static.parallel`).
    Raises `PublishError` saying which file could not be written and why; the files published before
    are then left whole, as they were. A ``state`` kept from one call to the next spares the next one from
    looking at every file (see `Written`).
    """
    try:
        return _write_site(site, out, progress, workers, state)
    except OSError as error:
        raise PublishError(_failure(error, out)) from None


def _failure(error: OSError, out: Path) -> str:
    """What went wrong writing under ``out``, said for a person: which file, why, and what to do."""
    where = error.filename or out
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        advice = f"the disk holding {out} is full; free some space and build again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = f"this user may not write to {where}; make {out} writable, or choose another --out"
    elif error.errno in (errno.ENOTDIR, errno.EEXIST):
        blocking = next((parent for parent in (Path(where), *Path(where).parents) if parent.is_file()), Path(where))
        advice = f"{blocking} is a file, not a folder; move it away, or choose another --out"
    else:
        advice = f"{error.strerror or error} ({where})"
    return f"cannot write the feeds to {out}: {advice}. The feeds published before were left as they were."


def _write_site(
    site: Site, out: Path, progress: Callable[[int, int], None] | None, workers: int, state: Written | None
) -> WriteReport:
    report = WriteReport()
    out.mkdir(parents=True, exist_ok=True)
    root = str(out)
    with _exclusive(out):
        trusted = state is not None and state.feed_files is not None
        incremental = trusted and site.kept_feeds is not None
        if incremental:
            # Only the feeds the change touched, and of those only the documents that may differ.
            previous = state.manifest  # type: ignore[union-attr]
            keys, feed_files, wanted = _touched(site, state.feed_files)  # type: ignore[union-attr,arg-type]
            manifest = dict(previous)
        else:
            if trusted:
                feed_files = sorted(path for paths in state.feed_files.values() for path in paths)  # type: ignore[union-attr]
                previous = state.manifest  # type: ignore[union-attr]
            else:
                found = _Listing.of(root)
                for temporary in found.temporaries:
                    # Only ever our own ``.name.*.tmp`` pattern: left behind by a killed build.
                    with suppress(FileNotFoundError):
                        os.unlink(f"{root}/{temporary}")
                feed_files, previous = found.feed_files, read_manifest(out)
            manifest = {}
            keys = list(site.documents())
            wanted = {key.path for key in keys}
        todo: list[DocKey] = []
        fingerprints: dict[DocKey, str | None] = {}
        for key in keys:
            path = key.path
            fingerprint = fingerprints[key] = site.fingerprint(key)
            recorded = previous.get(path)
            if fingerprint is not None and (
                recorded is not None and recorded[0] == fingerprint if trusted
                else _still_current(f"{root}/{path}", recorded, fingerprint)
            ):
                manifest[path] = recorded  # type: ignore[assignment]
                report.unchanged.append(path)
            else:
                todo.append(key)
        staging = Staging()
        try:
            done = len(keys) - len(todo)
            on_progress = None if progress is None else (lambda rendered: progress(done + rendered, len(keys)))
            outcomes = render_documents(site, out, todo, staging, workers, on_progress)
            for key in todo:
                outcome = outcomes[key]
                if outcome is None:
                    manifest.pop(key.path, None)
                    continue  # no such document after all
                (report.written if outcome else report.unchanged).append(key.path)
                if fingerprints[key] is not None:
                    manifest[key.path] = [fingerprints[key]]
            staging.commit()
        finally:
            staging.discard()
        if progress is not None:
            progress(len(keys), len(keys))
        _write_manifest(out, manifest)
        emptied: set[str] = set()
        # Only ever paths of the URL layout: the list may come from a record of the last build (see `Written`).
        for stale in [path for path in feed_files if path not in wanted and parse_path(path) is not None]:
            with suppress(FileNotFoundError):
                os.unlink(f"{root}/{stale}")
            manifest.pop(stale, None)
            report.removed.append(stale)
            emptied.add(os.path.dirname(stale))
        for folder in sorted(emptied, key=len, reverse=True):
            _remove_empty_folders(root, folder)
        if state is not None:
            state.manifest = manifest
            by_feed = dict(state.feed_files) if incremental else {}  # type: ignore[arg-type]
            for path in feed_files:
                if path not in wanted and (key := parse_path(path)) is not None and key.feed is not None:
                    by_feed.get(key.feed.subscription, set()).discard(path)
            for key in keys:
                if key.feed is not None and outcomes.get(key, True) is not None:
                    by_feed.setdefault(key.feed.subscription, set()).add(key.path)
            state.feed_files = {feed: paths for feed, paths in by_feed.items() if paths}
    return report


def _touched(site: Site, feed_files: dict[FeedKey, set[str]]) -> tuple[list[DocKey], list[str], set[str]]:
    """For a write that follows another of the site ``site`` was loaded from: the documents that may have
    changed (those of feeds and archive pages the site did not keep), the files that may have to go (those
    of feeds whose number of documents changed, or that are gone), and the paths wanted among them."""
    kept, kept_pages = site.kept_feeds or frozenset(), site.kept_pages
    touched = [feed for feed in subscription_keys(site.catalog) if feed not in kept]
    feeds: list[FeedKey] = []
    doubtful: list[FeedKey] = []  # feeds whose set of files may have changed
    for feed in touched:
        documents = site.feeds([feed])
        feeds.extend(document for document in documents if document not in kept_pages)
        if len(feed_files.get(feed, ())) != len(FORMATS) * len(documents) + 1:  # formats, and the feed's page
            doubtful.append(feed)
    gone = feed_files.keys() - kept - set(touched)
    keys = list(site.documents(feeds))
    wanted = {key.path for key in keys}
    wanted.update(key.path for key in site.documents(site.feeds(doubtful)))
    candidates = sorted(path for feed in (*doubtful, *gone) for path in feed_files.get(feed, ()))
    return keys, candidates, wanted


def _still_current(target: str, recorded: list[Any] | None, fingerprint: str) -> bool:
    """True when ``target`` was written from this fingerprint and has not been touched since."""
    return bool(recorded) and recorded[0] == fingerprint and as_recorded(target, recorded)  # type: ignore[index,arg-type]


def as_recorded(target: str, recorded: list[Any]) -> bool:
    """True when the file ``target`` has the size and modification time its manifest record gives."""
    if len(recorded) != 3:
        return False
    try:
        stat = os.stat(target)
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == recorded[1:]


def read_manifest(out: Path) -> dict[str, list[Any]]:
    """What the last build wrote: fingerprints, sizes and times by path; anything unreadable counts as none."""
    return read_table(out / MANIFEST, MANIFEST_FORMAT, "documents")


def _write_manifest(out: Path, manifest: dict[str, list[Any]]) -> None:
    for path, record in manifest.items():
        if len(record) == 1:  # written or checked this build: record the file as it is now
            try:
                stat = os.stat(f"{out}/{path}")
            except OSError:
                continue
            record += [stat.st_size, stat.st_mtime_ns]
    # Unchanged bytes are left alone, so a build that changed nothing touches no file; a lost manifest only
    # costs the next build a full render, so it needs no sync of its own.
    write_table(out / MANIFEST, MANIFEST_FORMAT, "documents", manifest)


@dataclass
class _Listing:
    """What the output folder held before a build: feed files (paths the URL layout names; nothing else is
    ever removed) and temporary files a killed build left behind, as paths relative to the folder."""

    feed_files: list[str] = field(default_factory=list)
    temporaries: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, root: str) -> _Listing:
        listing = cls()
        folders = [""]
        while folders:
            prefix = folders.pop()
            with os.scandir(f"{root}/{prefix}" if prefix else root) as entries:  # file types without a stat each
                found = sorted(entries, key=lambda entry: entry.name)
            for entry in found:
                name = entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not name.startswith("."):  # never into links, nor hidden folders
                        folders.append(f"{prefix}{name}/")
                elif not entry.is_file(follow_symlinks=False):
                    continue
                elif name.startswith("."):
                    if name.endswith(".tmp"):
                        listing.temporaries.append(prefix + name)
                elif (key := parse_path(prefix + name)) is not None and key.feed is not None:
                    listing.feed_files.append(prefix + name)
        return listing


def _remove_empty_folders(root: str, folder: str) -> None:
    """Remove ``folder`` (relative to ``root``) and then its parents, while they are empty: an archive folder
    whose feed is gone. The output folder itself stays."""
    while folder:
        try:
            os.rmdir(f"{root}/{folder}")
        except OSError:
            return  # not empty (or already gone)
        folder = os.path.dirname(folder)


def _exclusive(out: Path) -> AbstractContextManager[None]:
    """Hold the lock on ``out`` alone, so two builds (or a build and a deploy) cannot interleave."""
    return holding(out, exclusive=True, busy=(
        f"another feedpub process (a build or a deploy) is using {out} (it holds {out / LOCK_FILE}); "
        "wait for it to finish and run this build again"
    ))
