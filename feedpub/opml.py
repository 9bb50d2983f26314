"""OPML 2.0 subscription list of every feed, so a reader subscribes to all of them in one step."""

from __future__ import annotations

from xml.etree import ElementTree

from .catalog import Catalog
from .config import Settings
from .feeds import ALL, PROVIDERS, TOPICS

OPML_CONTENT_TYPE = "text/x-opml; charset=utf-8"


def render_opml(catalog: Catalog, settings: Settings) -> bytes:
    base = settings.feeds_url
    opml = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(opml, "head")
    ElementTree.SubElement(head, "title").text = f"{settings.title} feeds"
    ElementTree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ElementTree.SubElement(opml, "body")

    def outline(parent: ElementTree.Element, path: str, name: str) -> None:
        ElementTree.SubElement(
            parent, "outline", type="rss", text=name, title=name,
            xmlUrl=f"{base}{path}.atom", htmlUrl=f"{base}{path}.html",  # each feed's own page
        )

    outline(body, ALL, f"{settings.title}: all articles")
    for label, prefix, groups in (("Topics", TOPICS, catalog.topics), ("News providers", PROVIDERS, catalog.providers)):
        if groups:
            folder = ElementTree.SubElement(body, "outline", text=label, title=label)
            for key, group in groups.items():
                outline(folder, prefix + key, f"{settings.title}: {group.name}")
    ElementTree.indent(opml)
    return ElementTree.tostring(opml, encoding="utf-8", xml_declaration=True) + b"\n"
