"""A published feed's articles in one query order, as query feeds show the head of it.

The server answers ``?limit=N`` and ``?sort=heat`` on any feed; each such order is kept as a `Ranking`
by `feedpub.site.Site`, with the entries and rendered entries of as much of its head as queries have asked
for so far, so that the next query for a head of that order costs slices and a join.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping
from datetime import datetime

from .feeds.document import Entry
from .model import Article
from .render import Format


class Ranking:
    """A published feed's articles in one query order, with the entries and each format's rendered entries
    of as many of them as queries have asked for so far, and the newest entry time of each head.

    A query feed that shows the head of an order (``limit``, ``sort=heat``) then costs slices and a join,
    in C, however many articles the site has: no entry is described, looked up or rendered again. The
    lists only grow, under a lock, and a reader slices no further than they have grown.
    """

    def __init__(self, articles: tuple[Article, ...], describe: Callable[[Article], Entry], digest: bytes) -> None:
        self.articles = articles
        self.digest = digest  # of the articles' revisions
        self._describe = describe
        self._entries: list[Entry] = []
        self._newest: list[datetime] = []  # _newest[i]: the latest ``updated`` among _entries[: i + 1]
        self._fragments: dict[str, list[bytes]] = {}
        self._lock = threading.Lock()
        self._place: dict[str, int] | None = None

    @property
    def place(self) -> dict[str, int]:
        """Each article's index in this order, by URL."""
        if self._place is None:  # two threads may count at once, to the same; either is kept
            self._place = {article.url: index for index, article in enumerate(self.articles)}
        return self._place

    def head(self, count: int) -> tuple[tuple[Entry, ...], datetime | None]:
        """The entries of the first ``count`` articles, and the newest of their times (None for none)."""
        if len(self._entries) < count:
            with self._lock:
                for article in self.articles[len(self._entries) : count]:
                    entry = self._describe(article)
                    self._newest.append(max(entry.updated, self._newest[-1]) if self._newest else entry.updated)
                    self._entries.append(entry)
        return tuple(self._entries[:count]), self._newest[count - 1] if count else None

    def fragments(self, format_: Format, rendered: MutableMapping[Entry, bytes], count: int) -> list[bytes]:
        """The first ``count`` entries rendered in ``format_`` (after `head` of at least ``count``), shared
        with every other document of that format through ``rendered``."""
        done = self._fragments.get(format_.extension)
        if done is None or len(done) < count:
            with self._lock:
                done = self._fragments.setdefault(format_.extension, [])
                for entry in self._entries[len(done) : count]:
                    fragment = rendered.get(entry)
                    if fragment is None:
                        fragment = rendered[entry] = format_.entry(entry)
                    done.append(fragment)
        return done[:count]
