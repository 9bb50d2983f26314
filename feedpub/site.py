"""The URL layout of a published site: which documents exist under the feeds folder, and their bytes.

The static writer and the web app both ask this one place, so ``feeds/topics/ai.atom`` on disk and
``/feeds/topics/ai.atom`` over HTTP are always the same document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from importlib import resources
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from .catalog import Catalog
from .config import Settings
from .feeds import ARCHIVE, Archives, Entry, Query, build_feed, feed_paths, select_feed
from .formats import FORMATS
from .formats.xmlfeeds import STYLESHEET
from .history import ArchiveLedger
from .opml import OPML_CONTENT_TYPE, render_opml
from .pages import feed_stylesheet, index_rows, render_feed_page, render_index

def _code_digest() -> bytes:
    """A digest of feedpub's own code and templates: output made by other code is never trusted as current."""
    digest = hashlib.blake2b(digest_size=16)
    package = resources.files("feedpub")
    for folder in (package, package / "formats", package / "templates"):
        for item in sorted(folder.iterdir(), key=lambda i: i.name):
            if item.is_file() and item.name.endswith((".py", ".html", ".xsl")):
                digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.digest()


CODE_DIGEST = _code_digest()
_url = attrgetter("url")
_revision = attrgetter("revision")
INDEX = "index.html"
OPML = "opml.xml"
PAGE = "html"
HTML = "text/html; charset=utf-8"
XSL = "text/xsl; charset=utf-8"


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    last_modified: datetime | None = None


class Site:
    """Every document a catalog publishes, addressed by its path relative to the feeds folder."""

    def __init__(self, catalog: Catalog, settings: Settings, ledger: ArchiveLedger | None = None) -> None:
        self.catalog = catalog
        self.settings = settings
        self.archives = Archives(catalog, settings, ledger)  # each feed's archive pages, cut once
        # Rendered entries of one format at a time: reused by every document of that format that lists
        # them, and dropped when another format is asked for, so memory stays one format's worth.
        self._entries_format = ""
        self._entries: dict[Entry, bytes] = {}
        self._described: dict[str, Entry] = {}  # each article's Entry, shared by every feed listing it
        self._site_digest = b""
        self._revisions: dict[str, bytes] | None = None  # each article's revision, by URL
        self._feed_digests: dict[str, bytes | None] = {}  # each feed's digest, by feed path

    def paths(self) -> Iterator[str]:
        """Every document; feeds come format by format, so each format's rendered entries are reused."""
        yield INDEX
        yield OPML
        yield STYLESHEET
        feeds = list(feed_paths(self.catalog, self.settings, self.archives))
        for feed_path in feeds:
            if ARCHIVE not in feed_path:
                yield f"{feed_path}.{PAGE}"
        for extension in FORMATS:
            for feed_path in feeds:
                yield f"{feed_path}.{extension}"

    def fingerprint(self, path: str) -> str | None:
        """A digest of everything the document at ``path`` is made from, or None when there is no such
        document. Equal fingerprints mean equal bytes, so a build can skip rendering them.
        """
        if path in (INDEX, OPML, STYLESHEET):
            # The index and OPML list every feed by name, size and newest date; the stylesheet is code.
            listing = repr((index_rows(self.catalog), self.settings)).encode()
            return hashlib.blake2b(CODE_DIGEST + listing + path.encode(), digest_size=20).hexdigest()
        feed_path, dot, extension = path.rpartition(".")
        if not dot or (extension not in FORMATS and extension != PAGE):
            return None
        if feed_path not in self._feed_digests:
            self._feed_digests[feed_path] = self._feed_digest(feed_path)
        feed_digest = self._feed_digests[feed_path]
        if feed_digest is None:
            return None
        return hashlib.blake2b(feed_digest + path.encode(), digest_size=20).hexdigest()

    def _feed_digest(self, feed_path: str) -> bytes | None:
        """A digest of one feed's description, shared by its formats and its page.

        Articles count by their revisions (digests of their files), so this costs a lookup per listed article.
        """
        selection = select_feed(self.catalog, feed_path, self.settings, None, self.archives)
        if selection is None:
            return None
        if self._revisions is None:
            self._site_digest, self._revisions = self._describe_site()
        digest = hashlib.blake2b(self._site_digest, digest_size=20)
        digest.update(
            f"{selection.title}\0{selection.description}\0{selection.history}\0{selection.ttl_minutes}\0{selection.image}\0".encode()
        )
        if self._revisions:
            digest.update(b"".join(map(self._revisions.__getitem__, map(_url, selection.articles))))
        else:
            digest.update("".join(map(_revision, selection.articles)).encode())
        return digest.digest()

    def _describe_site(self) -> tuple[bytes, dict[str, bytes]]:
        """What every feed shares (code, settings, topic names), and a revision by URL for each article when
        some have none of their own (made in code rather than read from a file)."""
        settings = self.settings
        shared = hashlib.blake2b(CODE_DIGEST, digest_size=20)
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

    def render(self, path: str, query: Query | None = None) -> Document | None:
        """The document at ``path`` (such as ``topics/ai.atom``), or None when there is none.

        A ``query`` applies to feed formats only (see `feedpub.feeds.Query`).
        """
        if path == INDEX:
            return Document(render_index(self.catalog, self.settings), HTML)
        if path == OPML:
            return Document(render_opml(self.catalog, self.settings), OPML_CONTENT_TYPE)
        if path == STYLESHEET:
            return Document(feed_stylesheet(), XSL)
        feed_path, dot, extension = path.rpartition(".")
        format_ = FORMATS.get(extension) if dot else None
        if format_ is None and not (extension == PAGE and ARCHIVE not in feed_path):
            return None
        feed = build_feed(
            self.catalog, feed_path, self.settings, query if format_ is not None else None, self._described,
            self.archives,
        )
        if feed is None:
            return None
        if format_ is None:
            return Document(render_feed_page(feed, self.settings), HTML, feed.updated)
        if format_.extension != self._entries_format:
            self._entries_format, self._entries = format_.extension, {}
        return Document(format_.render(feed, self._entries), format_.content_type, feed.updated)
