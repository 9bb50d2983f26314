"""The archive ledger: where each feed's frozen archive pages end, kept beside the articles like a lockfile.

Archive pages that were a pure function of the current articles could not both hold a fixed number of
articles and stay put when an old article is removed. So once a full page is published, where it ends is
recorded: the place in feed order of the newest article it held. From then on the page holds the articles
that fall between its end and the end of the page before it, so removing, editing or adding an old article
changes only the page its date falls in (see `feedpub.feeds.Archives`).

The ledger is a file in the seeds folder, ``.feedpub-archives.json`` (hidden, so never read as an article):
the same seeds folder gives the same archives to the static build and to the server. It is input like any
article file: size-checked, validated, and replaced when it cannot be used, the archives then being cut
afresh from the oldest article. The model is pure; `read_ledger` reads the file, and only `feedpub build` writes it
(`feedpub.static.ledger.save_ledger`): the server reads it and follows its changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeGuard

from ..atomic import read_regular_file
from ..model import Article, Problem
from .catalog import feed_order, instant

LEDGER = ".feedpub-archives.json"
FORMAT = 1
# A frozen page costs about 35 bytes (its end's time; heat and URL too when it ends inside one instant), so a
# site of 100,000 articles in a few feeds each needs well under 1 MiB at the default page size. 16 MiB leaves
# room for far bigger sites or tiny pages while bounding what a damaged or hostile file can make us parse.
MAX_LEDGER_BYTES = 16 * 1024 * 1024
RECUT = "archives are cut afresh from the oldest article, and the next build replaces the file"


@dataclass(frozen=True, slots=True)
class Boundary:
    """Where one frozen archive page ends: at its newest article, by that article's place in feed order.

    Usually the instant alone: the page holds everything published up to and including it. Only when the
    next-newer article had the very same instant does the end also need the heat and URL that `feed_order`
    orders one instant's articles by. (The file name, feed order's last resort, is left out: it depends on
    where the seeds folder is, and within one feed URLs already differ.)
    """

    published_at: datetime
    heat: int | None = None
    url: str | None = None

    @classmethod
    def of_page(cls, newest: Article, newer: Article | None) -> Boundary:
        """The end of a page whose newest article is ``newest``; ``newer`` is the next article in the feed."""
        if newer is not None and feed_order(newer)[0] == feed_order(newest)[0]:
            return cls(newest.published_at, newest.heat, newest.url)
        return cls(newest.published_at)

    @property
    def key(self) -> tuple[Any, ...]:
        """A prefix of `feed_order`'s key: the articles whose key sorts at or after it are on the page's side."""
        newest = -instant(self.published_at)  # exactly as feed_order computes it, so equal instants tie
        if self.heat is None or self.url is None:
            return (newest,)
        return (newest, -self.heat, self.url)

    def fields(self) -> list[Any]:
        """As stored: an ISO 8601 UTC time (exact to the microsecond), then heat and URL if needed."""
        moment = self.published_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        return [moment] if self.url is None else [moment, self.heat, self.url]


@dataclass(frozen=True)
class ArchiveLedger:
    """Every feed's frozen archive pages, oldest first, by feed path (``all``, ``topics/ai``, ...)."""

    page_size: int
    feeds: Mapping[str, tuple[Boundary, ...]] = field(default_factory=dict)

    def boundaries(self, path: str) -> tuple[Boundary, ...]:
        return self.feeds.get(path, ())

    def merged_onto(self, recorded: ArchiveLedger | None) -> ArchiveLedger:
        """This ledger, keeping what ``recorded`` (the file as it is now) froze and this one does not know.

        Another process (a server worker, a build) may have frozen pages since this ledger was read: per feed,
        the recorded pages give way only to a list that starts with them, so a file never loses a page.
        A missing or unusable file, or one for another page size, is simply replaced.
        """
        if recorded is None or recorded.page_size != self.page_size:
            return self
        feeds = dict(recorded.feeds)
        for path, ours in self.feeds.items():
            theirs = feeds.get(path, ())
            if ours[: len(theirs)] == theirs:
                feeds[path] = ours
        return ArchiveLedger(self.page_size, feeds)


