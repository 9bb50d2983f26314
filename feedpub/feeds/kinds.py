"""The kinds of feed a site publishes, each a small class of hooks in the way of Django's syndication
``Feed``: which articles it lists, how it is titled and described, and which feeds of its kind exist.

`feedpub.site.Site` asks these hooks and does the rest (archives, entries, links) the same way for all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from ..config import Settings
from ..model import Article
from .catalog import Catalog, Topic
from .keys import ALL, FeedKey, FeedKind


class Kind:
    """What one kind of subscription feed holds. The default hooks suit a named group of articles."""

    name: ClassVar[FeedKind]
    has_archives: ClassVar[bool] = True

    def subject(self, catalog: Catalog, slugs: tuple[str, ...]) -> Topic | None:
        """The group of articles (newest first) the feed with ``slugs`` lists, or None when there is none."""
        raise NotImplementedError

    def keys(self, catalog: Catalog) -> Iterator[FeedKey]:
        """Every subscription feed of this kind that ``catalog`` publishes."""
        raise NotImplementedError

    def parts(self, catalog: Catalog, slugs: tuple[str, ...]) -> tuple[FeedKey, ...]:
        """The published feeds whose union this feed is, when its subject lists no articles of its own."""
        return ()

    def title(self, settings: Settings, subject: Topic) -> str:
        return f"{settings.title}: {subject.name}"

    def description(self, settings: Settings, subject: Topic) -> str:
        """A sentence about the topic, whatever the site's own description says."""
        return f"Articles about {subject.name} from {settings.title}."


class Everything(Kind):
    name = "all"

    def subject(self, catalog: Catalog, slugs: tuple[str, ...]) -> Topic | None:
        return Topic("", "All articles", catalog.articles)

    def keys(self, catalog: Catalog) -> Iterator[FeedKey]:
        yield ALL

    def title(self, settings: Settings, subject: Topic) -> str:
        return settings.title

    def description(self, settings: Settings, subject: Topic) -> str:
        return settings.description


class Grouped(Kind):
    """A feed for each named group of the catalog's articles."""

    def groups(self, catalog: Catalog) -> dict[str, Topic]:
        raise NotImplementedError

    def subject(self, catalog: Catalog, slugs: tuple[str, ...]) -> Topic | None:
        return self.groups(catalog).get(slugs[0])

    def keys(self, catalog: Catalog) -> Iterator[FeedKey]:
        for slug in self.groups(catalog):
            yield FeedKey(self.name, (slug,))


class OneTopic(Grouped):
    name = "topic"

    def groups(self, catalog: Catalog) -> dict[str, Topic]:
        return catalog.topics


class OneProvider(Grouped):
    name = "provider"

    def groups(self, catalog: Catalog) -> dict[str, Topic]:
        return catalog.providers

    def description(self, settings: Settings, subject: Topic) -> str:
        return f"Articles from {subject.name}, collected by {settings.title}."


class CombinedTopics(Kind):
    """Several topics as one feed (``topics/ai+robotics``): their union, each article once, in feed order.

    Made up by requests, so there is no list of them and they have no archives. The subject names the feed
    and lists no articles: the site merges its `parts` as far as a request reads, since a request can
    name any topics and should not cost a sort of all their articles."""

    name = "combined"
    has_archives = False

    def subject(self, catalog: Catalog, slugs: tuple[str, ...]) -> Topic | None:
        topics = [catalog.topics.get(slug) for slug in slugs]
        if any(topic is None for topic in topics):
            return None
        return Topic(FeedKey(self.name, slugs).slug, " + ".join(topic.name for topic in topics), ())  # type: ignore[union-attr]

    def parts(self, catalog: Catalog, slugs: tuple[str, ...]) -> tuple[FeedKey, ...]:
        return tuple(FeedKey("topic", (slug,)) for slug in slugs)

    def keys(self, catalog: Catalog) -> Iterator[FeedKey]:
        return iter(())


KINDS: dict[str, Kind] = {kind.name: kind for kind in (Everything(), OneTopic(), OneProvider(), CombinedTopics())}


def articles_of(catalog: Catalog, feed: FeedKey) -> tuple[Article, ...]:
    """The articles (newest first) of the subscription feed ``feed``; none when the catalog has no such feed."""
    subject = KINDS[feed.kind].subject(catalog, feed.slugs)
    return subject.articles if subject is not None else ()


def subscription_keys(catalog: Catalog) -> Iterator[FeedKey]:
    """Every subscription feed: everything, then one per topic, then one per provider."""
    for kind in KINDS.values():
        yield from kind.keys(catalog)
