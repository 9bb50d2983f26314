"""One pass from a seeds folder to a `Site`: load, then catalog. Shared by the command line and the server."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .cache import ArticleCache
from .catalog import Catalog, build_catalog
from .config import ConfigError, Settings
from .feeds import page_size
from .history import read_ledger, save_ledger
from .loader import load_folder
from .model import Problem
from .site import Site


@dataclass(frozen=True)
class Build:
    site: Site
    files: int
    problems: tuple[Problem, ...]

    @property
    def catalog(self) -> Catalog:
        return self.site.catalog

    @property
    def errors(self) -> int:
        return sum(problem.level == "error" for problem in self.problems)

    @property
    def warnings(self) -> int:
        return sum(problem.level == "warning" for problem in self.problems)

    def freeze_archives(self) -> bool:
        """Record the archive pages this site publishes in the ledger beside its seeds, so that they stay put
        when older articles change (see `feedpub.history`); True when the file changed. Raises `LedgerError`.
        """
        return save_ledger(self.site.settings.seeds, self.site.archives.frozen())


class SeedsNotFound(ConfigError):
    """The seeds folder is missing: publishing from it would empty every feed, so nothing is written."""


def load_site(settings: Settings, use_cache: bool = False, workers: int = 1) -> Build:
    """Load the seeds, and the archive ledger beside them, into a `Site`; with ``use_cache``, through the
    persistent article cache; with ``workers`` > 1, parsing many files in that many processes (for the
    command line, not the server)."""
    if not settings.seeds.is_dir():
        raise SeedsNotFound(
            f"the seeds folder {settings.seeds} does not exist or is not a folder; "
            "pass the folder of article files with --seeds DIR (nothing was written)"
        )
    with _long_lived_objects():
        cache = ArticleCache(settings.cache_dir, settings.seeds, settings.max_file_size) if use_cache else None
        loaded = load_folder(settings.seeds, max_bytes=settings.max_file_size, cache=cache, workers=workers)
        catalog = build_catalog(loaded.articles)
    # The archive ledger is state, not a cache: a build without the article cache uses it all the same.
    ledger, ledger_problems = read_ledger(settings.seeds, page_size(settings))
    problems = tuple(
        sorted(loaded.problems + catalog.problems + ledger_problems, key=lambda p: (p.path, p.line or 0, p.message))
    )
    return Build(Site(catalog, settings, ledger), loaded.files, problems)


@contextmanager
def _long_lived_objects() -> Iterator[None]:
    """Create a site's objects with Python's cycle collector paused, then exempt them from it.

    A site is millions of small objects that live as long as it does and form no reference cycles. The
    collector would scan all of them again each time their number grew by a quarter: at 100,000 articles
    that was most of a rebuild's time. Reference counting still frees them as soon as they are dropped.
    """
    was_enabled = gc.isenabled()
    gc.collect()  # whatever cyclic garbage there is now must not be frozen with the site
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
