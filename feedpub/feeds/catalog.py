"""The published articles in feed order, grouped by topic.

Pure: it takes loaded articles and returns a `Catalog`; it never touches files. Order is total (newest,
then hotter, then URL, then file name) so output never depends on the order files were found in.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import unicodedata
from array import array
from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import chain, compress, count, islice
from operator import attrgetter, gt, is_not
from typing import Any

from ..model import Article, Problem, provider_key

MAX_SLUG = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65536)
def slugify(name: str) -> str:
    """A topic name as a URL- and path-safe key: ``Self-Driving Cars`` and ``self driving cars`` agree.

    Accents are folded to ASCII and every run of other characters becomes one hyphen, so a slug can never
    contain ``/`` or ``..``. Letters of other scripts add a stable ``t<hash>`` part. Returns "" for names with
    no letters or digits at all (emoji-only, punctuation).
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    slug = _NOT_SLUG.sub("-", folded).strip("-")[:MAX_SLUG].rstrip("-")
    if any(char.isalnum() and not char.isascii() for char in folded):
        # Letters beyond ASCII would be lost: a hash of the whole name keeps such topics apart.
        digest = hashlib.sha256(unicodedata.normalize("NFC", folded).encode("utf-8")).hexdigest()[:12]
        slug = f"{slug[:MAX_SLUG - 15]}-t{digest}".lstrip("-")
    return slug


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def instant(moment: datetime) -> int:
    """``moment`` in whole microseconds since 1970: exact, as a float timestamp is not past the year 2242
    (two instants a microsecond apart would tie, and sort otherwise than the times themselves)."""
    return (moment - _EPOCH) // _MICROSECOND


def feed_order(article: Article) -> tuple[int, int, str, str]:
    """Sort key: newest first; same instant, higher heat first; then URL and file name."""
    return (-instant(article.published_at), -article.heat, article.url, article.source)


_url_and_source = attrgetter("url", "source")
_instant_and_heat = attrgetter("published_at", "heat")


def in_feed_order(articles: Iterable[Article]) -> list[Article]:
    """``articles`` sorted as by `feed_order`, in two stable passes on plain attributes (a sort that is
    reversed stays stable): several times faster than a key function at 100,000 articles."""
    ordered = sorted(articles, key=_url_and_source)
    ordered.sort(key=_instant_and_heat, reverse=True)
    return ordered


@dataclass(frozen=True)
class Topic:
    """A named slice of the catalog: a topic by its slug, or a news provider by its domain."""

    slug: str
    name: str
    articles: tuple[Article, ...]
    image: str | None = None  # a provider's own logo, when its articles give one


