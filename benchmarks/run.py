"""Time `feedpub build` (and Hugo on the same articles, when it is installed) at several sizes.

    python benchmarks/run.py --sizes 1000,10000 [--seed 1] [--repeat 1] [--seeds-template DIR]

For each size it generates (or reuses) a folder of synthetic articles with generate.py, then runs the real
command line, ``feedpub build --seeds DIR --out DIR --quiet``, as a fresh process for each of:

- cold:   into a new, empty output folder (with ``--no-cache`` when ``feedpub build --help`` offers it),
          a minute after the last run or clean-up that may have deleted files (see `SETTLE_SECONDS`);
- warm:   the same again into that folder, nothing changed;
- edit 1: after changing the title of one (the newest published) article;
- add 1:  after adding one new, newest article.

Each run reports wall time, the child's peak resident memory (its own ``ru_maxrss`` from ``os.wait4``, so
runs never mix), for cold builds the peak of the build and its workers together (sampled), and articles
(files read) per second. The seeds folder is restored afterwards.

If ``hugo`` is on PATH, the same articles are also built as a minimal Hugo site (a ``topics`` taxonomy;
RSS, Atom and JSON Feed output for the home page and every topic term, 50 entries each; no page HTML) and
timed the same way, and the ratio feedpub/Hugo is printed.
"""

from __future__ import annotations

import argparse
import os
import socket
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (benchmarks/generate.py, standard library only)

SCENARIOS = ("cold", "warm", "edit 1", "add 1", "watch edit", "served edit")
# The targets of issue 14, printed beside the figures: a bound on feedpub's time per (scenario, size), or on
# its ratio to Hugo's ("x Hugo"). Sizes not named use the bound of the largest size below them.
TARGETS: dict[str, dict[int, tuple[float, str]]] = {
    "cold": {0: (0.5, "x Hugo")},
    "edit 1": {0: (0.3, "s"), 100_000: (1.5, "s")},
    "add 1": {0: (0.3, "s"), 100_000: (1.5, "s")},
    "watch edit": {0: (0.5, "s")},
    "served edit": {0: (0.5, "s")},
}
# And one on memory: a cold build's peak, the build and its workers together, at 100,000 articles (MiB).
MEMORY_TARGETS: dict[str, dict[int, int]] = {"cold": {100_000: 1024}}
WATCH_EDITS = 3  # edits timed in one watch; the median is shown


@dataclass
class Result:
    tool: str
    size: int
    scenario: str
    seconds: float
    max_rss_kib: int
    status: int
    tree_kib: int = 0  # peak PSS of the process and its workers together (0: not measured)
    ratio: float | None = None  # in a summary: the median over the repeats of feedpub's time / Hugo's

    @property
    def rate(self) -> float:
        return self.size / self.seconds if self.seconds else float("nan")


def measure(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, reads: tuple[Path, ...] = (),
    sample: bool = True, settle: bool = False,
) -> tuple[float, int, int, int]:
    """Run ``command`` once, with the files under ``reads`` (what it reads) in the page cache; returns (wall
    seconds, peak RSS of that child in KiB, exit status, peak PSS of the child and its worker processes
    together in KiB, 0 where /proc cannot tell or without ``sample``).

    Sampling the PSS reads every process's ``smaps_rollup`` every 50 ms, which costs the run it measures
    (an edit at 100,000 articles took 1.06 times as long, pair by pair): it is asked for only where a memory
    target is (`MEMORY_TARGETS`), and the other runs are timed as they are.

    ``os.wait4`` returns the resource usage of exactly this child (and what it waited for), unlike
    ``getrusage(RUSAGE_CHILDREN)``, which is a maximum over every child so far.
    """
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(command) + "\n").encode())
        out.flush()
        if settle:
            settle_inodes()
        warm_page_cache(*reads)
        quiet_disk()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
        if sample:
            with TreeMemory(process.pid) as tree:
                _, status, usage = os.wait4(process.pid, 0)
            peak = tree.peak_kib
        else:
            _, status, usage = os.wait4(process.pid, 0)
            peak = 0
        seconds = time.perf_counter() - started
    files_changed()
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss, process.returncode, peak


