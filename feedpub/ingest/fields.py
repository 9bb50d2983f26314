"""Checking and cleaning the fields of one article's front matter into an `Article`.

Required fields missing or unusable raise `LoadError` (the article is skipped); anything that can be
fixed up is, with a warning `Problem` naming the key's line.
"""

from __future__ import annotations

import reprlib  # values shown in messages are cut short: a file may hold a topic nested a thousand deep
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from ..model import Article, Image, Problem, Provider, provider_key
from .frontmatter import LoadError
from .sanitize import MAX_URL, over_length, plain_text, safe_url

MAX_TITLE = 500
MAX_EXCERPT = 5000
MAX_TOPICS = 50
MAX_IMAGES = 20


@dataclass
class Fields:
    """The parsed front matter of one file, with the line of each key for messages."""

    path: str
    data: Mapping[str, Any]
    lines: dict[str, int]
    problems: list[Problem] = field(default_factory=list)

    def warn(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, message, "warning", self.lines.get(key)))

    def fail(self, key: str, message: str) -> LoadError:
        return LoadError(message, self.lines.get(key))


def article_from(fields: Fields, revision: str) -> Article:
    """The article the checked ``fields`` describe; raises `LoadError` when a required one is unusable."""
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


def _required_text(fields: Fields, key: str, limit: int) -> str:
    value = fields.data.get(key)
    if value is None:
        raise fields.fail(key, f"'{key}' is missing")
    text = plain_text(_text(value), limit)
    if not text:
        raise fields.fail(key, f"'{key}' is empty or not text")
    return text


def _required_url(fields: Fields, key: str) -> str:
    value = fields.data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fields.fail(key, f"'{key}' is missing")
    url = safe_url(value) if isinstance(value, str) else None
    if url is None:
        if isinstance(value, str) and over_length(value):
            raise fields.fail(key, f"'{key}' is over the {MAX_URL:,} characters a URL may have, percent-encoded")
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
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:
        raise _OutOfRange from None
    if moment.year < FIRST_YEAR:
        raise _OutOfRange
    return moment


FIRST_YEAR = 1000  # RSS, Atom and HTTP dates have four-digit years (a year-1 date read back as 2001)


class _OutOfRange(ValueError):
    """A date-time that is one, but before `FIRST_YEAR` or past the end of the year 9999 in UTC."""


def _unusable_date(key: str, value: object, error: ValueError | OverflowError) -> str:
    shown = plain_text(_text(value), 60)
    if isinstance(error, _OutOfRange):
        return f"'{key}' is {shown!r}, outside the years {FIRST_YEAR} to 9999 (UTC) that feeds can carry"
    return f"'{key}' is not an ISO 8601 date-time: {shown!r}"


def _required_datetime(fields: Fields, key: str) -> datetime:
    value = fields.data.get(key)
    if value is None:
        raise fields.fail(key, f"'{key}' is missing")
    try:
        return _to_datetime(value)
    except (ValueError, OverflowError) as error:
        raise fields.fail(key, _unusable_date(key, value, error)) from None


def _optional_datetime(fields: Fields, key: str) -> datetime | None:
    value = fields.data.get(key)
    if value is None:
        return None
    try:
        return _to_datetime(value)
    except (ValueError, OverflowError) as error:
        fields.warn(key, f"{_unusable_date(key, value, error)}; using publishedDateTime instead")
        return None


def _published_flag(fields: Fields) -> bool:
    value = fields.data.get("published", True)
    if isinstance(value, bool):
        return value
    raise fields.fail(
        "published",
        f"'published' must be true or false, found {plain_text(_text(value), 40)!r}; the article is held back",
    )


def _number(fields: Fields, key: str, default: int | None) -> int | None:
    value = fields.data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        fields.warn(key, f"'{key}' should be a number, found {value}; {'ignored' if default is None else f'using {default}'}")
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) < 1e15:
        fields.warn(key, f"'{key}' should be a whole number, found {value}; read as {round(value)}")
        return round(value)
    if isinstance(value, str):
        try:
            number = round(float(value.strip()))
        except (ValueError, OverflowError):
            pass
        else:
            fields.warn(key, f"'{key}' is text ({reprlib.repr(value)}); read as the number {number}")
            return number
    fields.warn(key, f"'{key}' should be a number; {'ignored' if default is None else f'using {default}'}")
    return default


def _provider(fields: Fields) -> Provider | None:
    value = fields.data.get("provider")
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        if value is not None:
            fields.warn("provider", "'provider' should be a mapping with 'name' and 'domain'; ignored")
        return None
    name = plain_text(_text(value.get("name")), 200)
    domain = plain_text(_text(value.get("domain")), 253).lower() or None
    if domain and not provider_key(domain):
        fields.warn("provider", f"the provider's domain {domain[:80]!r} is not a host name such as example.com; "
                    "the article is in no provider feed")
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


def _topics(fields: Fields) -> tuple[str, ...]:
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
            fields.warn("topics", f"a topic is empty or not text ({reprlib.repr(item)}); ignored")
        elif name not in names:
            names.append(name)
    if len(names) > MAX_TOPICS:
        fields.warn("topics", f"more than {MAX_TOPICS} topics; only the first {MAX_TOPICS} are used")
    return tuple(names[:MAX_TOPICS])


def _images(fields: Fields) -> tuple[Image, ...]:
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
