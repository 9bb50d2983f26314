"""Keeping a running server's site in step with its seeds folder, without a restart.

A thread follows the folder through the operating system's change notifications
(`feedpub.ingest.notify`), so an idle server spends nothing on it; where notifications are unavailable
(or ``watch_method = "poll"``), it looks every ``reload_interval`` seconds at every article file's
`feedpub.changes.StatKey` and the archive ledger's, the same notion of "changed" the article cache uses.
When files changed, it loads a new `Site` from the current one, re-reading only those files, and swaps it
in with one assignment, so a request sees either the old site or the new one, never half of each. A
reload that fails keeps the last good site, logs why, and is tried again ``reload_interval`` seconds later
(or at the next change). The server only reads the archive ledger; `feedpub build` writes it, and a
running server follows.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Collection

from ..config import Settings
from ..ingest.notify import LOOK_AGAIN, FolderMonitor
from ..site import Site, changes, load_site
from .forking import start_over_after_fork

log = logging.getLogger(__name__)


class Reloader:
    """Holds the current `Site` and replaces it when the seeds folder changes."""

    def __init__(self, settings: Settings, on_change: Callable[[Site, Site], None] | None = None) -> None:
        self.settings = settings
        self._on_change = on_change
        self.current: Site = load_site(settings, use_cache=True, keep_files=True)
        self._lock = threading.Lock()  # one reload at a time, whichever thread asks
        self._failure: str | None = None  # what the last reload that failed said, until one succeeds
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self.monitor: FolderMonitor | None = None  # this process's, once its thread runs
        # The lock is held while the parent's follower reloads, and no thread of a child would release it.
        start_over_after_fork(self, Reloader._forked)

    def check(self) -> bool:
        """Look at every file and reload if any changed since the last good load; True when a new site
        was swapped in."""
        return bool(self.reload(None))

    def reload(self, changed: Collection[str] | None) -> bool | None:
        """Reload if any of the files ``changed`` (None: any file; see `feedpub.site.changes`) changed since
        the last good load; True when a new site was swapped in, None when loading it failed."""
        with self._lock:
            previous = self.current
            try:
                if changed is None:
                    changed = changes(previous)  # a folder that cannot be listed fails here
                    if not changed:
                        self._failure = None  # a look that worked: the next failure is news again
                        return False
                fresh = load_site(self.settings, use_cache=True, previous=previous, changed=changed)
            except Exception as error:  # noqa: BLE001 - whatever went wrong, keep serving the last good site
                # The current site still knows the old files, so the next look finds them changed again; the
                # same failure is said once, not at every look.
                if str(error) != self._failure:
                    self._failure = str(error)
                    log.error("reloading %s failed, still serving the previous articles (trying again at the "
                              "next look): %s", self.settings.seeds, error)
                return None
            self._failure = None
            self.current = fresh
            known = set(previous.problems)  # said when they appeared (or when the server started)
            for problem in fresh.problems:
                if problem not in known:
                    log.warning("%s", problem)  # a newly broken file too, though it changes no document
            if fresh.catalog is previous.catalog and fresh.archives.ledger is previous.archives.ledger:
                return False  # only stat keys moved (a touch), or a file broke: nothing to swap
            # Still under the lock: two reloads (the follower's and another thread's) hand their sites on in
            # the order they loaded them, so an older site is never swapped in after a newer one.
            if self._on_change is not None:
                self._on_change(previous, fresh)
        log.info("reloaded %s: %d articles", self.settings.seeds, len(fresh.catalog.articles))
        return True

    def ensure_running(self, interval: float) -> None:
        """Start following the folder in a daemon thread of this process, if not yet started; ``interval``
        is the seconds between looks when polling, and before a failed reload is tried again.

        Called when the app is made and again on each request: a server that forks its workers after
        loading the app (``gunicorn --preload``) gets a thread (and its own notifications) in each worker,
        since threads do not survive a fork.
        """
        pid = os.getpid()
        if self._thread_pid == pid:
            return
        with self._lock:
            if self._thread_pid == pid:
                return
            monitor = FolderMonitor(self.settings.seeds, poll=self.settings.watch_method == "poll", interval=interval)
            self._thread = threading.Thread(target=self._run, args=(monitor,), name="feedpub-reload", daemon=True)
            self._thread.start()
            self._thread_pid = pid

    def _forked(self) -> None:
        self._lock = threading.Lock()
        self._thread, self._thread_pid, self.monitor = None, 0, None

    def _run(self, monitor: FolderMonitor) -> None:
        monitor.start()
        self.monitor = monitor
        pending: set[str] | None = None  # the files to read again; None: look at every file
        due = True  # first, one look at every file: what changed before the notifications started
        while not monitor.stopped:
            if due:
                try:
                    failed = self.reload(pending) is None
                except Exception:  # noqa: BLE001 - the follower must outlive any one bad look at the folder
                    log.exception("checking %s for changes failed", self.settings.seeds)
                    failed = True
                if not failed:
                    pending = set()
            # After a failure, the same files are tried again ``interval`` seconds later.
            batch = monitor.wait(monitor.interval if failed else None)
            if batch is LOOK_AGAIN:
                pending = None
            elif batch is not None and pending is not None:
                pending |= batch  # type: ignore[arg-type]
            due = failed or batch is not None
