"""Measure serving one feed: feedpub's app under granian and gunicorn against nginx serving `feedpub build` output.

    python benchmarks/serve.py [--seeds /tmp/bench-10k | --count 10000] [--servers granian,gunicorn]
                               [--workers 2] [--duration 10] [--connections 32]

1. For each WSGI server in ``--servers``, starts it serving ``server:app`` on 127.0.0.1 (a free high port)
   with ``FEEDPUB_SEEDS`` set to the article folder and WORKERS workers (installs the server into this
   Python's environment with pip if missing), and waits until it answers.
2. Runs a load generator against one Atom feed (``--path``, default ``all.atom``): ``wrk`` when it is on
   PATH, otherwise a small Python one (threads, keep-alive connections, at most 10 s). First plain GETs,
   then GETs with ``If-None-Match`` set to the ETag of a first response (answered 304). With wrk, then
   query-feed misses: ``?limit=N`` on five feeds (``--query-feeds``), every (feed, N) pair for N from 1 to
   500 in a scrambled order that repeats a pair only after all 2,500, so that the server's cache of 256
   query feeds never answers, and the ratio of their requests/s to the plain GET's in the same run.
3. Builds the same site with ``feedpub build`` into a temporary folder and serves it with nginx
   (``nginx`` on PATH or in /usr/sbin; a minimal config in the temporary folder: 127.0.0.1 only, a free
   high port, ``daemon off``, pid and logs in the temporary folder, as many workers), then
   runs the same two loads.

Prints requests/s and p99 latency for each, and the ratio of each WSGI server to nginx. All traffic goes to 127.0.0.1,
every wait and load is bounded in time, and every process it started is stopped before it exits.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

HOST = "127.0.0.1"
PYTHON_LOAD_MAX_SECONDS = 10.0


@dataclass
class Load:
    server: str
    request: str
    rps: float
    p99_ms: float
    requests: int
    statuses: str
    tool: str


# --- processes ------------------------------------------------------------------------------------------


class Service:
    """A child process in its own process group, stopped (and its group killed if need be) on exit."""

    def __init__(self, name: str, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._log_handle = open(log, "wb")
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=self._log_handle, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        pid = self.process.pid
        if self.running():
            try:
                os.kill(pid, sig)  # the master (gunicorn arbiter, nginx master) stops its own workers
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(pid, signal.SIGKILL)
                self.process.wait(5)
            except ProcessLookupError:
                pass
        # Workers left behind by a master that died hard share its process group (our child's pid).
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._log_handle.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_answering(url: str, service: Service, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not service.running():
            raise RuntimeError(f"{service.name} exited with {service.process.returncode}; see {service.log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
                last = f"status {response.status}"
        except (urllib.error.URLError, OSError) as error:
            last = str(error)
        time.sleep(0.25)
    raise RuntimeError(f"{service.name} did not answer {url} within {timeout:.0f} s ({last}); see {service.log}")


def first_response(url: str) -> tuple[int, str, int]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("ETag", ""), len(response.read())


def conditional_status(url: str, etag: str) -> int:
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:  # urllib treats 304 as an error
        return error.code


# --- load generators ------------------------------------------------------------------------------------


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


# Query-feed misses: each wrk thread walks all (feed, limit) pairs in a scrambled order (a full-period
# linear congruential sequence modulo 5 × MAX_LIMIT), the threads far apart in it, so no pair comes back
# before thousands of other requests and a bounded cache of recent query feeds never answers.
QUERY_MISS_LUA = """\
local paths = {%(paths)s}
local pairs_count = #paths * %(max_limit)d
local started = 0
function setup(thread)
  thread:set("offset", started * math.floor(pairs_count / %(threads)d))
  started = started + 1
end
function init(args)
  state = 0
  for _ = 1, offset do state = (21 * state + 7) %% pairs_count end
