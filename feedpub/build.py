"""One pass from a seeds folder to a `Site`: load, then catalog. Shared by the command line and the server."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog, build_catalog
from .config import Settings
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


def load_site(settings: Settings) -> Build:
    loaded = load_folder(settings.seeds, max_bytes=settings.max_file_size)
    catalog = build_catalog(loaded.articles)
    problems = tuple(sorted(loaded.problems + catalog.problems, key=lambda p: (p.path, p.line or 0, p.message)))
    return Build(Site(catalog, settings), loaded.files, problems)
