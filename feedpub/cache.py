"""A persistent cache of parsed articles, so a rebuild parses only the files that changed.

Entries are keyed by the file's path and its size, modification and change times and inode: any doubt
means a re-parse. The cache is plain JSON (never pickle: a cache file is input like any other), written
atomically, and a file that is corrupt, foreign or from another feedpub version is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import replace_file
from .model import Article, Image, Problem, Provider

log = logging.getLogger(__name__)
FORMAT = 3
SHARDS = 64
StatKey = tuple[int, int, int, int]


def stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class ArticleCache:
    """Parsed articles (and their problems) by file, for one seeds folder and one set of load settings.

    The entries are spread over `SHARDS` files by a hash of the path, so a build that re-parsed one
    article rewrites one small file, not the record of every article.
    """

    def __init__(self, folder: Path, seeds: Path, max_bytes: int) -> None:
        self.folder = folder / f"articles-{hashlib.sha256(str(seeds.resolve()).encode()).hexdigest()[:16]}"
        self._header = {"format": FORMAT, "feedpub": __version__, "seeds": str(seeds.resolve()), "max_bytes": max_bytes}
        self._old: dict[str, list[Any]] = {}
        for shard in range(SHARDS):
            self._old.update(self._read(shard))
        self._new: dict[str, list[Any]] = {}
        self.hits = 0
        self._changed_shards: set[int] = set()

    def get(self, label: str, key: StatKey) -> tuple[Article | None, list[Problem]] | None:
        entry = self._old.get(label)
        if entry is None or tuple(entry[0]) != key:
            return None
        try:
            article = _article(entry[1], label) if entry[1] is not None else None
            problems = [Problem(label, message, level, line) for message, level, line in entry[2]]
        except (TypeError, ValueError, KeyError, IndexError):
            return None  # a damaged entry: parse the file again
        self._new[label] = entry
        self.hits += 1
        return article, problems

    def put(self, label: str, key: StatKey, article: Article | None, problems: list[Problem]) -> None:
        self._changed_shards.add(_shard(label))
        self._new[label] = [
            list(key),
            _fields(article) if article is not None else None,
            [[p.message, p.level, p.line] for p in problems],
        ]

    def save(self) -> None:
        """Write the shards that changed (files gone since are dropped); failures only cost the next build time."""
        changed = self._changed_shards | {_shard(label) for label in self._old.keys() - self._new.keys()}
        if not changed:
            return  # every file came from the cache: it is current as it is
        shards: dict[int, dict[str, list[Any]]] = {shard: {} for shard in changed}
        for label, entry in self._new.items():
            shard = shards.get(_shard(label))
            if shard is not None:
                shard[label] = entry
        try:
            for number, files in sorted(shards.items()):
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
            log.info("ignoring the article cache file %s: it was written for other settings or another version", path)
            return {}
        files = document.get("files")
        if not isinstance(files, dict):
            return {}
        return {label: entry for label, entry in files.items() if _shard(label) == number}


def _shard(label: str) -> int:
    return zlib.crc32(label.encode("utf-8", "surrogateescape")) % SHARDS


def _fields(article: Article) -> list[Any]:
    provider = article.provider
    return [
        article.id, article.title, article.url, article.published_at.isoformat(), article.updated_at.isoformat(),
        article.excerpt, article.is_published, article.heat, article.quality, article.type,
        [provider.name, provider.domain] if provider else None,
        list(article.topics),
        [[image.url, image.width, image.height] for image in article.images],
        article.revision,
    ]


def _article(fields: list[Any], source: str) -> Article:
    (id_, title, url, published, updated, excerpt, is_published, heat, quality, type_,
     provider, topics, images, revision) = fields
    return Article(
        id=id_, title=title, url=url,
        published_at=datetime.fromisoformat(published), updated_at=datetime.fromisoformat(updated),
        source=source, excerpt=excerpt, is_published=is_published, heat=heat, quality=quality, type=type_,
        provider=Provider(*provider) if provider else None,
        topics=tuple(topics),
        images=tuple(Image(*image) for image in images),
        revision=revision,
    )
