"""The ``feedpub`` command: ``build`` writes the static feeds, ``serve`` serves them over HTTP, ``deploy``
uploads them to object storage."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .config import DEFAULT_MAX_DELETES, Settings, is_loopback, load_settings
from .ingest.loader import DEFAULT_EXTENSIONS, scan
from .changes import StatKey
from .errors import FeedpubError
from .ingest.cache import ArticleCache
from .site import Site, changes, load_site
from .static import snapshot
from .static.ledger import LedgerError, save_ledger
from .static.writer import WriteReport, Written, write_site

if TYPE_CHECKING:
    from .deploy import DeployReport
    from .model import Problem
    from .static.watch import Round


# Set by `run`: the objects a command leaves for the process's exit to drop, rather than free one by one.
_left_for_exit: list[object] | None = None


def run() -> NoReturn:
    """The ``feedpub`` command: `main`, then an exit that leaves the build's objects to the operating system.

    Freeing a site of 100,000 articles object by object takes a tenth of a second after the work is done and
    said; the process owns nothing else that needs closing by then (its pools are shut down, its files
    written and renamed), so it flushes its output and ends at once, as mypy's fast exit does.
    """
    global _left_for_exit
    _left_for_exit = []
    status = main()
    logging.shutdown()
    os._exit(_flushed(status))


def _flushed(status: int) -> int:
    """``status`` once the output buffered for standard output and error is written. A reader that went
    away (``feedpub build | head -1``) had what it wanted; output that cannot be written (a full disk) is
    said on standard error and ends the command with status 120, as Python's own exit does."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with that descriptor closed
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            pass
        except (OSError, ValueError) as error:
            if stream is sys.stdout and sys.stderr is not None:
                try:
                    reason = getattr(error, "strerror", None) or str(error)
                    print(f"feedpub: could not write the output ({reason})", file=sys.stderr, flush=True)
                except (OSError, ValueError):
                    pass
            status = status or 120
    return status


