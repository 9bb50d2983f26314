"""OPML 2.0 subscription list of every feed, so a reader subscribes to all of them in one step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..config import Settings
from ..feeds.catalog import Catalog
from ..feeds.keys import ALL, FeedKey

if TYPE_CHECKING:
    from xml.etree import ElementTree

OPML_CONTENT_TYPE = "text/x-opml; charset=utf-8"


def render_opml(catalog: Catalog, settings: Settings) -> bytes:
    from xml.etree import ElementTree  # only when the list of feeds changed: most rebuilds never import it

    base = settings.feeds_url
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = f"{settings.title} feeds"
    ElementTree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ElementTree.SubElement(opml, "body")

    def outline(parent: ElementTree.Element, feed: FeedKey, name: str) -> None:
        ElementTree.SubElement(
            parent, "outline", type="rss", text=name, title=name,
            xmlUrl=base + feed.document("atom").path, htmlUrl=base + feed.document("html").path,  # its own page
        )

    outline(body, ALL, f"{settings.title}: all articles")
    for label, kind, groups in (("Topics", "topic", catalog.topics), ("News providers", "provider", catalog.providers)):
        if groups:
            folder = ElementTree.SubElement(body, "outline", text=label, title=label)
            for slug, group in groups.items():
                outline(folder, FeedKey(kind, (slug,)), f"{settings.title}: {group.name}")
    ElementTree.indent(opml)
    return ElementTree.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"