# On ext4 without a journal (as on this virtual machine) the inode allocator passes over every inode freed
# lately (the kernel's ``recently_deleted``, seen in `perf` under ``ext4_create``: 60 s after the deletion,
# or 360 s while the block holding that inode is being written, as a build creating files there makes it),
# and each file created pays for each such inode of its group. A cold build creates 3,260 files at 10,000
# articles where Hugo creates 124: it took 2.2 s a minute after the runs before it and 3.8 s 2.5 minutes
# after 30,000 files were deleted. Rebuilds free an inode for each file they replace, so each cold build (of
# either tool) starts at least a minute after the last run or clean-up of the benchmark; deleting thousands
# of files just before starting the benchmark still costs its first cold build. A file system with a
# journal, ext4's default, makes no such check.
SETTLE_SECONDS = 61
_last_change = time.monotonic()  # the benchmark's own set-up may have deleted files


def files_changed() -> None:
    """Note that files may have been deleted or replaced just now (see `settle_inodes`)."""
    global _last_change
    _last_change = time.monotonic()


def settle_inodes() -> None:
    """Wait until no inode was freed by the benchmark in the last `SETTLE_SECONDS`."""
    remaining = _last_change + SETTLE_SECONDS - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


def quiet_disk() -> None:
    """Let the disk finish writing what earlier steps left (generated articles, the last build's files,
    a removed output folder) before a timed run: on this virtual machine, creating a file while the disk
    is still writing back costs up to 0.8 ms instead of 0.02, so a run would pay for the ones before it."""
    os.sync()


def warm_page_cache(*folders: Path) -> None:
    """Read every file under ``folders``, so that a timed run finds them in memory as the tool timed before it
    did. This virtual machine pages out what no process touched for about a minute (its kernel runs DAMON's
    "pageout" on physical memory): without this, whichever tool read the seeds first, or ran after the
    other's minute-long build, paid for reading its files from disk.
    """
    buffer = bytearray(1 << 20)

    def read(path: str) -> None:
        try:
            with open(path, "rb", buffering=0) as handle:
                while handle.readinto(buffer):
                    pass
        except OSError:
            pass

    for folder in folders:
        if folder.is_file():
            read(str(folder))
        for root, _, names in os.walk(folder):
            for name in names:
                read(os.path.join(root, name))


class TreeMemory:
    """The peak memory of a process and all its descendants together, sampled every 50 ms from /proc.

    It adds proportional set sizes (PSS, from ``smaps_rollup``): forked workers share most of their pages
    with the parent, so adding resident set sizes would count those pages once per process. Sampling can
    miss a peak shorter than the interval, so this is a lower bound; it is 0 where /proc does not tell.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in _tree(self.pid)))
            self._stop.wait(self.interval)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from each thread's ``children`` list in /proc)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as listing:
                    pending.extend(int(child) for child in listing.read().split())
        except OSError:
            continue
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def feedpub_command(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    beside = Path(sys.executable).with_name("feedpub")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("feedpub")
    return [found] if found else [sys.executable, "-m", "feedpub"]


def feedpub_code(feedpub: list[str], env: dict[str, str]) -> tuple[Path, ...]:
    """The folders feedpub's code is read from: its Python's standard library and installed packages, and
    feedpub's own package (a checkout, for an editable install). `warm_page_cache` reads them before each
    timed run, as it reads the seeds: here, a minute of Hugo's build was enough for them to be paged out."""
    # ``python -m feedpub``, or a ``feedpub`` script beside the Python of its environment
    beside = Path(feedpub[0]).with_name("python")
    python = feedpub[0] if len(feedpub) > 1 else str(beside) if beside.exists() else sys.executable
    probe = ("import sys, sysconfig, os, feedpub; print(sysconfig.get_path('stdlib')); "
             "print(sysconfig.get_path('purelib')); print(os.path.dirname(feedpub.__file__)); "
             "print(os.path.realpath(sys.executable)); "
             "print(os.path.join(sysconfig.get_config_var('LIBDIR') or '', sysconfig.get_config_var('LDLIBRARY') or ''))")
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=env).stdout.split("\n")
    return tuple(Path(line) for line in found if line)