@dataclass(frozen=True)
class Catalog:
    """Published articles, newest first; the topics and providers they belong to (sorted by key)."""

    articles: tuple[Article, ...]
    topics: dict[str, Topic]
    providers: dict[str, Topic] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    unpublished: int = 0
    # Display names by the topic list articles give (a few hundred lists among any number of articles).
    _topic_names: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    # What `update_catalog` needs to tell whether a change renames anything: each topic's spellings and each
    # provider's names and logos, counted; the published URLs; whether any URL was given twice.
    _counts: _Counts | None = field(default=None, repr=False, compare=False)
    # The places `from_state` read, which `state` writes again as they are for every feed still listing the
    # very same articles at the very same places: an edit or a new article leaves nearly all of them so.
    _packed: _Packed | None = field(default=None, repr=False, compare=False)

    def topic_names(self, article: Article) -> tuple[str, ...]:
        """The display names of the topics ``article`` is listed under, in the article's own order."""
        return self._topic_names.get(article.topics, ())

    def state(self) -> dict[str, Any] | None:
        """The catalog as plain data (each feed's articles by their place in ``articles``, counted from the
        oldest, so that a new article leaves the others' places as they were), for `from_state` in another
        process; None for a catalog that `update_catalog` could not follow anyway."""
        counts = self._counts
        if counts is None:
            return None
        still = self._packed.still_valid(self.articles) if self._packed is not None else None
        rank: dict[int, int] | None = None

        def ranks(feed: tuple[str, str], articles: tuple[Article, ...]) -> str:
            nonlocal rank
            if still is not None and feed in still.feeds:
                before, packed = still.feeds[feed]
                if before is articles:
                    return packed
                # The articles it listed kept their places; the others are where something changed.
                place = dict(zip(map(id, before), unpack_places(packed)))
                place.update(still.arrived)
                try:
                    return pack_places(map(place.__getitem__, map(id, articles)))
                except KeyError:
                    pass
            if rank is None:
                rank = dict(zip(map(id, self.articles), count(len(self.articles) - 1, -1)))
            return pack_places(map(rank.__getitem__, map(id, articles)))

        return {
            "topics": [[slug, topic.name, ranks(("topic", slug), topic.articles)] for slug, topic in self.topics.items()],
            "providers": [[key, topic.name, topic.image, ranks(("provider", key), topic.articles)]
                          for key, topic in self.providers.items()],
            "problems": [[p.path, p.message, p.level, p.line] for p in self.problems],
            "unpublished": self.unpublished,
            "topic_names": [[list(topics), list(names)] for topics, names in self._topic_names.items()],
            "spellings": counts.spellings, "provider_names": counts.provider_names,
            "provider_images": counts.provider_images, "duplicates": counts.duplicates,
        }

    @classmethod
    def from_state(cls, articles: tuple[Article, ...], state: dict[str, Any]) -> Catalog:
        """The catalog `state` described, of ``articles`` (in feed order, as they were); ValueError for a
        state `state` could not have written (a damaged one must be refused here, not break a later update)."""
        _check_shape(state)
        oldest_first = articles[::-1]
        packed: dict[tuple[str, str], tuple[tuple[Article, ...], str]] = {}

        def listed(feed: tuple[str, str], ranks: str) -> tuple[Article, ...]:
            places = unpack_places(ranks)
            if not all(map(gt, places, islice(places, 1, None))):
                raise ValueError(f"the articles of {feed[1]!r} are not in feed order")
            listing = tuple(map(oldest_first.__getitem__, places))
            packed[feed] = (listing, ranks)
            return listing

        return cls(
            articles,
            {slug: Topic(slug, name, listed(("topic", slug), ranks)) for slug, name, ranks in state["topics"]},
            {key: Topic(key, name, listed(("provider", key), ranks), image) for key, name, image, ranks in state["providers"]},
            tuple(Problem(path, message, level, line) for path, message, level, line in state["problems"]),
            int(state["unpublished"]),
            {tuple(topics): tuple(names) for topics, names in state["topic_names"]},
            _Counts(
                {slug: Counter(spellings) for slug, spellings in state["spellings"].items()},
                {key: Counter(names) for key, names in state["provider_names"].items()},
                {key: Counter(images) for key, images in state["provider_images"].items()},
                frozenset(article.url for article in articles),
                bool(state["duplicates"]),
            ),
            _Packed(articles, packed),
        )


def _check_shape(state: dict[str, Any]) -> None:
    """ValueError unless ``state`` has the shape `Catalog.state` gives it (its places are checked as read)."""

    def texts(values: Iterable[Any], none: bool = False) -> bool:
        return set(map(type, values)) <= ({str, type(None)} if none else {str})  # (tens of thousands: no loop)

    def counted(mapping: Any, named: list[str]) -> bool:
        """Positive counts by name, some for each of ``named`` at least."""
        return isinstance(mapping, dict) and all(mapping.get(key) for key in named) and all(
            texts([key]) and isinstance(counts, dict) and texts(counts)
            and all(type(number) is int and number > 0 for number in counts.values())
            for key, counts in mapping.items()
        )

    topics, providers = state["topics"], state["providers"]
    slugs, keys = [entry[0] for entry in topics], [entry[0] for entry in providers]
    if not (
        all(len(entry) == 3 and texts(entry) for entry in topics)
        and all(len(entry) == 4 and texts(entry[:2]) and texts(entry[2:3], none=True) and texts(entry[3:])
                for entry in providers)
        and slugs == sorted(set(slugs)) and keys == sorted(set(keys))
        and all(len(entry) == 4 and texts(entry[:2]) and entry[2] in ("error", "warning")
                and (entry[3] is None or type(entry[3]) is int) for entry in state["problems"])
        and type(state["unpublished"]) is int and state["unpublished"] >= 0
        and set(map(len, state["topic_names"])) <= {2}
        and set(map(type, chain.from_iterable(state["topic_names"]))) <= {list}
        and texts(chain.from_iterable(chain.from_iterable(state["topic_names"])))
        and counted(state["spellings"], slugs) and counted(state["provider_names"], keys)
        and counted(state["provider_images"], []) and type(state["duplicates"]) is bool
    ):
        raise ValueError("the catalog's state is not one feedpub writes")