def _leave_for_exit(*objects: object) -> None:
    if _left_for_exit is not None:
        _left_for_exit.extend(objects)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse would show the top-level usage; the subcommand's own says what it takes.
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if getattr(args, "poll", False) and not args.watch:
        args.parser.error("--poll says how --watch learns of changes; give it with --watch")
    # This command owns the process: SIGTERM stops it the way Ctrl-C does, through the same clean-up.
    terminate = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupted)
    try:
        settings = load_settings(args.config).with_overrides(
            seeds=args.seeds,
            out=getattr(args, "out", None),
            base_url=getattr(args, "base_url", None),
            limit=getattr(args, "limit", None),
            archive_size=getattr(args, "archive_size", None),
            cache_dir=getattr(args, "cache_dir", None),
            title=getattr(args, "title", None),
            watch_method="poll" if getattr(args, "poll", False) else None,
            deploy_target=getattr(args, "target", None),
            deploy_endpoint_url=getattr(args, "endpoint_url", None),
        )
        return int(args.command(args, settings))
    except FeedpubError as error:
        print(f"feedpub: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("feedpub: interrupted; the files published before are as they were", file=sys.stderr)
        return 130  # as a shell reports a command ended by Ctrl-C
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, terminate)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedpub",
        description="Publish a folder of news articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds.",
    )
    parser.add_argument("--version", action="version", version=f"feedpub {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build", help="write every feed as static files", description="Write every feed as static files."
    )
    _common_options(build)
    build.add_argument("--out", type=Path, help="folder to write the feeds to (default: feeds/)")
    build.add_argument("--base-url", help="absolute URL the site is served from (default: http://127.0.0.1:5000)")
    build.add_argument("--limit", type=int, help="newest articles per feed (default: 50)")
    build.add_argument("--archive-size", type=int, help="articles per archive page (default: 50)")
    build.add_argument("--title", help="site title, shown in every feed's title")
    build.add_argument("--no-cache", action="store_true", help="parse every file again (a cold build)")
    build.add_argument("--cache-dir", type=Path, help="where parsed articles are cached (default: ~/.cache/feedpub)")
    build.add_argument("--strict", action="store_true", help="exit with status 1 when any article has an error")
    build.add_argument("--quiet", action="store_true", help="print only problems and errors")
    build.add_argument("--watch", action="store_true",
                       help="stay running and publish again whenever article files change (Ctrl-C stops)")
    build.add_argument("--poll", action="store_true",
                       help="with --watch, look for changes every reload_interval seconds instead of using the "
                            "system's change notifications (for network filesystems)")
    build.set_defaults(command=_build, parser=build)

    check = commands.add_parser(
        "check",
        help="list every problem in a seeds folder, without writing anything",
        description="Lint a seeds folder: list every problem as path:line: level: message. "
        "Exit status 1 when any article has an error (or any warning, with --strict).",
    )
    check.add_argument("seeds_folder", nargs="?", type=Path, metavar="SEEDS", help="folder to check (default: seeds/)")
    _common_options(check)
    check.add_argument("--strict", action="store_true", help="exit with status 1 on warnings too")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.set_defaults(command=_check, parser=check)

    serve = commands.add_parser(
        "serve",
        help="serve the feeds over HTTP (for development; see README for production)",
        description="Serve the feeds over HTTP with Flask's development server.",
    )
    _common_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=5000, help="port to listen on, 1 to 65535 (default: 5000)")
    serve.add_argument("--base-url", help="absolute URL used in self links (default: http://HOST:PORT)")
    serve.set_defaults(command=_serve, parser=serve)

    deploy = commands.add_parser(
        "deploy",
        help="upload the built feeds to S3-compatible object storage, only what changed",
        description="Upload the output folder, as the last `feedpub build` left it, to s3://BUCKET[/PREFIX]: "
        "only objects whose bytes changed, archives before the feeds that link to them, the index last, then "
        "delete objects the build no longer writes. Credentials come from the standard AWS chain "
        "(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE). Exit status 1 when an upload failed or "
        "the store cannot be reached (deploy again to finish), 2 for settings to fix.",
    )
    deploy.add_argument("target", nargs="?", metavar="TARGET", help="s3://BUCKET[/PREFIX] (default: the deploy_target setting)")
    deploy.add_argument("--config", type=Path, help="settings file (default: feedpub.toml, if present)")
    deploy.add_argument("--out", type=Path, help="folder to upload (default: feeds/)")
    deploy.add_argument("--endpoint-url", help="URL of an S3-compatible service (default: deploy_endpoint_url, AWS_ENDPOINT_URL or AWS S3)")
    deploy.add_argument("--dry-run", action="store_true", help="print what would be uploaded and deleted; change nothing")
    deploy.add_argument("--max-deletes", type=int, default=DEFAULT_MAX_DELETES, metavar="N",
                        help=f"refuse to deploy when it would delete more than N objects (default: {DEFAULT_MAX_DELETES})")
    deploy.add_argument("--force", action="store_true", help="upload every file, changed or not")
    deploy.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    deploy.add_argument("--quiet", action="store_true", help="print only errors")
    deploy.set_defaults(command=_deploy, parser=deploy, seeds=None)
    return parser


def _port(text: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"a port is a whole number from 1 to 65535, not {text!r}")
    return int(text)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=Path, help="folder of article files (default: seeds/)")
    parser.add_argument("--config", type=Path, help="settings file (default: feedpub.toml, if present)")


