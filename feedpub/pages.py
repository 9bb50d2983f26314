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

from .catalog import Catalog, Topic
from .config import Settings
from .feeds import ALL, PROVIDERS, TOPICS, Feed
from .formats import FORMATS

if TYPE_CHECKING:
    from jinja2 import Environment


@cache
def _templates() -> Environment:
    """The template environment, made on first use: a rebuild that renders no page never imports Jinja."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    # Autoescaping is on for every template: titles and topic names come from untrusted files.
    return Environment(
        loader=PackageLoader("feedpub", "templates"),
        autoescape=select_autoescape(default=True),
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class FeedRow:
    path: str
    name: str
    count: int
    newest: datetime | None


def index_rows(catalog: Catalog) -> tuple[FeedRow, list[FeedRow], list[FeedRow]]:
    """What the index lists: the all-articles feed, the topic feeds and the provider feeds."""
    everything = FeedRow(ALL, "All articles", len(catalog.articles), _newest(catalog.articles))
    return everything, _rows(TOPICS, catalog.topics.values()), _rows(PROVIDERS, catalog.providers.values())


def render_index(catalog: Catalog, settings: Settings) -> bytes:
    everything, topics, providers = index_rows(catalog)
    page = _templates().get_template("index.html").render(
        settings=settings, everything=everything, topics=topics, providers=providers,
        formats=list(FORMATS.values()),
    )
    return page.encode("utf-8")


def render_feed_page(feed: Feed, settings: Settings) -> bytes:
    """The page of one subscription feed: its newest articles and how to subscribe."""
    name = feed.path.rsplit("/", 1)[-1]  # the feed files sit beside the page: ai.html, ai.atom, ...
    page = _templates().get_template("feed.html").render(
        settings=settings, feed=feed, name=name, formats=list(FORMATS.values()),
        index=("../" * feed.path.count("/")) + "index.html",
    )
    return page.encode("utf-8")


def _rows(prefix: str, groups: Iterable[Topic]) -> list[FeedRow]:
    return [FeedRow(prefix + group.slug, group.name, len(group.articles), _newest(group.articles)) for group in groups]


def _newest(articles: tuple) -> datetime | None:
    return articles[0].published_at if articles else None


def feed_stylesheet() -> bytes:
    """The XSLT that browsers which still apply it use to show RSS and Atom documents as a page."""
    return (resources.files("feedpub") / "templates" / "feed.xsl").read_bytes()
