"""A persistent cache of parsed articles, so a rebuild parses only the files that changed.

Entries are keyed by the file's path and its `feedpub.changes.StatKey`, and the whole cache by the code
that made it (`feedpub.changes.code_digest`): any doubt means a re-parse. The cache is plain JSON (never
pickle: a cache file is input like any other), written atomically, and a file that is corrupt, foreign or
made by other code is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import count, repeat
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..atomic import MAX_STATE_BYTES, FileRefused, read_regular, replace_file
from ..changes import StatKey, code_digest, stat_key
from ..errors import InputError
from ..model import Article, Image, Problem, Provider

log = logging.getLogger(__name__)
FORMAT = 6
SHARDS = 64
# What a catalog, an archive and a fingerprint read of every article, decoded when the cache is read; the
# rest (the text a feed entry shows) is decoded only for the articles a build renders (see `CachedArticle`).
_LAZY = frozenset({"id", "title", "updated_at", "excerpt", "quality", "type", "images"})
_compared = attrgetter(*(name for name in Article.__dataclass_fields__ if Article.__dataclass_fields__[name].compare))


class CacheDamaged(InputError):
    """A cached article's text could not be read back, and its file no longer holds that article."""


class CachedArticle(Article):
    """An article read from the cache, whose text fields are decoded from its record when first read.

    A rebuild of 100,000 articles renders the few hundred a change touches: decoding every title and
    excerpt would cost more than the rest of the rebuild. It equals, and hashes as, the `Article` with the
    same fields; decoding sets each field once, to the same value whichever thread does it.
    """

    __slots__ = ("_record",)

    def __getattr__(self, name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(name)
        try:
            (id_, title, updated, excerpt, quality, type_, images) = json.loads(object.__getattribute__(self, "_record"))
            values = {
                "id": id_ or self.url, "title": title, "excerpt": excerpt, "quality": quality, "type": type_,
                "updated_at": datetime.fromisoformat(updated) if updated else self.published_at,
                "images": tuple(Image(*images[at : at + 3]) for at in range(0, len(images), 3)) if images else (),
            }
        except (ValueError, TypeError):
            values = self._parsed_again()
        for field, value in values.items():
            object.__setattr__(self, field, value)
        return object.__getattribute__(self, name)

    def _parsed_again(self) -> dict[str, Any]:
        """The lazy fields from the file itself, when the cache's record of them is damaged."""
        from .loader import load_file  # the loader imports this module

        log.info("the article cache's record of %s is damaged; reading the file again", self.source)
        article, _ = load_file(self.source, self.source)
        if article is None or article.revision != self.revision:
            raise CacheDamaged(
                f"the article cache's record of {self.source} is damaged, and the file changed since it was "
                "cached; build again (with --no-cache to read every file)"
            )
        return {field: getattr(article, field) for field in _LAZY}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Article):
            return _compared(self) == _compared(other)
        return NotImplemented

    __hash__ = Article.__hash__


class _Shard:
    """One cache file as read: each entry's label, stat key and eager fields, and its lazy record's line."""

    def __init__(self, header: dict[str, Any], lines: list[bytes], key: StatKey | None = None) -> None:
        self.key = key  # of the file it was read from (or written to)
        self.labels: list[str] = header["labels"]
        self.keys: list[int] = header["keys"]
        self.eager: list[list[Any] | None] = header["eager"]
        self.providers: list[list[Any]] = header["providers"]
        self.topic_lists: list[list[str]] = header["topic_lists"]
        self.problems: dict[int, list[list[Any]]] = {}
        for at, message, level, line in header["problems"]:
            self.problems.setdefault(at, []).append([message, level, line])
        self.lines = lines
        if not (len(self.labels) == len(self.eager) == len(lines) and len(self.keys) == 4 * len(lines)):
            raise ValueError("its columns differ in length")


