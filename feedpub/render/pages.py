"""HTML pages for people: the index of every feed and a page per feed, with autodiscovery links.

Every link meant for a person (on the index, in a feed's ``alternate`` link, in OPML's ``htmlUrl``) leads to
one of these pages, since today's browsers show a feed document as raw text; the feed files are offered as
subscribe links for feed readers, which also find them through the ``<link rel="alternate">`` tags (see
docs/browser-view.md). The pages carry no script and load nothing but the articles' own images.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..feeds.catalog import Catalog, Topic
from ..feeds.document import Feed
from ..feeds.keys import ALL, INDEX, OPML, PAGE, DocKey, FeedKey, FeedKind, relative_url
from ..model import Article
from . import FORMATS

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment
    from markupsafe import Markup


_FIRST_USE = threading.Lock()


def _templates() -> Environment:
    """The template environment, made on first use: a rebuild that renders no page never imports Jinja."""
    with _FIRST_USE:  # the server's threads may all render a first page at once
        return _loaded_templates()


@cache
def _loaded_templates() -> Environment:
    """The environment with every template loaded. They come compiled ahead of time when those are current
    (see `feedpub.render.precompiled`), and are loaded here, under the lock: Jinja's `ModuleLoader` imports
    a template's module and then takes it out of ``sys.modules``, and two threads loading one template at
    once could see it vanish halfway (a KeyError)."""
    from . import precompiled

    compiled = precompiled.loader()
    environment = source_templates() if compiled is None else _environment(compiled)
    for name in precompiled.template_names():
        environment.get_template(name)  # kept by the environment: later uses never reach the loader
    return environment


def source_templates() -> Environment:
    """The template environment that compiles the templates from their sources."""
    from jinja2 import PackageLoader

    return _environment(PackageLoader("feedpub.render", "templates"))


def _environment(loader: BaseLoader) -> Environment:
    from jinja2 import Environment, select_autoescape

    # Autoescaping is on for every template: titles and topic names come from untrusted files.
    environment = Environment(loader=loader, autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    environment.filters.update(day=human_day, moment=human_moment)
    # Templates link by key, never by spelling paths; links are relative, so static copies work anywhere.
    environment.globals.update(
        link=relative_url, href=lambda page, feed, format_: relative_url(page, feed.document(format_)),
        subscribe_links=subscribe_links, index=INDEX, opml=OPML,
    )
    return environment


def subscribe_links(page: DocKey, feed: FeedKey) -> Markup:
    """A link to ``feed`` in each format, from ``page``. Made here, not in the template, as the rows' charts
    are: the index holds hundreds of rows, and looping over the formats in the template took a quarter of
    its time."""
    from markupsafe import Markup, escape

    return Markup("".join(
        f'<a href="{escape(relative_url(page, feed.document(format_.extension)))}" type="{escape(format_.media_type)}">'
        f"{escape(format_.label)}</a>"
        for format_ in FORMATS.values()
    ))


WEEKS = 12  # the span of each feed's activity chart on the index
_WEEK_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class FeedRow:
    key: FeedKey
    name: str
    count: int
    newest: datetime | None
    weeks: tuple[int, ...] = ()  # articles per week, oldest first, for the `WEEKS` weeks up to the newest
    image: str | None = None  # a provider's logo

    @property
    def bars(self) -> str:
        """The SVG bars of the row's chart, one per week with articles, 22 pixels tall for the busiest (2 at
        least, so that one article shows). Drawn here, not in the template: the index holds hundreds of
        charts, and only numbers go into these tags."""
        top = max(self.weeks, default=0)
        bars = []
        for week, count in enumerate(self.weeks):
            if count:
                height = max(2, int(round(22 * count / top, 0)))
                bars.append(f'\n<rect x="{week * 8 + 1}" y="{23 - height}" width="6" height="{height}" fill="currentColor"/>')
        return "".join(bars)


@dataclass(frozen=True)
class Activity:
    """The weeks every row's chart counts, so that all charts on the index share one time axis."""

    first_monday: datetime | None

    def weeks(self, articles: tuple[Article, ...]) -> tuple[int, ...]:
        """Articles (newest first) published in each week, oldest week first; a few bisections per feed."""
        if self.first_monday is None:
            return ()
        # As _age gives them; in seconds, since the Monday after the newest article's week may lie past the
        # last day a datetime can hold (an article dated 31 December 9999).
        first = self.first_monday.timestamp()
        mondays = [-(first + n * _WEEK_SECONDS) for n in range(WEEKS + 1)]
        ends = [bisect_right(articles, monday, key=_age) for monday in mondays]  # articles since each Monday
        return tuple(ends[n] - ends[n + 1] for n in range(WEEKS))

    @classmethod
    def of(cls, catalog: Catalog) -> Activity:
        """The `WEEKS` weeks (from Monday) up to the newest article's: the site's own time, never the clock,
        so the same articles always give the same page."""
        if not catalog.articles:
            return cls(None)
        newest = catalog.articles[0].published_at.astimezone(timezone.utc)
        monday = datetime(newest.year, newest.month, newest.day, tzinfo=timezone.utc) - timedelta(days=newest.weekday())
        return cls(monday - timedelta(weeks=WEEKS - 1))


