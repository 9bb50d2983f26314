"""HTML pages for people: the index of every feed, with autodiscovery links for feed readers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from .catalog import Catalog, Topic
from .config import Settings
from .feeds import ALL, PROVIDERS, TOPICS
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
    everything = FeedRow(ALL, "All articles", len(catalog.articles), _newest(catalog.articles))
    page = _templates.get_template("index.html").render(
        settings=settings,
        everything=everything,
        topics=_rows(TOPICS, catalog.topics.values()),
        providers=_rows(PROVIDERS, catalog.providers.values()),
        formats=list(FORMATS.values()),
    )
    return page.encode("utf-8")


def _rows(prefix: str, groups: Iterable[Topic]) -> list[FeedRow]:
    return [FeedRow(prefix + group.slug, group.name, len(group.articles), _newest(group.articles)) for group in groups]


def _newest(articles: tuple) -> datetime | None:
    return articles[0].published_at if articles else None