class _Said(logging.Handler):
    """Library warnings (an article cache that could not be saved, say) said as the command's own lines:
    ``feedpub: warning: ...`` on whatever standard error is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"feedpub: {record.levelname.lower()}: {record.getMessage()}", file=sys.stderr)


def _say_library_warnings() -> None:
    root = logging.getLogger()
    if not any(isinstance(handler, _Said) for handler in root.handlers):
        root.addHandler(_Said(logging.WARNING))


def _report_problems(build: Site) -> None:
    for problem in build.problems:
        print(problem, file=sys.stderr)
    if build.files == 0:
        extensions = ", ".join(DEFAULT_EXTENSIONS)
        print(f"feedpub: warning: {build.settings.seeds} has no article files ({extensions}); every feed is empty",
              file=sys.stderr)


def _counted(number: int, noun: str) -> str:
    """``1 article``, ``2 articles``: counts read as prose."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _build(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    _say_library_warnings()
    if is_loopback(settings.base_url) and not args.quiet:
        print(f"feedpub: warning: the feeds' links point at {settings.base_url}, this machine; to publish them on "
              "the web, set base_url in feedpub.toml or pass --base-url https://your.site", file=sys.stderr)
    # The processors this process may use (a container may allow fewer than the machine has).
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    on_terminal = not args.quiet and sys.stderr.isatty()
    reading = _ProgressBar(started, "Reading files") if on_terminal else None
    with _long_lived_objects(collect_first=args.watch), _looking_around(settings, workers > 1 and not args.no_cache and not args.watch) as looked:
        cache = None if args.no_cache else ArticleCache(settings.cache_dir, settings.seeds, settings.max_file_size)
        # A watch starts from a full load: it keeps that site in memory from then on.
        resumed = snapshot.resume(settings, cache, looked.outputs) if cache is not None and not args.watch else None
        if resumed is not None:
            # The last build's state is current: read only what changed since, as a watch's round does.
            changed = changes(resumed.site, looked.seeds())
            build = load_site(settings, previous=resumed.site, changed=changed)
            cache.take(changed, build.loaded.by_file)  # type: ignore[union-attr]
            cache.save()  # type: ignore[union-attr]
            written = resumed.written
        else:
            changed = None
            build = load_site(settings, workers=workers, keep_files=True, progress=reading, cache=cache)
            written = Written()
    if reading is not None:
        reading.close()
    _report_problems(build)
    report, ledger_changed = _publish(build, settings, _ProgressBar(started) if on_terminal else None, workers, written)
    # A build from the last state that found nothing changed leaves that state as it found it: still current.
    unchanged = changed == [] and not (report.written or report.removed or ledger_changed)
    if cache is not None and not unchanged:
        snapshot.save(settings, build, cache, written)
    catalog = build.catalog
    if not args.quiet:
        seconds = time.perf_counter() - started
        archives = len(build.feeds()) - 1 - len(catalog.topics) - len(catalog.providers)
        with_archives = f" with {_counted(archives, 'archive')}" if archives else ""
        print(
            f"Read {_counted(build.files, 'file')} from {settings.seeds}: {_counted(len(catalog.articles), 'article')} published, "
            f"{catalog.unpublished:,} unpublished, {build.errors:,} skipped with errors, "
            f"{_counted(build.warnings, 'warning')}."
        )
        print(
            f"Wrote {_counted(len(report.written), 'file')} to {settings.out} "
            f"({len(written.manifest) - len(report.written):,} unchanged, "
            f"{len(report.removed):,} removed): the all-articles feed, {_counted(len(catalog.topics), 'topic feed')} "
            f"and {_counted(len(catalog.providers), 'provider feed')}"
            f"{with_archives}, in RSS, Atom and JSON Feed, "
            f"in {seconds:.2f} s."
        )
    _tell_hub(settings, report.written, args.quiet)
    if build.errors and not args.quiet:
        again = "the watch publishes them once saved" if args.watch else "build again"
        print(f"Articles with errors were skipped; fix the files above and {again}.", file=sys.stderr)
    if args.watch:
        return _watch(build, settings, args.quiet, workers, written)
    _leave_for_exit(build, resumed, cache, written)
    return 1 if args.strict and build.errors else 0


PARALLEL_SCAN_FROM = 1 << 19  # bytes of the last build's state (50 to 80 an article)


class _LookedAt:
    """What another process found in the seeds folder (`scan`) and the output folder
    (`snapshot.look_at_outputs`), asked for when needed; None when nobody looked: look here."""

    def __init__(self, result: Callable[[], tuple[dict[str, StatKey | None], snapshot.OutputsLooked] | None]) -> None:
        self._result = result

    def seeds(self) -> dict[str, StatKey | None] | None:
        found = self._result()
        return None if found is None else found[0]

    def outputs(self) -> snapshot.OutputsLooked | None:
        found = self._result()
        return None if found is None else found[1]


def _look_around(seeds: Path, out: Path) -> tuple[dict[str, StatKey | None], snapshot.OutputsLooked]:
    return scan(seeds), snapshot.look_at_outputs(out)


