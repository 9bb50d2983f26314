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
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .model import Article, Image, Problem, Provider

log = logging.getLogger(__name__)
FORMAT = 1
StatKey = tuple[int, int, int, int]


def stat_key(stat: os.stat_result) -> StatKey:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class ArticleCache:
    """Parsed articles (and their problems) by file, for one seeds folder and one set of load settings."""

    def __init__(self, folder: Path, seeds: Path, max_bytes: int) -> None:
        self.path = folder / f"articles-{hashlib.sha256(str(seeds.resolve()).encode()).hexdigest()[:16]}.json"
        self._header = {"format": FORMAT, "feedpub": __version__, "seeds": str(seeds.resolve()), "max_bytes": max_bytes}
        self._old: dict[str, list[Any]] = self._read()
        self._new: dict[str, list[Any]] = {}
        self.hits = 0
        self._changed = False

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
        self._changed = True
        self._new[label] = [
            list(key),
            _fields(article) if article is not None else None,
            [[p.message, p.level, p.line] for p in problems],
        ]

    def save(self) -> None:
        """Write what this load saw (files gone since are dropped); failures only cost the next build time."""
        if not self._changed and self._new.keys() == self._old.keys():
            return  # every file came from the cache: it is current as it is
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            # json.dumps (not json.dump to a stream) uses the C encoder: several times faster here.
            body = json.dumps({**self._header, "files": self._new}, ensure_ascii=False, separators=(",", ":"))
            temporary.write_text(body, encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError as error:
            log.warning("could not save the article cache %s (%s); the next build parses every file", self.path, error)

    def _read(self) -> dict[str, list[Any]]:
        try:
            with self.path.open("rb") as stream:
                document = json.load(stream)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            log.info("ignoring the unreadable article cache %s (%s); rebuilding it", self.path, error)
            return {}
        if not isinstance(document, dict) or any(document.get(k) != v for k, v in self._header.items()):
            log.info("ignoring the article cache %s: it was written for other settings or another version", self.path)
            return {}
        files = document.get("files")
        return files if isinstance(files, dict) else {}


def _fields(article: Article) -> list[Any]:
    provider = article.provider
    return [
        article.id, article.title, article.url, article.published_at.isoformat(), article.updated_at.isoformat(),
        article.excerpt, article.is_published, article.heat, article.quality, article.type,
        [provider.name, provider.domain] if provider else None,
        list(article.topics),
        [[image.url, image.width, image.height] for image in article.images],
    ]


def _article(fields: list[Any], source: str) -> Article:
    (id_, title, url, published, updated, excerpt, is_published, heat, quality, type_,
     provider, topics, images) = fields
    return Article(
        id=id_, title=title, url=url,
        published_at=datetime.fromisoformat(published), updated_at=datetime.fromisoformat(updated),
        source=source, excerpt=excerpt, is_published=is_published, heat=heat, quality=quality, type=type_,
        provider=Provider(*provider) if provider else None,
        topics=tuple(topics),
        images=tuple(Image(*image) for image in images),
    )
