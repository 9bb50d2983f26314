"""Which document is meant: the one vocabulary of the URL layout, and the only place that spells it.

Every document a site publishes is named by a `DocKey`: a feed (`FeedKey`: its kind, slug or slugs and
archive page) in a format, or one of the site-wide documents. `parse_path` turns a path under the feeds
folder (``topics/ai/archive/3.atom``) into a key and `DocKey.path` turns a key back into that path; the
static writer, the web app, WebSub and the pages all go through these two, so no other module cuts path
strings apart. Because a path is read by its segments, any slug works, ``archive``, ``topics`` and ``all``
included: ``topics/archive/archive/1.atom`` is the first archive of the topic ``archive``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Literal

FeedKind = Literal["all", "topic", "provider", "combined"]

# Feed formats by name, with their file extensions; `feedpub.render` holds the writer of each.
FEED_FORMATS = ("rss", "atom", "json")
PAGE = "html"  # a subscription feed's page for people
# The site-wide documents, by format name: the index page, the OPML list and the feeds' stylesheet.
SITE_FILES = {"index": "index.html", "opml": "opml.xml", "xsl": "feed.xsl"}

MAX_PATH = 512
MAX_COMBINED = 10  # topics in one combined feed (``topics/ai+robotics``)
_FOLDERS: dict[str, FeedKind] = {"topics": "topic", "providers": "provider"}
_FOLDER_OF = {"topic": "topics", "provider": "providers", "combined": "topics"}
_ARCHIVE = "archive"
_COMBINE = "+"


@dataclass(frozen=True, slots=True)
class FeedKey:
    """One feed document: the subscription feed of everything, a topic, a provider or several topics,
    or (with ``archive``) one of its archive pages, numbered from 1, the oldest."""

    kind: FeedKind
    slugs: tuple[str, ...] = ()
    archive: int | None = None

    @property
    def slug(self) -> str:
        return _COMBINE.join(self.slugs)

    @property
    def subscription(self) -> FeedKey:
        """The subscription feed this document belongs to (itself, when it is one)."""
        return self if self.archive is None else FeedKey(self.kind, self.slugs)

    def page(self, number: int) -> FeedKey:
        return FeedKey(self.kind, self.slugs, number)

    @property
    def path(self) -> str:
        """The place of the feed under the feeds folder, without a format's extension."""
        base = "all" if self.kind == "all" else f"{_FOLDER_OF[self.kind]}/{self.slug}"
        return base if self.archive is None else f"{base}/{_ARCHIVE}/{self.archive}"

    def document(self, format_: str) -> DocKey:
        return DocKey(self, format_)


ALL = FeedKey("all")


@dataclass(frozen=True, slots=True)
class DocKey:
    """A document: a feed in a format (``rss``, ``atom``, ``json``, or ``html`` for its page), or, with no
    feed, a site-wide document named by its format (``index``, ``opml``, ``xsl``)."""

    feed: FeedKey | None
    format: str

    @property
    def path(self) -> str:
        if self.feed is None:
            return SITE_FILES[self.format]
        return f"{self.feed.path}.{self.format}"

    @property
    def is_feed(self) -> bool:
        """A feed format (not a page or a site-wide document): what readers subscribe to."""
        return self.feed is not None and self.format in FEED_FORMATS

    @property
    def is_archive(self) -> bool:
        return self.feed is not None and self.feed.archive is not None


INDEX = DocKey(None, "index")
OPML = DocKey(None, "opml")
STYLESHEET = DocKey(None, "xsl")
_SITE_KEYS = {key.path: key for key in (INDEX, OPML, STYLESHEET)}


def parse_path(path: str) -> DocKey | None:
    """The document at ``path`` (relative to the feeds folder), or None when the layout has no such path.

    Only the grammar is checked here; whether a site has that topic or page is the site's to say.
    """
    if len(path) > MAX_PATH:
        return None
    site_key = _SITE_KEYS.get(path)
    if site_key is not None:
        return site_key
    stem, dot, format_ = path.rpartition(".")
    if not dot or (format_ not in FEED_FORMATS and format_ != PAGE):
        return None
    feed = _parse_feed(stem.split("/"))
    if feed is None or (format_ == PAGE and feed.archive is not None):
        return None  # archives have no pages of their own
    return DocKey(feed, format_)


def _parse_feed(parts: list[str]) -> FeedKey | None:
    archive: int | None = None
    if len(parts) >= 3 and parts[-2] == _ARCHIVE:
        number = parts[-1]
        if not (number.isdigit() and number.isascii() and number[0] != "0" and len(number) <= 9):
            return None
        archive, parts = int(number), parts[:-2]
    if parts == ["all"]:
        return FeedKey("all", (), archive)
    if len(parts) != 2 or parts[0] not in _FOLDERS or not parts[1]:
        return None
    kind, slug = _FOLDERS[parts[0]], parts[1]
    if kind == "topic" and _COMBINE in slug:
        slugs = tuple(slug.split(_COMBINE))
        if archive is not None or not 2 <= len(slugs) <= MAX_COMBINED or len(set(slugs)) != len(slugs) or "" in slugs:
            return None  # combined feeds are made up per request: they have no archives
        return FeedKey("combined", slugs)
    if slug in (".", "..") or _COMBINE in slug:
        return None
    return FeedKey(kind, (slug,), archive)


def relative_url(source: DocKey, target: DocKey) -> str:
    """A link from the document ``source`` to ``target`` that works on any host and under any prefix."""
    folder, path = source.path.split("/")[:-1], target.path.split("/")
    if _UNUSUAL.isdisjoint(folder) and _UNUSUAL.isdisjoint(path):
        # What posixpath.relpath gives for such paths, without its two abspath calls: pages and the index
        # link thousands of times per build.
        common = 0
        for ours, theirs in zip(folder, path):
            if ours != theirs:
                break
            common += 1
        return "/".join([".."] * (len(folder) - common) + path[common:]) or "."
    return posixpath.relpath(target.path, posixpath.dirname(source.path) or ".")


_UNUSUAL = frozenset(("", ".", ".."))  # path segments that relpath would normalize away
