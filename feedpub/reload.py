"""Keeping a running server's site in step with its seeds folder, without a restart.

A thread polls the folder's listing (names, sizes, modification times) and, when it changes, loads a
complete new `Build` and swaps it in with one assignment, so a request sees either the old site or the
new one, never half of each. A reload that fails keeps the last good site and logs why. Each site loaded
records its archive pages in the seeds folder's ledger, as a build does (see `feedpub.history`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from .build import Build, load_site
from .config import Settings
from .history import LedgerError
from .loader import discover

log = logging.getLogger(__name__)


def folder_signature(seeds: Path) -> str:
    """A digest of every article file's path, size and modification time: it changes when any file does."""
    digest = hashlib.sha256()
    for path in discover(seeds):
        try:
            stat = os.stat(path)
        except OSError:
            continue  # vanished while listing; the next poll sees the folder settled
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class Reloader:
    """Holds the current `Build` and replaces it when the seeds folder changes."""

    def __init__(self, settings: Settings, on_change: Callable[[Build, Build], None] | None = None) -> None:
        self.settings = settings
        self._on_change = on_change
        self._signature = folder_signature(settings.seeds)
        self.current: Build = load_site(settings, use_cache=True)
        self._ledger_warned = False
        self._freeze_archives(self.current)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Reload if the folder changed since the last look; True when a new site was swapped in."""
        signature = folder_signature(self.settings.seeds) if self.settings.seeds.is_dir() else ""
        if signature == self._signature:
            return False
        self._signature = signature
        try:
            fresh = load_site(self.settings, use_cache=True)
        except Exception as error:  # noqa: BLE001 - whatever went wrong, keep serving the last good site
            log.error("reloading %s failed, still serving the previous articles: %s", self.settings.seeds, error)
            return False
        previous, self.current = self.current, fresh
        for problem in fresh.problems:
            log.warning("%s", problem)
        log.info("reloaded %s: %d articles", self.settings.seeds, len(fresh.catalog.articles))
        self._freeze_archives(fresh)
        if self._on_change is not None:
            self._on_change(previous, fresh)
        return True

    def _freeze_archives(self, build: Build) -> None:
        """Record the archive pages now served, as a build does, so that a server alone keeps archives stable.

        Best effort: serving never depends on it. A seeds folder the server may not write is said once.
        """
        try:
            build.freeze_archives()
        except LedgerError as error:
            if not self._ledger_warned:
                log.warning("%s; serving goes on (this is said once)", error)
                self._ledger_warned = True

    def start(self, interval: float) -> None:
        """Poll every ``interval`` seconds in a daemon thread (it never keeps the process alive)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(interval,), name="feedpub-reload", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the poller must outlive any one bad look at the folder
                log.exception("checking %s for changes failed", self.settings.seeds)