end
function request()
  state = (21 * state + 7) %% pairs_count
  local path = paths[state %% #paths + 1]
  local limit = math.floor(state / #paths) + 1
  return wrk.format("GET", path .. "?limit=" .. limit)
end
"""
MAX_LIMIT = 500  # the server's largest ?limit=
# 21 and 7 give the sequence its full period for 5 × 500 pairs (Hull-Dobell: 21 - 1 is divisible by 2, 4
# and 5, the prime factors of 2,500 and 4, and 7 is prime to it), so exactly five feeds are asked for.
QUERY_FEED_COUNT = 5


def wrk_load(wrk: str, url: str, headers: dict[str, str], seconds: float, connections: int, threads: int,
             script: Path | None = None) -> tuple[float, float, int, str]:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
               "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    text = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", text)
    total = int(re.search(r"(\d+) requests in", text).group(1))
    notes = []
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        notes.append(f"{match.group(1)} non-2xx/3xx")
    if match := re.search(r"Socket errors: (.*)", text):
        notes.append("socket errors: " + match.group(1).strip())
    return rps, float(p99.group(1)) * _UNITS[p99.group(2)] if p99 else float("nan"), total, "; ".join(notes)


def python_load(url: str, headers: dict[str, str], seconds: float, connections: int
                ) -> tuple[float, float, int, str]:
    """A bounded load: ``connections`` threads, each on one keep-alive connection, for ``seconds``."""
    seconds = min(seconds, PYTHON_LOAD_MAX_SECONDS)
    parsed = urllib.request.urlparse(url)
    latencies: list[list[float]] = [[] for _ in range(connections)]
    statuses: dict[int, int] = {}
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def worker(slot: int) -> None:
        mine = latencies[slot]
        seen: dict[int, int] = {}
        connection = None
        while time.perf_counter() < deadline:
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
                began = time.perf_counter()
                connection.request("GET", parsed.path, headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - began)
                seen[response.status] = seen.get(response.status, 0) + 1
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                if connection is not None:
                    connection.close()
                connection = None
        if connection is not None:
            connection.close()
        with lock:
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    elapsed = time.perf_counter() - start
    everything = sorted(value for values in latencies for value in values)
    p99 = everything[min(len(everything) - 1, int(len(everything) * 0.99))] * 1000 if everything else float("nan")
    notes = ", ".join(f"{count} × {status}" for status, count in sorted(statuses.items()))
    if errors[0]:
        notes += f", {errors[0]} errors"
    return len(everything) / elapsed, p99, len(everything), notes


# --- the two servers ------------------------------------------------------------------------------------


def app_server_command(name: str, args: argparse.Namespace, port: int) -> list[str]:
    """The command line that serves ``server:app`` with the WSGI server ``name`` (installed if missing)."""
    program = Path(sys.executable).with_name(name)
    if not program.exists():
        print(f"{name} is not installed here; installing it with pip", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", name], check=True)
    if name == "granian":
        return [str(program), "--interface", "wsgi", "--workers", str(args.workers), "--host", HOST,
                "--port", str(port), "--log-level", "warning", "server:app"]
    return [str(program), "-w", str(args.workers), "-k", args.worker_class, "-b", f"{HOST}:{port}",
            "--timeout", "120", "--log-level", "warning", "server:app"]


APP_SERVERS = ("granian", "gunicorn")
QUERY_FEEDS = ("all.atom", "all.rss", "all.json", "topics/ai.atom", "topics/machine-learning.atom")


NGINX_CONF = """\
worker_processes {workers};
daemon off;
master_process on;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html;
        application/rss+xml rss;
        application/atom+xml atom;
        application/feed+json json;
    }}
    charset utf-8;
    charset_types application/rss+xml application/atom+xml application/feed+json;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    server {{
        listen {host}:{port};
        root {root};
        etag on;
    }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def measure_both(name: str, url: str, args: argparse.Namespace, wrk: str | None) -> list[Load]:
    status, etag, size = first_response(url)
    if status != 200:
        raise RuntimeError(f"{name}: {url} answered {status}")
    conditional = conditional_status(url, etag) if etag else None
    print(f"{name}: {url} → 200, {size:,} bytes, ETag {etag or '(none)'}; "
          f"If-None-Match → {conditional}", file=sys.stderr)
    results = []
    runs = [("GET", {})]
    if etag:
        runs.append(("GET If-None-Match", {"If-None-Match": etag}))
    for label, headers in runs:
        # A short warm-up, so every worker has rendered and cached the feed before timing.
        if wrk:
            wrk_load(wrk, url, headers, 1, args.connections, args.threads)
            rps, p99, total, notes = wrk_load(wrk, url, headers, args.duration, args.connections, args.threads)
        else:
            python_load(url, headers, 1, args.connections)
            rps, p99, total, notes = python_load(url, headers, args.duration, args.connections)
        results.append(Load(name, label, rps, p99, total, notes, "wrk" if wrk else "python"))
        print(f"{name} {label}: {rps:,.0f} req/s, p99 {p99:.2f} ms ({total:,} requests{'; ' + notes if notes else ''})",
              file=sys.stderr)
    return results


def measure_query_misses(name: str, base: str, args: argparse.Namespace, wrk: str, tmp: Path) -> Load:
    """Query feeds that miss the server's cache every time (see `QUERY_MISS_LUA`), after a check that
    each of the feeds answers a query."""
    paths = [f"/feeds/{path.strip()}" for path in args.query_feeds.split(",") if path.strip()]
    for path in paths:
        status, _, _ = first_response(f"{base}{path}?limit={MAX_LIMIT}")
        if status != 200:
            raise RuntimeError(f"{name}: {path}?limit={MAX_LIMIT} answered {status}")
    script = tmp / "query-miss.lua"
    script.write_text(QUERY_MISS_LUA % {
        "paths": ", ".join(f'"{path}"' for path in paths), "max_limit": MAX_LIMIT, "threads": args.threads,
    })
    # The same warm-up as the other loads: every worker has rendered the entries first. It walks the same
    # pairs as the timed load begins with, thousands of requests before it, so none of them is still kept.
    wrk_load(wrk, base + paths[0], {}, 1, args.connections, args.threads, script)
    rps, p99, total, notes = wrk_load(wrk, base + paths[0], {}, args.duration, args.connections, args.threads, script)
    print(f"{name} query misses: {rps:,.0f} req/s, p99 {p99:.2f} ms ({total:,} requests{'; ' + notes if notes else ''})",
          file=sys.stderr)
    return Load(name, QUERY_MISS, rps, p99, total, notes, "wrk")


QUERY_MISS = "GET ?limit=N, cache misses"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, help="article folder (default: generate --count articles)")
    parser.add_argument("--count", type=int, default=10_000, help="articles to generate when --seeds is not given")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    parser.add_argument("--servers", default=",".join(APP_SERVERS),
                        help=f"WSGI servers to measure, comma-separated (default: {','.join(APP_SERVERS)})")
    parser.add_argument("--workers", type=int, default=2, help="WSGI server workers and nginx worker processes")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (default: sync)")
    parser.add_argument("--path", default="all.atom", help="feed to request, under /feeds/ (default: all.atom)")
    parser.add_argument("--query-feeds", default=",".join(QUERY_FEEDS),
                        help=f"the five feeds of the query-miss load (default: {','.join(QUERY_FEEDS)})")
    parser.add_argument("--no-nginx", action="store_true", help="skip the static comparison with nginx")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load (default: 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default: 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default: 2)")
    parser.add_argument("--startup-timeout", type=float, default=300.0, help="seconds to wait for each WSGI server")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even if wrk exists")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.duration > 120:
        parser.error("--duration must be between 0 and 120 seconds")
    servers = [name.strip() for name in args.servers.split(",") if name.strip()]
    if len([path for path in args.query_feeds.split(",") if path.strip()]) != QUERY_FEED_COUNT:
        parser.error(f"--query-feeds takes exactly {QUERY_FEED_COUNT} feeds, comma-separated")
    if not servers or set(servers) - set(APP_SERVERS):
        parser.error(f"--servers takes names from {', '.join(APP_SERVERS)}")

    seeds = args.seeds
    if seeds is None:
        seeds = Path(tempfile.gettempdir()) / "feedpub-bench" / f"seeds-{args.count}"
        generate.ensure(seeds, args.count, args.seed)
    seeds = seeds.resolve()
    wrk = None if args.python_load else shutil.which("wrk")
    nginx = nginx_binary()
    files = sum(1 for name in os.listdir(seeds) if name.endswith((".md", ".markdown", ".txt")))

    tmp = Path(tempfile.mkdtemp(prefix="feedpub-serve-"))
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user when started as root
    services: list[Service] = []

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    results: list[Load] = []
    try:
        # --- feedpub's app under each WSGI server -------------------------------------------------
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDPUB_")}
        for name in servers:
            port = free_port()
            env["FEEDPUB_SEEDS"] = str(seeds)
            env["FEEDPUB_BASE_URL"] = f"http://{HOST}:{port}"
            started = time.perf_counter()
            app = Service(name, app_server_command(name, args, port), REPO, env, tmp / f"{name}.log")
            services.append(app)
            url = f"http://{HOST}:{port}/feeds/{args.path}"
            wait_until_answering(url, app, args.startup_timeout)
            print(f"{name} answered after {time.perf_counter() - started:.1f} s ({files:,} articles, "
                  f"{args.workers} workers)", file=sys.stderr)
            results += measure_both(name, url, args, wrk)
            if wrk:
                results.append(measure_query_misses(name, f"http://{HOST}:{port}", args, wrk, tmp))
            else:
                print("the query-miss load needs wrk (Debian package wrk); skipped", file=sys.stderr)
            app.stop()

        # --- nginx ---------------------------------------------------------------------------------
        if args.no_nginx:
            pass
        elif nginx is None:
            print("nginx is not installed (Debian package nginx); skipping the static comparison", file=sys.stderr)
        else:
            port = free_port()
            root = tmp / "site"
            out = root / "feeds"
            feedpub = Path(sys.executable).with_name("feedpub")
            help_text = subprocess.run([str(feedpub), "build", "--help"], capture_output=True, text=True).stdout
            cache = ["--cache-dir", str(tmp / "cache")] if "--cache-dir" in help_text else []
            build = subprocess.run(
                [str(feedpub), "build", "--seeds", str(seeds), "--out", str(out), "--quiet",
                 "--base-url", f"http://{HOST}:{port}", *cache],
                cwd=tmp, env={k: v for k, v in env.items() if not k.startswith("FEEDPUB_")},
                capture_output=True, text=True, timeout=3600,
            )
            if build.returncode != 0:
                raise RuntimeError(f"feedpub build failed: {build.stderr[-2000:]}")
            for folder in (root, out, out / "topics"):
                folder.chmod(0o755)
            conf = tmp / "nginx.conf"
            conf.write_text(NGINX_CONF.format(workers=args.workers, tmp=tmp, host=HOST, port=port, root=root))
            command = [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "nginx-error.log")]
            web = Service("nginx", command, tmp, env, tmp / "nginx.log")
            services.append(web)
            url = f"http://{HOST}:{port}/feeds/{args.path}"
            wait_until_answering(url, web, 30)
            results += measure_both("nginx", url, args, wrk)
            web.stop(signal.SIGQUIT)
    finally:
        for service in reversed(services):
            service.stop()
        failed = any(s.process.returncode not in (0, -signal.SIGTERM, -signal.SIGQUIT) for s in services)
        if failed:
            print(f"logs kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    tool = "wrk" if wrk else "a Python load generator (threads)"
    print(f"\nServing /feeds/{args.path} for {files:,} articles on {os.cpu_count()} CPUs with {tool}, "
          f"{args.connections} connections, {args.duration:.0f} s per load; "
          f"{args.workers} workers for {', '.join(servers)} (gunicorn -k {args.worker_class}), "
          f"nginx worker_processes {args.workers}.\n")
    print("| server | request | requests/s | p99 latency ms | requests | notes |")
    print("|---|---|---:|---:|---:|---|")
    for load in results:
        print(f"| {load.server} | {load.request} | {load.rps:,.0f} | {load.p99_ms:.2f} | {load.requests:,} | "
              f"{load.statuses or ''} |")
    by = {(load.server, load.request): load for load in results}
    print()
    for name in servers:
        misses, cached = by.get((name, QUERY_MISS)), by.get((name, "GET"))
        if misses and cached and cached.rps:
            print(f"{name}, query-feed misses/cached feed: {misses.rps / cached.rps:.3f} × the requests/s "
                  f"({misses.rps:,.0f} against {cached.rps:,.0f}; goal: at least 0.1)")
    for name in servers:
        for request in ("GET", "GET If-None-Match"):
            mine, theirs = by.get((name, request)), by.get(("nginx", request))
            if mine and theirs and theirs.rps:
                print(f"{name}/nginx, {request}: {mine.rps / theirs.rps:.3f} × the requests/s, "
                      f"{mine.p99_ms / theirs.p99_ms:.1f} × the p99 latency")
    return 0


if __name__ == "__main__":
    sys.exit(main())
