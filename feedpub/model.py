"""The values that travel through feedpub: articles as loaded, and the problems found on the way.

They are frozen so that every later stage (catalog, feeds, formats) can share them without copying and
without fear that one stage changes what another sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from typing import Literal

Level = Literal["error", "warning"]
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    domain: str | None = None
    image: str | None = None  # the provider's own logo (``provider.images``), an absolute http(s) URL


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, cleaned and validated; every text field is safe plain text."""

    id: str
    title: str
    url: str
    published_at: datetime
    updated_at: datetime
    source: str
    excerpt: str = ""
    is_published: bool = True
    heat: int = -1
    quality: int | None = None
    type: str | None = None
    provider: Provider | None = None
    topics: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    # A digest of the file the article was read from (its name and bytes): equal revisions mean equal
    # articles, which lets a rebuild tell what changed without comparing every field. "" when unknown.
    revision: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one input file.

    An ``error`` means the article was skipped; a ``warning`` means it was published with a fix-up.
    Problems are returned, never raised, so that one bad file never stops the others.
    """

    path: str
    message: str
    level: Level = "error"
    line: int | None = None

    def __str__(self) -> str:
        """One line for a terminal or a log: the file's name and the message are untrusted, so control
        characters, line separators and bidirectional overrides in them are shown as escapes (a name with
        a line break in it could otherwise print as a second, made-up problem)."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.level}: {self.message}".translate(_AS_ESCAPES)


_AS_ESCAPES = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
}


@lru_cache(maxsize=65536)  # asked for every article, of a few thousand domains
def provider_key(domain: str | None) -> str:
    """A provider's domain as the key of its feed: lowercase, without ``www.``; "" when it is not a host
    name (the provider then has no feed of its own)."""
    if not domain:
        return ""
    domain = domain.strip().lower().removeprefix("www.")
    return domain if _HOST.fullmatch(domain) else ""
