"""Query feeds cost work in proportion to what they show: a client can ask for any query, as often as it likes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from feedpub.feeds.query import Query, hottest_order
from feedpub.model import Article


class Counted(Sequence):
    """A tuple of articles that counts how many of them a query reads."""

    def __init__(self, items: Sequence[Article]) -> None:
        self.items = tuple(items)
        self.read = 0

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        found = self.items[index]
        self.read += len(found) if isinstance(index, slice) else 1
        return found

    def __iter__(self):
        for item in self.items:
            self.read += 1
            yield item


def _articles(count: int) -> tuple[Article, ...]:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return tuple(
        Article(id=f"https://example.com/{n}", title=f"A {n}", url=f"https://example.com/{n}", published_at=start - timedelta(minutes=n),
                updated_at=start - timedelta(minutes=n), heat=(n * 37) % 501, quality=n % 100, source=f"{n}.md")
        for n in range(count)
    )


ARTICLES = _articles(5000)
HOTTEST = tuple(sorted(ARTICLES, key=hottest_order))


@pytest.mark.parametrize("query", [Query(limit=5), Query(limit=5, sort="heat"), Query(sort="heat", min_heat=495, limit=5)])
def test_a_query_reads_only_the_articles_it_shows(query: Query) -> None:
    newest, hottest = Counted(ARTICLES), Counted(HOTTEST)
    shown = query.select(newest, 50, hottest)
    assert len(shown) == 5
    assert newest.read + hottest.read <= 5 + 20, "a bisection may look at a few more, never at every article"


@pytest.mark.parametrize("query", [Query(limit=7), Query(sort="heat", limit=9), Query(min_heat=400, limit=30),
                                   Query(sort="heat", min_heat=300, min_quality=50, limit=40), Query(min_quality=98),
                                   Query(sort="heat", min_heat=600)])
def test_the_shortcuts_show_what_filtering_every_article_shows(query: Query) -> None:
    def admitted(article: Article) -> bool:
        return (query.min_heat is None or article.heat >= query.min_heat) and (
            query.min_quality is None or (article.quality is not None and article.quality >= query.min_quality))

    ordered = HOTTEST if query.sort == "heat" else ARTICLES
    expected = tuple([article for article in ordered if admitted(article)][: query.limit or 50])
    assert query.select(ARTICLES, 50, HOTTEST) == expected
    assert query.select(ARTICLES, 50) == expected


def test_combined_topics_merged_as_far_as_shown_are_the_union_in_each_order() -> None:
    """A combined feed is merged lazily from its topics' orders; it must equal the plain union, sorted."""
    from feedpub.config import Settings
    from feedpub.feeds.catalog import build_catalog, in_feed_order
    from feedpub.feeds.keys import FeedKey
    from feedpub.feeds.ledger import ArchiveLedger
    from feedpub.site import Site

    topics = [("AI",), ("Robots",), ("AI", "Robots"), ("Space",)]
    tagged = [dataclasses.replace(a, topics=topics[n % 4]) for n, a in enumerate(ARTICLES[:400])]
    site = Site(build_catalog(tagged), Settings(), ArchiveLedger(50))
    union = [a for a in site.catalog.articles if {"AI", "Robots"} & set(a.topics)]
    assert union == in_feed_order(union)
    for query in [Query(limit=7), Query(limit=300), Query(sort="heat", limit=9), Query(min_heat=400, limit=30),
                  Query(sort="heat", min_heat=300, min_quality=50, limit=40), Query(min_quality=98), Query()]:
        expected = query.select(tuple(union), 50)
        assert site.select(FeedKey("combined", ("ai", "robots")), query).articles == expected, query
        assert len(set(expected)) == len(expected)
