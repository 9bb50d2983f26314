"""RSS 2.0 and Atom 1.0, built with feedgen.

feedgen builds both formats from one generator object, so both writers share `_generator`; each adds only
what its format spells differently. Each entry is rendered once (``rss_entry``, ``atom_entry``) and the
bytes are reused by every document that lists it, spliced into the document around them (``rss_envelope``
and ``rss_splice``, ``atom_envelope`` and ``atom_splice``). Two feedgen defaults are overridden on purpose: entries are appended
(feedgen prepends by default, which would reverse our order) and the feed's update time is the newest
entry's, never the build time, so the same input always gives the same bytes.

feedgen 1.0 drops the ``rel`` and ``type`` of links inside Atom entries, and writes only the self link
into RSS; links it cannot write go through `_ExtraLinks`, an extension that writes them itself. An RSS
item's ``dc:creator`` and Media RSS elements go through `_ItemExtras`, which writes them as feedgen's own
Dublin Core and Media extensions do at a fraction of their cost per item (entries are most of a build).
"""

from __future__ import annotations

import html
import mimetypes
import re
import threading
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.ext.media import MediaEntryExtension, MediaExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from ..feeds.document import Entry, Feed
from ..feeds.keys import STYLESHEET
from ..model import Image

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
RSS_NAMESPACES = {"dc": "http://purl.org/dc/elements/1.1/", "media": "http://search.yahoo.com/mrss/"}
_DC_CREATOR = f"{{{RSS_NAMESPACES['dc']}}}creator"
_MEDIA_CONTENT = f"{{{RSS_NAMESPACES['media']}}}content"
_MEDIA_THUMBNAIL = f"{{{RSS_NAMESPACES['media']}}}thumbnail"
_DECLARATION = re.compile(rb' xmlns:\w+="[^"]*"')
# feedgen writes RSS dates by switching the whole process's locale to C and back (feedgen.util.formatRFC2822).
# Two threads doing that at once can leave it switched for good (one restores the other's C), and with it
# the default encoding of every file the process opens: one RSS serialization at a time.
_RSS_DATES = threading.Lock()


def rss_entry(entry: Entry) -> bytes:
    item = FeedEntry()
    _common(item, entry)
    # RSS readers treat <description> as HTML, so the plain text is HTML-escaped once here.
    item.description(html.escape(entry.summary, quote=False))
    item.guid(entry.id, permalink=entry.id == entry.url)
    item.pubDate(entry.published)
    if entry.author or entry.image is not None:
        # register_extension with the class: load_extension would search for modules on every entry.
        item.register_extension("extras", _ItemExtras, atom=False, rss=True)
        # RSS <author> must be an e-mail address; Dublin Core's creator takes a name.
        item.extras.creator = entry.author
        item.extras.image = entry.image
    with _RSS_DATES:
        element = item.rss_entry()
    return _fragment(element, RSS_NAMESPACES, b"    ")


def rss_envelope(feed: Feed) -> bytes:
    """The RSS document of ``feed`` without its items (see `rss_splice`)."""
    generator = _generator(feed, "rss", "application/rss+xml")
    # Registered on the feed, extensions declare their namespaces once on <rss>, for every item (with the
    # classes: load_extension imports their modules again on every call, which a query feed would pay).
    generator.register_extension("dc", DcExtension, DcEntryExtension, atom=False)
    generator.register_extension("media", MediaExtension, MediaEntryExtension, atom=False)
    generator.ttl(feed.ttl_minutes)  # matches the server's Cache-Control max-age
    if feed.logo or feed.icon:
        # RSS has one <image>, a logo; its link must be the channel's own link, the feed's page.
        generator.image(url=feed.logo or feed.icon, title=feed.title, link=feed.home_url)
    with _RSS_DATES:
        envelope = generator.rss_str(pretty=True)
    return _with_stylesheet(envelope, feed)


def rss_splice(envelope: bytes, entries: list[bytes]) -> bytes:
    return _insert(envelope, b"  </channel>", entries)


def atom_entry(entry: Entry) -> bytes:
    item = FeedEntry()
    _common(item, entry)
    item.id(entry.id)
    item.summary(entry.summary, type="text")
    item.published(entry.published)
    if entry.author:
        item.author(name=entry.author)
    if entry.image is not None:
        media_type = mimetypes.guess_type(urlsplit(entry.image.url).path)[0]
        item.register_extension("links", _ExtraEntryLinks, atom=True, rss=False)
        item.links.add(href=entry.image.url, rel="enclosure", type=media_type)
    return _fragment(item.atom_entry(), {}, b"  ")


def atom_envelope(feed: Feed) -> bytes:
    """The Atom document of ``feed`` without its entries (see `atom_splice`)."""
    generator = _generator(feed, "atom", "application/atom+xml")
    generator.id(feed.url("atom"))
    generator.subtitle(feed.description)
    generator.author(name=feed.author)
    if feed.icon:
        generator.icon(feed.icon)
    if feed.logo:
        generator.logo(feed.logo)
    return _with_stylesheet(generator.atom_str(pretty=True), feed)


def atom_splice(envelope: bytes, entries: list[bytes]) -> bytes:
    return _insert(envelope, b"</feed>", entries)


