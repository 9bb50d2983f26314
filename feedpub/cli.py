"""The ``feedpub`` command: ``build`` writes the static feeds, ``serve`` serves them over HTTP."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .config import Settings, load_settings
from .errors import FeedpubError
from .site import Site, load_site
from .static.ledger import LedgerError, save_ledger
from .static.writer import WriteReport, Written, write_site


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
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
        )
        return int(args.command(args, settings))
    except FeedpubError as error:
        print(f"feedpub: {error}", file=sys.stderr)
        return 2


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
    build.set_defaults(command=_build)

    check = commands.add_parser(
        "check",
        help="list every problem in a seeds folder, without writing anything",
        description="Lint a seeds folder: list every problem as path:line: level: message. "
        "Exit status 1 when any article has an error (or any warning, with --strict).",
    )
    check.add_argument("seeds_folder", nargs="?", type=Path, metavar="SEEDS", help="folder to check (default: seeds/)")
    check.add_argument("--config", type=Path, help="settings file (default: feedpub.toml, if present)")
    check.add_argument("--strict", action="store_true", help="exit with status 1 on warnings too")
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    check.set_defaults(command=_check, seeds=None)

    serve = commands.add_parser(
        "serve",
        help="serve the feeds over HTTP (for development; see README for production)",
        description="Serve the feeds over HTTP with Flask's development server.",
    )
    _common_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000, help="port to listen on (default: 5000)")
    serve.add_argument("--base-url", help="absolute URL used in self links (default: http://HOST:PORT)")
    serve.set_defaults(command=_serve)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=Path, help="folder of article files (default: seeds/)")
    parser.add_argument("--config", type=Path, help="settings file (default: feedpub.toml, if present)")


def _report_problems(build: Site) -> None:
    for problem in build.problems:
        print(problem, file=sys.stderr)


def _build(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    # The processors this process may use (a container may allow fewer than the machine has).
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    bar = _ProgressBar(started) if not args.quiet and sys.stderr.isatty() else None
    with _long_lived_objects():
        build = load_site(settings, use_cache=not args.no_cache, workers=workers, keep_files=args.watch,
                          progress=bar and bar.reading)
    _report_problems(build)
    written = Written() if args.watch else None
    report, _ = _publish(build, settings, bar, workers, written)
    catalog = build.catalog
    if not args.quiet:
        seconds = time.perf_counter() - started
        print(
            f"Read {build.files} files from {settings.seeds}: {len(catalog.articles)} articles published, "
            f"{catalog.unpublished} unpublished, {build.errors} skipped with errors, {build.warnings} warnings."
        )
        print(
            f"Wrote {len(report.written)} files to {settings.out} ({len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed): the all-articles feed, {len(catalog.topics)} topic feeds and "
            f"{len(catalog.providers)} provider feeds with their archives, in RSS, Atom and JSON Feed, "
            f"in {seconds:.2f} s."
        )
    _notify_hub(settings, report, args.quiet)
    if build.errors and not args.quiet:
        print("Articles with errors were skipped; fix the files above and build again.", file=sys.stderr)
    if written is not None:
        return _watch(build, settings, args.quiet, workers, written)
    return 1 if args.strict and build.errors else 0


def _publish(
    build: Site, settings: Settings, bar: _ProgressBar | None = None, workers: int = 1, written: Written | None = None
) -> tuple[WriteReport, bool]:
    """Write the site's files, then record the archive pages now published; True when the ledger changed."""
    report = write_site(build, settings.out, bar, workers, written)
    if bar is not None:
        bar.close()
    frozen = build.frozen_ledger()
    if written is not None and written.feed_files is not None and frozen == build.archives.ledger:
        # A watch's round that froze no new page: the file (its key unchanged, or the site would have read
        # it again) already says so; reading, merging and comparing it would cost more than the round.
        return report, False
    try:
        # Record the archive pages now published, so that they stay put when older articles change.
        return report, save_ledger(settings.seeds, frozen)
    except LedgerError as error:
        print(f"feedpub: warning: {error}. The feeds were written all the same.", file=sys.stderr)
    return report, False


