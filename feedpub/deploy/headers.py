"""The HTTP headers an object is stored with, so a bucket answers like `feedpub serve` does: the same
`feedpub.headers` policy the app uses. No ``Content-Encoding``: a bucket cannot negotiate
``Accept-Encoding``, so bodies are stored as they are."""

from __future__ import annotations

import mimetypes

from ..config import Settings
from ..feeds.keys import parse_path
from ..headers import cache_control, content_type

FALLBACK_CONTENT_TYPE = "application/octet-stream"


def object_headers(path: str, settings: Settings) -> dict[str, str]:
    """``Content-Type`` and ``Cache-Control`` for the output file at ``path`` (relative to the folder)."""
    key = parse_path(path)
    if key is None:  # not a file feedpub writes; something the user put beside the feeds
        kind = mimetypes.guess_type(path)[0] or FALLBACK_CONTENT_TYPE
        return {"Content-Type": kind, "Cache-Control": f"public, max-age={settings.cache_max_age}"}
    return {"Content-Type": content_type(key), "Cache-Control": cache_control(key, settings)}
