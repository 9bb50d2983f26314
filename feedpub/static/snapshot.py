"""What one build leaves for the next: its catalog, its documents' fingerprints and what it wrote, so that a
fresh ``feedpub build`` after an edit works as a watch's round does, in time proportional to the change.

Without it, every build rebuilds the catalog and digests every document of every feed again, which at
100,000 articles is most of a rebuild. The snapshot names articles by their place in the article cache
(`feedpub.ingest.cache`), whose text it does not repeat, and is used only when everything it was made
from is as it was left: the same code, settings, article cache files, manifest and output files (each
recorded file's size and time). Any doubt means a full build. Like the cache it is plain JSON, never pickle;
its shape is checked as it is read, and each feed's order, but like the cache's records it is trusted
beyond that: a state rewritten by hand into another well-formed catalog is not detected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, count, repeat
from operator import attrgetter, is_
from pathlib import Path
from typing import Any

from ..atomic import MAX_STATE_BYTES, read_regular_file, replace_file
from ..changes import code_digest, file_key
from ..config import Settings
from ..feeds.catalog import Catalog, pack_places, unpack_places
from ..feeds.keys import FeedKey, parse_path
from ..feeds.ledger import LEDGER
from ..ingest.cache import ArticleCache
from ..ingest.loader import LoadResult
from ..site import Fingerprints, Site, assemble_site
from .writer import MANIFEST, Written, as_recorded, read_manifest

log = logging.getLogger(__name__)
FORMAT = 4
_source = attrgetter("source")


@dataclass
class Resumed:
    """The last build's site, as `feedpub.site.load_site` takes a ``previous`` one, and what it wrote."""

    site: Site
    written: Written


def snapshot_path(settings: Settings) -> Path:
    """One snapshot per seeds folder and output folder, beside the article cache."""
    where = f"{settings.seeds.resolve()}\0{settings.out.resolve()}".encode()
    return settings.cache_dir / f"site-{hashlib.sha256(where).hexdigest()[:16]}.json"


# The stat key of the output folder's manifest as read, and whether every file it records is as recorded.
OutputsLooked = tuple[list[int] | None, bool]


def look_at_outputs(out: Path) -> OutputsLooked:
    """Whether the files the last build wrote to ``out`` are as its manifest records them (each file's size
    and time), with the manifest's stat key: plain data, so that another process can look (at 100,000
    articles, statting 23,000 files takes a fifteenth of a second) while this one reads the state."""
    manifest_key = file_key(str(out / MANIFEST))
    if manifest_key is None:
        return None, False
    return list(manifest_key), _as_recorded(out, read_manifest(out))


def _as_recorded(out: Path, manifest: dict[str, list[Any]]) -> bool:
    root = str(out)
    return all(as_recorded(f"{root}/{name}", record) for name, record in manifest.items())