def read_ledger(seeds: Path, page_size: int) -> tuple[ArchiveLedger, tuple[Problem, ...]]:
    """The ledger of ``seeds`` for pages of ``page_size``; an empty one, with a warning, if it cannot be used."""
    path = seeds / LEDGER
    fresh = ArchiveLedger(page_size)
    try:
        ledger = parse_ledger(read_ledger_file(path))
    except FileNotFoundError:
        return fresh, ()
    except OSError as error:
        return fresh, (_warning(path, f"cannot read the archive ledger ({error.strerror or error}); {RECUT}"),)
    except ValueError as error:
        return fresh, (_warning(path, f"the archive ledger cannot be used: {error}; {RECUT}"),)
    if ledger.page_size != page_size:
        message = (
            f"the archive ledger is for pages of {ledger.page_size} articles, but pages now hold {page_size} "
            f"(archive_size); {RECUT}"
        )
        return fresh, (_warning(path, message),)
    return ledger, ()


def parse_ledger(raw: bytes) -> ArchiveLedger:
    """The ledger in ``raw``; raises ValueError saying what is wrong (the file is untrusted input)."""
    try:
        document = json.loads(raw)
    except RecursionError:
        raise ValueError("it is nested too deeply to be a ledger") from None
    except ValueError as error:
        raise ValueError(f"it is not JSON ({error})") from None
    if not isinstance(document, dict) or "feedpub_archives" not in document:
        raise ValueError("it is not a feedpub archive ledger")
    version = document["feedpub_archives"]
    if not _whole(version) or version != FORMAT:
        raise ValueError(f"it is format {str(version)[:20]}, and this feedpub reads format {FORMAT}")
    page_size = document.get("page_size")
    if not _whole(page_size) or page_size < 1:
        raise ValueError(f"page_size must be a whole number of at least 1, not {page_size!r}")
    feeds = document.get("feeds")
    if not isinstance(feeds, dict):
        raise ValueError("'feeds' must map each feed's path to the list of its pages' ends")
    return ArchiveLedger(page_size, {path: pages for path, ends in feeds.items() if (pages := _boundaries(path, ends))})


def ledger_bytes(ledger: ArchiveLedger) -> bytes:
    """The file's bytes: sorted, one page per line, so that freezing a page adds one line to a diff."""
    feeds = [
        f"    {json.dumps(path)}: [\n" + ",\n".join(f"      {json.dumps(end.fields())}" for end in ends) + "\n    ]"
        for path, ends in sorted(ledger.feeds.items())
        if ends
    ]
    listed = "{\n" + ",\n".join(feeds) + "\n  }" if feeds else "{}"
    return f'{{\n  "feedpub_archives": {FORMAT},\n  "page_size": {ledger.page_size},\n  "feeds": {listed}\n}}\n'.encode()


def _boundaries(path: str, ends: object) -> tuple[Boundary, ...]:
    if not isinstance(ends, list):
        raise ValueError(f"the pages of {path!r} must be a list")
    boundaries = tuple(_boundary(path, number, end) for number, end in enumerate(ends, 1))
    keys = [boundary.key for boundary in boundaries]
    for number in range(1, len(keys)):
        if not keys[number] < keys[number - 1]:
            raise ValueError(f"page {number + 1} of {path!r} does not end after page {number}")
    return boundaries


def _boundary(path: str, number: int, end: object) -> Boundary:
    where = f"the end of page {number} of {path!r}"
    if not isinstance(end, list) or len(end) not in (1, 3) or not isinstance(end[0], str):
        raise ValueError(f"{where} must be [time] or [time, heat, url], not {str(end)[:80]}")
    try:
        moment = datetime.fromisoformat(end[0])
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"{where}: {end[0][:40]!r} is not an ISO 8601 time with an offset")
    if len(end) == 1:
        return Boundary(moment.astimezone(timezone.utc))
    heat, url = end[1:]
    if not _whole(heat) or not isinstance(url, str) or not url:
        raise ValueError(f"{where}: heat must be a whole number and url a text, not {heat!r} and {str(url)[:80]!r}")
    return Boundary(moment.astimezone(timezone.utc), heat, url)


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def read_ledger_file(path: Path) -> bytes:
    """The file's bytes; ValueError (`FileRefused`) for anything but a regular file, or one past
    `MAX_LEDGER_BYTES` (refused before more than that is read)."""
    return read_regular_file(path, MAX_LEDGER_BYTES)


def _warning(path: Path, message: str) -> Problem:
    return Problem(str(path), message, "warning")