@contextmanager
def _looking_around(settings: Settings, in_parallel: bool) -> Iterator[_LookedAt]:
    """Look at every article file (`feedpub.ingest.loader.scan`) and every file the last build wrote in
    another process while this one reads the last build's state, when there is such a state. At 100,000
    files the first takes about half a second, the second a fifteenth, and reading the state more than
    both: on two processors, a rebuild pays for neither. Below about 7,000 articles (a state under
    `PARALLEL_SCAN_FROM` bytes) starting a process costs more."""
    try:
        size = snapshot.snapshot_path(settings).stat().st_size
    except OSError:
        size = 0
    if not in_parallel or size < PARALLEL_SCAN_FROM:
        yield _LookedAt(lambda: None)
        return
    from .workers import in_child

    with in_child(_look_around, settings.seeds, settings.out) as result:
        yield _LookedAt(result)


def _publish(
    build: Site, settings: Settings, bar: _ProgressBar | None = None, workers: int = 1, written: Written | None = None
) -> tuple[WriteReport, bool]:
    """Write the site's files, then record the archive pages now published; True when the ledger changed."""
    report = write_site(build, settings.out, bar, workers, written)
    if bar is not None:
        bar.close()
    frozen = build.frozen_ledger()
    if (written is not None and written.feed_files is not None and frozen == build.archives.ledger
            and not build.ledger_problems):
        # A round (or a build resumed from the last one's state) that froze no new page: the file (its key
        # unchanged, or the site would have read it again) already says so; reading, merging and comparing it
        # would cost more than the round. Not when the file was unusable: it is replaced, as its warning says.
        return report, False
    try:
        # Record the archive pages now published, so that they stay put when older articles change.
        return report, save_ledger(settings.seeds, frozen)
    except LedgerError as error:
        print(f"feedpub: warning: {error}. The feeds were written all the same.", file=sys.stderr)
    return report, False


class _RoundsSaid:
    """What a watch says of each round: the new problems, what it wrote, or why it failed (once while the
    same failure lasts: a watch that polls meets it again at every look; see `Round.repeated`)."""

    def __init__(self, settings: Settings, quiet: bool, problems: Iterable[Problem]) -> None:
        self.settings, self.quiet = settings, quiet
        self.seen = set(problems)

    def __call__(self, round_: Round) -> None:
        settings = self.settings
        names = ", ".join(os.path.relpath(path, settings.seeds) for path in round_.changed[:3]) or "the seeds folder"
        names += f" and {len(round_.changed) - 3} more" if len(round_.changed) > 3 else ""
        if round_.error is not None:
            error = round_.error
            why = error if isinstance(error, (FeedpubError, OSError)) else (
                f"{type(error).__name__}: {error} (a bug in feedpub; please report it with the file that changed)")
            if not round_.repeated:
                print(f"feedpub: {names} changed, but publishing failed: {why}; still watching.", file=sys.stderr)
            return
        new = [problem for problem in round_.site.problems if problem not in self.seen]
        for problem in new:
            print(problem, file=sys.stderr)
        gone = len(self.seen - set(round_.site.problems))
        self.seen = set(round_.site.problems)
        report = round_.report
        if not self.quiet and report is not None and (report.written or report.removed or new or gone):
            solved = f"; {_counted(gone, 'problem')} gone" if gone else ""
            print(f"{names} changed: wrote {_counted(len(report.written), 'file')}, removed {len(report.removed):,}, "
                  f"in {round_.seconds:.2f} s ({_counted(len(round_.site.catalog.articles), 'article')} published)"
                  f"{solved}.", flush=True)


def _watch(build: Site, settings: Settings, quiet: bool, workers: int, written: Written) -> int:
    """Publish again after every change to the seeds folder, until interrupted (Ctrl-C or SIGTERM)."""
    from .ingest.notify import FolderMonitor
    from .static.watch import Watch

    def publish(site: Site) -> tuple[WriteReport, bool]:
        try:
            with _long_lived_objects():
                published = _publish(site, settings, None, workers, written)
        except BaseException:
            written.feed_files = None  # not sure what the folder holds now: look at it next time
            raise
        _tell_hub(settings, published[0].written, quiet)
        return published

    monitor = FolderMonitor(settings.seeds, poll=settings.watch_method == "poll", interval=settings.reload_interval or 2.0)
    watch = Watch(build, monitor, publish)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    monitor.start()
    if not quiet:
        how = "the system's change notifications" if monitor.method == "notify" else f"a look every {monitor.interval:g} s"
        print(f"Watching {settings.seeds} for changes ({monitor.method}: {how}); Ctrl-C stops.", flush=True)
    try:
        watch.run(stop, _RoundsSaid(settings, quiet, build.problems))
    except KeyboardInterrupt:
        pass
    return 0