@dataclass(frozen=True)
class _Packed:
    """The packed places of each feed's articles as a state gave them (with the articles they named, kept
    alive with them), counted among ``articles`` from the oldest."""

    articles: tuple[Article, ...]
    feeds: dict[tuple[str, str], tuple[tuple[Article, ...], str]]  # by ("topic", slug) or ("provider", key)

    MAX_MOVED = 256  # articles at other places than before; past that, packing afresh is as quick

    def still_valid(self, articles: tuple[Article, ...]) -> _StillValid | None:
        """What stays true of ``feeds`` in the catalog of ``articles``, or None when articles moved.

        Counted from the oldest, a place holds the same object as before unless something was edited,
        added or removed there. Only those places are looked at: it is enough that none of the articles that
        were there is still in the catalog (edited, so replaced, or removed). One that is can only have moved
        to another of those places, since every other place holds what it held. Then every article still in
        the catalog is at the place ``feeds`` give it, and the others are at those places."""
        before, now = self.articles[::-1], articles[::-1]
        changed = list(compress(count(), map(is_not, before, now)))
        changed += range(min(len(before), len(now)), max(len(before), len(now)))
        if len(changed) > self.MAX_MOVED:
            return None
        arrived = {id(now[at]): at for at in changed if at < len(now)}
        if any(id(before[at]) in arrived for at in changed if at < len(before)):
            return None
        return _StillValid(self.feeds, arrived)


@dataclass(frozen=True)
class _StillValid:
    feeds: dict[tuple[str, str], tuple[tuple[Article, ...], str]]
    arrived: dict[int, int]  # the place of each article at a place where something changed, by its id


def pack_places(places: Iterable[int]) -> str:
    """Places in a list (ranks, indices) as text for JSON: little-endian 32-bit numbers in base64, which
    take a tenth of the time of a JSON list to write and to read (a state holds hundreds of thousands)."""
    packed = array("I", places)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed).decode("ascii")


def unpack_places(text: str) -> array[int]:
    """What `pack_places` packed; ValueError for text it cannot have written."""
    places = array("I")
    places.frombytes(base64.b64decode(text, validate=True))
    if sys.byteorder == "big":
        places.byteswap()
    return places


def build_catalog(articles: Iterable[Article]) -> Catalog:
    problems: list[Problem] = []
    unpublished = published = 0
    by_url: dict[str, Article] = {}
    older: list[Article] = []  # published articles whose URL a newer version has
    for article in articles:
        if not article.is_published:
            unpublished += 1
            continue
        published += 1
        kept = by_url.get(article.url)
        if kept is None:
            by_url[article.url] = article
            continue
        if (article.updated_at, article.source) > (kept.updated_at, kept.source):
            by_url[article.url], article = article, kept
        older.append(article)
    # Each names the version published, whatever order the files came in (found, or from the cache).
    for article in sorted(older, key=attrgetter("source")):
        kept = by_url[article.url]
        newer = kept.source
        why = ("the newer version" if kept.updated_at > article.updated_at
               else "the version whose path sorts last, as both have the same update time")
        problems.append(Problem(article.source, f"the same webUrl as {newer}; only {why} ({newer}) is published", "warning"))

    ordered = tuple(in_feed_order(by_url.values()))
    # Articles share a few hundred distinct topic lists among them: each list is worked out once.
    listings: dict[tuple[str, ...], _Listing] = {}
    members: dict[str, list[Article]] = defaultdict(list)
    for index, article in enumerate(ordered):
        listing = listings.get(article.topics)
        if listing is None:
            listing = listings[article.topics] = _Listing.of(article.topics, index, article.source)
        listing.uses += 1
        for name in listing.ignored:
            problems.append(
                Problem(article.source, f"the topic {name!r} has no letters or digits; it is ignored", "warning")
            )
        for slug, _ in listing.pairs:
            members[slug].append(article)

    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    first_seen: dict[tuple[str, str], tuple[int, str]] = {}  # (slug, spelling) -> first (position, file)
    for listing in listings.values():
        for pair in listing.pairs:
            spellings[pair[0]][pair[1]] += listing.uses
            first_seen[pair] = min(first_seen.get(pair, listing.first), listing.first)
    topics: dict[str, Topic] = {}
    for slug in sorted(members):
        name = _most_common(spellings[slug])
        topics[slug] = Topic(slug, name, tuple(members[slug]))
        for other in sorted(set(spellings[slug]) - {name}):
            problems.append(
                Problem(
                    first_seen[(slug, other)][1],
                    f"the topic {other!r} is merged into {name!r} (both are '{slug}'); "
                    f"spell it {name!r} to silence this warning",
                    "warning",
                )
            )
    names = {key: tuple(topics[slug].name for slug, _ in listing.pairs) for key, listing in listings.items()}
    counts = _Counts(dict(spellings), {}, {}, frozenset(by_url), len(by_url) < published)
    return Catalog(ordered, topics, _providers(ordered, counts), tuple(problems), unpublished, names, counts)


