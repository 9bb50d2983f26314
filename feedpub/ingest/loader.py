"""Reading a folder of Jekyll-style article files into `Article`s and `Problem`s.

Every file is untrusted: it is size-checked before reading, parsed with a safe YAML loader only
(`feedpub.ingest.frontmatter`), and each field is validated and cleaned (`feedpub.ingest.fields`). A file
that cannot become an article yields an error `Problem` and is skipped; nothing here raises for bad input,
so one broken file never stops the rest.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..changes import StatKey, file_key
from ..model import Article, Problem
from .cache import ArticleCache
from .fields import Fields, article_from
from .frontmatter import LoadError, read_front_matter

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")
DEFAULT_MAX_BYTES = 1024 * 1024
PARALLEL_FROM = 2000  # fewer files parse faster than worker processes start


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    files: int


def discover(seeds: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> Iterator[str]:
    """Yield the paths of article files under ``seeds`` in a stable order, skipping hidden files and folders.

    Paths are plain strings (``seeds/a.md``): they label problems and articles, and at 100,000 files
    building a `Path` for each costs more than the listing itself.
    """
    wanted = tuple(ext.lower() for ext in extensions)
    for folder, dirnames, filenames in os.walk(str(seeds)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(wanted):
                yield f"{folder}/{name}"


def load_folder(
    seeds: Path,
    extensions: Iterable[str] = DEFAULT_EXTENSIONS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: ArticleCache | None = None,
    workers: int = 1,
) -> LoadResult:
    """Load every article file under ``seeds``; published or not, they are all returned.

    With a ``cache``, files whose path, size and times are unchanged are not read again. With more than
    one worker, many files to parse are parsed in that many processes (YAML parsing is CPU-bound).
    """
    if not seeds.is_dir():
        problem = Problem(str(seeds), "the seeds folder does not exist or is not a folder")
        return LoadResult((), (problem,), 0)
    labels, unnamed = _readable_names(discover(seeds, extensions))
    keys: list[StatKey | None] = [None] * len(labels)
    loaded: list[tuple[Article | None, list[Problem]] | None] = [None] * len(labels)
    if cache is not None:
        for index, label in enumerate(labels):
            key = keys[index] = file_key(label)
            if key is not None:
                loaded[index] = cache.get(label, key)
    missing = [index for index, found in enumerate(loaded) if found is None]
    jobs = [(Path(labels[index]), labels[index], max_bytes) for index in missing]
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        from concurrent.futures import ProcessPoolExecutor  # only cold builds pay for importing it

        with ProcessPoolExecutor(workers) as pool:
            parsed = list(pool.map(_load_job, jobs, chunksize=max(1, len(jobs) // (workers * 8))))
    else:
        parsed = [_load_job(job) for job in jobs]
    for index, result in zip(missing, parsed):
        loaded[index] = result
        if cache is not None and keys[index] is not None:
            cache.put(labels[index], keys[index], *result)  # type: ignore[arg-type]
    if cache is not None:
        cache.save()
    articles = [article for article, _ in loaded if article is not None]  # type: ignore[misc]
    problems = [problem for _, found in loaded for problem in found]  # type: ignore[misc]
    return LoadResult(tuple(articles), tuple(unnamed + problems), len(labels) + len(unnamed))


def _readable_names(paths: Iterable[str]) -> tuple[list[str], list[Problem]]:
    """The paths that are text, and an error for each whose name is not valid UTF-8 (Python keeps its bytes
    as surrogates, which no feed, cache or terminal can carry): named with its bytes shown as escapes."""
    labels: list[str] = []
    unnamed: list[Problem] = []
    for path in paths:
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            shown = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            unnamed.append(Problem(shown, "the file name is not valid UTF-8; rename the file to publish it"))
        else:
            labels.append(path)
    return labels, unnamed


def _load_job(job: tuple[Path, str, int]) -> tuple[Article | None, list[Problem]]:
    return load_file(*job)


def load_file(
    path: Path, label: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Article | None, list[Problem]]:
    """Load one file; ``label`` is the name used in problems and as the article's source."""
    label = label or path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise LoadError(f"the file is {size:,} bytes, over the limit of {max_bytes:,} bytes")
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise LoadError(f"the file grew past the limit of {max_bytes:,} bytes while being read")
        return parse_article(raw, label)
    except LoadError as error:
        return None, [Problem(label, error.message, "error", error.line)]
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [Problem(label, f"cannot read the file ({reason}); it may have been moved or deleted")]


def parse_article(raw: bytes, label: str) -> tuple[Article, list[Problem]]:
    """Turn the bytes of one article file into an `Article`; raises `LoadError` when it cannot."""
    data, key_lines, duplicates = read_front_matter(raw)
    fields = Fields(label, data, key_lines)
    for key, line in duplicates:
        fields.problems.append(
            Problem(label, f"the key '{key}' appears more than once; the last value is used", "warning", line)
        )
    revision = hashlib.blake2b(label.encode("utf-8", "surrogateescape") + b"\0" + raw, digest_size=16).hexdigest()
    return article_from(fields, revision), fields.problems
