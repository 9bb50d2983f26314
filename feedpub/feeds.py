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
PROVIDERS = "providers/"
ARCHIVE = "/archive/"
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
class History:
    """RFC 5005 links of one document: paths (without extension) of its neighbours, oldest archive first.

    ``prev_archive`` is the next-older archive; ``next_archive`` the next-newer one (for the newest
    archive, none: the subscription feed, ``current``, takes over).
    """

    current: str
    archive: int | None = None
    prev_archive: str | None = None
    next_archive: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed document, independent of format. ``path`` is its place under the feeds folder, without
    extension: ``all``, ``topics/ai``, ``providers/cnbc.com``, or an archive such as ``topics/ai/archive/3``.
    """

    path: str
    title: str
    description: str
    base_url: str
    language: str
    author: str
    updated: datetime
    entries: tuple[Entry, ...]
    history: History
    generator: str = "feedpub"
    generator_version: str = __version__

    def url(self, extension: str, path: str | None = None) -> str:
        """Absolute URL of this feed (or of ``path``, a neighbour) in the format with ``extension``."""
        return f"{self.base_url}{path or self.path}.{extension}"

    @property
    def home_url(self) -> str:
        """The human-readable page the feed belongs to (its alternate link)."""
        return f"{self.base_url}index.html"


def subscription_paths(catalog: Catalog) -> Iterator[str]:
    """Every subscription feed: everything, then one per topic, then one per provider."""
    yield ALL
    for slug in catalog.topics:
        yield TOPICS + slug
    for domain in catalog.providers:
        yield PROVIDERS + domain


def feed_paths(catalog: Catalog, settings: Settings) -> Iterator[str]:
    """Every feed document: each subscription feed followed by its archives, oldest first."""
    for path in subscription_paths(catalog):
        yield path
        selection = _selection(catalog, path, settings)
        if selection is not None:
            for number in range(1, archive_count(len(selection[2]), page_size(settings)) + 1):
                yield f"{path}{ARCHIVE}{number}"


def archive_count(articles: int, size: int) -> int:
    """Archives hold only full pages, counted from the oldest article, so new articles never change them."""
    return articles // size


def page_size(settings: Settings) -> int:
    """Articles per archive: never more than the subscription feed holds, so that the articles newer than
    the newest archive (fewer than a page) always fit in the subscription feed and none falls between."""
    return min(settings.archive_size, settings.limit)


def build_feed(catalog: Catalog, path: str, settings: Settings) -> Feed | None:
    """Describe the document at ``path``, or None when there is no such feed or archive."""
    current, marker, number_text = path.partition(ARCHIVE)
    selection = _selection(catalog, current, settings)
    if selection is None:
        return None
    title, description, articles = selection
    size = page_size(settings)
    archives = archive_count(len(articles), size)
    if not marker:
        shown = articles[: settings.limit]
        history = History(current, None, _archive_path(current, archives))
    else:
        number = int(number_text) if number_text.isdigit() and number_text[0] != "0" else 0
        if not 1 <= number <= archives:
            return None
        oldest_first_end = len(articles) - (number - 1) * size
        shown = articles[oldest_first_end - size : oldest_first_end]
        title = f"{title} (archive {number})"
        history = History(
            current,
            number,
            _archive_path(current, number - 1),
            _archive_path(current, number + 1) if number < archives else None,
        )
    entries = tuple(_entry(catalog, article) for article in shown)
    return Feed(
        path=path,
        title=title,
        description=description,
        base_url=settings.feeds_url,
        language=settings.language,
        author=settings.author,
        updated=max((entry.updated for entry in entries), default=EPOCH),
        entries=entries,
        history=history,
    )


def _archive_path(current: str, number: int) -> str | None:
    return f"{current}{ARCHIVE}{number}" if number >= 1 else None


def _selection(catalog: Catalog, path: str, settings: Settings) -> tuple[str, str, tuple[Article, ...]] | None:
    """Title, description and articles (newest first) of the subscription feed at ``path``."""
    if path == ALL:
        return settings.title, settings.description, catalog.articles
    for prefix, groups in ((TOPICS, catalog.topics), (PROVIDERS, catalog.providers)):
        if path.startswith(prefix) and (group := groups.get(path[len(prefix):])) is not None:
            return f"{settings.title}: {group.name}", f"{group.name}: {settings.description}", group.articles
    return None


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
