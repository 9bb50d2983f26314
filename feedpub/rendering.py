"""Rendering the documents a build must write, in several processes when there are many.

Rendering is CPU-bound Python (feedgen builds every entry as an lxml tree), so it is most of a cold build.
Each worker process is a fork of the build: it inherits the site as it stands, without copying or
pickling it, renders the documents of one format (so each entry is still rendered once per format) and
stages their files. The build then commits every staged file at once, exactly as when it renders alone.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from .atomic import Staging
from .site import Site

PARALLEL_FROM = 400  # fewer documents render faster than worker processes start
Outcomes = dict[str, bool | None]  # by path: True if staged, False if the file held those bytes, None if no document

# What a forked worker inherits from the build: the site, the output folder and a shared count of the
# documents rendered so far (for the progress bar). Set only while a pool is running.
_inherited: tuple[Site, Path, Any] | None = None


def render_documents(
    site: Site,
    out: Path,
    paths: list[str],
    staging: Staging,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Outcomes:
    """Render the documents at ``paths`` and stage their files under ``out`` with ``staging``.

    ``progress(rendered)`` is called now and then with the number rendered so far.
    """
    if workers > 1 and len(paths) >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
        return _render_in_processes(site, out, paths, staging, workers, progress)
    outcomes: Outcomes = {}
    for count, path in enumerate(paths, 1):
        outcomes[path] = _render_one(site, out, path, staging)
        if progress is not None and count % 50 == 0:
            progress(count)
    return outcomes


def _render_one(site: Site, out: Path, path: str, staging: Staging) -> bool | None:
    document = site.render(path)
    return None if document is None else staging.stage(out / path, document.body)


def by_format(paths: list[str]) -> list[list[str]]:
    """``paths`` in groups that share rendered entries (one per feed format, pages and the rest together),
    largest first, so that the workers finish at about the same time."""
    groups: dict[str, list[str]] = {}
    for path in paths:
        groups.setdefault(path.rpartition(".")[2], []).append(path)
    return sorted(groups.values(), key=len, reverse=True)


def _render_in_processes(
    site: Site, out: Path, paths: list[str], staging: Staging, workers: int,
    progress: Callable[[int], None] | None,
) -> Outcomes:
    global _inherited
    context = multiprocessing.get_context("fork")
    rendered = context.Value("q", 0)
    groups = by_format(paths)
    _inherited = (site, out, rendered)
    try:
        with ProcessPoolExecutor(min(workers, len(groups)), mp_context=context) as pool:
            futures = [pool.submit(_render_group, group) for group in groups]
            pending: set[Future[tuple[Outcomes, list[tuple[Path, Path]]]]] = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.25)
                if progress is not None:
                    progress(rendered.value)
            outcomes: Outcomes = {}
            failure: BaseException | None = None
            for future in futures:
                try:
                    group_outcomes, staged = future.result()
                except BaseException as error:  # re-raised below, once the other groups' files are taken
                    failure = failure or error
                    continue
                staging.take(staged)  # so that the caller commits them, or discards them if one group failed
                outcomes.update(group_outcomes)
            if failure is not None:
                raise failure
            return outcomes
    finally:
        _inherited = None


def _render_group(paths: list[str]) -> tuple[Outcomes, list[tuple[Path, Path]]]:
    """In a worker: render and stage one group; the files staged are handed back to the build to commit."""
    assert _inherited is not None, "a render worker must be forked from a build"
    site, out, rendered = _inherited
    staging = Staging()
    try:
        outcomes: Outcomes = {}
        for count, path in enumerate(paths, 1):
            outcomes[path] = _render_one(site, out, path, staging)
            if count % 50 == 0:
                with rendered.get_lock():
                    rendered.value += 50
        return outcomes, staging.hand_over()
    finally:
        staging.discard()  # only an error leaves anything to discard: this worker's own temporary files