def build_options(feedpub: list[str], env: dict[str, str]) -> set[str]:
    """The cache options ``feedpub build --help`` offers (``--no-cache``, ``--cache-dir``), if any."""
    text = subprocess.run(feedpub + ["build", "--help"], capture_output=True, text=True, env=env).stdout
    return {option for option in ("--no-cache", "--cache-dir", "--watch") if option in text}


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def clean_env() -> dict[str, str]:
    """The environment without FEEDPUB_* settings, so only the flags we pass count, and without
    PYTHONDONTWRITEBYTECODE: an installed feedpub runs from compiled bytecode, and compiling its sources
    again in every run would add about 0.25 s to each (the first run writes the bytecode)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FEEDPUB_") and k != "PYTHONDONTWRITEBYTECODE"}


# --- changing the seeds ------------------------------------------------------------------------------


def newest_published(seeds: Path) -> Path:
    """The newest published article (file names start with the date), the one whose edit shows in feeds."""
    for name in sorted((n for n in os.listdir(seeds) if n.endswith(".md")), reverse=True)[:200]:
        path = seeds / name
        if "\npublished: false\n" not in path.read_text(encoding="utf-8"):
            return path
    raise SystemExit(f"no published article among the newest files of {seeds}")


def write_in_place(path: Path, text: str) -> None:
    """Overwrite ``path`` keeping its inode, so hard links (the Hugo content copy) see the change too."""
    with open(path, "r+", encoding="utf-8") as handle:
        handle.seek(0)
        handle.write(text)
        handle.truncate()


def edited(text: str, mark: str = "Benchmark edit") -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("title: "):
            lines[index] = f'title: "{mark}: ' + line[len('title: "'):]
            return "\n".join(lines)
    raise SystemExit("the article to edit has no title line")


def watch_edits(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, target: Path, original: str, feed: Path
) -> tuple[list[float], int, int]:
    """Start ``feedpub build --watch``, wait until it watches, then edit ``target`` WATCH_EDITS times, timing
    each from the write to the moment ``feed`` holds the new title (looked at every 2 ms, for at most 30 s).
    Returns the times, the watch's peak RSS in KiB and its exit status (stopped with SIGTERM)."""
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(command) + "\n").encode())
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, text=True)
    times: list[float] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:  # the initial build's report, then "Watching ..."
            with open(log, "a") as out:
                out.write(line)
            if line.startswith("Watching"):
                break
        else:
            raise RuntimeError("the watch ended before watching")
        time.sleep(2.0)  # let the first look after the start settle
        times = timed_edits(target, original, "Watch edit", lambda: _read(feed), str(feed))
    finally:
        process.terminate()
        _, status, usage = os.wait4(process.pid, 0)
        rest = process.stdout.read() if process.stdout else ""
        with open(log, "a") as out:
            out.write(rest)
    files_changed()
    code = os.waitstatus_to_exitcode(status)
    return times, usage.ru_maxrss, code if code != -15 else 0


