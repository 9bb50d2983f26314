"""Rendering the documents a build must write, in several processes when there are many.

Rendering is CPU-bound Python (feedgen builds every entry as an lxml tree), so it is most of a cold build.
Each worker process is a fork of the build and is handed the site, the output folder and a shared counter
by the pool's initializer: forked, it inherits them without copying or pickling. It renders the documents
of one format (so each entry is still rendered once per format) and stages their files; the build then
commits every staged file at once, exactly as when it renders alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import Staging
from ..feeds.keys import DocKey
from ..site import Site

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_FROM = 400  # fewer documents render faster than worker processes start
Outcomes = dict[DocKey, bool | None]  # True if staged, False if the file held those bytes, None if no document


def render_documents(
    site: Site,
    out: Path,
    keys: list[DocKey],
    staging: Staging,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Outcomes:
    """Render the documents ``keys`` and stage their files under ``out`` with ``staging``.

    ``progress(rendered)`` is called now and then with the number rendered so far.
    """
    if workers > 1 and len(keys) >= PARALLEL_FROM:
        import multiprocessing  # a rebuild after an edit renders a few documents here and never needs it

        if "fork" in multiprocessing.get_all_start_methods():
            return _render_in_processes(site, out, keys, staging, workers, progress)
    return _Job(site, out).run(keys, staging, progress)


@dataclass
class _Job:
    """What rendering needs: the site and where its files go, and a count to report progress by."""

    site: Site
    out: Path
    rendered: Any = None  # a shared multiprocessing.Value in workers

    def run(self, keys: list[DocKey], staging: Staging, progress: Callable[[int], None] | None = None) -> Outcomes:
        outcomes: Outcomes = {}
        previous_format = ""
        for count, key in enumerate(keys, 1):
            if key.format != previous_format:
                # Documents come format by format: the last format's rendered entries are not needed again
                # in this build (a few documents' worth are kept, for a watch's next round).
                if len(keys) >= PARALLEL_FROM:
                    self.site.forget_fragments(previous_format)
                previous_format = key.format
            document = self.site.render(key)
            outcomes[key] = None if document is None else staging.stage(self.out / key.path, document.body)
            if count % 50 == 0:
                if progress is not None:
                    progress(count)
                if self.rendered is not None:
                    with self.rendered.get_lock():
                        self.rendered.value += 50
        return outcomes


def by_format(keys: list[DocKey]) -> list[list[DocKey]]:
    """``keys`` in groups that share rendered entries (one per format), largest first, so that the
    workers finish at about the same time."""
    groups: dict[str, list[DocKey]] = {}
    for key in keys:
        groups.setdefault(key.format, []).append(key)
    return sorted(groups.values(), key=len, reverse=True)


_job: _Job | None = None  # a worker's own job, set by its initializer (the parent never sets it)


def _start_worker(job: _Job) -> None:
    global _job
    _job = job


def _render_group(keys: list[DocKey]) -> tuple[Outcomes, list[tuple[Path, Path]]]:
    """In a worker: render and stage one group; the files staged are handed back to the build to commit."""
    assert _job is not None, "a render worker is started by render_documents"
    staging = Staging()
    try:
        return _job.run(keys, staging), staging.hand_over()
    finally:
        staging.discard()  # only an error leaves anything to discard: this worker's own temporary files


def _render_in_processes(
    site: Site, out: Path, keys: list[DocKey], staging: Staging, workers: int,
    progress: Callable[[int], None] | None,
) -> Outcomes:
    import multiprocessing
    from concurrent.futures import wait

    from ..workers import worker_pool

    context = multiprocessing.get_context("fork")
    rendered = context.Value("q", 0)
    groups = by_format(keys)
    job = _Job(site, out, rendered)
    with worker_pool(min(workers, len(groups)), context, _start_worker, (job,)) as pool:
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