def _tell_hub(settings: Settings, written: list[str], quiet: bool) -> None:
    """Tell the WebSub hub, when there is one, about the subscription feeds among ``written`` paths, within
    ``hub_deadline``; report what did not get there."""
    if not settings.hub_url:
        return
    from .web.websub import changed_feed_urls, publish  # urllib.request is slow to import; most sites have no hub

    notices = publish(settings.hub_url, changed_feed_urls(written, settings.feeds_url), settings.hub_deadline)
    failed = [notice for notice in notices if not notice.ok]
    for notice in failed:
        print(f"WebSub: could not tell {settings.hub_url} that {notice.url} changed: {notice.detail}", file=sys.stderr)
    if failed:
        print(f"feedpub: warning: WebSub: {len(failed)} of {len(notices)} changed feeds were not delivered to "
              f"{settings.hub_url} (hub_deadline: {settings.hub_deadline:g} s); the feeds were written all the same.",
              file=sys.stderr)
    if not quiet:
        print(f"WebSub: told {settings.hub_url} about {len(notices) - len(failed)} changed feeds.")


def _check(args: argparse.Namespace, settings: Settings) -> int:
    if args.seeds_folder is not None:
        if args.seeds is not None and args.seeds != args.seeds_folder:
            args.parser.error(f"two seeds folders given, {args.seeds_folder} and --seeds {args.seeds}; give one")
        settings = settings.with_overrides(seeds=args.seeds_folder)
    build = load_site(settings)
    published = len(build.catalog.articles)
    if args.format == "json":
        summary = {
            "files": build.files,
            "published": published,
            "errors": build.errors,
            "warnings": build.warnings,
            "problems": [
                {"path": p.path, "line": p.line, "level": p.level, "message": p.message} for p in build.problems
            ],
        }
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        for problem in build.problems:
            print(problem)
        none_found = f" (no {', '.join(DEFAULT_EXTENSIONS)} files)" if build.files == 0 else ""
        print(
            f"{_counted(build.files, 'file')} checked in {settings.seeds}{none_found}: "
            f"{_counted(build.errors, 'error')}, {_counted(build.warnings, 'warning')}; "
            f"{_counted(published, 'article')} would be published."
        )
    failed = build.errors > 0 or (args.strict and build.warnings > 0)
    return 1 if failed else 0


class _ProgressBar:
    """A one-line bar on the terminal, shown only once a build has run for a second."""

    def __init__(self, started: float, label: str = "Writing feeds") -> None:
        self.started = started
        self.label = label
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.perf_counter() - self.started < 1.0:
            return
        width = 30
        filled = width * done // total
        print(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr, flush=True)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            print(file=sys.stderr)


def _deploy(args: argparse.Namespace, settings: Settings) -> int:
    from .deploy import DeployError, DeployOptions, deploy, parse_target

    started = time.perf_counter()
    text = args.format == "text"
    bar = _ProgressBar(started, "Uploading") if text and not args.quiet and sys.stderr.isatty() else None
    try:
        if args.max_deletes < 0:
            raise DeployError(f"--max-deletes must be 0 or more, not {args.max_deletes}", status=2)
        options = DeployOptions(
            parse_target(settings.deploy_target), settings.deploy_endpoint_url, args.dry_run, args.max_deletes,
            args.force,
        )
        report = deploy(settings.out, settings, options, progress=bar)
    except DeployError as error:
        print(f"feedpub: {error}", file=sys.stderr)
        if not text:  # a program reading the report gets one JSON object whatever happened
            print(json.dumps({"error": str(error), "status": error.status}, indent=2))
        return error.status
    finally:
        if bar is not None:
            bar.close()
    _print_deploy(report, args, settings, time.perf_counter() - started)
    if not args.dry_run:
        _tell_hub(settings, report.uploaded, args.quiet or not text)
    return 1 if report.failed else 0