def served_edits(
    command: list[str], cwd: Path, env: dict[str, str], log: Path, target: Path, original: str, port: int
) -> tuple[list[float], int, int]:
    """Start ``feedpub serve`` on ``port``, wait (at most 30 minutes) until it serves ``/feeds/all.atom``,
    then edit ``target`` WATCH_EDITS times, timing each from the write to the first response holding the new
    title (asked for every 2 ms, for at most 30 s). Returns the times, the server's peak RSS in KiB and its
    exit status (stopped with SIGTERM)."""
    url = f"http://127.0.0.1:{port}/feeds/all.atom"
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(command) + "\n").encode())
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL)
    times: list[float] = []
    try:
        started = time.perf_counter()
        while _get(url) is None:
            if process.poll() is not None or time.perf_counter() - started > 1800:
                raise RuntimeError(f"the server did not serve {url}")
            time.sleep(0.2)
        time.sleep(2.0)  # let the reloader settle after the start
        times = timed_edits(target, original, "Served edit", lambda: _get(url) or b"", url)
    finally:
        process.terminate()
        _, status, usage = os.wait4(process.pid, 0)
    files_changed()
    code = os.waitstatus_to_exitcode(status)
    return times, usage.ru_maxrss, code if code != -15 else 0


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except (urllib.error.URLError, OSError):
        return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed_edits(target: Path, original: str, label: str, look: Callable[[], bytes], where: str) -> list[float]:
    """Edit the title of ``target`` WATCH_EDITS times, timing each from the write to the moment ``look()``
    holds the new title (looked at every 2 ms, for at most 30 s)."""
    times: list[float] = []
    for number in range(1, WATCH_EDITS + 1):
        mark = f"{label} {number}"
        quiet_disk()
        started = time.perf_counter()
        write_in_place(target, edited(original, mark))
        while mark.encode() not in look():
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"the edit did not show in {where} within 30 s")
            time.sleep(0.002)
        times.append(time.perf_counter() - started)
        time.sleep(0.5)
    return times


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def added(template: str) -> str:
    """A new article, newer than every generated one, from the text of an existing one."""
    out = []
    for line in template.split("\n"):
        if line.startswith("title: "):
            line = 'title: "Benchmark: one article added after the build"'
        elif line.startswith("webUrl: "):
            line = 'webUrl: "https://bench.example.org/2022/01/01/one-article-added/"'
        elif line.startswith("publishedDateTime: "):
            line = "publishedDateTime: 2022-01-01T12:00:00Z"
        elif line.startswith("updatedDateTime: "):
            continue
        out.append(line)
    return "\n".join(out)


ADDED_NAME = "2022-01-01-benchmark-one-article-added.md"
# feedpub's archive ledger: state kept beside the articles. Each cold build starts without it (a site never
# built before), and the run leaves it as it found it.
LEDGER = ".feedpub-archives.json"


# --- Hugo ---------------------------------------------------------------------------------------------

HUGO_CONFIG = """\
baseURL = "http://127.0.0.1:5000/feeds/"
title = "feedpub"
languageCode = "en"
disableKinds = ["section", "taxonomy", "sitemap", "robotsTXT", "404"]
enableGitInfo = false
ignoreErrors = ["error-disable-taxonomy"]

[taxonomies]
  topic = "topics"

[frontmatter]
  date = ["publishedDateTime", ":default"]
  lastmod = ["updatedDateTime", "publishedDateTime", ":default"]

[[cascade]]
  [cascade._build]
    render = "never"
    list = "always"
  [cascade._target]
    kind = "page"

[mediaTypes."application/atom+xml"]
  suffixes = ["atom"]
[mediaTypes."application/feed+json"]
  suffixes = ["json"]

[outputFormats.Atom]
  mediaType = "application/atom+xml"
  baseName = "index"
  isPlainText = false
  rel = "alternate"
[outputFormats.JSONFeed]
  mediaType = "application/feed+json"
  baseName = "index"
  isPlainText = true

[outputs]
  home = ["HTML", "RSS", "Atom", "JSONFeed"]
  term = ["RSS", "Atom", "JSONFeed"]
"""

