"""The neutral description of a feed document: what it holds, before any format is chosen.

Like Django's syndication ``Feed`` output, this says *what* a document holds (title, links, entries in
order); the writers in `feedpub.render` say *how* each format spells it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from .. import __version__
from ..model import Image
from .keys import FeedKey

# Archives only change when an old article is edited or removed, so caches may keep them a day.
ARCHIVE_MAX_AGE = 86400
# The time of a feed on a site with no articles at all: fixed, so that it is still byte-for-byte
# reproducible, and after 1990, which validators take as the earliest plausible date of a feed. (A feed
# with no entries on a site with articles takes the newest article's time.)
NO_ARTICLES_YET = datetime(2000, 1, 1, tzinfo=timezone.utc)


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
    """RFC 5005 links of one document, oldest archive first.

    ``prev_archive`` is the next-older archive; ``next_archive`` the next-newer one (for the newest
    archive, none: the subscription feed, ``current``, takes over).
    """

    current: FeedKey
    archive: int | None = None
    prev_archive: FeedKey | None = None
    next_archive: FeedKey | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed document, independent of format."""

    key: FeedKey
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

    def url(self, format_: str, key: FeedKey | None = None) -> str:
        """Absolute URL of this feed (or of ``key``, a neighbour) in ``format_``."""
        if key is not None:
            return self.base_url + key.document(format_).path
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.base_url}{self.key.document(format_).path}{query}"

    @property
    def home_url(self) -> str:
        """The feed's own HTML page (its alternate link): archives and query feeds belong to their feed's."""
        return self.base_url + self.history.current.document("html").path