class ArticleCache:
    """Parsed articles (and their problems) by file, for one seeds folder and one set of load settings.

    The entries are spread over `SHARDS` files by a hash of the path, so a build that re-parsed one
    article rewrites one small file, not the record of every article. A file holds, on its first line,
    what every build reads of each article (path, stat key, URL, time, heat, provider, topics, revision)
    as columns, and then a line per article of what only rendering reads, decoded when first needed.
    """

    def __init__(self, folder: Path, seeds: Path, max_bytes: int) -> None:
        self.folder = folder / f"articles-{hashlib.sha256(str(seeds.resolve()).encode()).hexdigest()[:16]}"
        self._header = {"format": FORMAT, "code": code_digest(), "seeds": str(seeds.resolve()), "max_bytes": max_bytes}
        self._shards = [self._read(shard) for shard in range(SHARDS)]
        self._places: dict[str, tuple[_Shard, int]] | None = None  # each entry's shard and place, made on first use
        self._kept: set[str] = set()  # entries found current this build
        self._dropped: set[str] | None = None  # or, after `take`, the entries not kept
        self._put: dict[str, tuple[StatKey, Article | None, list[Problem]]] = {}  # entries made this build
        # One object per provider and per topic list, not per article.
        self._providers: dict[tuple[str, str | None, str | None], Provider] = {}
        self._topic_lists: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.hits = 0

    def get(self, label: str, key: StatKey) -> tuple[Article | None, list[Problem]] | None:
        found = self._where.get(label)
        if found is None:
            return None
        shard, at = found
        if tuple(shard.keys[4 * at : 4 * at + 4]) != key:
            return None
        try:
            eager = shard.eager[at]
            article = self._article(shard, at, eager, label) if eager is not None else None
            problems = [Problem(label, message, level, line) for message, level, line in shard.problems.get(at, ())]
        except (TypeError, ValueError, KeyError, IndexError):
            return None  # a damaged entry: parse the file again
        self._kept.add(label)
        self.hits += 1
        return article, problems

    def put(self, label: str, key: StatKey, article: Article | None, problems: list[Problem]) -> None:
        self._put[label] = (key, article, problems)

    def save(self) -> None:
        """Write the shards that changed (files gone since are dropped); failures only cost the next build time."""
        if self._dropped is not None:
            gone = {label for label in self._dropped - self._put.keys() if self._holds(label)}
        else:
            gone = self._where.keys() - self._kept - self._put.keys()
        put: dict[int, list[str]] = {}
        for label in self._put:
            put.setdefault(_shard(label), []).append(label)
        changed = {_shard(label) for label in gone} | put.keys()
        if not changed:
            return  # every file came from the cache: it is current as it is
        try:
            for number in sorted(changed):
                path = self._shard_path(number)
                replace_file(path, self._encoded(number, put.get(number, [])), durable=False)
                self._shards[number] = self._read(number)  # what the next build reads, for `layout`
        except OSError as error:
            log.warning("could not save the article cache in %s (%s); the next build parses more files",
                        self.folder, error)

    def _encoded(self, number: int, put: list[str]) -> bytes:
        """Shard ``number`` with this build's entries: those kept as they were (their record lines copied,
        undecoded) and those made this build (``put``)."""
        labels: list[str] = []
        keys: list[int] = []
        eager: list[list[Any] | None] = []
        problems: list[list[Any]] = []
        lines: list[bytes] = []
        providers: dict[tuple[Any, ...], int] = {}
        topic_lists: dict[tuple[str, ...], int] = {}
        old = self._shards[number]
        entries: list[tuple[str, StatKey, Article | None, list[Problem], bytes | None]] = []
        if old is not None:
            for at, label in enumerate(old.labels):
                if label not in self._put and (label in self._kept if self._dropped is None else label not in self._dropped):
                    shard_eager = old.eager[at]
                    article = self._article(old, at, shard_eager, label) if shard_eager is not None else None
                    found = [Problem(label, m, lv, ln) for m, lv, ln in old.problems.get(at, ())]
                    entries.append((label, tuple(old.keys[4 * at : 4 * at + 4]), article, found, old.lines[at]))  # type: ignore[arg-type]
        entries += [(label, *self._put[label], None) for label in put]  # type: ignore[misc]
        for at, (label, key, article, found, line) in enumerate(entries):
            labels.append(label)
            keys.extend(key)
            problems.extend([at, p.message, p.level, p.line] for p in found)
            if article is None:
                eager.append(None)
                lines.append(b"null")
                continue
            provider = article.provider
            provider_at = None
            if provider is not None:
                provider_at = providers.setdefault((provider.name, provider.domain, provider.image), len(providers))
            eager.append([article.url, article.published_at.isoformat(), article.is_published, article.heat,
                          provider_at, topic_lists.setdefault(article.topics, len(topic_lists)), article.revision])
            lines.append(line if line is not None else _record(article))
        header = {**self._header, "labels": labels, "keys": keys, "eager": eager, "problems": problems,
                  "providers": [list(p) for p in providers], "topic_lists": [list(t) for t in topic_lists]}
        # json.dumps (not json.dump to a stream) uses the C encoder: several times faster here.
        first = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return b"\n".join([first, *lines]) + b"\n"

    @property
    def _where(self) -> dict[str, tuple[_Shard, int]]:
        if self._places is None:
            self._places = {}
            for shard in self._shards:
                if shard is not None:
                    self._places.update(zip(shard.labels, zip(repeat(shard), count())))
        return self._places

    def _holds(self, label: str) -> bool:
        shard = self._shards[_shard(label)]
        return shard is not None and label in shard.labels

    def _shard_path(self, number: int) -> Path:
        return self.folder / f"{number:02d}.json"

    def _read(self, number: int) -> _Shard | None:
        path = self._shard_path(number)
        try:
            data, status = read_regular(path, MAX_STATE_BYTES)
            key = stat_key(status)  # of what is read, even if the file is replaced meanwhile
        except FileNotFoundError:
            return None
        except (OSError, FileRefused) as error:
            log.info("ignoring the unreadable article cache file %s (%s); rebuilding it", path, error)
            return None
        try:
            lines = data.split(b"\n")  # (one pass; splitting the header off first would copy the rest)
            header = json.loads(lines[0])
            if not isinstance(header, dict) or any(header.get(k) != v for k, v in self._header.items()):
                log.info("ignoring the article cache file %s: it was written for other settings or by other code", path)
                return None
            if len(lines) < 2 or lines[-1] != b"":
                raise ValueError("it is cut short")
            return _Shard(header, lines[1:-1], key)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            log.info("ignoring the damaged article cache file %s (%s); rebuilding it", path, error)
            return None

    # What a build that starts from the last one's state (see `feedpub.snapshot`) asks of the cache.

    @property
    def layout(self) -> list[tuple[StatKey | None, list[str]]]:
        """Each file's stat key and the paths it holds, in order: the same layout means the same entries."""
        return [(shard.key, shard.labels) if shard is not None else (None, []) for shard in self._shards]

    def files(self) -> dict[str, tuple[StatKey, Article | None, tuple[Problem, ...]]]:
        """Every entry by path, in the order of `layout`, as `feedpub.ingest.loader.LoadResult` keeps them,
        its article's text left undecoded."""
        files: dict[str, tuple[StatKey, Article | None, tuple[Problem, ...]]] = {}
        for shard in self._shards:
            if shard is None:
                continue
            labels = shard.labels
            articles = self._articles(shard)
            problems: list[tuple[Problem, ...]] = [()] * len(labels)
            for at, found in shard.problems.items():
                problems[at] = tuple(Problem(labels[at], message, level, line) for message, level, line in found)
            keys = iter(shard.keys)
            files.update(zip(labels, zip(zip(keys, keys, keys, keys), articles, problems)))
        return files

    def _articles(self, shard: _Shard) -> list[Article | None]:
        """The articles of every entry of ``shard`` (None for files that gave none), made as quickly as
        Python allows: a rebuild that starts from the last build's state makes all of them."""
        providers = [self._provider(tuple(fields)) for fields in shard.providers]
        topic_lists = [self._topic_lists.setdefault(names, names) for names in map(tuple, shard.topic_lists)]
        articles: list[Article | None] = []
        append = articles.append
        for eager, label, line in zip(shard.eager, shard.labels, shard.lines):
            if eager is None:
                append(None)
                continue
            provider_at, topics_at = eager[4], eager[5]
            append(_cached(eager, None if provider_at is None else providers[provider_at], topic_lists[topics_at], label, line))
        return articles

    def _provider(self, key: tuple[str, str | None, str | None]) -> Provider:
        provider = self._providers.get(key)
        if provider is None:
            provider = self._providers[key] = Provider(*key)
        return provider

    def take(self, changed: Iterable[str], by_file: Mapping[str, tuple[StatKey | None, Article | None, tuple[Problem, ...]]]) -> None:
        """Record that the files are now ``by_file``, which differs from what the cache holds in the files
        ``changed`` at most: those are put (or dropped, when gone), every other entry is kept."""
        self._dropped = changed = set(changed)
        for label in changed:
            entry = by_file.get(label)
            if entry is not None and entry[0] is not None:
                self.put(label, entry[0], entry[1], list(entry[2]))

    def _article(self, shard: _Shard, at: int, eager: list[Any], source: str) -> Article:
        provider_at, topics_at = eager[4], eager[5]
        names = tuple(shard.topic_lists[topics_at])
        provider = None if provider_at is None else self._provider(tuple(shard.providers[provider_at]))  # type: ignore[arg-type]
        return _cached(eager, provider, self._topic_lists.setdefault(names, names), source, shard.lines[at])