def resume(
    settings: Settings, cache: ArticleCache, outputs_looked: Callable[[], OutputsLooked | None] | None = None
) -> Resumed | None:
    """The state the last build left, or None when it cannot be trusted to be current (see the module).

    ``outputs_looked``, when given, says what `look_at_outputs` found (None: it could not tell); it is asked
    last, so that another process has the time to look.
    """
    path = snapshot_path(settings)
    try:
        document = json.loads(read_regular_file(path, MAX_STATE_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:  # FileRefused is a ValueError
        log.info("ignoring the build snapshot %s (%s)", path, error)
        return None
    try:
        return _resumed(document, settings, cache, outputs_looked)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
        log.info("ignoring the damaged build snapshot %s (%s)", path, error)
        return None


def _settings_digest(settings: Settings) -> str:
    return hashlib.blake2b(f"{code_digest()}\0{settings!r}".encode(), digest_size=16).hexdigest()


def _layout_keys(cache: ArticleCache) -> list[Any]:
    return [list(key) if key is not None else None for key, _ in cache.layout]


def _resumed(
    document: dict[str, Any], settings: Settings, cache: ArticleCache,
    outputs_looked: Callable[[], OutputsLooked | None] | None,
) -> Resumed | None:
    if (document.get("format") != FORMAT or document.get("settings") != _settings_digest(settings)
            or document.get("cache") != _layout_keys(cache)):
        return None
    out = settings.out
    manifest_key = file_key(str(out / MANIFEST))
    if manifest_key is None or list(manifest_key) != document["manifest"]:
        return None
    manifest = read_manifest(out)
    # The files of each feed (the writer removes only paths of the URL layout among them).
    feed_keys: dict[str, FeedKey] = {}  # each path is named up to four times below; it is checked once

    def _feed_key(path: str) -> FeedKey:
        key = feed_keys.get(path)
        if key is None:
            key = feed_keys[path] = _checked_feed_key(path)
        return key

    feed_files = {_feed_key(path): set(names) for path, names in document["files"].items()}

    by_file = cache.files()
    everything = [article for _, article, _ in by_file.values()]
    ordered = tuple(map(everything.__getitem__, unpack_places(document["order"])))
    if any(map(is_, ordered, repeat(None))):  # (`None in ordered` would call every article's __eq__)
        return None
    catalog = Catalog.from_state(ordered, document["catalog"])  # type: ignore[arg-type]
    ledger_key = file_key(os.path.join(settings.seeds, LEDGER))  # before it is read: a change meanwhile shows as one
    site = assemble_site(settings, catalog, LoadResult.of(by_file), ledger_key)
    site.restore_fingerprints(Fingerprints(
        bytes.fromhex(document["shared"]),
        {_feed_key(path): bytes.fromhex(digest) if digest else None for path, digest in document["digests"].items()},
        {_feed_key(path): tuple(range(start, stop) for start, stop in pages) for path, pages in document["pages"].items()},
        {_feed_key(path): chart for path, chart in document["weeks"].items()},
    ))
    # A file changed or removed by hand is put right by a full build (as one without a snapshot does).
    looked = outputs_looked() if outputs_looked is not None else None
    if looked is None or looked[0] != document["manifest"]:  # not looked at, or another manifest: look here
        looked = (document["manifest"], _as_recorded(out, manifest))
    if not looked[1]:
        return None
    return Resumed(site, Written(manifest, feed_files))


def _checked_feed_key(path: str) -> FeedKey:
    key = parse_path(f"{path}.atom")
    if key is None or key.feed is None or key.feed.path != path:
        raise ValueError(f"{path!r} is not a feed")
    return key.feed


def save(settings: Settings, site: Site, cache: ArticleCache, written: Written) -> None:
    """Leave the state of the build that made ``site`` (its article cache saved, its files ``written``) for
    the next; when some of it cannot be told (an article the cache does not hold), leave none."""
    path = snapshot_path(settings)
    document = _document(settings, site, cache)
    if document is not None and written.feed_files is not None:
        document["files"] = {feed.path: sorted(names) for feed, names in written.feed_files.items()}
    manifest_key = file_key(str(settings.out / MANIFEST))
    try:
        if document is None or manifest_key is None or written.feed_files is None:
            path.unlink(missing_ok=True)
            return
        document["manifest"] = list(manifest_key)
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), durable=False)
    except OSError as error:
        # The article cache beside it has said so: it cannot be saved either, and a snapshot needs it.
        log.info("could not save the build snapshot %s (%s); the next build takes longer", path, error)


def _document(settings: Settings, site: Site, cache: ArticleCache) -> dict[str, Any] | None:
    fingerprints = site.saved_fingerprints()
    if fingerprints is None:
        return None
    place = dict(zip(chain.from_iterable(labels for _, labels in cache.layout), count()))
    catalog = site.catalog
    try:
        order = pack_places(map(place.__getitem__, map(_source, catalog.articles)))
    except KeyError:
        return None  # an article the cache does not hold (its file could not be looked at)
    state = catalog.state()
    if len(place) != len(site.loaded.by_file) or state is None:
        return None
    return {
        "format": FORMAT,
        "settings": _settings_digest(settings),
        "cache": _layout_keys(cache),
        "order": order,
        "catalog": state,
        "shared": fingerprints.shared.hex(),
        "digests": {feed.path: digest.hex() if digest else None for feed, digest in fingerprints.digests.items()},
        "pages": {feed.path: [[page.start, page.stop] for page in cut] for feed, cut in fingerprints.pages.items()},
        "weeks": {feed.path: chart for feed, chart in fingerprints.weeks.items()},
    }
