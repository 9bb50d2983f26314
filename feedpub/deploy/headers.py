"""The HTTP headers an object is stored with, so a bucket answers like `feedpub serve` does.

One function decides them for every object; the server's policy (`feedpub.web`) is the model: the media type
of each format with its charset, and the long max-age for archives, which never change once full.
"""

from __future__ import annotations

import mimetypes

from ..config import Settings
from ..feeds import ARCHIVE, ARCHIVE_MAX_AGE
from ..formats import FORMATS
from ..formats.xmlfeeds import STYLESHEET
from ..opml import OPML_CONTENT_TYPE
from ..site import HTML, OPML, PAGE, XSL

FALLBACK_CONTENT_TYPE = "application/octet-stream"


def object_headers(path: str, settings: Settings) -> dict[str, str]:
    """``Content-Type`` and ``Cache-Control`` for the output file at ``path`` (relative to the folder).

    No ``Content-Encoding``: a bucket cannot negotiate ``Accept-Encoding``, so bodies are stored as they are.
    """
    extension = path.rpartition(".")[2]
    if extension in FORMATS:
        content_type = FORMATS[extension].content_type
    elif extension == PAGE:
        content_type = HTML
    elif path == OPML:
        content_type = OPML_CONTENT_TYPE
    elif path == STYLESHEET:
        content_type = XSL
    else:  # not a file feedpub writes; something the user put beside the feeds
        content_type = mimetypes.guess_type(path)[0] or FALLBACK_CONTENT_TYPE
    max_age = ARCHIVE_MAX_AGE if ARCHIVE in f"/{path}" else settings.cache_max_age
    return {"Content-Type": content_type, "Cache-Control": f"public, max-age={max_age}"}