@dataclass(frozen=True)
class _Counts:
    spellings: dict[str, Counter[str]]  # by topic slug
    provider_names: dict[str, Counter[str]]  # by provider key
    provider_images: dict[str, Counter[str]]
    urls: frozenset[str]
    duplicates: bool


MAX_UPDATE = 64  # articles an update changes at most; more are quicker to catalog afresh


def update_catalog(catalog: Catalog, removed: Sequence[Article], added: Sequence[Article]) -> Catalog | None:
    """The catalog of ``catalog``'s articles without ``removed`` (objects it was made from) and with
    ``added``: what `build_catalog` gives for them, in time proportional to the articles changed and the
    feeds they are in, not to the whole catalog.

    None when the change is one this does not follow (a topic renamed or emptied, a topic spelt other than
    its name, a URL given twice, a name without letters, many articles): the caller builds afresh.
    """
    counts = catalog._counts
    if counts is None or counts.duplicates or len(removed) + len(added) > MAX_UPDATE:
        return None
    gone = [article for article in removed if article.is_published]
    new = [article for article in added if article.is_published]
    unpublished = catalog.unpublished + (len(added) - len(new)) - (len(removed) - len(gone))
    gone_urls = {article.url for article in gone}
    new_urls = {article.url for article in new}
    if len(gone_urls) < len(gone) or len(new_urls) < len(new) or (new_urls & counts.urls) - gone_urls:
        return None
    # Topics: the spellings each touched topic is given, counted again.
    spellings = dict(counts.spellings)
    members: dict[str, tuple[list[Article], list[Article]]] = {}
    names = dict(catalog._topic_names)
    for sign, articles in ((-1, gone), (1, new)):
        for article in articles:
            listing = _Listing.of(article.topics, 0, "")
            if listing.ignored:
                return None
            for slug, name in listing.pairs:
                counter = spellings[slug] = Counter(spellings.get(slug, ()))
                counter[name] += sign
                members.setdefault(slug, ([], []))[sign > 0].append(article)
            if sign > 0 and article.topics not in names:
                names[article.topics] = tuple(name for _, name in listing.pairs)
    topics = dict(catalog.topics)
    for slug, (left, joined) in members.items():
        counter = +spellings[slug]  # without the spellings no article gives any more
        spellings[slug] = counter
        topic = topics.get(slug)
        if not counter or topic is None and len(counter) > 1:
            return None  # a topic emptied, or a new one spelt two ways
        name = _most_common(counter)
        if topic is not None and name != topic.name:
            return None  # renamed: its warnings and every entry listing it change
        if any(pair_name != name for article in left + joined for pair_slug, pair_name in _Listing.of(article.topics, 0, "").pairs if pair_slug == slug):
            return None  # the article spells it otherwise: the merge warning may name another file
        articles = _replaced(topic.articles if topic is not None else (), left, joined)
        if articles is None:
            return None
        topics[slug] = Topic(slug, name, articles)
    ordered = _replaced(catalog.articles, gone, new)
    if ordered is None:
        return None
    if len(topics) != len(catalog.topics):
        topics = dict(sorted(topics.items()))
    providers = _updated_providers(catalog.providers, counts, gone, new)
    if providers is None:
        return None
    provider_counts, providers = providers
    urls = counts.urls - gone_urls | new_urls
    updated = _Counts(spellings, *provider_counts, urls, False)
    return replace(catalog, articles=ordered, topics=topics, providers=providers, unpublished=unpublished,
                   _topic_names=names, _counts=updated)


