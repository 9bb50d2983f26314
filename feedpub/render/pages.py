"""HTML pages for people: the index of every feed and a page per feed, with autodiscovery links.

Someone who clicks a feed link lands on a readable page instead of raw XML; feed readers find the
feeds through the ``<link rel="alternate">`` tags.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from ..config import Settings
from ..feeds.catalog import Catalog, Topic
from ..feeds.document import Feed
from ..feeds.keys import ALL, INDEX, OPML, PAGE, DocKey, FeedKey, FeedKind, relative_url
from . import FORMATS

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _templates() -> Environment:
    """The template environment, made on first use: a rebuild that renders no page never imports Jinja."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    # Autoescaping is on for every template: titles and topic names come from untrusted files.
    environment = Environment(
        loader=PackageLoader("feedpub.render", "templates"),
        autoescape=select_autoescape(default=True),
        keep_trailing_newline=True,
    )
    # Templates link by key, never by spelling paths: href(page, feed_key, "atom") is relative to ``page``.
    environment.globals["href"] = lambda page, feed, format_: relative_url(page, feed.document(format_))
    return environment


@dataclass(frozen=True)
class FeedRow:
    key: FeedKey
    name: str
    count: int
    newest: datetime | None


def index_rows(catalog: Catalog) -> tuple[FeedRow, list[FeedRow], list[FeedRow]]:
    """What the index lists: the all-articles feed, the topic feeds and the provider feeds."""
    everything = FeedRow(ALL, "All articles", len(catalog.articles), _newest(catalog.articles))
    return everything, _rows("topic", catalog.topics.values()), _rows("provider", catalog.providers.values())


def render_index(catalog: Catalog, settings: Settings) -> bytes:
    everything, topics, providers = index_rows(catalog)
    page = _templates().get_template("index.html").render(
        settings=settings, everything=everything, topics=topics, providers=providers,
        formats=list(FORMATS.values()), page=INDEX, opml=relative_url(INDEX, OPML),
    )
    return page.encode("utf-8")


def render_feed_page(feed: Feed, settings: Settings) -> bytes:
    """The page of one subscription feed: its newest articles and how to subscribe."""
    here = DocKey(feed.key, PAGE)
    page = _templates().get_template("feed.html").render(
        settings=settings, feed=feed, formats=list(FORMATS.values()), page=here, index=relative_url(here, INDEX),
    )
    return page.encode("utf-8")


def _rows(kind: FeedKind, groups: Iterable[Topic]) -> list[FeedRow]:
    return [FeedRow(FeedKey(kind, (group.slug,)), group.name, len(group.articles), _newest(group.articles)) for group in groups]


def _newest(articles: tuple) -> datetime | None:
    return articles[0].published_at if articles else None


def feed_stylesheet() -> bytes:
    """The XSLT that browsers which still apply it use to show RSS and Atom documents as a page."""
    return (resources.files("feedpub.render") / "templates" / "feed.xsl").read_bytes()
