"""Learning which files of the seeds folder changed: from the operating system's change notifications
(inotify on Linux, through ``watchdog``), or by polling where notifications are unavailable.

Following a folder this way costs nothing while nothing changes: the old way, listing and statting every
file every two seconds, cost half a second of CPU a look at 100,000 files. Notifications name the files
that changed, so the caller re-reads only those. A burst of changes (an editor's save, a ``git pull``) is
gathered into one batch: `FolderMonitor.wait` returns once the folder has been quiet for a moment.

When the monitor polls (notifications unavailable, or ``poll`` asked for: network filesystems do not
notify), or when notifications cannot say which files changed (a folder moved or removed), a batch is
`LOOK_AGAIN`: the caller compares every file's `feedpub.changes.StatKey` with what it loaded, which is
what the polling reloader always did.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Final

log = logging.getLogger(__name__)


class _LookAgain:
    """A batch that names no files: every file's stat key must be compared (see the module's docstring)."""

    def __repr__(self) -> str:
        return "LOOK_AGAIN"


LOOK_AGAIN: Final = _LookAgain()
Batch = frozenset[str] | _LookAgain
QUIET = 0.05  # seconds without a new event that end a burst
LONGEST_BURST = 1.0  # seconds a burst may go on before what it changed so far is handed over


class FolderMonitor:
    """The paths (as `feedpub.ingest.loader.discover` spells them) of files under ``seeds`` that changed.

    Files in hidden folders are left out (a ``.git`` folder changes all the time); hidden files at the top
    (the archive ledger) are not. ``start`` in the process that waits: threads do not survive a fork.
    """

    def __init__(self, seeds: Path, poll: bool = False, interval: float = 2.0) -> None:
        self.seeds = seeds
        self.interval = interval  # seconds between looks when polling
        self.method = "poll" if poll else "notify"  # "notify" becomes "poll" if notifications are unavailable
        self._root = os.path.abspath(seeds)
        self._prefix = str(seeds)
        self._pending: set[str] = set()
        self._look_again = False
        self._changed = threading.Condition()
        self._observer: Any = None
        self._stopped = False
        self._started = False
        self._next_look: float | None = None  # when polling: the time of the next look

    def start(self) -> None:
        """Begin following the folder (once); falls back to polling when the system refuses notifications."""
        if self._started:
            return
        self._started = True
        if self.method == "notify":
            try:
                self._observer = _observe(self._root, self)
            except (OSError, ImportError, RuntimeError) as error:
                log.warning("change notifications are unavailable for %s (%s); looking for changes every %g s instead",
                            self.seeds, error, self.interval)
                self.method = "poll"

    def stop(self) -> None:
        """Stop following the folder and wake a waiter, which then returns None."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None

    def wait(self, timeout: float | None = None) -> Batch | None:
        """Block until files changed and the burst is over, then return what changed: the paths of the files,
        or `LOOK_AGAIN`. None when ``timeout`` seconds passed without a change, or the monitor was stopped.

        Polling, `LOOK_AGAIN` comes every ``interval`` seconds, however often the caller waits (a watch wakes
        twice a second to see whether it was stopped; each look at a network filesystem costs a stat a file).
        """
        with self._changed:
            if self.method == "poll":
                if self._next_look is None:
                    self._next_look = time.monotonic() + self.interval
                remaining = self._next_look - time.monotonic()
                if not self._stopped and remaining > 0:
                    self._changed.wait(remaining if timeout is None else min(timeout, remaining))
                if self._stopped or time.monotonic() < self._next_look:
                    return None
                self._next_look = None  # the interval counts from the caller's next wait, once it has looked
                return LOOK_AGAIN
            if not self._changed.wait_for(self._has_news, timeout):
                return None
            started = time.monotonic()
            while not self._stopped and time.monotonic() - started < LONGEST_BURST:
                seen = len(self._pending), self._look_again
                self._changed.wait(QUIET)
                if (len(self._pending), self._look_again) == seen:
                    break
            if self._stopped:
                return None
            batch: Batch = LOOK_AGAIN if self._look_again else frozenset(self._pending)
            self._pending.clear()
            self._look_again = False
            return batch

    @property
    def stopped(self) -> bool:
        return self._stopped

    def _has_news(self) -> bool:
        return self._stopped or self._look_again or bool(self._pending)

    # Called by the observer's thread.

    def notice(self, path: str, is_folder: bool) -> None:
        relative = os.path.relpath(path, self._root)
        parts = relative.split(os.sep)
        folders = parts if is_folder else parts[:-1]
        if relative == "." or parts[0] == ".." or any(part.startswith(".") for part in folders):
            return
        with self._changed:
            if is_folder:
                self._look_again = True  # a folder created, moved or removed: its files are not named
            else:
                self._pending.add(f"{self._prefix}/{'/'.join(parts)}")
            self._changed.notify_all()


def _observe(root: str, monitor: FolderMonitor) -> Any:
    """A started watchdog observer reporting changes under ``root`` to ``monitor``; raises OSError when
    the system has no notifications to give (inotify refused, or watchdog would only poll)."""
    from watchdog import events
    from watchdog.observers import Observer  # imported only by those who follow a folder

    if Observer.__name__ == "PollingObserver":
        raise OSError("this system offers watchdog no change notifications")
    # Only what changes a file: opening and reading (ours included) must not wake anyone.
    wanted = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent, events.FileMovedEvent,
              events.FileClosedEvent, events.DirCreatedEvent, events.DirDeletedEvent, events.DirMovedEvent]
    if hasattr(events, "FileAttribEvent"):
        wanted.append(events.FileAttribEvent)  # touch, and a restored modification time

    class Handler(events.FileSystemEventHandler):
        def on_any_event(self, event: events.FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            if event.is_directory and event.event_type == "modified":
                return  # a file inside it changed, and says so itself
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path:
                    monitor.notice(os.fsdecode(path), event.is_directory)

    observer = Observer()
    try:
        observer.schedule(Handler(), root, recursive=True, event_filter=wanted)
        observer.daemon = True
        observer.start()
    except Exception:
        observer.stop()
        raise
    return observer
