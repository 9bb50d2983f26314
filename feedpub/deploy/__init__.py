"""``feedpub deploy``: the output folder, published to S3-compatible object storage, incrementally.

One listing of the bucket says what is there; the plan (`feedpub.deploy.plan`) says what to upload, in
which order, and what to delete; the uploads run in a bounded thread pool, one phase after another. A phase
with a failed upload ends the deploy there, so nothing that links to a missing object is published, and
nothing is deleted. The store is the truth, so running the command again converges from any state.

boto3 (botocore, its core) is an optional dependency (``pip install 'feedpub[deploy]'``): it is imported only
by `feedpub.deploy.s3`, when a deploy starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DEFAULT_MAX_DELETES, Settings
from .headers import object_headers
from .local import read, scan, unchanging
from .plan import DeployError, Plan, RemoteObject, Target, make_plan, needs_digest, parse_target

if TYPE_CHECKING:
    from .s3 import Store

WORKERS = 16  # requests in flight: enough to hide round trips, few enough for any store's rate limits
HASH_THREADS = 4  # slices of the output folder hashed side by side: more than most machines' cores

__all__ = [
    "DEFAULT_MAX_DELETES", "DeployError", "DeployOptions", "DeployReport", "deploy", "object_headers",
    "parse_target",
]


@dataclass(frozen=True)
class DeployOptions:
    target: Target
    endpoint_url: str = ""
    dry_run: bool = False
    max_deletes: int = DEFAULT_MAX_DELETES
    force: bool = False
    workers: int = WORKERS


@dataclass
class DeployReport:
    """What a deploy did (or, dry, would do), by path under the output folder."""

    target: Target
    plan: Plan
    dry_run: bool = False
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path: why
    skipped: int = 0  # uploads and deletes not tried because an earlier phase failed

    @property
    def bytes(self) -> int:
        """Bytes of the objects uploaded (or, dry, to upload)."""
        done = set(self.uploaded)
        return sum(u.size for u in self.plan.uploads if self.dry_run or u.path in done)

    def as_json(self) -> dict[str, Any]:
        """The report for programs: object keys (prefix included), counts and failures."""
        key = self.target.key
        uploaded = [u.path for u in self.plan.uploads] if self.dry_run else self.uploaded
        deleted = self.plan.deletes if self.dry_run else self.deleted
        return {
            "target": str(self.target),
            "dry_run": self.dry_run,
            "uploaded": [key(path) for path in uploaded],
            "deleted": [key(path) for path in deleted],
            "unchanged": self.plan.unchanged,
            "bytes": self.bytes,
            "failed": [{"key": key(path), "error": why} for path, why in self.failed.items()],
            "skipped": self.skipped,
        }


def deploy(
    out: Path,
    settings: Settings,
    options: DeployOptions,
    session: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeployReport:
    """Make the objects under ``options.target`` equal the files under ``out``.

    ``session`` is a botocore session (default: a new one on the standard credential chain); ``progress(done,
    total)`` is called as requests finish. Raises `DeployError` when the deploy cannot start; failed
    uploads are reported in the result, not raised.
    """
    try:
        from .s3 import Store  # boto3, imported only by a deploy
    except ModuleNotFoundError as error:
        raise DeployError(
            f"feedpub deploy needs {error.name}, which is not installed: pip install 'feedpub[deploy]'", status=2
        ) from None

    pool = ThreadPoolExecutor(max_workers=options.workers)
    try:
        with unchanging(out):
            return _plan_and_run(out, settings, options, Store(options.target, options.endpoint_url, session, options.workers),
                           pool, progress)
    finally:
        pool.shutdown(cancel_futures=True)  # interrupted (Ctrl-C): send nothing more of the phase


def _plan_and_run(
    out: Path, settings: Settings, options: DeployOptions, store: Store, pool: ThreadPoolExecutor,
    progress: Callable[[int, int], None] | None,
) -> DeployReport:
    """Compare the folder with one listing of the store, then (unless dry) send the plan, phase by phase."""
    listing = pool.submit(store.list)  # the listing's round trips overlap the local scan
    local = scan(out, HASH_THREADS)
    remote = {found.path: found for found in listing.result()}
    unknown = needs_digest(local, remote)
    for path, md5 in zip(unknown, pool.map(store.recorded_md5, unknown)):
        remote[path] = RemoteObject(path, remote[path].size, md5)
    plan = make_plan(local, remote.values(), options.force)
    report = DeployReport(options.target, plan, options.dry_run)
    if options.dry_run:
        return report
    if len(plan.deletes) > options.max_deletes:
        raise DeployError(
            f"this deploy would delete {len(plan.deletes)} objects under {options.target}, more than "
            f"--max-deletes {options.max_deletes}; nothing was changed. Check that {out} is the fully "
            "built site (`feedpub deploy --dry-run` lists the deletes), then deploy with a higher "
            "--max-deletes",
            status=1,
        )
    _run(out, settings, store, plan, pool, report, progress)
    return report


def _run(
    out: Path, settings: Settings, store: Store, plan: Plan, pool: ThreadPoolExecutor, report: DeployReport,
    progress: Callable[[int, int], None] | None,
) -> None:
    from .s3 import describe

    total = len(plan.uploads) + len(plan.deletes)
    done = 0

    def put(upload: Any) -> None:
        store.put(upload.path, read(out, upload.path), upload.md5, object_headers(upload.path, settings))

    def run(paths: Iterable[str], action: Callable[[Any], None], items: list[Any], succeeded: list[str]) -> None:
        nonlocal done
        futures = [(path, pool.submit(action, item)) for path, item in zip(paths, items)]
        for path, future in futures:
            try:
                future.result()
                succeeded.append(path)
            except Exception as error:  # noqa: BLE001 - each failure is reported by key, none is fatal here
                report.failed[path] = describe(error)
            done += 1
            if progress is not None:
                progress(done, total)

    phases = plan.phases()
    for number, group in enumerate(phases):
        run((u.path for u in group), put, group, report.uploaded)
        if report.failed:
            # What later phases would upload links to what failed; deletes wait for a complete site.
            report.skipped = sum(len(g) for g in phases[number + 1:]) + len(plan.deletes)
            return
    run(plan.deletes, store.delete, plan.deletes, report.deleted)
