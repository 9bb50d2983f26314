"""The neutral description of a feed: what goes in it, before any format is chosen.

Like Django's syndication ``Feed``, this says *what* a feed holds (title, links, entries in order); the
writers in `feedpub.formats` say *how* each format spells it. Pure: catalog in, `Feed` out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from . import __version__
from .catalog import Catalog
from .config import Settings
from .model import Article, Image

ALL = "all"
TOPICS = "topics/"
# The time of a feed with no entries: fixed, so that an empty feed is still byte-for-byte reproducible.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    url: str
    summary: str
    published: datetime
    updated: datetime
    author: str | None
    categories: tuple[str, ...]
    image: Image | None


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed, independent of format. ``path`` is its place under the feeds folder, without extension."""

    path: str
    title: str
    description: str
    base_url: str
    language: str
    author: str
    updated: datetime
    entries: tuple[Entry, ...]
    generator: str = "feedpub"
    generator_version: str = __version__

    def url(self, extension: str) -> str:
        """Absolute URL of this feed in the format with ``extension`` (its self link)."""
        return f"{self.base_url}{self.path}.{extension}"

    @property
    def home_url(self) -> str:
        """The human-readable page the feed belongs to (its alternate link)."""
        return f"{self.base_url}index.html"


def feed_paths(catalog: Catalog) -> Iterator[str]:
    """Every feed the catalog gives: the feed of everything, then one per topic."""
    yield ALL
    for slug in catalog.topics:
        yield TOPICS + slug


def build_feed(catalog: Catalog, path: str, settings: Settings) -> Feed | None:
    """Describe the feed at ``path`` (``all`` or ``topics/<slug>``), or None when there is no such feed."""
    if path == ALL:
        title, description, articles = settings.title, settings.description, catalog.articles
    elif path.startswith(TOPICS) and (topic := catalog.topics.get(path[len(TOPICS):])) is not None:
        title = f"{settings.title}: {topic.name}"
        description = f"{topic.name}: {settings.description}"
        articles = topic.articles
    else:
        return None
    entries = tuple(_entry(catalog, article) for article in articles[: settings.limit])
    return Feed(
        path=path,
        title=title,
        description=description,
        base_url=settings.feeds_url,
        language=settings.language,
        author=settings.author,
        updated=max((entry.updated for entry in entries), default=EPOCH),
        entries=entries,
    )


def _entry(catalog: Catalog, article: Article) -> Entry:
    return Entry(
        id=article.id,
        title=article.title,
        url=article.url,
        summary=article.excerpt,
        published=article.published_at,
        updated=article.updated_at,
        author=article.provider.name if article.provider else None,
        categories=catalog.topic_names(article),
        image=article.images[0] if article.images else None,
    )