# The home page lists every article, a term page its own; both newest first (Hugo's default order).
_ENTRIES = '{{ $pages := first 50 (cond .IsHome .Site.RegularPages .Pages) }}'
_XML = '{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}\n'
HUGO_LAYOUTS = {
    "index.html": """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Site.Title }}</title></head><body>
<ul>{{ range .Site.Taxonomies.topics.ByCount }}<li><a href="{{ .Page.RelPermalink }}index.xml">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}</ul>
</body></html>
""",
    "_default/list.rss.xml": _ENTRIES + _XML + """<rss version="2.0"><channel><title>{{ .Site.Title }}{{ if not .IsHome }}: {{ .Title }}{{ end }}</title><link>{{ .Permalink }}</link>
<description>{{ .Site.Title }}</description>{{ with $pages }}<lastBuildDate>{{ (index . 0).Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</lastBuildDate>{{ end }}
{{ range $pages }}<item><title>{{ .Title }}</title><link>{{ .Params.weburl }}</link><guid isPermaLink="true">{{ .Params.weburl }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate><description>{{ .Params.excerpt }}</description>{{ range .Params.topics }}<category>{{ . }}</category>{{ end }}</item>
{{ end }}</channel></rss>
""",
    "_default/list.atom.atom": _ENTRIES + _XML + """<feed xmlns="http://www.w3.org/2005/Atom"><title>{{ .Site.Title }}{{ if not .IsHome }}: {{ .Title }}{{ end }}</title><id>{{ .Permalink }}</id>
{{ with $pages }}<updated>{{ (index . 0).Lastmod.Format "2006-01-02T15:04:05Z07:00" }}</updated>{{ end }}
{{ range $pages }}<entry><title>{{ .Title }}</title><id>{{ .Params.weburl }}</id><link href="{{ .Params.weburl }}"/><published>{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}</published><updated>{{ .Lastmod.Format "2006-01-02T15:04:05Z07:00" }}</updated><summary>{{ .Params.excerpt }}</summary>{{ with .Params.provider }}<author><name>{{ .name }}</name></author>{{ end }}{{ range .Params.topics }}<category term="{{ . }}"/>{{ end }}</entry>
{{ end }}</feed>
""",
    "_default/list.jsonfeed.json": _ENTRIES + """{{ $items := slice }}{{ range $pages }}{{ $items = $items | append (dict "id" .Params.weburl "url" .Params.weburl "title" .Title "summary" .Params.excerpt "date_published" (.Date.Format "2006-01-02T15:04:05Z07:00") "tags" .Params.topics) }}{{ end }}{{ dict "version" "https://jsonfeed.org/version/1.1" "title" .Site.Title "items" $items | jsonify }}
""",
}


