"""Archive pages (RFC 5005): each feed's older articles in fixed-size pages, numbered from the oldest.

Pages are cut by ``archive_size`` alone, and pages recorded in the archive ledger stay where they are
(see `feedpub.feeds.ledger`). Pure: articles and ledger in, index ranges out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..model import Article
from .catalog import Catalog, feed_order
from .keys import FeedKey
from .kinds import articles_of
from .ledger import ArchiveLedger, Boundary

T = TypeVar("T")


def cut_pages(articles: tuple[Article, ...], frozen: tuple[Boundary, ...], size: int) -> tuple[range, ...]:
    """A feed's archive pages, oldest first, as index ranges into its ``articles`` (newest first).

    Page k of the ``frozen`` ones holds the articles after the end of page k - 1 up to and including its own
    end, whatever their number: removing or editing an article changes only its page (which may even become
    empty, and stays, so that numbers and links stay put), and an article dated inside a frozen page's time
    arrives in that page. The articles newer than the last frozen page are cut by position, from the oldest,
    into full pages of ``size``; the fewer than ``size`` left over are only in the subscription feed.
    """
    pages: list[range] = []
    end = len(articles)
    for boundary in frozen:
        # Most pages still hold ``size`` articles: look there first (a feed of 100,000 articles has 2,000
        # pages, and a new article moves every one of them).
        start = bisect_near(articles, boundary.key, end, end - size, feed_order)
        pages.append(range(start, end))
        end = start
    for _ in range(end // size):
        pages.append(range(end - size, end))
        end -= size
    return tuple(pages)


def bisect_near(items: Sequence[T], target: Any, end: int, guess: int, key: Callable[[T], Any]) -> int:
    """``bisect_left(items, target, 0, end, key=key)``, found by galloping from ``guess``: two calls of
    ``key`` when the guess is right, and a few more the further it is off, instead of a bisection's
    logarithm of ``end``."""
    guess = min(max(guess, 0), end)
    low, high, step = 0, end, 1
    if guess < end and key(items[guess]) < target:
        low = guess + 1
        while (probe := guess + step) < end and key(items[probe]) < target:
            low = probe + 1
            step *= 2
        high = min(probe, end)
    else:
        high = guess
        while (probe := guess - step) >= 0 and not key(items[probe]) < target:
            high = probe
            step *= 2
        low = max(probe + 1, 0)
    return bisect_left(items, target, low, high, key=key)


class Archives:
    """The archive pages of every feed of one site, cut once per feed and kept by the ledger's ends."""

    def __init__(self, catalog: Catalog, ledger: ArchiveLedger) -> None:
        self.catalog = catalog
        self.ledger = ledger
        self._pages: dict[FeedKey, tuple[range, ...]] = {}

    def pages(self, feed: FeedKey, articles: tuple[Article, ...] | None = None) -> tuple[range, ...]:
        """The pages of the subscription feed ``feed`` (whose ``articles`` the caller may already have)."""
        pages = self._pages.get(feed)
        if pages is None:
            if articles is None:
                articles = articles_of(self.catalog, feed)
            pages = self._pages[feed] = cut_pages(articles, self.ledger.boundaries(feed.path), self.ledger.page_size)
        return pages

    def take_pages(self, other: Archives, feeds: Iterable[FeedKey]) -> None:
        """Take ``other``'s pages of ``feeds``, which the caller knows list the same articles with the same
        ledger in both: a site loaded after an edit cuts only the feeds the edit touched."""
        for feed in feeds:
            if feed in other._pages:
                self._pages[feed] = other._pages[feed]

    def cut(self) -> dict[FeedKey, tuple[range, ...]]:
        """The pages cut so far, by feed."""
        return dict(self._pages)

    def restore(self, pages: dict[FeedKey, tuple[range, ...]]) -> None:
        """Take pages that `cut` gave for the same articles and ledger (in another process). ValueError for
        pages no cut could give: they must tile the end of the feed's articles, oldest page first, the
        ledger's pages first and then full pages of the ledger's size."""
        size = self.ledger.page_size
        for feed, cut in pages.items():
            end = len(articles_of(self.catalog, feed))
            recorded = len(self.ledger.boundaries(feed.path))
            for number, page in enumerate(cut):
                if page.step != 1 or page.stop != end or not 0 <= page.start <= end or (
                        number >= recorded and len(page) != size):
                    raise ValueError(f"the archive pages {cut!r} of {feed.path} are not a cut of its articles")
                end = page.start
        self._pages.update(pages)

    def frozen(self, feeds: list[FeedKey]) -> ArchiveLedger:
        """The ledger with every page of ``feeds`` published now frozen: the recorded ends, then the ends of
        the pages cut by position. It cuts the same pages as the ledger it extends; later it keeps them."""
        recorded_feeds = dict(self.ledger.feeds)
        for feed in feeds:
            articles = articles_of(self.catalog, feed)
            recorded = self.ledger.boundaries(feed.path)
            cut = self.pages(feed, articles)[len(recorded):]
            if cut:
                recorded_feeds[feed.path] = recorded + tuple(
                    Boundary.of_page(articles[page.start], articles[page.start - 1] if page.start else None)
                    for page in cut
                )
        return ArchiveLedger(self.ledger.page_size, recorded_feeds)
