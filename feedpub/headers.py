"""The HTTP headers a document is answered with wherever it is served from: the app (`feedpub.web`) and an
object store (`feedpub.deploy`) take them from here, so a bucket answers as `feedpub serve` does."""

from __future__ import annotations

from .config import Settings
from .feeds.document import ARCHIVE_MAX_AGE
from .feeds.keys import INDEX, OPML, PAGE, DocKey
from .render import FORMATS
from .render.opml import OPML_CONTENT_TYPE

HTML = "text/html; charset=utf-8"
XSL = "text/xsl; charset=utf-8"


def content_type(key: DocKey) -> str:
    """The media type, with its charset, of the document ``key``."""
    if key.format in FORMATS:
        return FORMATS[key.format].content_type
    if key.format == PAGE or key == INDEX:
        return HTML
    return OPML_CONTENT_TYPE if key == OPML else XSL


def cache_control(key: DocKey, settings: Settings) -> str:
    """Archives change only when an old article is edited or removed, so caches may keep them a day."""
    return f"public, max-age={ARCHIVE_MAX_AGE if key.is_archive else settings.cache_max_age}"
