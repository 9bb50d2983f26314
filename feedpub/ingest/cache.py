"""A persistent cache of parsed articles, so a rebuild parses only the files that changed.

Entries are keyed by the file's path and its `feedpub.changes.StatKey`, and the whole cache by the code
that made it (`feedpub.changes.code_digest`): any doubt means a re-parse. The cache is plain JSON (never
pickle: a cache file is input like any other), written atomically, and a file that is corrupt, foreign or made by other code is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from ..atomic import replace_file
from ..changes import StatKey, code_digest
from ..model import Article, Image, Problem, Provider

log = logging.getLogger(__name__)
FORMAT = 5
SHARDS = 64
class ArticleCache:
    """Parsed articles (and their problems) by file, for one seeds folder and one set of load settings.

    The entries are spread over `SHARDS` files by a hash of the path, so a build that re-parsed one
    article rewrites one small file, not the record of every article. An entry is one flat list, the
    four numbers of the file's `StatKey` first, since decoding and rebuilding 100,000 of them is most of
    the time a rebuild takes.
    """

    def __init__(self, folder: Path, seeds: Path, max_bytes: int) -> None:
        self.folder = folder / f"articles-{hashlib.sha256(str(seeds.resolve()).encode()).hexdigest()[:16]}"
        self._header = {"format": FORMAT, "code": code_digest(), "seeds": str(seeds.resolve()), "max_bytes": max_bytes}
        self._shards = [self._read(shard) for shard in range(SHARDS)]
        self._old: dict[str, list[Any]] = {}
        for files in self._shards:
            self._old.update(files)
        self._kept: set[str] = set()  # entries found current this build
        self._put: dict[str, list[Any]] = {}  # entries made this build
        self._providers: dict[tuple[str, str | None, str | None], Provider] = {}  # one object per provider, not per article
        self.hits = 0

    def get(self, label: str, key: StatKey) -> tuple[Article | None, list[Problem]] | None:
        entry = self._old.get(label)
        if entry is None or len(entry) != 6 or (entry[0], entry[1], entry[2], entry[3]) != key:
            return None
        try:
            article = self._article(entry[4], label) if entry[4] is not None else None
            problems = [Problem(label, message, level, line) for message, level, line in entry[5]]
        except (TypeError, ValueError, KeyError, IndexError):
            return None  # a damaged entry: parse the file again
        self._kept.add(label)
        self.hits += 1
        return article, problems

    def put(self, label: str, key: StatKey, article: Article | None, problems: list[Problem]) -> None:
        self._put[label] = [
            *key,
            _fields(article) if article is not None else None,
            [[p.message, p.level, p.line] for p in problems],
        ]

    def save(self) -> None:
        """Write the shards that changed (files gone since are dropped); failures only cost the next build time."""
        gone = self._old.keys() - self._kept - self._put.keys()
        changed = {_shard(label) for label in gone} | {_shard(label) for label in self._put}
        if not changed:
            return  # every file came from the cache: it is current as it is
        try:
            for number in sorted(changed):
                files = {label: entry for label, entry in self._shards[number].items() if label in self._kept}
                files.update((label, entry) for label, entry in self._put.items() if _shard(label) == number)
                # json.dumps (not json.dump to a stream) uses the C encoder: several times faster here.
                body = json.dumps({**self._header, "files": files}, ensure_ascii=False, separators=(",", ":"))
                replace_file(self._shard_path(number), body.encode("utf-8"), durable=False)
        except OSError as error:
            log.warning("could not save the article cache in %s (%s); the next build parses more files",
                        self.folder, error)

    def _shard_path(self, number: int) -> Path:
        return self.folder / f"{number:02d}.json"

    def _read(self, number: int) -> dict[str, list[Any]]:
        path = self._shard_path(number)
        try:
            with path.open("rb") as stream:
                document = json.load(stream)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            log.info("ignoring the unreadable article cache file %s (%s); rebuilding it", path, error)
            return {}
        if not isinstance(document, dict) or any(document.get(k) != v for k, v in self._header.items()):
            log.info("ignoring the article cache file %s: it was written for other settings or by other code", path)
            return {}
        files = document.get("files")
        return files if isinstance(files, dict) else {}

    def _article(self, fields: list[Any], source: str) -> Article:
        (id_, title, url, published, updated, excerpt, is_published, heat, quality, type_,
         provider_name, domain, provider_image, topics, images, revision) = fields
        published_at = datetime.fromisoformat(published)
        provider = None
        if provider_name is not None:
            key = (provider_name, domain, provider_image)
            provider = self._providers.get(key)
            if provider is None:
                provider = self._providers[key] = Provider(*key)
        return Article(
            id_ or url, title, url, published_at,
            datetime.fromisoformat(updated) if updated else published_at,
            source, excerpt, is_published, heat, quality, type_, provider, tuple(topics),
            tuple(Image(*images[at : at + 3]) for at in range(0, len(images), 3)) if images else (),
            revision,
        )


def _shard(label: str) -> int:
    return zlib.crc32(label.encode("utf-8", "surrogateescape")) % SHARDS


def _fields(article: Article) -> list[Any]:
    """The article as a flat list; the id and update time are left out (None) when they repeat the URL and
    the publication time, as they nearly always do."""
    provider = article.provider
    return [
        None if article.id == article.url else article.id,
        article.title, article.url, article.published_at.isoformat(),
        None if article.updated_at == article.published_at else article.updated_at.isoformat(),
        article.excerpt, article.is_published, article.heat, article.quality, article.type,
        provider.name if provider else None, provider.domain if provider else None,
        provider.image if provider else None,
        list(article.topics),
        [value for image in article.images for value in (image.url, image.width, image.height)],
        article.revision,
    ]