def _notify_hub(settings: Settings, report: WriteReport, quiet: bool) -> None:
    if settings.hub_url:
        from .web.websub import changed_feed_urls, publish  # urllib.request is slow to import; most sites have no hub

        notices = publish(settings.hub_url, changed_feed_urls(report.written, settings.feeds_url))
        failed = [notice for notice in notices if not notice.ok]
        for notice in failed:
            print(f"WebSub: could not tell {settings.hub_url} that {notice.url} changed: {notice.detail}", file=sys.stderr)
        if not quiet:
            print(f"WebSub: told {settings.hub_url} about {len(notices) - len(failed)} changed feeds.")


def _watch(build: Site, settings: Settings, quiet: bool, workers: int, written: Written) -> int:
    """Publish again after every change to the seeds folder, until interrupted (Ctrl-C or SIGTERM)."""
    from .ingest.notify import FolderMonitor
    from .static.watch import Round, Watch

    def publish(site: Site) -> tuple[WriteReport, bool]:
        try:
            with _long_lived_objects():
                published = _publish(site, settings, None, workers, written)
        except BaseException:
            written.feed_files = None  # not sure what the folder holds now: look at it next time
            raise
        _notify_hub(settings, published[0], quiet)
        return published

    seen = set(build.problems)

    def on_round(round_: Round) -> None:
        nonlocal seen
        names = ", ".join(os.path.relpath(path, settings.seeds) for path in round_.changed[:3])
        names += f" and {len(round_.changed) - 3} more" if len(round_.changed) > 3 else ""
        if round_.error is not None:
            print(f"feedpub: {names} changed, but publishing failed: {round_.error}; still watching.", file=sys.stderr)
            return
        new = [problem for problem in round_.site.problems if problem not in seen]
        for problem in new:
            print(problem, file=sys.stderr)
        seen = set(round_.site.problems)
        report = round_.report
        if not quiet and report is not None and (report.written or report.removed or new):
            print(f"{names} changed: wrote {len(report.written)} files, removed {len(report.removed)}, "
                  f"in {round_.seconds:.2f} s ({len(round_.site.catalog.articles)} articles published).", flush=True)

    monitor = FolderMonitor(settings.seeds, poll=settings.watch_method == "poll", interval=settings.reload_interval or 2.0)
    watch = Watch(build, monitor, publish)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    monitor.start()
    if not quiet:
        how = "the system's change notifications" if monitor.method == "notify" else f"a look every {monitor.interval:g} s"
        print(f"Watching {settings.seeds} for changes ({monitor.method}: {how}); Ctrl-C stops.", flush=True)
    try:
        watch.run(stop, on_round)
    except KeyboardInterrupt:
        pass
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    if args.seeds_folder is not None:
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
        print(
            f"{build.files} files checked in {settings.seeds}: {build.errors} errors, {build.warnings} warnings; "
            f"{published} articles would be published."
        )
    failed = build.errors > 0 or (args.strict and build.warnings > 0)
    return 1 if failed else 0


class _ProgressBar:
    """A one-line bar on the terminal for reading, then writing, shown only once a build has run for a second."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.shown = False

    def reading(self, done: int, total: int) -> None:
        self._show("Reading files", done, total)
        if done == total and self.shown:
            print(file=sys.stderr)
            self.shown = False

    def __call__(self, done: int, total: int) -> None:
        self._show("Writing feeds", done, total)

    def _show(self, label: str, done: int, total: int) -> None:
        if time.perf_counter() - self.started < 1.0 or not total:
            return
        width = 30
        filled = width * done // total
        print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr, flush=True)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            print(file=sys.stderr)
            self.shown = False


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from .web import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.base_url is None and settings.base_url == Settings.base_url:
        settings = settings.with_overrides(base_url=f"http://{args.host}:{args.port}")
    app = create_app(settings)
    app.run(host=args.host, port=args.port)
    return 0


@contextmanager
def _long_lived_objects() -> Iterator[None]:
    """Create a site's objects with Python's cycle collector paused, then exempt them from it.

    A site is millions of small objects that live as long as the build and form no reference cycles. The
    collector would scan all of them again each time their number grew by a quarter: at 100,000 articles
    that was most of a rebuild's time. This is the build command's policy for its own process; the
    server, which loads site after site, leaves the collector alone.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
