"""The URL layout of a published site: which documents exist under the feeds folder, and their bytes.

The static writer and the web app both ask this one place, so ``feeds/topics/ai.atom`` on disk and
``/feeds/topics/ai.atom`` over HTTP are always the same document.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from .catalog import Catalog
from .config import Settings
from .feeds import ARCHIVE, Query, build_feed, feed_paths
from .formats import FORMATS
from .formats.xmlfeeds import STYLESHEET
from .opml import OPML_CONTENT_TYPE, render_opml
from .pages import feed_stylesheet, render_feed_page, render_index

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

    def __init__(self, catalog: Catalog, settings: Settings) -> None:
        self.catalog = catalog
        self.settings = settings

    def paths(self) -> Iterator[str]:
        yield INDEX
        yield OPML
        yield STYLESHEET
        for feed_path in feed_paths(self.catalog, self.settings):
            if ARCHIVE not in feed_path:
                yield f"{feed_path}.{PAGE}"
            for extension in FORMATS:
                yield f"{feed_path}.{extension}"

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
        feed = build_feed(self.catalog, feed_path, self.settings, query if format_ is not None else None)
        if feed is None:
            return None
        if format_ is None:
            return Document(render_feed_page(feed, self.settings), HTML, feed.updated)
        return Document(format_.render(feed), format_.content_type, feed.updated)