# Setting a frozen article's slots one by one, as the cache makes 100,000 of them: the slots' own setters are
# the quickest way there is.
_new = object.__new__
(_set_url, _set_published_at, _set_source, _set_is_published, _set_heat, _set_provider, _set_topics, _set_revision) = (
    Article.__dict__[name].__set__
    for name in ("url", "published_at", "source", "is_published", "heat", "provider", "topics", "revision")
)
_set_record = CachedArticle.__dict__["_record"].__set__
_timestamp = datetime.fromisoformat


def _cached(eager: list[Any], provider: Provider | None, topics: tuple[str, ...], source: str, record: bytes) -> Article:
    """A `CachedArticle` from its entry's eager columns, its record line undecoded."""
    url, published, is_published, heat, _, _, revision = eager
    article = _new(CachedArticle)
    _set_url(article, url)
    _set_published_at(article, _timestamp(published))
    _set_source(article, source)
    _set_is_published(article, is_published)
    _set_heat(article, heat)
    _set_provider(article, provider)
    _set_topics(article, topics)
    _set_revision(article, revision)
    _set_record(article, record)
    return article


def _shard(label: str) -> int:
    return zlib.crc32(label.encode("utf-8", "surrogateescape")) % SHARDS


def _record(article: Article) -> bytes:
    """What only rendering reads of ``article``, as one line; the id and update time are left out (None)
    when they repeat the URL and the publication time, as they nearly always do."""
    return json.dumps([
        None if article.id == article.url else article.id,
        article.title,
        None if article.updated_at == article.published_at else article.updated_at.isoformat(),
        article.excerpt, article.quality, article.type,
        [value for image in article.images for value in (image.url, image.width, image.height)],
    ], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
