"""HTML pages for people: the index of every feed, with autodiscovery links for feed readers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from .catalog import Catalog
from .config import Settings
from .feeds import ALL, TOPICS
from .formats import FORMATS

# Autoescaping is on for every template: titles and topic names come from untrusted files.
_templates = Environment(
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


def render_index(catalog: Catalog, settings: Settings) -> bytes:
    rows = [FeedRow(ALL, "All articles", len(catalog.articles), _newest(catalog.articles))]
    rows += [
        FeedRow(TOPICS + topic.slug, topic.name, len(topic.articles), _newest(topic.articles))
        for topic in catalog.topics.values()
    ]
    page = _templates.get_template("index.html").render(
        settings=settings, rows=rows, formats=list(FORMATS.values())
    )
    return page.encode("utf-8")


def _newest(articles: tuple) -> datetime | None:
    return articles[0].published_at if articles else None
