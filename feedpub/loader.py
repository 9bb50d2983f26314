"""Reading a folder of Jekyll-style article files into `Article`s and `Problem`s.

Every file is untrusted: it is size-checked before reading, parsed with a safe YAML loader only, and each
field is validated and cleaned. A file that cannot become an article yields an error `Problem` and is
skipped; nothing here raises for bad input, so one broken file never stops the rest.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .cache import ArticleCache, StatKey, stat_key
from .model import Article, Image, Problem, Provider
from .sanitize import plain_text, safe_url

# PyYAML's libyaml-backed safe loader is about eight times faster; the pure-Python one is the fallback.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """The safe loader, except that an impossible timestamp (``2021-02-30``) stays text.

    The field check then reports it on its own line, and keys feedpub ignores cannot break a file.
    """

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)

DEFAULT_EXTENSIONS = (".md", ".markdown", ".txt")
DEFAULT_MAX_BYTES = 1024 * 1024
PARALLEL_FROM = 2000  # fewer files parse faster than worker processes start
MAX_TITLE = 500
MAX_EXCERPT = 5000
MAX_TOPICS = 50
MAX_IMAGES = 20

# The top-level keys feedpub reads. The others (``related`` lists whole articles, ``secured`` is a long
# token) are most of each file's bytes, so they are blanked before parsing (see `_keep_used_keys`).
FIELDS = frozenset({
    "title", "webUrl", "publishedDateTime", "updatedDateTime", "excerpt", "published",
    "heat", "quality", "type", "provider", "topics", "images",
})
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?=[ \t]|$)(.*)$", re.MULTILINE)
_SIMPLE_VALUE = re.compile(
    r"""[ \t]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\n]*(?:''[^'\n]*)*'|[^-\s"'\[\]{}|>&*!%@`#?:,][^#\n]*)?[ \t]*"""
)
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class LoadError(Exception):
    """An article file that cannot be used; carries the line when one is known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class LoadResult:
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    files: int


@dataclass
class _Fields:
    """The parsed front matter of one file, with the line of each key for messages."""

    path: str
    data: Mapping[str, Any]
    lines: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    def warn(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, message, "warning", self.lines.get(key)))

    def fail(self, key: str, message: str) -> LoadError:
        return LoadError(message, self.lines.get(key))


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
    labels = list(discover(seeds, extensions))
    keys: list[StatKey | None] = [None] * len(labels)
    loaded: list[tuple[Article | None, list[Problem]] | None] = [None] * len(labels)
    if cache is not None:
        for index, label in enumerate(labels):
            try:
                keys[index] = stat_key(os.stat(label))
            except OSError:
                continue
            loaded[index] = cache.get(label, keys[index])  # type: ignore[arg-type]
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
    return LoadResult(tuple(articles), tuple(problems), len(labels))


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
    yaml_text = _front_matter(_decode(raw))
    kept = _keep_used_keys(yaml_text)
    try:
        data, key_lines, duplicates = _parse_yaml(kept)
    except LoadError:
        if kept == yaml_text:
            raise
        # A quoted value can wrap onto a line that looks like a key: parse everything.
        data, key_lines, duplicates = _parse_yaml(yaml_text)
    fields = _Fields(label, data, key_lines)
    for key, line in duplicates:
        fields.problems.append(
            Problem(label, f"the key '{key}' appears more than once; the last value is used", "warning", line)
        )
    revision = hashlib.blake2b(label.encode("utf-8", "surrogateescape") + b"\0" + raw, digest_size=16).hexdigest()
    return _article(fields, revision), fields.problems


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise LoadError("the file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise LoadError(f"the file is not valid UTF-8 (byte {error.start}); save it as UTF-8", line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> str:
    """Return the YAML between the opening and closing ``---`` lines; its first line is the file's second."""
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        raise LoadError("no front matter: the file must start with a line '---'", 1)
    closing = _CLOSING.search(rest)
    if closing is None:
        raise LoadError("the front matter is not closed: no line '---' after the opening one", 1)
    return rest[: closing.start()]


def _keep_used_keys(yaml_text: str) -> str:
    """``yaml_text`` with the top-level entries no feed reads blanked, so YAML parses less; line numbers stay.

    An entry runs from its ``key:`` line to the next top-level key. Only entries whose first line holds
    nothing, a one-line quoted value or a plain value are blanked. A caller whose parse of the result
    fails parses the original instead (a quoted value can wrap onto a line that looks like a key).
    """
    keys = list(_TOP_LEVEL_KEY.finditer(yaml_text))
    if not keys:
        return yaml_text
    parts = [yaml_text[: keys[0].start()]]
    for index, key in enumerate(keys):
        end = keys[index + 1].start() if index + 1 < len(keys) else len(yaml_text)
        entry = yaml_text[key.start() : end]
        if key.group(1) in FIELDS or not _SIMPLE_VALUE.fullmatch(key.group(2)):
            parts.append(entry)
        else:
            parts.append("\n" * entry.count("\n"))
    return "".join(parts)


def _parse_yaml(yaml_text: str) -> tuple[Mapping[str, Any], dict[str, int], list[tuple[str, int]]]:
    loader = SafeLoader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise LoadError("the front matter is empty", 2)
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            raise LoadError(f"the front matter is {kind}, not a mapping of keys such as 'title:'", 2)
        if "*" in yaml_text:
            _refuse_aliases(node, yaml_text)
        lines: dict[str, int] = {}
        duplicates: list[tuple[str, int]] = []
        for key_node, _ in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 2
            if key in lines:
                duplicates.append((key, line))
            lines[key] = line
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else None
        reason = error.problem or error.context or "invalid YAML"
        raise LoadError(f"invalid YAML: {reason}", line) from None
    except yaml.YAMLError as error:
        raise LoadError(f"invalid YAML: {error}") from None
    except (ValueError, TypeError, OverflowError) as error:
        # The safe constructors raise these for values such as a timestamp out of range.
        raise LoadError(f"invalid YAML value: {error}") from None
    finally:
        loader.dispose()
    return data, lines, duplicates


def _refuse_aliases(root: yaml.Node, yaml_text: str) -> None:
    """Refuse anchors reused as aliases: article files never need them, and they enable "billion laughs"."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            # The node is shared, so its marks are the anchor's; the scanner finds the alias itself.
            alias = next(token for token in yaml.scan(yaml_text) if isinstance(token, yaml.AliasToken))
            raise LoadError("YAML aliases (*name) are not allowed in article files", alias.start_mark.line + 2)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _article(fields: _Fields, revision: str) -> Article:
    data = fields.data
    title = _required_text(fields, "title", MAX_TITLE)
    url = _required_url(fields, "webUrl")
    published_at = _required_datetime(fields, "publishedDateTime")
    updated_at = _optional_datetime(fields, "updatedDateTime") or published_at
    return Article(
        id=url,
        title=title,
        url=url,
        published_at=published_at,
        updated_at=max(updated_at, published_at),
        source=fields.path,
        revision=revision,
        excerpt=plain_text(_text(data.get("excerpt")), MAX_EXCERPT),
        is_published=_published_flag(fields),
        heat=_number(fields, "heat", -1),
        quality=_number(fields, "quality", None),
        type=plain_text(_text(data.get("type")), 100) or None,
        provider=_provider(fields),
        topics=_topics(fields),
        images=_images(fields),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _required_text(fields: _Fields, key: str, limit: int) -> str:
    value = fields.data.get(key)
    if value is None:
        raise fields.fail(key, f"'{key}' is missing")
    text = plain_text(_text(value), limit)
    if not text:
        raise fields.fail(key, f"'{key}' is empty or not text")
    return text


def _required_url(fields: _Fields, key: str) -> str:
    value = fields.data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fields.fail(key, f"'{key}' is missing")
    url = safe_url(value) if isinstance(value, str) else None
    if url is None:
        shown = plain_text(_text(value), 80)
        raise fields.fail(key, f"'{key}' is not an absolute http(s) URL: {shown!r}")
    return url


def _to_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        from dateutil.parser import isoparse  # YAML reads most dates itself; quoted ones are rarer

        moment = isoparse(value.strip())
    else:
        raise ValueError("not a date")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    # Normalise to UTC so equal instants compare, sort and print alike.
    return moment.astimezone(timezone.utc)


def _required_datetime(fields: _Fields, key: str) -> datetime:
    value = fields.data.get(key)
    if value is None:
        raise fields.fail(key, f"'{key}' is missing")
    try:
        return _to_datetime(value)
    except (ValueError, OverflowError):
        shown = plain_text(_text(value), 60)
        raise fields.fail(key, f"'{key}' is not an ISO 8601 date-time: {shown!r}") from None


def _optional_datetime(fields: _Fields, key: str) -> datetime | None:
    value = fields.data.get(key)
    if value is None:
        return None
    try:
        return _to_datetime(value)
    except (ValueError, OverflowError):
        fields.warn(key, f"'{key}' is not an ISO 8601 date-time; using publishedDateTime instead")
        return None


def _published_flag(fields: _Fields) -> bool:
    value = fields.data.get("published", True)
    if isinstance(value, bool):
        return value
    raise fields.fail(
        "published",
        f"'published' must be true or false, found {plain_text(_text(value), 40)!r}; the article is held back",
    )


def _number(fields: _Fields, key: str, default: int | None) -> int | None:
    value = fields.data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        fields.warn(key, f"'{key}' should be a number, found {value}; using {default}")
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e15:
        return round(value)
    if isinstance(value, str):
        try:
            number = round(float(value.strip()))
        except (ValueError, OverflowError):
            pass
        else:
            fields.warn(key, f"'{key}' is text ({value!r}); read as the number {number}")
            return number
    fields.warn(key, f"'{key}' should be a number; using {default}")
    return default


def _provider(fields: _Fields) -> Provider | None:
    value = fields.data.get("provider")
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        if value is not None:
            fields.warn("provider", "'provider' should be a mapping with 'name' and 'domain'; ignored")
        return None
    name = plain_text(_text(value.get("name")), 200)
    domain = plain_text(_text(value.get("domain")), 253).lower() or None
    if not name:
        name = domain or ""
    return Provider(name, domain, _provider_image(value.get("images"))) if name else None


def _provider_image(value: object) -> str | None:
    """The first usable URL of the provider's own images: its logo, which its feed shows as icon and logo."""
    if not isinstance(value, list):
        return None
    for item in value[:MAX_IMAGES]:
        if isinstance(item, Mapping) and isinstance(item.get("url"), str):
            url = safe_url(item["url"])
            if url is not None:
                return url
    return None


def _topics(fields: _Fields) -> tuple[str, ...]:
    value = fields.data.get("topics")
    if value is None:
        return ()
    if isinstance(value, str):
        fields.warn("topics", "'topics' should be a list; read the text as one topic")
        value = [value]
    if not isinstance(value, list):
        fields.warn("topics", "'topics' should be a list of names; ignored")
        return ()
    names: list[str] = []
    for item in value:
        name = plain_text(_text(item), 100)
        if not name:
            fields.warn("topics", f"a topic is empty or not text ({item!r}); ignored")
        elif name not in names:
            names.append(name)
    if len(names) > MAX_TOPICS:
        fields.warn("topics", f"more than {MAX_TOPICS} topics; only the first {MAX_TOPICS} are used")
    return tuple(names[:MAX_TOPICS])


def _images(fields: _Fields) -> tuple[Image, ...]:
    value = fields.data.get("images")
    if not isinstance(value, list):
        return ()
    images: list[Image] = []
    for item in value[:MAX_IMAGES]:
        if not isinstance(item, Mapping):
            continue
        url = safe_url(item["url"]) if isinstance(item.get("url"), str) else None
        if url is None:
            fields.warn("images", "an image has no absolute http(s) URL; it is left out")
            continue
        images.append(Image(url, _dimension(item.get("width")), _dimension(item.get("height"))))
    return tuple(images)


def _dimension(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 100_000:
        return value
    return None
