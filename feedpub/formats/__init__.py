"""Feed formats: each turns a neutral `Feed` into the bytes of one document.

Callers (the static writer, the web app) only ever ask ``FORMATS[extension].render(feed)``; adding a
format means adding one writer and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..feeds import Feed
from .jsonfeed import render_json_feed
from .xmlfeeds import render_atom, render_rss


@dataclass(frozen=True)
class Format:
    name: str
    extension: str
    media_type: str
    render: Callable[[Feed], bytes]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


RSS = Format("RSS 2.0", "rss", "application/rss+xml", render_rss)
ATOM = Format("Atom 1.0", "atom", "application/atom+xml", render_atom)
JSON_FEED = Format("JSON Feed 1.1", "json", "application/feed+json", render_json_feed)

FORMATS: dict[str, Format] = {f.extension: f for f in (RSS, ATOM, JSON_FEED)}

__all__ = ["ATOM", "FORMATS", "Format", "JSON_FEED", "RSS"]
