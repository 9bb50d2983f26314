"""Query feeds: a subscription feed narrowed or re-sorted by URL parameters (server only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from ..model import Article


@dataclass(frozen=True)
class Query:
    """A narrowed or re-sorted view of a subscription feed, from URL parameters (see feedpub.web)."""

    limit: int | None = None
    sort: Literal["newest", "heat"] = "newest"
    min_heat: int | None = None
    min_quality: int | None = None

    def select(self, articles: tuple[Article, ...], default_limit: int) -> tuple[Article, ...]:
        chosen = [
            article for article in articles
            if (self.min_heat is None or article.heat >= self.min_heat)
            and (self.min_quality is None or (article.quality is not None and article.quality >= self.min_quality))
        ]
        if self.sort == "heat":
            chosen.sort(key=hottest_order)
        return tuple(chosen[: self.limit or default_limit])

    def query_string(self) -> str:
        """The canonical form of this query, for self links and cache keys."""
        pairs = [
            ("limit", self.limit), ("min_heat", self.min_heat), ("min_quality", self.min_quality),
            ("sort", None if self.sort == "newest" else self.sort),
        ]
        return urlencode([(name, value) for name, value in pairs if value is not None])


def hottest_order(article: Article) -> tuple[int, float, str, str]:
    """Sort key of a "hot" feed: higher heat first, then newest, then URL and file name."""
    return (-article.heat, -article.published_at.timestamp(), article.url, article.source)