def escape_query(query_string: str) -> str:
    """A URL's query string as RSS and Atom write it, in attributes and text alike."""
    return query_string.replace("&", "&amp;")


def _fragment(element: etree._Element, namespaces: dict[str, str], indent: bytes) -> bytes:
    """One entry as indented bytes, to be placed in any document whose root declares ``namespaces``.

    Rendering each entry once and reusing the bytes in every feed and archive that lists it keeps the
    cost of a build proportional to the number of articles, not articles times feeds.
    """
    if namespaces:
        etree.cleanup_namespaces(element, top_nsmap=namespaces)
    text = etree.tostring(element, pretty_print=True, encoding="utf-8")
    start_tag_end = text.index(b">")
    start_tag = _DECLARATION.sub(b"", text[:start_tag_end])  # the document's root declares them
    text = start_tag + text[start_tag_end:]
    return indent + text.rstrip(b"\n").replace(b"\n", b"\n" + indent) + b"\n"


def _insert(envelope: bytes, closing: bytes, entries: list[bytes]) -> bytes:
    """Put the entries just before the closing tag of the element that holds them (in one copy: a query
    feed may hold hundreds of entries)."""
    at = envelope.rindex(closing)
    return b"".join([envelope[:at], *entries, envelope[at:]])


def _generator(feed: Feed, extension: str, media_type: str) -> FeedGenerator:
    generator = FeedGenerator()
    generator.title(feed.title)
    generator.description(feed.description)
    generator.link(href=feed.url(extension), rel="self", type=media_type)
    generator.link(href=feed.home_url, rel="alternate", type="text/html")
    generator.language(feed.language)
    generator.generator(feed.generator, version=feed.generator_version)
    generator.updated(feed.updated)
    generator.register_extension("links", _ExtraLinks, _ExtraEntryLinks)
    history = feed.history
    for rel, key in (("current", history.current if history.archive else None),
                      ("prev-archive", history.prev_archive), ("next-archive", history.next_archive)):
        if key is not None:
            generator.links.add(href=feed.url(extension, key), rel=rel, type=media_type)
    if feed.hub:
        generator.links.add(href=feed.hub, rel="hub")  # WebSub discovery, beside the self link
    generator.links.is_archive = history.archive is not None
    return generator


def _with_stylesheet(document: bytes, feed: Feed) -> bytes:
    """Add the ``<?xml-stylesheet?>`` that lets browsers show the feed as a page (feedgen cannot)."""
    declaration, newline, rest = document.partition(b"\n")
    href = html.escape(urlsplit(feed.base_url).path + STYLESHEET.path, quote=True).encode("utf-8")
    return declaration + newline + b'<?xml-stylesheet type="text/xsl" href="' + href + b'"?>\n' + rest


def _common(item: FeedEntry, entry: Entry) -> None:
    item.title(entry.title)
    item.link(href=entry.url, rel="alternate")
    item.updated(entry.updated)
    if entry.categories:
        # All at once: feedgen checks the list once and maps it to RSS once (one call per category redid
        # both for every category before it).
        item.category([{"term": name} for name in entry.categories])


class _ItemExtras(BaseEntryExtension):
    """What an RSS item says beyond RSS itself: Dublin Core's ``<dc:creator>``, then Media RSS's
    ``<media:content>`` and ``<media:thumbnail>`` of its image, as feedgen's DcEntryExtension and
    MediaEntryExtension write them (attributes in their order, only those with a value). Those look up
    all fifteen Dublin Core fields and check and copy fourteen attributes per media element on every
    item; the feed's DcExtension and MediaExtension still declare the namespaces (see `rss_envelope`)."""

    def __init__(self) -> None:
        self.creator: str | None = None
        self.image: Image | None = None

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.creator:
            etree.SubElement(item, _DC_CREATOR).text = self.creator
        image = self.image
        if image is not None:
            size = {"height": str(image.height), "width": str(image.width)} if image.width and image.height else {}
            etree.SubElement(item, _MEDIA_CONTENT, {"url": image.url, "medium": "image", **size})
            etree.SubElement(item, _MEDIA_THUMBNAIL, {"url": image.url, **size})
        return item


class _ExtraLinks(BaseExtension):
    """What feedgen cannot write: links of any ``rel`` in Atom (entries included) and in RSS (as
    ``atom:link``), and RFC 5005's ``<fh:archive/>`` marker on archive documents."""

    def __init__(self) -> None:
        self._links: list[dict[str, str]] = []
        self.is_archive = False

    def extend_ns(self) -> dict[str, str]:
        return {"fh": HISTORY_NS} if self.is_archive else {}

    def add(self, **attributes: str | None) -> None:
        self._links.append({name: value for name, value in attributes.items() if value})

    def _append(self, parent: etree._Element, tag: str) -> None:
        for attributes in self._links:
            etree.SubElement(parent, tag, attributes)
        if self.is_archive:
            etree.SubElement(parent, f"{{{HISTORY_NS}}}archive")

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        self._append(feed, "link")
        return feed

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        self._append(rss[0], f"{{{ATOM_NS}}}link")
        return rss


class _ExtraEntryLinks(_ExtraLinks, BaseEntryExtension):
    def extend_rss(self, item: etree._Element) -> etree._Element:
        self._append(item, f"{{{ATOM_NS}}}link")
        return item
