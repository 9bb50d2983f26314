"""Reading a folder of Jekyll-style article files into `Article`s and `Problem`s.

Every file is untrusted: it is size-checked before reading, parsed with a safe YAML loader only
(`feedpub.ingest.frontmatter`), and each field is validated and cleaned (`feedpub.ingest.fields`). A file
that cannot become an article yields an error `Problem` and is skipped; nothing here raises for bad input,
so one broken file never stops the rest.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from pathlib import Path

from ..atomic import FileRefused, read_regular_file
from ..changes import StatKey, file_key
from ..errors import InputError
from ..model import Article, Problem
from .cache import ArticleCache
from .fields import Fields, article_from
from .frontmatter import LoadError, read_front_matter

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")
DEFAULT_MAX_BYTES = 1024 * 1024
PARALLEL_FROM = 2000  # fewer files parse faster than worker processes start


# What one file gave: its stat key when it was read (None if unknown), its article (None if skipped), its problems.
FileEntry = tuple[StatKey | None, Article | None, tuple[Problem, ...]]


class LoadResult:
    """The articles and problems of a folder's files (``files`` of them), and, when kept (``keep_files``),
    each file's entry by path: what `reload_files` starts from in a process that stays loaded."""

    def __init__(
        self, articles: tuple[Article, ...] | None, problems: tuple[Problem, ...], files: int,
        by_file: Mapping[str, FileEntry] | None = None,
    ) -> None:
        self._articles = articles
        self.problems = problems
        self.files = files
        self.by_file: Mapping[str, FileEntry] = by_file or {}

    @property
    def articles(self) -> tuple[Article, ...]:
        """Made from the entries on first use: a reload whose catalog is updated in place never needs them."""
        if self._articles is None:
            self._articles = tuple(article for _, article, _ in self.by_file.values() if article is not None)
        return self._articles

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LoadResult):
            return NotImplemented
        return (self.articles, self.problems, self.files) == (other.articles, other.problems, other.files)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LoadResult({len(self.articles)} articles, {len(self.problems)} problems, {self.files} files)"

    @classmethod
    def of(cls, by_file: dict[str, FileEntry], problems: tuple[Problem, ...] | None = None) -> LoadResult:
        if problems is None:
            problems = tuple(problem for _, _, found in by_file.values() for problem in found)
        return cls(None, problems, len(by_file), by_file)


