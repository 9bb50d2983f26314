"""Keeping a running server's site in step with its seeds folder, without a restart.

A thread looks at the folder now and then: every article file's `feedpub.changes.StatKey` and the archive
ledger's, the same notion of "changed" the article cache uses. When anything changed, it loads a complete
new `Site` and swaps it in with one assignment, so a request sees either the old site or the new one,
never half of each. A reload that fails keeps the last good site, logs why, and is tried again at the next
look. The server only reads the archive ledger; `feedpub build` writes it, and a running server follows.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from ..changes import StatKey, file_key
from ..config import Settings
from ..feeds.ledger import LEDGER
from ..ingest.loader import discover
from ..site import Site, load_site
from .forking import start_over_after_fork

log = logging.getLogger(__name__)
Snapshot = tuple[tuple[str, StatKey | None], ...]


def folder_snapshot(settings: Settings) -> Snapshot:
    """Every article file with its `StatKey`, and the archive ledger's: equal snapshots, same site."""
    seeds = settings.seeds
    if not seeds.is_dir():
        return ()
    files = [(path, file_key(path)) for path in discover(seeds)]
    ledger = os.path.join(seeds, LEDGER)
    return (*files, (ledger, file_key(ledger)))


class Reloader:
    """Holds the current `Site` and replaces it when the seeds folder changes."""

    def __init__(self, settings: Settings, on_change: Callable[[Site, Site], None] | None = None) -> None:
        self.settings = settings
        self._on_change = on_change
        self._snapshot = folder_snapshot(settings)
        self.current: Site = load_site(settings, use_cache=True)
        self._lock = threading.Lock()  # one look at a time, whichever thread asks
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        # The lock is held while the parent's poller reloads, and no thread of a child would release it.
        start_over_after_fork(self, Reloader._forked)

    def check(self) -> bool:
        """Reload if the folder changed since the last good load; True when a new site was swapped in."""
        with self._lock:
            snapshot = folder_snapshot(self.settings)
            if snapshot == self._snapshot:
                return False
            try:
                fresh = load_site(self.settings, use_cache=True)
            except Exception as error:  # noqa: BLE001 - whatever went wrong, keep serving the last good site
                # The snapshot is kept as it was, so the next look tries again.
                log.error("reloading %s failed, still serving the previous articles (trying again at the next "
                          "look): %s", self.settings.seeds, error)
                return False
            self._snapshot = snapshot
            previous, self.current = self.current, fresh
            # Still under the lock: two looks (the poller's and another thread's) hand their sites on in
            # the order they loaded them, so an older site is never swapped in after a newer one.
            if self._on_change is not None:
                self._on_change(previous, fresh)
        for problem in fresh.problems:
            log.warning("%s", problem)
        log.info("reloaded %s: %d articles", self.settings.seeds, len(fresh.catalog.articles))
        return True

    def ensure_running(self, interval: float) -> None:
        """Start polling every ``interval`` seconds in a daemon thread of this process, if not yet started.

        Called when the app is made and again on each request: a server that forks its workers after
        loading the app (``gunicorn --preload``) gets a thread in each worker, since threads do not survive
        a fork.
        """
        pid = os.getpid()
        if self._thread_pid == pid:
            return
        with self._lock:
            if self._thread_pid == pid:
                return
            self._thread = threading.Thread(target=self._run, args=(interval,), name="feedpub-reload", daemon=True)
            self._thread.start()
            self._thread_pid = pid

    def _forked(self) -> None:
        self._lock = threading.Lock()
        self._thread, self._thread_pid = None, 0

    def _run(self, interval: float) -> None:
        stop = threading.Event()
        while not stop.wait(interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the poller must outlive any one bad look at the folder
                log.exception("checking %s for changes failed", self.settings.seeds)

