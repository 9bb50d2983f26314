"""The neutral description of a feed: what goes in it, before any format is chosen.

Like Django's syndication ``Feed``, this says *what* a feed holds (title, links, entries in order); the
writers in `feedpub.formats` say *how* each format spells it. Pure: catalog (and archive ledger) in, `Feed` out.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, NamedTuple
from urllib.parse import urlencode

from . import __version__
from .catalog import Catalog, feed_order, in_feed_order
from .config import Settings
from .history import ArchiveLedger, Boundary
from .model import Article, Image

ALL = "all"
TOPICS = "topics/"
PROVIDERS = "providers/"
ARCHIVE = "/archive/"
COMBINE = "+"
# Archives only change when an old article is edited or removed, so caches may keep them a day.
ARCHIVE_MAX_AGE = 86400
MAX_COMBINED = 10
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
    query_string: str = ""
    ttl_minutes: int = 5
    hub: str | None = None
    generator: str = "feedpub"
    generator_version: str = __version__
    icon: str | None = None  # square; readers show it beside the feed's entries
    logo: str | None = None  # wide; RSS's <image> falls back to the icon

    def url(self, extension: str, path: str | None = None) -> str:
        """Absolute URL of this feed (or of ``path``, a neighbour) in the format with ``extension``."""
        if path is not None:
            return f"{self.base_url}{path}.{extension}"
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.base_url}{self.path}.{extension}{query}"

    @property
    def home_url(self) -> str:
        """The feed's own HTML page (its alternate link): archives and query feeds belong to their feed's."""
        return f"{self.base_url}{self.history.current}.html"


def subscription_paths(catalog: Catalog) -> Iterator[str]:
    """Every subscription feed: everything, then one per topic, then one per provider."""
    yield ALL
    for slug in catalog.topics:
        yield TOPICS + slug
    for domain in catalog.providers:
        yield PROVIDERS + domain


def feed_paths(catalog: Catalog, settings: Settings, archives: Archives | None = None) -> Iterator[str]:
    """Every feed document: each subscription feed followed by its archives, oldest first."""
    archives = archives or Archives(catalog, settings)
    for path in subscription_paths(catalog):
        yield path
        for number in range(1, len(archives.pages(path)) + 1):
            yield f"{path}{ARCHIVE}{number}"


def page_size(settings: Settings) -> int:
    """Articles per archive: never more than the subscription feed holds, so that the articles newer than
    the newest archive (fewer than a page) always fit in the subscription feed and none falls between."""
    return min(settings.archive_size, settings.limit)


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
        start = bisect_left(articles, boundary.key, 0, end, key=feed_order)
        pages.append(range(start, end))
        end = start
    for _ in range(end // size):
        pages.append(range(end - size, end))
        end -= size
    return tuple(pages)


class Archives:
    """The archive pages of every feed of one catalog, cut once per feed (`build_feed` asks per document).

    The ``ledger`` says where the pages already published end; without one, every page is cut by position.
    """

    def __init__(self, catalog: Catalog, settings: Settings, ledger: ArchiveLedger | None = None) -> None:
        self.catalog = catalog
        self.settings = settings
        size = page_size(settings)
        self.ledger = ledger if ledger is not None and ledger.page_size == size else ArchiveLedger(size)
        self._pages: dict[str, tuple[range, ...]] = {}

    def pages(self, path: str, articles: tuple[Article, ...] | None = None) -> tuple[range, ...]:
        """The pages of the subscription feed at ``path`` (whose ``articles`` the caller may already have)."""
        pages = self._pages.get(path)
        if pages is None:
            if articles is None:
                selection = _selection(self.catalog, path, self.settings)
                articles = selection.articles if selection is not None else ()
            pages = cut_pages(articles, self.ledger.boundaries(path), self.ledger.page_size)
            if COMBINE not in path:  # combinations are made up by requests: keeping them would grow without end
                self._pages[path] = pages
        return pages

    def frozen(self) -> ArchiveLedger:
        """The ledger with every page published now frozen: the recorded ends, then the ends of the pages cut
        by position. It cuts the same pages as the ledger it extends (for this catalog); later it keeps them."""
        feeds = dict(self.ledger.feeds)
        for path in subscription_paths(self.catalog):
            articles = _selection(self.catalog, path, self.settings).articles  # type: ignore[union-attr]
            recorded = self.ledger.boundaries(path)
            cut = self.pages(path, articles)[len(recorded):]
            if cut:
                feeds[path] = recorded + tuple(
                    Boundary.of_page(articles[page.start], articles[page.start - 1] if page.start else None)
                    for page in cut
                )
        return ArchiveLedger(self.ledger.page_size, feeds)


@dataclass(frozen=True, slots=True)
class Selection:
    """What a feed document lists and how it is titled and linked: a `Feed` before its entries are described."""

    path: str
    title: str
    description: str
    articles: tuple[Article, ...]
    history: History
    ttl_minutes: int
    query: Query | None = None
    image: str | None = None  # the feed's own icon and logo (a provider's), instead of the site's


class _Subscription(NamedTuple):
    """How a subscription feed is titled and what it lists (newest first), before archives and queries."""

    title: str
    description: str
    articles: tuple[Article, ...]
    image: str | None = None


def select_feed(
    catalog: Catalog,
    path: str,
    settings: Settings,
    query: Query | None = None,
    archives: Archives | None = None,
) -> Selection | None:
    """The articles of the document at ``path``, or None when there is no such feed or archive.

    A ``query`` narrows or re-sorts a subscription feed (server only); such a feed has no archives.
    ``archives`` keeps each feed's pages (cut by position when not given), for callers that select many
    documents of one catalog.
    """
    current, marker, number_text = path.partition(ARCHIVE)
    selection = _selection(catalog, current, settings)
    if selection is None or (query is not None and marker):
        return None
    title, description, articles, image = selection
    if query is not None:
        shown = query.select(articles, settings.limit)
        history = History(current)
    else:
        pages = (archives or Archives(catalog, settings)).pages(current, articles)
        if not marker:
            shown = articles[: settings.limit]
            history = History(current, None, _archive_path(current, len(pages)))
        else:
            number = int(number_text) if number_text.isdigit() and number_text[0] != "0" else 0
            if not 1 <= number <= len(pages):
                return None
            page = pages[number - 1]
            shown = articles[page.start : page.stop]
            title = f"{title} (archive {number})"
            history = History(
                current,
                number,
                _archive_path(current, number - 1),
                _archive_path(current, number + 1) if number < len(pages) else None,
            )
    ttl_minutes = max(1, (ARCHIVE_MAX_AGE if marker else settings.cache_max_age) // 60)
    return Selection(path, title, description, shown, history, ttl_minutes, query, image)


def build_feed(
    catalog: Catalog,
    path: str,
    settings: Settings,
    query: Query | None = None,
    entries: dict[str, Entry] | None = None,
    archives: Archives | None = None,
) -> Feed | None:
    """Describe the document at ``path``, or None when there is no such feed or archive (see `select_feed`).

    ``entries`` keeps each article's `Entry` by URL, for callers that describe many feeds of one catalog.
    """
    selection = select_feed(catalog, path, settings, query, archives)
    if selection is None:
        return None
    if entries is None:
        listed = tuple(_entry(catalog, article) for article in selection.articles)
    else:
        listed = tuple(entries.get(a.url) or entries.setdefault(a.url, _entry(catalog, a)) for a in selection.articles)
    return Feed(
        path=path,
        title=selection.title,
        description=selection.description,
        base_url=settings.feeds_url,
        language=settings.language,
        author=settings.author,
        updated=max((entry.updated for entry in listed), default=EPOCH),
        entries=listed,
        history=selection.history,
        query_string=query.query_string() if query is not None else "",
        ttl_minutes=selection.ttl_minutes,
        hub=settings.hub_url or None,
        icon=selection.image or settings.icon or None,
        logo=selection.image or settings.logo or None,
    )


def _archive_path(current: str, number: int) -> str | None:
    return f"{current}{ARCHIVE}{number}" if number >= 1 else None


def _selection(catalog: Catalog, path: str, settings: Settings) -> _Subscription | None:
    """The subscription feed at ``path``, or None when there is none."""
    if path == ALL:
        return _Subscription(settings.title, settings.description, catalog.articles)
    if path.startswith(TOPICS) and COMBINE in path:
        return _combined_topics(catalog, path[len(TOPICS):].split(COMBINE), settings)
    if path.startswith(TOPICS) and (topic := catalog.topics.get(path[len(TOPICS):])) is not None:
        return _Subscription(f"{settings.title}: {topic.name}", topic_description(topic.name, settings), topic.articles)
    if path.startswith(PROVIDERS) and (provider := catalog.providers.get(path[len(PROVIDERS):])) is not None:
        return _Subscription(
            f"{settings.title}: {provider.name}", f"Articles from {provider.name}, collected by {settings.title}.",
            provider.articles, provider.image,
        )
    return None


def topic_description(names: str, settings: Settings) -> str:
    """A sentence about the topic, whatever the site's own description says."""
    return f"Articles about {names} from {settings.title}."


def _combined_topics(catalog: Catalog, slugs: list[str], settings: Settings) -> _Subscription | None:
    """Several topics as one feed (``topics/ai+robotics``): their union, each article once, in feed order."""
    if not 2 <= len(slugs) <= MAX_COMBINED or len(set(slugs)) != len(slugs):
        return None
    topics = [catalog.topics.get(slug) for slug in slugs]
    if any(topic is None for topic in topics):
        return None
    names = " + ".join(topic.name for topic in topics)  # type: ignore[union-attr]
    union = {article.url: article for topic in topics for article in topic.articles}  # type: ignore[union-attr]
    articles = tuple(in_feed_order(union.values()))
    return _Subscription(f"{settings.title}: {names}", topic_description(names, settings), articles)


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
