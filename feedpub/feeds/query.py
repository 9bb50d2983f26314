"""Query feeds: a subscription feed narrowed or re-sorted by URL parameters (server only).

Any client can ask for any query, so each should cost work in proportion to what it returns, not to the
site's size: a plain ``limit`` or ``sort=heat`` is the head of an order the site keeps per feed, and so is
``min_heat`` with ``sort=heat`` (found by bisection); other filters stop as soon as ``limit`` articles pass,
and several topics are merged only as far as the feed shows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice, takewhile
from typing import Literal

from ..model import Article


@dataclass(frozen=True)
class Query:
    """A narrowed or re-sorted view of a subscription feed, from URL parameters (see feedpub.web)."""

    limit: int | None = None
    sort: Literal["newest", "heat"] = "newest"
    min_heat: int | None = None
    min_quality: int | None = None

    def select(
        self, articles: Iterable[Article], default_limit: int, hottest: Iterable[Article] | None = None
    ) -> tuple[Article, ...]:
        """The articles this query shows from ``articles`` (newest first); ``hottest`` is the same articles in
        `hottest_order`, when the caller has them so (a site keeps each feed's). Reads no further than the
        last article shown, so either may be a lazy iterator."""
        candidates = self.ordered(articles, hottest)
        if self.sort == "heat" and self.min_heat is not None:
            candidates = takewhile(self._hot_enough, candidates)  # hottest first: those hot enough come first
        if self._picks:
            candidates = filter(self._admits, candidates)
        return tuple(islice(candidates, self.limit or default_limit))

    def ordered(self, articles: Iterable[Article], hottest: Iterable[Article] | None = None) -> Iterable[Article]:
        """``articles`` (newest first) in this query's order."""
        if self.sort == "heat":
            return hottest if hottest is not None else tuple(sorted(articles, key=hottest_order))
        return articles

    def prefix(self, ordered: Sequence[Article], default_limit: int) -> int | None:
        """How many articles from the head of ``ordered`` (in this query's order) the query shows, when
        they are all from its head: with no filter, or only ``min_heat`` on a hot feed; else None."""
        limit = self.limit or default_limit
        if self._picks:
            return None
        if self.min_heat is None:
            return min(limit, len(ordered))
        return min(limit, bisect_right(ordered, -self.min_heat, key=_negative_heat))  # hottest first

    @property
    def _picks(self) -> bool:
        """Whether articles are picked one by one, rather than read from the head of the order."""
        return self.min_quality is not None or (self.min_heat is not None and self.sort != "heat")

    def _hot_enough(self, article: Article) -> bool:
        return self.min_heat is None or article.heat >= self.min_heat

    def _admits(self, article: Article) -> bool:
        return (self.min_heat is None or article.heat >= self.min_heat) and (
            self.min_quality is None or (article.quality is not None and article.quality >= self.min_quality)
        )

    def query_string(self) -> str:
        """The canonical form of this query, for self links and cache keys (asked for several times per
        request: its values, whole numbers and a sort's name, need no escaping)."""
        pairs = (
            ("limit", self.limit), ("min_heat", self.min_heat), ("min_quality", self.min_quality),
            ("sort", None if self.sort == "newest" else self.sort),
        )
        return "&".join(f"{name}={value}" for name, value in pairs if value is not None)


def hottest_order(article: Article) -> tuple[int, float, str, str]:
    """Sort key of a "hot" feed: higher heat first, then newest, then URL and file name."""
    return (-article.heat, -article.published_at.timestamp(), article.url, article.source)


def _negative_heat(article: Article) -> int:
    return -article.heat
