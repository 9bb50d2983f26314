"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), written directly since feedgen lacks it."""

from __future__ import annotations

import json
from typing import Any

from ..feeds.document import Entry, Feed

VERSION = "https://jsonfeed.org/version/1.1"
_NO_ITEMS = b'"items": []'  # where the pre-rendered items go
# One string as ``json.dumps(..., ensure_ascii=False)`` writes it: a lone string goes straight to the C encoder.
_string = json.JSONEncoder(ensure_ascii=False).encode


def json_entry(entry: Entry) -> bytes:
    """One item, indented to sit in the ``items`` array (see `json_splice`).

    Written line by line, each string by the C encoder: the very bytes ``json.dumps(_item(entry),
    ensure_ascii=False, indent=2)`` gives, indented four more spaces, but ``indent`` makes ``json`` fall
    back to its pure-Python encoder, which took most of the time of a JSON document. Every value is a
    string, so the layout is fixed (`_item` stays the one statement of what an item holds, for tests).
    """
    members = [
        f'      "id": {_string(entry.id)}',
        f'      "url": {_string(entry.url)}',
        f'      "title": {_string(entry.title)}',
        f'      "content_text": {_string(entry.summary)}',
        f'      "date_published": {_string(entry.published.isoformat())}',
        f'      "date_modified": {_string(entry.updated.isoformat())}',
    ]
    if entry.image is not None:
        members.append(f'      "image": {_string(entry.image.url)}')
    if entry.author:
        members.append(f'      "authors": [\n        {{\n          "name": {_string(entry.author)}\n        }}\n      ]')
    if entry.categories:
        tags = ",\n".join([f"        {_string(name)}" for name in entry.categories])
        members.append(f'      "tags": [\n{tags}\n      ]')
    return ("    {\n" + ",\n".join(members) + "\n    }").encode("utf-8")


def json_envelope(feed: Feed) -> bytes:
    """The document of ``feed`` with an empty ``items`` array (see `json_splice`): the bytes of
    ``json.dumps(_document(feed), ensure_ascii=False, indent=2)``, written line by line like `json_entry`
    (one per document, archive pages included, adds up)."""
    members = [
        f'  "version": {_string(VERSION)}',
        f'  "title": {_string(feed.title)}',
        f'  "home_page_url": {_string(feed.home_url)}',
        f'  "feed_url": {_string(feed.url("json"))}',
        f'  "description": {_string(feed.description)}',
        f'  "language": {_string(feed.language)}',
        f'  "authors": [\n    {{\n      "name": {_string(feed.author)}\n    }}\n  ]',
        '  "items": []',
    ]
    if feed.icon:
        members += [f'  "icon": {_string(feed.icon)}', f'  "favicon": {_string(feed.icon)}']
    if feed.hub:
        members.append(f'  "hubs": [\n    {{\n      "type": "WebSub",\n      "url": {_string(feed.hub)}\n    }}\n  ]')
    if feed.history.prev_archive is not None:
        members.append(f'  "next_url": {_string(feed.url("json", feed.history.prev_archive))}')
    return ("{\n" + ",\n".join(members) + "\n}\n").encode("utf-8")


def _document(feed: Feed) -> dict[str, Any]:
    """What the document of ``feed`` holds before its items, as `json_envelope` writes it (kept for tests)."""
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
