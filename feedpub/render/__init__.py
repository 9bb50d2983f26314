"""Feed formats: each turns a neutral `Feed` into the bytes of one document.

Callers (the site) only ever ask ``FORMATS[extension].render(feed)``; adding a
format means adding one writer and one line here.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass

from ..feeds.document import Entry, Feed
from ..feeds.keys import FEED_FORMATS
from . import jsonfeed, xmlfeeds


@dataclass(frozen=True)
class Format:
    """A format renders an entry, and a document without entries (its envelope) into which rendered entries
    are spliced: a server keeps envelopes and entries apart and splices them per request."""

    name: str
    extension: str
    media_type: str
    entry: Callable[[Entry], bytes]
    envelope: Callable[[Feed], bytes]
    splice: Callable[[bytes, list[bytes]], bytes]
    escape_query: Callable[[str], str]  # a URL's query string (letters, digits, '=', '&') as the format writes it
    label: str = ""  # what pages call the format, the same on every page: "RSS", "Atom", "JSON Feed"

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"

    def document(self, feed: Feed, entries: list[bytes]) -> bytes:
        """The bytes of ``feed`` around its rendered ``entries``."""
        return self.splice(self.envelope(feed), entries)

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


RSS = Format("RSS 2.0", "rss", "application/rss+xml", xmlfeeds.rss_entry, xmlfeeds.rss_envelope, xmlfeeds.rss_splice,
             xmlfeeds.escape_query, "RSS")
ATOM = Format("Atom 1.0", "atom", "application/atom+xml", xmlfeeds.atom_entry, xmlfeeds.atom_envelope,
              xmlfeeds.atom_splice, xmlfeeds.escape_query, "Atom")
JSON_FEED = Format("JSON Feed 1.1", "json", "application/feed+json", jsonfeed.json_entry, jsonfeed.json_envelope,
                   jsonfeed.json_splice, jsonfeed.escape_query, "JSON Feed")

FORMATS: dict[str, Format] = {f.extension: f for f in (RSS, ATOM, JSON_FEED)}
assert tuple(FORMATS) == FEED_FORMATS, "the key module and the writers must name the same formats"

__all__ = ["ATOM", "FORMATS", "Format", "JSON_FEED", "RSS"]
