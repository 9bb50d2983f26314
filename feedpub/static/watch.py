"""``feedpub build --watch``: stay loaded and, whenever article files change, publish again, re-reading only
the files that changed and rewriting only the documents they touch.

The site stays in memory between rounds: a round re-parses the files the change notifications name
(`feedpub.ingest.notify`), makes the catalog from the articles in memory (`feedpub.site.load_site` with a
``previous`` site) and hands the new site to the static writer, whose manifest of fingerprints skips every
document whose articles did not change. A broken file is a `Problem` like in any build, and the rest is
published; a round that fails (the output folder unwritable, say) is reported and the watch goes on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import FeedpubError
from ..feeds.ledger import LEDGER
from ..ingest.loader import is_article_file
from ..ingest.notify import LOOK_AGAIN, Batch, FolderMonitor
from ..site import Site, changes, load_site
from .writer import WriteReport

log = logging.getLogger(__name__)
# Publishes a site: writes its files and records its archive ledger; True when the ledger file changed.
Publish = Callable[[Site], tuple[WriteReport, bool]]


@dataclass(frozen=True)
class Round:
    """One round of a watch: the files read again, the site made from them and what writing it did."""

    changed: tuple[str, ...]
    site: Site
    report: WriteReport | None  # None when the files changed nothing any document holds
    seconds: float  # from the end of the burst of changes to the files written
    error: Exception | None = None  # why the round failed; the watch goes on
    repeated: bool = False  # the same failure as the round before, with no look that worked between


class Watch:
    """A loaded site kept in step with its seeds folder, published again after each change."""

    def __init__(self, site: Site, monitor: FolderMonitor, publish: Publish) -> None:
        self.site = site
        self.monitor = monitor
        self._publish = publish
        self._failure: str | None = None  # what the last round that failed said, until a look works

    def run(self, stop: threading.Event, on_round: Callable[[Round], None] = lambda round_: None) -> None:
        """Publish after every change until ``stop`` is set (checked at least every half second)."""
        self.monitor.start()
        try:
            # First, one look at every file: what changed between the load and the start of the notifications.
            batch: Batch | None = LOOK_AGAIN
            while not stop.is_set():
                round_ = self.publish(batch) if batch is not None else None
                if round_ is not None:
                    on_round(round_)
                batch = self.monitor.wait(timeout=0.5)
        finally:
            self.monitor.stop()

    def publish(self, batch: Batch) -> Round | None:
        """Publish what the files ``batch`` names changed; None when they changed nothing. A failure that
        lasts (a polling watch meets it at every look) is marked `Round.repeated` after its first round."""
        round_ = self._round(batch)
        if round_ is None or round_.error is None:
            self._failure = None
            return round_
        said = f"{type(round_.error).__name__}: {round_.error}"
        repeated, self._failure = said == self._failure, said
        return dataclasses.replace(round_, repeated=repeated) if repeated else round_

    def _round(self, batch: Batch) -> Round | None:
        started = time.perf_counter()
        seeds = self.site.settings.seeds
        ledger = os.path.join(seeds, LEDGER)
        try:
            found = changes(self.site) if batch is LOOK_AGAIN else batch
        except (FeedpubError, OSError) as error:  # the seeds folder, or a folder in it, cannot be listed
            return Round((), self.site, None, time.perf_counter() - started, error)
        # Only article files and the ledger count: an editor's or a tool's temporary files do not.
        changed = [path for path in found if path == ledger or is_article_file(path, seeds)]  # type: ignore[union-attr]
        if not changed:
            return None
        try:
            previous, fresh = self.site, load_site(self.site.settings, previous=self.site, changed=changed)
            self.site = fresh
            if fresh.catalog is previous.catalog and fresh.archives.ledger is previous.archives.ledger:
                # No document changed (a touch, our own ledger, a broken file still broken): nothing to write.
                if fresh.problems == previous.problems:
                    return None
                return Round(tuple(sorted(changed)), fresh, None, time.perf_counter() - started)
            report, ledger_changed = self._publish(fresh)
            if ledger_changed:
                # Our own record of the pages now frozen: the next round starts from it, as a fresh build would.
                self.site = load_site(fresh.settings, previous=fresh, changed=[ledger])
        except Exception as error:  # noqa: BLE001 - a bug must not end the watch either; the server does the same
            return Round(tuple(sorted(changed)), self.site, None, time.perf_counter() - started, error)
        return Round(tuple(sorted(changed)), fresh, report, time.perf_counter() - started)