def make_hugo_site(site: Path, seeds: Path) -> None:
    """A Hugo site whose content is hard links to the seed files (copies if links are not possible)."""
    if site.exists():
        shutil.rmtree(site)
    content = site / "content" / "articles"
    content.mkdir(parents=True)
    (site / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for relative, text in HUGO_LAYOUTS.items():
        path = site / "layouts" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for entry in os.scandir(seeds):
        if entry.name.endswith(".md"):
            try:
                os.link(entry.path, content / entry.name)
            except OSError:
                shutil.copyfile(entry.path, content / entry.name)


# --- one size -----------------------------------------------------------------------------------------


def run_size(size: int, args: argparse.Namespace, work: Path, hugo: str | None) -> list[Result]:
    seeds = Path(args.seeds_template.format(n=size, label=label(size)))
    generate.ensure(seeds, size, args.seed)
    env = clean_env()
    feedpub = feedpub_command(args.feedpub)
    options = build_options(feedpub, env)
    code = feedpub_code(feedpub, env)
    no_cache = "--no-cache" in options
    log = work / f"log-{label(size)}.txt"
    print(f"[{label(size)}] seeds {seeds}; log {log}; cold builds {'with' if no_cache else 'without'} --no-cache",
          file=sys.stderr)
    # A cache of our own in the work folder: runs never share it, and the user's cache is left alone.
    cache_options = ["--cache-dir", str(work / f"cache-{label(size)}")] if "--cache-dir" in options else []

    hugo_site = work / f"hugo-{label(size)}"
    if hugo:
        make_hugo_site(hugo_site, seeds)
        files_changed()

    target = newest_published(seeds)
    original = target.read_text(encoding="utf-8")
    added_path = seeds / ADDED_NAME
    hugo_added = hugo_site / "content" / "articles" / ADDED_NAME
    ledger = seeds / LEDGER
    ledger_before = ledger.read_bytes() if ledger.exists() else None

    results: list[Result] = []
    output_files: dict[str, int] = {}

    def feedpub_run(scenario: str, out: Path, cold: bool) -> None:
        command = feedpub + ["build", "--seeds", str(seeds), "--out", str(out), "--quiet"] + cache_options
        if cold and no_cache:
            command.append("--no-cache")
        reads = (seeds, out, *(Path(option) for option in cache_options[1:]), *code)
        seconds, rss, status, tree = measure(command, work, env, log, reads, sample=scenario in MEMORY_TARGETS,
                                             settle=cold)
        results.append(Result("feedpub", size, scenario, seconds, rss, status, tree))
        together = f", with workers {tree / 1024:.0f} MiB" if tree else ""
        print(f"[{label(size)}] feedpub {scenario}: {seconds:.2f} s, {rss / 1024:.0f} MiB{together}, exit {status}",
              file=sys.stderr)

    def watch_run(out: Path) -> None:
        """Time edits seen by ``feedpub build --watch``: from the file written to the feed holding the edit."""
        command = feedpub + ["build", "--seeds", str(seeds), "--out", str(out), "--watch"] + cache_options
        if "--watch" not in options:  # a feedpub from before --watch
            return
        times, rss, status = watch_edits(command, work, env, log, target, original, out / "all.atom")
        for seconds in times:
            results.append(Result("feedpub", size, "watch edit", seconds, rss, status))
        shown = ", ".join(f"{seconds:.3f}" for seconds in times)
        print(f"[{label(size)}] feedpub watch edit: {shown} s, {rss / 1024:.0f} MiB, exit {status}", file=sys.stderr)

    def serve_run() -> None:
        """Time edits served by ``feedpub serve`` (its reloader): from the file written to the feed served."""
        if "--cache-dir" not in options:  # a feedpub from before the server reloaded by itself
            return
        port = free_port()
        command = feedpub + ["serve", "--seeds", str(seeds), "--port", str(port)]
        served_env = {**env, "FEEDPUB_CACHE_DIR": str(work / f"cache-{label(size)}")}
        times, rss, status = served_edits(command, work, served_env, log, target, original, port)
        for seconds in times:
            results.append(Result("feedpub", size, "served edit", seconds, rss, status))
        shown = ", ".join(f"{seconds:.3f}" for seconds in times)
        print(f"[{label(size)}] feedpub served edit: {shown} s, {rss / 1024:.0f} MiB, exit {status}", file=sys.stderr)

    def hugo_run(scenario: str, dest: Path) -> None:
        command = [hugo, "--quiet", "--source", str(hugo_site), "--destination", str(dest),
                   "--cacheDir", str(work / "hugo-cache")]
        reads = (seeds, hugo_site, dest, work / "hugo-cache", Path(hugo))
        seconds, rss, status, tree = measure(command, work, env, log, reads, sample=scenario in MEMORY_TARGETS,
                                             settle=scenario == "cold")
        results.append(Result("hugo", size, scenario, seconds, rss, status, tree))
        print(f"[{label(size)}] hugo {scenario}: {seconds:.2f} s, {rss / 1024:.0f} MiB, exit {status}",
              file=sys.stderr)

    def both(scenario: str, out: Path, dest: Path, cold: bool = False) -> None:
        """feedpub, then Hugo right after it: each pair sees the machine in the same state, so the ratio
        of a pair holds even when the machine's speed drifts during the run."""
        feedpub_run(scenario, out, cold=cold)
        if hugo:
            hugo_run(scenario, dest)

    try:
        for repeat in range(args.repeat):
            out = work / f"out-{label(size)}-{repeat}"
            dest = work / f"hugo-public-{label(size)}-{repeat}"
            for folder in (out, dest):
                if folder.exists():
                    shutil.rmtree(folder)
                    files_changed()
            ledger.unlink(missing_ok=True)
            both("cold", out, dest, cold=True)
            output_files["feedpub"] = count_files(out)
            if hugo:
                output_files["hugo"] = count_files(dest)
            both("warm", out, dest)
            write_in_place(target, edited(original))  # Hugo's content file is a hard link (or see below)
            if hugo and not os.path.samefile(target, hugo_site / "content" / "articles" / target.name):
                (hugo_site / "content" / "articles" / target.name).write_text(edited(original), "utf-8")
            both("edit 1", out, dest)
            added_path.write_text(added(original), encoding="utf-8")
            if hugo:
                hugo_added.write_text(added(original), encoding="utf-8")
            both("add 1", out, dest)
            watch_run(out)
            serve_run()
            write_in_place(target, original)
            added_path.unlink()
            hugo_added.unlink(missing_ok=True)
            files_changed()
            # Removed only when every run is done: on ext4 without a journal (as here), creating files soon
            # after deleting thousands steps over each recently deleted inode, and the next cold build (of
            # 3,000 files at 10,000 articles against Hugo's 124) would pay for this one's clean-up.
            SPENT.extend((out, dest))
    finally:
        # Leave the seeds exactly as generated, whatever happened.
        if target.read_text(encoding="utf-8") != original:
            write_in_place(target, original)
        added_path.unlink(missing_ok=True)
        if ledger_before is None:
            ledger.unlink(missing_ok=True)
        else:
            ledger.write_bytes(ledger_before)
        if not args.keep:
            shutil.rmtree(hugo_site, ignore_errors=True)
    OUTPUT_FILES[size] = output_files
    return results


OUTPUT_FILES: dict[int, dict[str, int]] = {}
SPENT: list[Path] = []  # output folders of finished runs, removed at the end


def count_files(folder: Path) -> int:
    return sum(len([f for f in files if not f.startswith(".")]) for _, _, files in os.walk(folder))


def describe_feedpub() -> str:
    """The feedpub version measured: the repository's commit, and whether its work tree had changes."""
    try:
        commit = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "feedpub"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "feedpub (no git)"
    return f"feedpub at {commit or '?'}{' with uncommitted changes in feedpub/' if dirty else ''}"


# --- report -------------------------------------------------------------------------------------------


def summarise(results: list[Result]) -> dict[tuple[str, int, str], Result]:
    """Median time and largest peak memory per (tool, size, scenario) over the repeats; for feedpub, the
    median of its time over Hugo's in each pair (the runs were made one right after the other)."""
    groups: dict[tuple[str, int, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.tool, result.size, result.scenario), []).append(result)
    summary = {}
    for key, runs in groups.items():
        theirs = groups.get(("hugo", key[1], key[2]), []) if key[0] == "feedpub" else []
        ratios = [mine.seconds / other.seconds for mine, other in zip(runs, theirs)
                  if not mine.status and not other.status and other.seconds]
        summary[key] = Result(key[0], key[1], key[2], statistics.median(r.seconds for r in runs),
                              max(r.max_rss_kib for r in runs), max((r.status for r in runs), key=abs),
                              max(r.tree_kib for r in runs), statistics.median(ratios) if ratios else None)
    return summary


def target(scenario: str, size: int) -> tuple[float, str] | None:
    bounds = TARGETS.get(scenario, {})
    fitting = [at for at in bounds if at <= size]
    return bounds[max(fitting)] if fitting else None


def verdict(mine: Result, theirs: Result | None) -> str:
    """The targets for this build and whether each was met, as two table cells."""
    goals, verdicts = [], []
    goal = target(mine.scenario, mine.size)
    if goal is not None:
        bound, unit = goal
        if unit == "s":
            goals.append(f"< {bound:g} s")
            verdicts.append("met" if mine.seconds < bound else "missed")
        else:
            goals.append(f"≤ {bound:g}× Hugo")
            unknown = theirs is None or mine.status or theirs.status
            verdicts.append("–" if unknown or mine.ratio is None else "met" if mine.ratio <= bound else "missed")
    memory = [mib for at, mib in MEMORY_TARGETS.get(mine.scenario, {}).items() if at <= mine.size]
    if memory:
        goals.append(f"with workers < {memory[-1]:,} MiB")
        verdicts.append("–" if not mine.tree_kib else "met" if mine.tree_kib / 1024 < memory[-1] else "missed")
    if not goals:
        return " – | – |"
    return f" {'; '.join(goals)} | {'; '.join(verdicts)} |"


def table(summary: dict[tuple[str, int, str], Result], sizes: list[int], with_hugo: bool) -> str:
    header = ("| articles | build | feedpub wall s | feedpub peak RSS MiB | with workers, PSS MiB |"
              " feedpub articles/s |")
    rule = "|---:|---|---:|---:|---:|---:|"
    if with_hugo:
        header += " Hugo wall s | Hugo peak RSS MiB | feedpub/Hugo time |"
        rule += "---:|---:|---:|"
    header += " target | |"
    rule += "---|---|"
    rows = [header, rule]
    for size in sizes:
        for scenario in SCENARIOS:
            mine = summary.get(("feedpub", size, scenario))
            if mine is None:
                continue
            flag = "" if mine.status == 0 else f" (exit {mine.status})"
            together = f"{mine.tree_kib / 1024:.0f}" if mine.tree_kib else "–"
            row = (f"| {size:,} | {scenario} | {mine.seconds:.2f}{flag} | {mine.max_rss_kib / 1024:.0f} | "
                   f"{together} | {mine.rate:,.0f} |")
            theirs = summary.get(("hugo", size, scenario))
            if with_hugo:
                if theirs is None:
                    row += " – | – | – |"
                else:
                    hflag = "" if theirs.status == 0 else f" (exit {theirs.status})"
                    ratio = f"{mine.ratio:.2f}" if mine.ratio is not None else "–"
                    row += f" {theirs.seconds:.2f}{hflag} | {theirs.max_rss_kib / 1024:.0f} | {ratio} |"
            rows.append(row + verdict(mine, theirs))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts (default: 1000,10000)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each build; the median is shown")
    parser.add_argument(
        "--seeds-template", default=str(Path(tempfile.gettempdir()) / "feedpub-bench" / "seeds-{label}"),
        help="article folder per size; {n} is the count, {label} e.g. 10k (default: %(default)s); "
             "generated when missing, reused when generate.py made it with the same count and seed",
    )
    parser.add_argument("--work", type=Path, help="folder for outputs and logs (default: a new temporary folder)")
    parser.add_argument("--feedpub", help="the feedpub executable (default: the one beside this Python)")
    parser.add_argument("--no-hugo", action="store_true", help="do not compare with Hugo even if it is installed")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (outputs, logs, Hugo site)")
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    hugo = None if args.no_hugo else shutil.which("hugo")

    work = args.work or Path(tempfile.mkdtemp(prefix="feedpub-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    try:
        for size in sizes:
            results += run_size(size, args, work, hugo)
    finally:
        failed = [r for r in results if r.status != 0]
        if not args.keep:
            for folder in SPENT:
                shutil.rmtree(folder, ignore_errors=True)
        if not args.keep and args.work is None and not failed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"outputs and logs kept in {work}", file=sys.stderr)

    summary = summarise(results)
    cpus = os.cpu_count()
    print(f"\n{describe_feedpub()}: `feedpub build`, {cpus} CPUs, Python {sys.version.split()[0]}, seed {args.seed}, "
          f"median of {args.repeat} run(s); peak RSS is the child's max resident set size, "
          "\"with workers\" the peak of its proportional set size and its worker processes' together.")
    if hugo:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
        print(f"Hugo: {version.split(' BuildDate')[0]} (same articles; RSS + Atom + JSON Feed of the newest 50 "
              "for the home page and each topic only: no archive pages, no provider feeds)")
    for size in sizes:
        counts = OUTPUT_FILES.get(size, {})
        if counts:
            print(f"Files written by a cold build of {size:,} articles: "
                  + ", ".join(f"{tool} {count:,}" for tool, count in counts.items()))
    print()
    print(table(summary, sizes, bool(hugo)))
    if failed:
        print(f"\n{len(failed)} run(s) exited non-zero; see the logs in {work}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
