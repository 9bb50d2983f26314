"""Feed formats: each turns a neutral `Feed` into the bytes of one document.

Callers (the site) only ever ask ``FORMATS[extension].render(feed)``; adding a
format means adding one writer and one line here.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from ..feeds.document import Entry, Feed
from ..feeds.keys import FEED_FORMATS
from .jsonfeed import json_document, json_entry
from .xmlfeeds import atom_document, atom_entry, rss_document, rss_entry


@dataclass(frozen=True)
class Format:
    """A format is two functions: one renders an entry, the other a document around rendered entries."""

    name: str
    extension: str
    media_type: str
    entry: Callable[[Entry], bytes]
    document: Callable[[Feed, list[bytes]], bytes]
    label: str = ""  # what pages call the format, the same on every page: "RSS", "Atom", "JSON Feed"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    def render(self, feed: Feed, rendered: MutableMapping[Entry, bytes] | None = None) -> bytes:
        """The bytes of ``feed``; entries found in ``rendered`` are reused, new ones are added to it."""
        if rendered is None:
            return self.document(feed, [self.entry(entry) for entry in feed.entries])
        fragments = []
        for entry in feed.entries:
            fragment = rendered.get(entry)
            if fragment is None:
                fragment = rendered[entry] = self.entry(entry)
            fragments.append(fragment)
        return self.document(feed, fragments)


RSS = Format("RSS 2.0", "rss", "application/rss+xml", rss_entry, rss_document, "RSS")
ATOM = Format("Atom 1.0", "atom", "application/atom+xml", atom_entry, atom_document, "Atom")
JSON_FEED = Format("JSON Feed 1.1", "json", "application/feed+json", json_entry, json_document, "JSON Feed")

FORMATS: dict[str, Format] = {f.extension: f for f in (RSS, ATOM, JSON_FEED)}
assert tuple(FORMATS) == FEED_FORMATS, "the key module and the writers must name the same formats"

__all__ = ["ATOM", "FORMATS", "Format", "JSON_FEED", "RSS"]
