"""The site: one owner of the catalog, the settings and the archives (with their ledger), and the one
place that says which documents exist and what each holds.

The static writer and the web app both ask a `Site` for documents by `feedpub.feeds.keys.DocKey`, so
``feeds/topics/ai.atom`` on disk and ``/feeds/topics/ai.atom`` over HTTP are always the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, count, islice
from operator import attrgetter, is_, is_not

from .changes import StatKey, code_digest, file_key
from .config import Settings
from .errors import InputError
from .feeds.archives import Archives
from .feeds.catalog import Catalog, build_catalog, feed_order, update_catalog
from .feeds.document import ARCHIVE_MAX_AGE, NO_ARTICLES_YET, Entry, Feed, History
from .feeds.keys import ALL, INDEX, OPML, PAGE, STYLESHEET, DocKey, FeedKey
from .feeds.kinds import KINDS, articles_of, subscription_keys
from .feeds.ledger import LEDGER, ArchiveLedger, read_ledger
from .feeds.query import Query
from .ingest.cache import ArticleCache
from .ingest.loader import FileEntry, LoadResult, changed_files, load_folder, reload_files
from .model import Article, Problem
from .headers import content_type
from .ranking import Ranking
from .recent import Recent
from .render import FORMATS
from .render.opml import render_opml
from .render.pages import (
    Activity, FeedRow, feed_stylesheet, index_rows, render_feed_page, render_index, rows_charted,
)

# Written as it is by every format, and unlike anything a feed's own text holds: drawn at random for each
# process, since a fixed one, given as a topic's or provider's name, had its query string written over it
# (the feed's title, id and links). It never reaches a response, nor any digest.
QUERY_PLACEHOLDER = "feedpub-query-" + os.urandom(12).hex()
_PLACEHOLDER_BYTES = QUERY_PLACEHOLDER.encode("ascii")
MAX_ENVELOPES = 1024
_url = attrgetter("url")
_revision = attrgetter("revision")
MAX_REPLACED = 64  # articles replaced in one feed that its pages are compared for, at most
MAX_KEPT_FRAGMENTS = 20_000  # rendered entries a site loaded from another takes over (a few MB)


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    last_modified: datetime | None = None
    digest: str | None = None  # of what the body is made from, when known without hashing the body


@dataclass(frozen=True, slots=True)
class Selection:
    """What a feed document lists and how it is titled and linked: a `Feed` before its entries are described."""

    key: FeedKey
    title: str
    description: str
    articles: tuple[Article, ...]
    history: History
    ttl_minutes: int
    image: str | None = None  # the feed's own icon and logo (a provider's), instead of the site's
    head_of: Ranking | None = None  # when ``articles`` are the head of a ranking, which has their entries


class SeedsNotFound(InputError):
    """The seeds folder is missing: publishing from it would empty every feed, so nothing is written."""


def load_site(
    settings: Settings,
    use_cache: bool = False,
    workers: int = 1,
    *,
    previous: Site | None = None,
    changed: Collection[str] | None = None,
    keep_files: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cache: ArticleCache | None = None,
) -> Site:
    """Load the seeds, and the archive ledger beside them, into a `Site`; with ``use_cache``, through the
    persistent article cache (this ``cache``, if given); with ``workers`` > 1, parsing many files in that many processes;
    ``progress(done, total)`` is told as files are parsed.

    With a ``previous`` site (one this function made), only the files ``changed`` (paths as
    `feedpub.ingest.loader.discover` spells them; None: whichever `changes` finds) are read again, and the
    catalog is made from the articles in memory: what a process that stays loaded (``build --watch``, the
    server) does when files change. The result is the site a fresh load would give. A site to be
    ``previous`` later is loaded with ``keep_files`` (what each file gave, and its stat key).

    Leaves the process as it found it (the command line decides about the cycle collector)."""
    if not settings.seeds.is_dir():
        raise SeedsNotFound(
            f"the seeds folder {settings.seeds} does not exist or is not a folder; "
            "pass the folder of article files with --seeds DIR (nothing was written)"
        )
    ledger_path = os.path.join(settings.seeds, LEDGER)
    ledger_key = file_key(ledger_path)
    if previous is not None:
        if changed is None:
            changed = changes(previous)
        loaded = reload_files(previous.loaded, changed, settings.seeds, max_bytes=settings.max_file_size)
        catalog = _updated_catalog(previous, loaded, changed)
    else:
        if cache is None and use_cache:
            cache = ArticleCache(settings.cache_dir, settings.seeds, settings.max_file_size)
        loaded = load_folder(settings.seeds, max_bytes=settings.max_file_size, cache=cache, workers=workers,
                             keep_files=keep_files, progress=progress)
        catalog = build_catalog(loaded.articles)
    # The archive ledger is state, not a cache: a build without the article cache uses it all the same.
    kept = None
    if previous is not None and ledger_key == previous.ledger_key:
        kept = previous.archives.ledger, previous.ledger_problems
    site = assemble_site(settings, catalog, loaded, ledger_key, kept)
    if previous is not None:
        site.inherit_fingerprints(previous)
    return site


def assemble_site(
    settings: Settings, catalog: Catalog, loaded: LoadResult, ledger_key: StatKey | None,
    ledger: tuple[ArchiveLedger, tuple[Problem, ...]] | None = None,
) -> Site:
    """The site of ``catalog``, made of the files ``loaded``, with the archive ledger and its problems
    (read from the seeds folder unless given; ``ledger_key`` is its stat key, taken before it was read)."""
    archive_ledger, ledger_problems = ledger if ledger is not None else read_ledger(settings.seeds, settings.archive_size)
    problems = tuple(
        sorted(loaded.problems + catalog.problems + ledger_problems, key=lambda p: (p.path, p.line or 0, p.message))
    )
    site = Site(catalog, settings, archive_ledger, problems, loaded.files)
    site.loaded, site.ledger_key, site.ledger_problems = loaded, ledger_key, ledger_problems
    return site


def _updated_catalog(previous: Site, loaded: LoadResult, paths: Collection[str]) -> Catalog:
    """The catalog of ``loaded``, which differs from the previous site's in the files ``paths`` at most:
    the previous catalog itself when no article changed, else that catalog updated, or else built afresh."""
    removed: list[Article] = []
    added: list[Article] = []
    for path in set(paths):
        old, new = _article_of(previous.loaded.by_file.get(path)), _article_of(loaded.by_file.get(path))
        if old != new or (old is not None and old.revision != new.revision):  # type: ignore[union-attr]
            removed += [old] if old is not None else []
            added += [new] if new is not None else []
    if not removed and not added:
        return previous.catalog  # a touched file, a broken one still broken: the same articles
    return update_catalog(previous.catalog, removed, added) or build_catalog(loaded.articles)


def _article_of(entry: FileEntry | None) -> Article | None:
    return entry[1] if entry is not None else None


def changes(site: Site, scanned: Mapping[str, StatKey | None] | None = None) -> list[str]:
    """The files under the site's seeds folder that changed since ``site`` was loaded (the archive ledger
    too), or since they were ``scanned`` (`feedpub.ingest.loader.scan`): every file's
    `feedpub.changes.StatKey` compared, the one notion of "changed"."""
    seeds = site.settings.seeds
    found = changed_files(site.loaded, seeds, found=scanned)  # a folder gone has lost every file (and `load_site` refuses it)
    ledger_path = os.path.join(seeds, LEDGER)
    if file_key(ledger_path) != site.ledger_key:
        found.append(ledger_path)
    return found


@dataclass(frozen=True)
class Fingerprints:
    """What a site worked out about its documents, for the next build of the same site in another process:
    what every feed shares, each feed's digest, each feed's archive pages as cut so far, and the weeks each
    topic and provider row of the index charts (the slow part of a row)."""

    shared: bytes
    digests: dict[FeedKey, bytes | None]
    pages: dict[FeedKey, tuple[range, ...]]
    weeks: dict[FeedKey, tuple[int, ...]]


class Site:
    """Every document a catalog publishes, addressed by `DocKey`."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings,
        ledger: ArchiveLedger,
        problems: tuple[Problem, ...] = (),
        files: int = 0,
    ) -> None:
        self.catalog = catalog
        self.settings = settings
        self.problems = problems
        self.files = files  # article files read
        # What `load_site` read, so that a later load re-reads only what changed.
        self.loaded = LoadResult(catalog.articles, (), files)
        self.ledger_key: StatKey | None = None
        self.ledger_problems: tuple[Problem, ...] = ()
        self.archives = Archives(catalog, ledger)
        # Each article's Entry, shared by every feed that lists it, and each entry's rendered bytes per
        # format, shared by every document of that format. Filled on demand by any thread: a race only
        # describes or renders the same entry twice, to the same value.
        self._described: dict[str, Entry] = {}
        self._fragments: dict[str, dict[Entry, bytes]] = {}
        # What every feed shares, and each article's revision by URL (see `_describe_site`): one attribute,
        # set at once, since request threads read it too.
        self._site_description: tuple[bytes, dict[str, bytes]] | None = None
        self._feed_digests: dict[FeedKey, bytes | None] = {}
        # Each published feed's articles in each query order, made on the first query that asks, so that
        # a query feed showing the head of an order is slices and a join (see `Ranking`).
        self._rankings: dict[tuple[FeedKey, str], Ranking] = {}
        # Query feeds of one document and one newest time differ only in the query string of their links:
        # each is spliced into one envelope, made with a placeholder (see `render`).
        self._envelopes: Recent[tuple[DocKey, datetime], bytes] = Recent(MAX_ENVELOPES)
        self._listing_digest: bytes | None = None
        self._opml_digest: bytes | None = None
        # The subscription feeds whose every document is the same as in the site this one was loaded from
        # (see `inherit_fingerprints`); None when unknown.
        self.kept_feeds: frozenset[FeedKey] | None = None
        self.kept_pages: set[FeedKey] = set()  # the archive pages (of feeds not kept) that are the same too
        self._rows: dict[FeedKey, FeedRow] = {}  # the index's row of each topic and provider feed

    @property
    def errors(self) -> int:
        return sum(problem.level == "error" for problem in self.problems)

    @property
    def warnings(self) -> int:
        return sum(problem.level == "warning" for problem in self.problems)

    # Which documents there are.

    def feeds(self, subscriptions: Iterable[FeedKey] | None = None) -> list[FeedKey]:
        """Every feed document (of ``subscriptions`` only, if given): each subscription feed followed by its
        archives, oldest first."""
        keys: list[FeedKey] = []
        for feed in subscription_keys(self.catalog) if subscriptions is None else subscriptions:
            keys.append(feed)
            keys.extend(feed.page(number) for number in range(1, len(self.archives.pages(feed)) + 1))
        return keys

    def documents(self, feeds: list[FeedKey] | None = None) -> Iterator[DocKey]:
        """Every document (but of the feed documents ``feeds`` only, if given: see `feeds`); feeds come format
        by format, so each format's rendered entries are reused."""
        yield INDEX
        yield OPML
        yield STYLESHEET
        feeds = self.feeds() if feeds is None else feeds
        for feed in feeds:
            if feed.archive is None:
                yield feed.document(PAGE)
        for format_ in FORMATS:
            for feed in feeds:
                yield feed.document(format_)

    def frozen_ledger(self) -> ArchiveLedger:
        """The ledger recording every archive page published now (see `feedpub.feeds.archives.Archives.frozen`)."""
        return self.archives.frozen([feed for feed in subscription_keys(self.catalog) if KINDS[feed.kind].has_archives])

    # What a feed holds.

    def select(self, feed: FeedKey, query: Query | None = None) -> Selection | None:
        """The articles of the feed document ``feed``, or None when there is no such feed or archive page.

        A ``query`` narrows or re-sorts a subscription feed (server only); such a feed has no archives.
        """
        kind = KINDS[feed.kind]
        subject = kind.subject(self.catalog, feed.slugs)
        if subject is None or (feed.archive is not None and (query is not None or not kind.has_archives)):
            return None
        settings = self.settings
        title, description, articles = kind.title(settings, subject), kind.description(settings, subject), subject.articles
        current = feed.subscription
        if query is None and not kind.has_archives:
            query = Query()
        head_of = None
        if query is not None:
            history = History(current)
            if kind.has_archives:  # a published feed: its orders are kept
                head_of = self._ranking(current, query.sort, articles)
                count = query.prefix(head_of.articles, settings.limit)
                if count is None:
                    shown, head_of = query.select(articles, settings.limit, head_of.articles), None
                else:
                    shown = head_of.articles[:count]
            else:  # made up per request from published feeds: their orders are kept
                parts = kind.parts(self.catalog, feed.slugs)
                shown = query.select(self._merged(parts, "newest"), settings.limit, self._merged(parts, "heat"))
        else:
            pages = self.archives.pages(current, articles)
            if feed.archive is None:
                # The articles newer than the newest archive are in no archive: they are all shown, even
                # past ``limit``, so that the feed and its archives together hold every article.
                unarchived = pages[-1].start if pages else len(articles)
                shown = articles[: max(settings.limit, unarchived)]
                history = History(current, None, current.page(len(pages)) if pages else None)
            else:
                number = feed.archive
                if number > len(pages):
                    return None
                page = pages[number - 1]
                shown = articles[page.start : page.stop]
                title = f"{title} (archive {number})"
                history = History(
                    current,
                    number,
                    current.page(number - 1) if number > 1 else None,
                    current.page(number + 1) if number < len(pages) else None,
                )
        ttl_minutes = max(1, (ARCHIVE_MAX_AGE if feed.archive else settings.cache_max_age) // 60)
        return Selection(feed, title, description, shown, history, ttl_minutes, subject.image, head_of)

    def _ranking(self, feed: FeedKey, sort: str, articles: tuple[Article, ...]) -> Ranking:
        """The published feed ``feed``'s articles in the order ``sort``, made once per site."""
        ranking = self._rankings.get((feed, sort))
        if ranking is None:  # two threads may make it at once, the same; either is kept
            ordered = Query(sort=sort).ordered(articles)  # type: ignore[arg-type]
            revisions = hashlib.blake2b(self._revisions_of(ordered), digest_size=20).digest()
            ranking = self._rankings.setdefault((feed, sort), Ranking(tuple(ordered), self._described_entry, revisions))
        return ranking

    def _merged(self, parts: tuple[FeedKey, ...], sort: str) -> Iterator[Article]:
        """The articles of the published feeds ``parts``, each once, in the order ``sort``: merged from their
        rankings as far as the reader reads, by each article's place in the all-articles ranking."""
        everything = self._ranking(ALL, sort, self.catalog.articles)
        rankings = [self._ranking(part, sort, articles_of(self.catalog, part)).articles for part in parts]
        place = everything.place
        last = None
        for article in heapq.merge(*rankings, key=lambda article: place[article.url]):
            if article is not last:  # an article of several parts comes from each, one after another
                yield article
                last = article

    def describe(self, feed: FeedKey, query: Query | None = None) -> Feed | None:
        """The neutral description of the feed document ``feed`` (see `select`), entries included."""
        selection = self.select(feed, query)
        return None if selection is None else self._feed(selection, query)

    def _feed(self, selection: Selection, query: Query | None) -> Feed:
        feed = selection.key
        if selection.head_of is not None:
            listed, updated = selection.head_of.head(len(selection.articles))
        else:
            listed = tuple(map(self._described_entry, selection.articles))
            updated = max((entry.updated for entry in listed), default=None)
        settings = self.settings
        return Feed(
            key=feed,
            title=selection.title,
            description=selection.description,
            base_url=settings.feeds_url,
            language=settings.language,
            author=settings.author,
            updated=updated or self._newest_update(selection),
            entries=listed,
            history=selection.history,
            query_string=query.query_string() if query is not None else "",
            ttl_minutes=selection.ttl_minutes,
            hub=settings.hub_url or None,
            icon=selection.image or settings.icon or None,
            logo=selection.image or settings.logo or None,
        )

    def _described_entry(self, article: Article) -> Entry:
        """The article's `Entry`, the same object for every feed that lists it."""
        entry = self._described.get(article.url)
        if entry is None:
            entry = self._described.setdefault(article.url, self._entry(article))
        return entry

    def _newest_update(self, selection: Selection) -> datetime:
        """The time of a document with no entries (a query that matched nothing, an empty topic page): the
        newest time among the articles it would list, else the site's, so it stays deterministic."""
        feed = selection.key.subscription
        parts = KINDS[feed.kind].parts(self.catalog, feed.slugs)
        own: Iterable[Article] = self._merged(parts, "newest") if parts else articles_of(self.catalog, feed)
        for articles in (own, self.catalog.articles):
            times = [article.updated_at for article in islice(articles, self.settings.limit)]
            if times:
                return max(times)
        return NO_ARTICLES_YET

    def _entry(self, article: Article) -> Entry:
        return Entry(
            id=article.id,
            title=article.title,
            url=article.url,
            summary=article.excerpt,
            published=article.published_at,
            updated=article.updated_at,
            author=article.provider.name if article.provider else None,
            categories=self.catalog.topic_names(article),
            image=article.images[0] if article.images else None,
        )

    # Bytes.

    def render(self, key: DocKey, query: Query | None = None) -> Document | None:
        """The document ``key``, or None when there is none. A ``query`` applies to feed formats only."""
        if key.feed is None:
            if key == INDEX:
                return Document(render_index(self.catalog, self.settings, self._rows), content_type(key))
            if key == OPML:
                return Document(render_opml(self.catalog, self.settings), content_type(key))
            return Document(feed_stylesheet(), content_type(key))
        if key.format == PAGE:
            feed = self.describe(key.feed)
            if feed is None:
                return None
            return Document(render_feed_page(feed, self.settings), content_type(key), feed.updated)
        selection = self.select(key.feed, query)
        feed = self._feed(selection, query) if selection is not None else None
        if feed is None:
            return None
        format_ = FORMATS[key.format]
        fragments = self._fragments.get(key.format)
        if fragments is None:
            fragments = self._fragments.setdefault(key.format, {})
        if selection.head_of is None:
            return Document(format_.render(feed, fragments), content_type(key), feed.updated)
        envelope = self._envelopes.get((key, feed.updated), lambda: format_.envelope(
            dataclasses.replace(feed, query_string=QUERY_PLACEHOLDER, entries=())))
        assert envelope is not None
        envelope = envelope.replace(_PLACEHOLDER_BYTES, format_.escape_query(feed.query_string).encode("ascii"))
        body = format_.splice(envelope, selection.head_of.fragments(format_, fragments, len(feed.entries)))
        return Document(body, content_type(key), feed.updated, self._head_digest(key, selection, query))

    def forget_fragments(self, format_: str) -> None:
        """Drop the rendered entries of ``format_``: a build that is done with a format frees their memory."""
        self._fragments.pop(format_, None)

    # Fingerprints.

    def fingerprint(self, key: DocKey) -> str | None:
        """A digest of everything the document ``key`` is made from, or None when there is no such
        document. Equal fingerprints mean equal bytes, so a build can skip rendering them.
        """
        if key.feed is None:
            if key == OPML:
                # OPML lists every feed by name and link only: a new article in feeds that stay renders none.
                if self._opml_digest is None:
                    self._opml_digest = self._listing_digest_of([(kind, slug, group.name) for kind, groups in (
                        ("topic", self.catalog.topics), ("provider", self.catalog.providers)
                    ) for slug, group in groups.items()])
                digest = self._opml_digest
            else:
                # The index lists every feed by name, size and newest date; the stylesheet is code.
                if self._listing_digest is None:
                    rows = index_rows(self.catalog, self._rows)
                    self._rows = {row.key: row for row in (*rows[1], *rows[2])}
                    self._listing_digest = self._listing_digest_of(rows)
                digest = self._listing_digest
        else:
            feed = key.feed
            if feed not in self._feed_digests:
                self._feed_digests[feed] = self._feed_digest(feed)
            feed_digest = self._feed_digests[feed]
            if feed_digest is None:
                return None  # no such document
            digest = feed_digest
        return hashlib.blake2b(digest + key.path.encode(), digest_size=20).hexdigest()

    def _listing_digest_of(self, listing: object) -> bytes:
        """The digest of what a site-wide document lists, with the settings and feedpub's own code."""
        described = repr((listing, self.settings)).encode()
        return code_digest().encode() + hashlib.blake2b(described, digest_size=20).digest()

    def saved_fingerprints(self) -> Fingerprints | None:
        """What `restore_fingerprints` takes in another process; None when some articles have no revision
        (nothing to restore by)."""
        described = self._site_description
        if described is None or described[1]:
            return None
        weeks = {feed: row.weeks for feed, row in self._rows.items()}
        return Fingerprints(described[0], dict(self._feed_digests), self.archives.cut(), weeks)

    def restore_fingerprints(self, saved: Fingerprints) -> None:
        """Take what `saved_fingerprints` gave for a site of the same catalog, settings and ledger."""
        self._site_description = (saved.shared, {})
        self._feed_digests = dict(saved.digests)
        self.archives.restore(saved.pages)
        self._rows = rows_charted(self.catalog, saved.weeks)

    def inherit_fingerprints(self, previous: Site) -> None:
        """Take over what ``previous`` worked out for the feeds (and archive pages) that are the same in
        both, with the same settings and topic names: their digests, archive pages and index rows. A feed
        is the same when it lists the very same articles with the same ledger; an archive page is, when its
        feed's articles were only replaced in place (same order: an edit that keeps the date) and none of the
        replaced ones is on the page. After an edit, only the documents listing the changed articles are
        digested again (see `kept_feeds` and `kept_pages`)."""
        if previous.settings == self.settings and sum(map(len, previous._fragments.values())) <= MAX_KEPT_FRAGMENTS:
            # Entries render by their value alone: the few a watch renders each round are rendered once.
            self._fragments = {format_: dict(rendered) for format_, rendered in previous._fragments.items()}
        before = previous._site_description
        if before is None or before[1] or previous.settings != self.settings:
            return  # nothing digested yet, or revisions made up for articles that have none
        shared, revisions = self._described_site()
        if revisions or shared != before[0]:
            return
        ours, theirs = self.archives.ledger, previous.archives.ledger
        verdicts: dict[FeedKey, tuple[bool, bool, set[int]] | None] = {}  # by subscription feed
        for feed, digest in previous._feed_digests.items():
            subscription = feed.subscription
            if subscription not in verdicts:
                verdicts[subscription] = self._compare_feed(previous, subscription, ours, theirs)
            verdict = verdicts[subscription]
            if verdict is None:
                continue
            whole, _, same_pages = verdict
            if whole or (feed.archive is not None and feed.archive in same_pages):
                self._feed_digests[feed] = digest
                self.kept_pages.add(feed)
        self.kept_feeds = frozenset(feed for feed, verdict in verdicts.items() if verdict is not None and verdict[0])
        self.archives.take_pages(previous.archives, [feed for feed, verdict in verdicts.items() if verdict and verdict[1]])
        if Activity.of(previous.catalog) == Activity.of(self.catalog):  # the index charts the same weeks
            self._rows = {feed: row for feed, row in previous._rows.items() if feed in self.kept_feeds}

    def _compare_feed(
        self, previous: Site, feed: FeedKey, ours: ArchiveLedger, theirs: ArchiveLedger
    ) -> tuple[bool, bool, set[int]] | None:
        """How the subscription feed ``feed`` differs from ``previous``'s: whether it is the same, whether its
        archive pages are cut the same (articles only replaced in place), and the numbers of the archive
        pages that list the very same articles with the same links; None when it must be worked out afresh."""
        kind = KINDS[feed.kind]
        old, new = kind.subject(previous.catalog, feed.slugs), kind.subject(self.catalog, feed.slugs)
        if (old is None or new is None or old.name != new.name or old.image != new.image
                or ours.boundaries(feed.path) != theirs.boundaries(feed.path)):
            return None
        if old.articles is new.articles:
            return True, True, set()
        if not kind.has_archives:
            return None
        old_pages = previous.archives.pages(feed, old.articles)
        if len(old.articles) == len(new.articles):
            replaced = list(compress(count(), map(is_not, old.articles, new.articles)))
            if len(replaced) <= MAX_REPLACED and all(feed_order(old.articles[at]) == feed_order(new.articles[at]) for at in replaced):
                touched = {number for number, page in enumerate(old_pages, 1) for at in replaced if at in page}
                return False, True, set(range(1, len(old_pages) + 1)) - touched
        # Articles added, removed or moved: cut the pages again and keep those listing the very same articles.
        new_pages = self.archives.pages(feed, new.articles)
        return False, False, {
            number for number, (before, after) in enumerate(zip(old_pages, new_pages), 1)
            if len(before) == len(after) and (number < len(old_pages)) == (number < len(new_pages))
            and all(map(is_, old.articles[before.start:before.stop], new.articles[after.start:after.stop]))
        }

    def _feed_digest(self, feed: FeedKey) -> bytes | None:
        """A digest of one feed's description, shared by its formats and its page.

        Articles count by their revisions (digests of their files), so this costs a lookup per listed article.
        """
        selection = self.select(feed)
        if selection is None:
            return None
        digest = hashlib.blake2b(self._shared_digest(), digest_size=20)
        digest.update(
            f"{selection.title}\0{selection.description}\0{selection.history}\0{selection.ttl_minutes}\0{selection.image}\0".encode()
        )
        digest.update(self._revisions_of(selection.articles))
        return digest.digest()

    def _head_digest(self, key: DocKey, selection: Selection, query: Query | None) -> str:
        """A digest of everything a query feed showing the head of a ranking is made from (a strong ETag that
        costs no hashing of the body): the whole ranking's revisions, and what `_feed_digest` counts."""
        assert selection.head_of is not None
        digest = hashlib.blake2b(self._shared_digest(), digest_size=16)
        digest.update(selection.head_of.digest)
        digest.update(
            f"{selection.title}\0{selection.description}\0{selection.ttl_minutes}\0{selection.image}\0"
            f"{self.settings.limit}\0{key.path}?{query.query_string() if query else ''}".encode()
        )
        return digest.hexdigest()

    def _shared_digest(self) -> bytes:
        return self._described_site()[0]

    def _revisions_of(self, articles: Sequence[Article]) -> bytes:
        """The revisions of ``articles``, in order: what they count for in a digest."""
        revisions = self._described_site()[1]
        if revisions:
            return b"".join(map(revisions.__getitem__, map(_url, articles)))
        return "".join(map(_revision, articles)).encode()

    def _described_site(self) -> tuple[bytes, dict[str, bytes]]:
        described = self._site_description
        if described is None:  # two threads may describe the site at once, the same; either is kept
            described = self._site_description = self._describe_site()
        return described

    def _describe_site(self) -> tuple[bytes, dict[str, bytes]]:
        """What every feed shares (code, settings, topic names), and a revision by URL for each article when
        some have none of their own (made in code rather than read from a file)."""
        settings = self.settings
        shared = hashlib.blake2b(code_digest().encode(), digest_size=20)
        shared.update(
            f"{settings.feeds_url}\0{settings.language}\0{settings.author}\0{settings.hub_url}\0{settings.icon}\0{settings.logo}\0".encode()
        )
        for slug, topic in self.catalog.topics.items():  # entries list their topics by these names
            shared.update(f"{slug}\0{topic.name}\n".encode())
        revisions: dict[str, bytes] = {}
        if not all(map(_revision, self.catalog.articles)):
            revisions = {
                article.url: (article.revision or hashlib.blake2b(repr(article).encode(), digest_size=16).hexdigest()).encode()
                for article in self.catalog.articles
            }
        return shared.digest(), revisions