def index_rows(
    catalog: Catalog, known: Mapping[FeedKey, FeedRow] | None = None
) -> tuple[FeedRow, list[FeedRow], list[FeedRow]]:
    """What the index lists: the all-articles feed, the topic feeds and the provider feeds. Rows in
    ``known`` are taken as they are (the caller vouches that their feeds and the weeks are unchanged)."""
    activity = Activity.of(catalog)
    everything = FeedRow(
        ALL, "All articles", len(catalog.articles), _newest(catalog.articles), activity.weeks(catalog.articles),
    )
    return (everything, _rows("topic", catalog.topics.values(), activity, known or {}),
            _rows("provider", catalog.providers.values(), activity, known or {}))


def rows_charted(catalog: Catalog, weeks: Mapping[FeedKey, Sequence[int]]) -> dict[FeedKey, FeedRow]:
    """The index rows of the topic and provider feeds whose charts ``weeks`` gives (as `FeedRow.weeks` were
    for this very catalog): the rest of a row is read off the catalog at once. ValueError for a chart that
    is not `WEEKS` counts or counts more articles than its feed has."""
    rows = {}
    for kind, groups in (("topic", catalog.topics), ("provider", catalog.providers)):
        for group in groups.values():
            key = FeedKey(kind, (group.slug,))  # type: ignore[arg-type]
            chart = weeks.get(key)
            if chart is not None:
                rows[key] = _row(key, group, _chart(chart, len(group.articles)))
    return rows


def _chart(counts: Sequence[int], articles: int) -> tuple[int, ...]:
    chart = tuple(counts)
    if (len(chart) != WEEKS or not all(type(number) is int and number >= 0 for number in chart)
            or sum(chart) > articles):
        raise ValueError(f"not a chart of {WEEKS} weeks of {articles} articles: {chart!r}")
    return chart


def render_index(catalog: Catalog, settings: Settings, known: Mapping[FeedKey, FeedRow] | None = None) -> bytes:
    """The index page; rows in ``known`` are taken as they are (see `index_rows`)."""
    everything, topics, providers = index_rows(catalog, known)
    page = _templates().get_template("index.html").render(
        settings=settings, everything=everything, topics=topics, providers=providers,
        formats=list(FORMATS.values()), icon=settings.icon, page=INDEX, weeks=WEEKS,
        first_week=Activity.of(catalog).first_monday,
    )
    return page.encode("utf-8")


def render_feed_page(feed: Feed, settings: Settings) -> bytes:
    """The page of one subscription feed: its newest articles and how to subscribe."""
    page = _templates().get_template("feed.html").render(
        settings=settings, feed=feed, formats=list(FORMATS.values()), icon=feed.icon, page=DocKey(feed.key, PAGE),
    )
    return page.encode("utf-8")


def human_day(moment: datetime) -> str:
    """``9 Mar 2021``: a date people read at a glance, the same in every browser (no script, no locale)."""
    return f"{moment.day} {moment:%b %Y}"


def human_moment(moment: datetime) -> str:
    """``9 March 2021, 18:54 UTC``: the pages are static files, so the time is given in one stated zone."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def _rows(kind: FeedKind, groups: Iterable[Topic], activity: Activity, known: Mapping[FeedKey, FeedRow]) -> list[FeedRow]:
    rows = []
    for group in groups:
        key = FeedKey(kind, (group.slug,))
        row = known.get(key)
        if row is None:
            row = _row(key, group, activity.weeks(group.articles))
        rows.append(row)
    return rows


def _row(key: FeedKey, group: Topic, weeks: tuple[int, ...]) -> FeedRow:
    return FeedRow(key, group.name, len(group.articles), _newest(group.articles), weeks, group.image)


def _age(article: Article) -> float:
    """Sort key matching feed order (newest first): the negated publication time."""
    return -article.published_at.timestamp()


def _newest(articles: tuple) -> datetime | None:
    return articles[0].published_at if articles else None


def feed_stylesheet() -> bytes:
    """The XSLT that browsers which still apply it use to show RSS and Atom documents as a page."""
    return (Path(__file__).parent / "templates" / "feed.xsl").read_bytes()