def is_article_file(path: str, seeds: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> bool:
    """True when `discover` would find the file ``path`` (spelt as it spells paths) under ``seeds``."""
    prefix = f"{seeds}/"
    if not path.startswith(prefix):
        return False
    wanted = tuple(ext.lower() for ext in extensions)
    parts = path[len(prefix):].split("/")
    return not any(part.startswith(".") or not part for part in parts) and parts[-1].lower().endswith(wanted)


def discover(seeds: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> Iterator[str]:
    """Yield the paths of article files under ``seeds`` in a stable order, skipping hidden files and folders.

    Paths are plain strings (``seeds/a.md``): they label problems and articles, and at 100,000 files
    building a `Path` for each costs more than the listing itself.
    """
    wanted = tuple(ext.lower() for ext in extensions)
    top = str(seeds)
    for folder, dirnames, filenames in os.walk(top, onerror=functools.partial(_unlisted, top)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(wanted):
                yield f"{folder}/{name}"


class FolderUnreadable(InputError):
    """A folder among the seeds cannot be listed: its articles would drop out of every feed unseen."""


def _unlisted(seeds: str, error: OSError) -> None:
    """For `os.walk`, which would skip a folder it cannot list, and so drop its articles from every feed."""
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        return  # removed while it was walked: its files are gone as well
    if os.path.basename(error.filename or "") == "lost+found":
        return  # a filesystem's own (seeds at the root of one): only its owner, root, may list it
    reason = error.strerror or str(error)
    if error.filename == seeds:
        raise FolderUnreadable(f"cannot list the seeds folder {seeds} ({reason}); make it readable")
    raise FolderUnreadable(
        f"cannot list the folder {error.filename} among the seeds ({reason}): its articles would drop out of "
        "every feed, so nothing is published from the folder as it is; make it readable, or move it out of "
        "the seeds folder"
    )


def load_folder(
    seeds: Path,
    extensions: Iterable[str] = DEFAULT_EXTENSIONS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cache: ArticleCache | None = None,
    workers: int = 1,
    keep_files: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Load every article file under ``seeds``; published or not, they are all returned.

    With a ``cache``, files whose path, size and times are unchanged are not read again. With more than
    one worker, many files to parse are parsed in that many processes (YAML parsing is CPU-bound). With
    ``keep_files``, the result keeps each file's entry, for `reload_files` and `changed_files`.
    ``progress(done, total)`` is called now and then as files are parsed, for a progress bar.
    """
    if not seeds.is_dir():
        problem = Problem(str(seeds), "the seeds folder does not exist or is not a folder")
        return LoadResult((), (problem,), 0)
    labels, unnamed = _readable_names(discover(seeds, extensions))
    keys: list[StatKey | None] = [None] * len(labels)
    loaded: list[tuple[Article | None, list[Problem]] | None] = [None] * len(labels)
    if cache is not None or keep_files:
        # Each key is taken before the file is read: a change while it is read shows as a change next time.
        for index, label in enumerate(labels):
            key = keys[index] = file_key(label)
            if key is not None and cache is not None:
                loaded[index] = cache.get(label, key)
    missing = [index for index, found in enumerate(loaded) if found is None]
    jobs = [(labels[index], labels[index], max_bytes) for index in missing]
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        from ..workers import worker_pool  # only cold builds pay for importing concurrent.futures

        chunk = max(1, min(len(jobs) // (workers * 8), 500))
        with worker_pool(workers) as pool:
            parsed = _counted(pool.map(_load_job, jobs, chunksize=chunk), len(labels) - len(jobs), len(labels), progress)
    else:
        parsed = _counted(map(_load_job, jobs), len(labels) - len(jobs), len(labels), progress)
    for index, result in zip(missing, parsed):
        loaded[index] = result
        if cache is not None and keys[index] is not None:
            cache.put(labels[index], keys[index], *result)  # type: ignore[arg-type]
    if cache is not None:
        cache.save()
    if keep_files:
        by_file = {
            label: (key, article, tuple(found))  # type: ignore[misc]
            for label, key, (article, found) in zip(labels, keys, loaded)  # type: ignore[misc]
        }
        kept = LoadResult.of(by_file)
        return LoadResult(None, tuple(unnamed) + kept.problems, len(labels) + len(unnamed), by_file)
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


def _counted(
    results: Iterable[tuple[Article | None, list[Problem]]], done: int, total: int,
    progress: Callable[[int, int], None] | None,
) -> list[tuple[Article | None, list[Problem]]]:
    """``results`` as a list, telling ``progress`` every 100 files (starting from the ``done`` ones)."""
    if progress is None or not total:
        return list(results)
    gathered = []
    for count, result in enumerate(results, done + 1):
        gathered.append(result)
        if count % 100 == 0:
            progress(count, total)
    progress(total, total)
    return gathered


def scan(seeds: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> dict[str, StatKey | None]:
    """Every article file under ``seeds`` (but names that are not UTF-8) with its `StatKey`: what
    `changed_files` compares, taken apart from it so that a build can take it in another process."""
    return {label: file_key(label) for label in _readable_names(discover(seeds, extensions))[0]}


def changed_files(
    loaded: LoadResult, seeds: Path, extensions: Iterable[str] = DEFAULT_EXTENSIONS,
    found: Mapping[str, StatKey | None] | None = None,
) -> list[str]:
    """The article files under ``seeds`` that were added, changed or removed since ``loaded`` (loaded with
    ``keep_files``) read them, or since ``found`` was taken (by `scan`): every file's `StatKey` compared,
    the one notion of "changed". Names not UTF-8 keep the error a full load gave."""
    known = loaded.by_file
    if found is None:
        found = scan(seeds, extensions)
    changed = [label for label, key in found.items() if (entry := known.get(label)) is None or entry[0] != key]
    return changed + [label for label in known if label not in found]


def reload_files(
    loaded: LoadResult, paths: Collection[str], seeds: Path,
    extensions: Iterable[str] = DEFAULT_EXTENSIONS, max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadResult:
    """``loaded`` (loaded with ``keep_files``) with the files ``paths`` read again: those changed or added
    are parsed, those gone are dropped, and paths that are not article files are ignored (as are names
    that are not UTF-8: they keep the error the full load gave). Every other article is the very same
    object as before.

    Files are kept in the order they were first found (new files last): a catalog is the same whatever
    order its articles come in.
    """
    by_file = dict(loaded.by_file)
    read = {label for label in _readable_names(paths)[0] if is_article_file(label, seeds, extensions)}
    for label in read:
        # As `discover` sees the folder: a folder named like an article is none, and a link to nothing is
        # a file that cannot be read (an error, as in a full load).
        if os.path.isdir(label) or not os.path.lexists(label):
            by_file.pop(label, None)
            continue
        key = file_key(label)
        article, problems = load_file(label, label, max_bytes)
        by_file[label] = (key, article, tuple(problems))
    kept = tuple(problem for problem in loaded.problems if problem.path not in read)
    problems = kept + tuple(problem for label in sorted(read) for problem in by_file.get(label, (0, 0, ()))[2])
    return LoadResult(None, problems, len(by_file) + loaded.files - len(loaded.by_file), by_file)


def _load_job(job: tuple[str, str, int]) -> tuple[Article | None, list[Problem]]:
    return load_file(*job)


def load_file(
    path: str | Path, label: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Article | None, list[Problem]]:
    """Load one file; ``label`` is the name used in problems and as the article's source.

    Paths may be plain strings: making a `Path` for each of 100,000 files costs more than reading them.
    """
    label = label or os.path.basename(path)
    try:
        return parse_article(read_regular_file(path, max_bytes), label)
    except FileRefused as error:
        return None, [Problem(label, f"{error}; the file is not read", "error")]
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