def _updated_providers(
    providers: dict[str, Topic], counts: _Counts, gone: list[Article], new: list[Article]
) -> tuple[tuple[dict[str, Counter[str]], dict[str, Counter[str]]], dict[str, Topic]] | None:
    names, images = dict(counts.provider_names), dict(counts.provider_images)
    members: dict[str, tuple[list[Article], list[Article]]] = {}
    for sign, articles in ((-1, gone), (1, new)):
        for article in articles:
            provider = article.provider
            key = provider_key(provider.domain) if provider else ""
            if not key:
                continue
            names[key] = Counter(names.get(key, ()))
            names[key][provider.name] += sign  # type: ignore[union-attr]
            if provider.image:  # type: ignore[union-attr]
                images[key] = Counter(images.get(key, ()))
                images[key][provider.image] += sign  # type: ignore[union-attr]
            members.setdefault(key, ([], []))[sign > 0].append(article)
    updated = dict(providers)
    for key, (left, joined) in members.items():
        names[key], images[key] = +names[key], +images.get(key, Counter())
        old = providers.get(key)
        articles = _replaced(old.articles if old is not None else (), left, joined)
        if articles is None:
            return None
        if not articles:
            del updated[key]
            continue
        if not names[key]:
            return None  # counts that do not add up (a damaged state): catalog afresh
        image = _most_common(images[key]) if images[key] else None
        updated[key] = Topic(key, _most_common(names[key]), articles, image)
    if len(updated) != len(providers) or any(key not in providers for key in updated):
        updated = dict(sorted(updated.items()))
    return (names, images), updated


def _replaced(articles: tuple[Article, ...], gone: list[Article], new: list[Article]) -> tuple[Article, ...] | None:
    """``articles`` (in feed order) without ``gone`` and with ``new``, in feed order; None when one of
    ``gone`` is not there."""
    listed = list(articles)
    for article in gone:
        at = bisect_left(listed, feed_order(article), key=feed_order)
        if at == len(listed) or listed[at] is not article:
            return None
        del listed[at]
    for article in new:
        insort(listed, article, key=feed_order)
    return tuple(listed)


@dataclass
class _Listing:
    """One distinct list of topic names as articles give it: the (slug, name) pairs it files articles under."""

    pairs: tuple[tuple[str, str], ...]
    ignored: tuple[str, ...]  # names with no letters or digits
    first: tuple[int, str]  # position and file of the first article (in feed order) that gives this list
    uses: int = 0

    @classmethod
    def of(cls, names: tuple[str, ...], position: int, source: str) -> _Listing:
        pairs: list[tuple[str, str]] = []
        ignored: list[str] = []
        for name in names:
            slug = slugify(name)
            if not slug:
                ignored.append(name)
            elif all(slug != seen for seen, _ in pairs):
                pairs.append((slug, name))
        return cls(tuple(pairs), tuple(ignored), (position, source))


def _providers(ordered: tuple[Article, ...], counts: _Counts) -> dict[str, Topic]:
    names: dict[str, Counter[str]] = counts.provider_names  # type: ignore[assignment]
    images: dict[str, Counter[str]] = counts.provider_images  # type: ignore[assignment]
    members: dict[str, list[Article]] = defaultdict(list)
    # Counted by (provider, spelling) pairs first: a few thousand pairs among any number of articles.
    named: Counter[tuple[str, str]] = Counter()
    pictured: Counter[tuple[str, str]] = Counter()
    for article in ordered:
        provider = article.provider
        if provider is not None and (key := provider_key(provider.domain)):
            named[key, provider.name] += 1
            if provider.image:
                pictured[key, provider.image] += 1
            members[key].append(article)
    for (key, name), number in named.items():
        names.setdefault(key, Counter())[name] = number
    for (key, image), number in pictured.items():
        images.setdefault(key, Counter())[image] = number
    return {
        key: Topic(key, _most_common(names[key]), tuple(members[key]), _most_common(images[key]) if images.get(key) else None)
        for key in sorted(members)
    }


def _most_common(spellings: Counter[str]) -> str:
    """The most frequent spelling; ties go to the first in sorted order, so the choice is stable."""
    return min(spellings.items(), key=lambda item: (-item[1], item[0]))[0]