def _print_deploy(report: DeployReport, args: argparse.Namespace, settings: Settings, seconds: float) -> None:
    """Failures on standard error; then the JSON report, the dry run's plan, or the summary line."""
    plan, target = report.plan, report.target
    deletes = set(plan.deletes)
    for path, why in report.failed.items():
        action = "delete" if path in deletes else "upload"
        print(f"feedpub: could not {action} {target.key(path)} in {target}: {why}", file=sys.stderr)
    if report.failed:
        print(
            f"feedpub: {len(report.failed)} requests failed and {report.skipped} uploads and deletes that "
            "depend on them were not tried, so no published page links to a missing object; "
            "deploy again to finish",
            file=sys.stderr,
        )
    if args.format == "json":
        print(json.dumps({**report.as_json(), "seconds": round(seconds, 3)}, indent=2))
    elif args.dry_run:
        for upload in plan.uploads:
            print(f"upload {target.key(upload.path)} ({upload.size} bytes)")
        for path in plan.deletes:
            print(f"delete {target.key(path)}")
        print(
            f"Dry run: would upload {len(plan.uploads)} files ({report.bytes} bytes) from {settings.out} to "
            f"{target} and delete {len(plan.deletes)} objects; {plan.unchanged} unchanged. Nothing was changed."
        )
        if len(plan.deletes) > args.max_deletes:
            print(f"feedpub: a real deploy would refuse: more deletes than --max-deletes {args.max_deletes}", file=sys.stderr)
    elif not args.quiet:
        print(
            f"Deployed {settings.out} to {target}: uploaded {len(report.uploaded)} files ({report.bytes} bytes), "
            f"deleted {len(report.deleted)} objects, {plan.unchanged} unchanged, in {seconds:.2f} s."
        )


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from .web import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not sys.stderr.isatty():
        for handler in logging.getLogger().handlers:
            handler.addFilter(_plain_log_lines)  # werkzeug colours its request lines even into a file
    if args.base_url is None and settings.base_url == Settings.base_url:
        settings = settings.with_overrides(base_url=f"http://{args.host}:{args.port}")
    failure = _cannot_listen(args.host, args.port)
    if failure is not None:  # the development server's own report of it names neither host nor flag
        print(f"feedpub: cannot listen on {args.host}:{args.port} ({failure})", file=sys.stderr)
        return 2
    app = create_app(settings)
    try:
        app.run(host=args.host, port=args.port)
    except OSError as error:
        print(f"feedpub: cannot listen on {args.host}:{args.port} ({error.strerror or error}); "
              "choose another --port or --host", file=sys.stderr)
        return 1
    return 0


def _cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host``:``port`` (a name that resolves to nothing, an address of
    another machine, a port in use or not this user's to take), with what to change; None when it can. The
    socket is the one the development server opens (werkzeug's choice of address family)."""
    import errno
    import socket

    from werkzeug.serving import get_sockaddr, select_address_family

    try:
        family = select_address_family(host, port)
        with socket.socket(family, socket.SOCK_STREAM) as trial:
            trial.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
            trial.bind(get_sockaddr(host, port, family))
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or error
        code = getattr(error, "errno", None)
        if code == errno.EADDRINUSE:
            return f"{reason}; choose another --port, or stop the program using it"
        if code in (errno.EACCES, errno.EPERM):
            return f"{reason}; ports below 1024 are the system's: choose --port 1024 or above"
        return f"{reason}; --host must be an address or name of this machine, such as 127.0.0.1 or 0.0.0.0"
    return None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _plain_log_lines(record: logging.LogRecord) -> bool:
    """A logging filter that takes terminal colour codes out of a line bound for a file or a pipe."""
    message = record.getMessage()
    if "\x1b" in message:
        record.msg, record.args = _ANSI.sub("", message), ()
    return True


@contextmanager
def _long_lived_objects(collect_first: bool = True) -> Iterator[None]:
    """Create a site's objects with Python's cycle collector paused, then exempt them from it.

    A site is millions of small objects that live as long as the build and form no reference cycles. The
    collector would scan all of them again each time their number grew by a quarter: at 100,000 articles
    that was most of a rebuild's time. This is the build command's policy for its own process; the
    server, which loads site after site, leaves the collector alone.
    """
    was_enabled = gc.isenabled()
    # Cyclic garbage alive now must not be frozen with the site: a watch freezes again every round. The
    # sites frozen before are not scanned, so this costs what was made since. (A build that ends with its
    # process has no use for the collection.)
    if collect_first:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
