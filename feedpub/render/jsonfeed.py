"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), written directly since feedgen lacks it."""

from __future__ import annotations

import json
from typing import Any

from ..feeds.document import Entry, Feed

VERSION = "https://jsonfeed.org/version/1.1"
_NO_ITEMS = b'"items": []'  # where the pre-rendered items go
# One value that is not a list or mapping, as ``json.dumps(..., ensure_ascii=False)`` writes it, by the C encoder.
_scalar = json.JSONEncoder(ensure_ascii=False).encode


def json_entry(entry: Entry) -> bytes:
    """One item, indented to sit in the ``items`` array (see `json_splice`)."""
    return ("    " + _indented(_item(entry), 2)).encode("utf-8")


def json_envelope(feed: Feed) -> bytes:
    """The document of ``feed`` with an empty ``items`` array (see `json_splice`)."""
    return (_indented(_document(feed), 0) + "\n").encode("utf-8")


def _indented(value: Any, level: int) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it at nesting ``level``.

    ``indent`` makes ``json`` fall back to its pure-Python encoder, which took most of the time of a JSON
    document; here only the layout is Python, and every string, number and literal goes to the C encoder.
    """
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = "\n" + "  " * (level + 1)
        members = [f"{inner}{_scalar(key)}: {_indented(item, level + 1)}" for key, item in value.items()]
        return "{" + ",".join(members) + "\n" + "  " * level + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = "\n" + "  " * (level + 1)
        return "[" + ",".join([inner + _indented(item, level + 1) for item in value]) + "\n" + "  " * level + "]"
    return _scalar(value)


def _document(feed: Feed) -> dict[str, Any]:
    """What the document of ``feed`` holds before its items."""
    document: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.url("json"),
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed.author}],
        "items": [],
    }
    if feed.icon:
        # JSON Feed's icon (large) and favicon (small) are both square: the site's icon serves for both.
        document["icon"] = document["favicon"] = feed.icon
    if feed.hub:
        document["hubs"] = [{"type": "WebSub", "url": feed.hub}]
    if feed.history.prev_archive is not None:
        # JSON Feed's pagination: the next page holds older items.
        document["next_url"] = feed.url("json", feed.history.prev_archive)
    return document


def json_splice(envelope: bytes, entries: list[bytes]) -> bytes:
    """The pre-rendered items spliced into the envelope's ``items`` array."""
    if not entries:
        return envelope
    at = envelope.index(_NO_ITEMS)
    return b"".join([envelope[:at], b'"items": [\n', b",\n".join(entries), b"\n  ]", envelope[at + len(_NO_ITEMS) :]])


def escape_query(query_string: str) -> str:
    """A URL's query string as JSON writes it in a string: as it is (it holds no quote or backslash)."""
    return query_string


def _item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry.id,
        "url": entry.url,
        "title": entry.title,
        # The excerpt is all the text an article file gives, so it is the item's content. A "summary" is
        # meant to be shorter than the content; repeating the same text there would show it twice.
        "content_text": entry.summary,
        "date_published": entry.published.isoformat(),
        "date_modified": entry.updated.isoformat(),
    }
    if entry.image is not None:
        item["image"] = entry.image.url
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = list(entry.categories)
    return item
