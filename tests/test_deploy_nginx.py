"""The nginx configurations in deploy/, run for real: nginx on 127.0.0.1 serving a `feedpub build` output
folder (deploy/nginx-static.conf) and caching a real granian (deploy/nginx-proxy.conf), read over HTTP.

The deploy files stay usable as they are: each test copies one, substitutes the root, the cache folder
and the addresses, checking that each placeholder is there exactly once, and includes the copy from a
minimal nginx.conf in a temporary folder. nginx runs in the foreground as the current user and is
stopped at the end. When nginx is missing these tests are skipped, except under CI (CI=true), where
they fail: install it with scripts/install-system-deps.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import feedparser
import pytest

from .conftest import files_under, production_server, write_stories

REPOSITORY = Path(__file__).resolve().parent.parent
DEPLOY = REPOSITORY / "deploy"
BASE_URL = "https://feeds.example.org"  # the same for the static build and granian, so bodies compare equal
STARTUP_SECONDS = 15
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xml": "text/x-opml; charset=utf-8",
    "xsl": "text/xsl; charset=utf-8",
}
FEED = "public, max-age=300"
ARCHIVE = "public, max-age=86400"


# --- finding and running nginx ------------------------------------------------------------------------------

def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _nginx_binary() -> str | None:
    found = shutil.which("nginx")
    for candidate in (found, "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


MISSING = "nginx is not installed (not on PATH, nor /usr/sbin/nginx): run scripts/install-system-deps"


def _require_nginx() -> str:
    binary = _nginx_binary()
    if binary is None:
        if _in_ci():
            pytest.fail(f"{MISSING}. Under CI (CI=true) the nginx tests must run, not be skipped.", pytrace=False)
        pytest.skip(f"{MISSING} to run the nginx deployment tests")
    return binary


def test_nginx_is_installed_under_ci() -> None:
    """Under CI a missing nginx is a failure of its own, besides the errors of every test needing it."""
    _require_nginx()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _clean_environment(**variables: str) -> dict[str, str]:
    """This environment without the developer's FEEDPUB_* settings, plus ``variables``."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("FEEDPUB_")}
    environment.update(variables)
    return environment


def _substitute(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each placeholder directive replaced. Each must begin exactly one line that is not a
    comment, so a change to the deploy file that these tests would no longer follow shows up here."""
    lines = text.splitlines(keepends=True)
    for placeholder, value in replacements.items():
        found = [n for n, line in enumerate(lines) if line.lstrip().startswith(placeholder)]
        assert len(found) == 1, f"expected one line starting with {placeholder!r} in the deploy file, found {len(found)}"
        lines[found[0]] = lines[found[0]].replace(placeholder, value, 1)
    return "".join(lines)


def _supports_error_log_flag(binary: str) -> bool:
    """``-e`` (the error log before the configuration is read) exists from nginx 1.19.5."""
    version = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10).stderr
    match = re.search(r"nginx/(\d+)\.(\d+)\.(\d+)", version)
    return match is not None and tuple(map(int, match.groups())) >= (1, 19, 5)


def _main_config(folder: Path, site_files: list[Path]) -> str:
    """A minimal nginx.conf, all of its state in ``folder``, that includes ``site_files`` in http {}."""
    user = ""
    if os.geteuid() == 0:
        # As root, workers would switch to "nobody", who cannot read pytest's private temporary folders.
        import grp
        import pwd

        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    temporary = folder / "temp"
    includes = "\n".join(f'    include "{path}";' for path in site_files)
    return f"""{user}
worker_processes 1;
daemon off;
pid "{folder / 'nginx.pid'}";
error_log "{folder / 'error.log'}" warn;
events {{ worker_connections 128; }}
http {{
    # What a distribution's nginx.conf typically sets: the deploy files must not depend on it.
    types {{ text/xml xml; application/json json; text/html html; }}
    default_type application/octet-stream;
    access_log "{folder / 'access.log'}";
    client_body_temp_path "{temporary / 'body'}";
    proxy_temp_path "{temporary / 'proxy'}";
    fastcgi_temp_path "{temporary / 'fastcgi'}";
    uwsgi_temp_path "{temporary / 'uwsgi'}";
    scgi_temp_path "{temporary / 'scgi'}";
{includes}
}}
"""


def _nginx_command(binary: str, folder: Path) -> list[str]:
    command = [binary, "-p", f"{folder}/", "-c", str(folder / "nginx.conf")]
    if _supports_error_log_flag(binary):
        command += ["-e", str(folder / "error.log")]
    return command


def _write_nginx_config(folder: Path, sites: dict[str, str]) -> None:
    (folder / "temp").mkdir(parents=True, exist_ok=True)
    site_files = []
    for name, text in sites.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        site_files.append(path)
    (folder / "nginx.conf").write_text(_main_config(folder, site_files), encoding="utf-8")


def _log_tail(folder: Path) -> str:
    texts = []
    for name in ("error.log", "stderr.log"):
        path = folder / name
        if path.exists():
            texts.append(f"--- {name}:\n" + path.read_text(errors="replace")[-3000:])
    return "\n".join(texts)


@contextmanager
def _running_nginx(binary: str, folder: Path, site: str, port: int) -> Iterator[None]:
    """nginx in the foreground with ``site`` (one deploy file, substituted) on 127.0.0.1:``port``."""
    _write_nginx_config(folder, {"site.conf": site})
    command = _nginx_command(binary, folder)
    check = subprocess.run(command + ["-t"], capture_output=True, text=True, timeout=15)
    assert check.returncode == 0, f"nginx -t rejected the configuration:\n{check.stderr}"
    with (folder / "stderr.log").open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_listening(port, process, "nginx", lambda: _log_tail(folder))
        yield
    finally:
        _stop(process)


def _wait_until_listening(port: int, process: subprocess.Popen, name: str, logs) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode}:\n{logs()}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} in {STARTUP_SECONDS} s:\n{logs()}")
            time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    """Stop a process we started (nginx's master takes its workers along), by its id; bounded."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers only
            process.wait(timeout=10)


# --- HTTP ----------------------------------------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def _fetch(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    """One request to 127.0.0.1:``port``, nothing decoded, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # Without an Accept-Encoding of our own, http.client would send "identity" (the same as none).
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


# --- fixtures ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def news_seeds(tmp_path_factory) -> Path:
    """Five articles in one topic and one provider: with --limit 2 --archive-size 2, two archives each."""
    seeds = tmp_path_factory.mktemp("nginx-seeds")
    write_stories(seeds, 5, provider={"name": "CNBC", "domain": "cnbc.com"})
    return seeds


@dataclass
class StaticSite:
    port: int
    feeds: Path  # the output folder, served as /feeds/


@pytest.fixture(scope="module")
def static_site(tmp_path_factory, news_seeds: Path) -> Iterator[StaticSite]:
    binary = _require_nginx()
    work = tmp_path_factory.mktemp("nginx-static")
    root = work / "srv"
    feeds = root / "feeds"
    build = subprocess.run(
        [sys.executable, "-m", "feedpub", "build", "--seeds", str(news_seeds), "--out", str(feeds),
         "--base-url", BASE_URL, "--limit", "2", "--archive-size", "2", "--quiet"],
        cwd=work, env=_clean_environment(), capture_output=True, text=True, timeout=60,
    )
    assert build.returncode == 0, f"feedpub build failed:\n{build.stdout}\n{build.stderr}"
    (root / "secret.txt").write_text("outside the feeds folder\n")
    port = _free_port()
    site = _substitute(
        (DEPLOY / "nginx-static.conf").read_text(encoding="utf-8"),
        {"root /srv/feedpub;": f'root "{root}";', "listen 80;": f"listen 127.0.0.1:{port};"},
    )
    with _running_nginx(binary, work / "nginx", site, port):
        yield StaticSite(port, feeds)


@dataclass
class Proxy:
    port: int  # nginx
    app_port: int  # granian, behind it


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, news_seeds: Path) -> Iterator[Proxy]:
    binary = _require_nginx()
    work = tmp_path_factory.mktemp("nginx-proxy")
    app_port, port = _free_port(), _free_port()
    environment = _clean_environment(
        FEEDPUB_SEEDS=str(news_seeds), FEEDPUB_BASE_URL=BASE_URL, FEEDPUB_LIMIT="2", FEEDPUB_ARCHIVE_SIZE="2",
    )
    with (work / "server.log").open("wb") as output:
        app = subprocess.Popen(
            production_server(app_port),
            cwd=REPOSITORY, env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_until_listening(app_port, app, "granian", lambda: (work / "server.log").read_text(errors="replace"))
        site = _substitute(
            (DEPLOY / "nginx-proxy.conf").read_text(encoding="utf-8"),
            {
                "proxy_cache_path /var/cache/nginx/feedpub ": f'proxy_cache_path "{work / "cache"}" ',
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
                "listen 80;": f"listen 127.0.0.1:{port};",
            },
        )
        with _running_nginx(binary, work / "nginx", site, port):
            yield Proxy(port, app_port)
    finally:
        _stop(app)


def _common_headers(reply: Reply, cache_control: str) -> None:
    assert reply.header("Cache-Control") == cache_control
    assert reply.header("Vary") == "Accept-Encoding"
    assert reply.header("Access-Control-Allow-Origin") == "*"
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert reply.header("ETag")


# --- the deploy files as shipped -----------------------------------------------------------------------------

def test_the_deploy_files_pass_nginx_t_as_shipped(tmp_path: Path) -> None:
    """Both files unchanged (but for the cache folder, which `nginx -t` would create), in one http {}."""
    binary = _require_nginx()
    proxy_site = _substitute(
        (DEPLOY / "nginx-proxy.conf").read_text(encoding="utf-8"),
        {"proxy_cache_path /var/cache/nginx/feedpub ": f'proxy_cache_path "{tmp_path / "cache"}" '},
    )
    _write_nginx_config(tmp_path, {"static.conf": (DEPLOY / "nginx-static.conf").read_text(), "proxy.conf": proxy_site})
    check = subprocess.run(_nginx_command(binary, tmp_path) + ["-t"], capture_output=True, text=True, timeout=15)
    assert check.returncode == 0, check.stderr


# --- static: deploy/nginx-static.conf -----------------------------------------------------------------------

def test_static_serves_every_built_file_with_its_bytes_type_and_caching(static_site: StaticSite) -> None:
    files = files_under(static_site.feeds)
    archives = [path for path in files if "/archive/" in path]
    assert len(archives) == 3 * 2 * 3  # all, the topic and the provider; 2 archives each; 3 formats
    assert {"index.html", "opml.xml", "all.rss", "topics/robots.atom", "providers/cnbc.com.json"} <= set(files)
    for path, body in files.items():
        reply = _fetch(static_site.port, f"/feeds/{path}")
        assert reply.status == 200, path
        assert reply.body == body, path
        assert reply.header("Content-Type") == CONTENT_TYPES[path.rpartition(".")[2]], path
        assert reply.header("Content-Encoding") is None, path
        _common_headers(reply, ARCHIVE if path in archives else FEED)
        assert reply.header("Last-Modified"), path


def test_static_index_and_redirects(static_site: StaticSite) -> None:
    index = _fetch(static_site.port, "/feeds/")
    assert index.status == 200
    assert index.header("Content-Type") == CONTENT_TYPES["html"]
    assert index.body == (static_site.feeds / "index.html").read_bytes()
    _common_headers(index, FEED)
    root = _fetch(static_site.port, "/")
    assert (root.status, root.header("Location")) == (302, "/feeds/")  # as the app
    folder = _fetch(static_site.port, "/feeds")
    assert (folder.status, folder.header("Location")) == (308, "/feeds/")


def test_static_gzip_for_clients_that_accept_it(static_site: StaticSite) -> None:
    for path in ("all.rss", "topics/robots.atom", "providers/cnbc.com.json", "opml.xml", "index.html",
                 "feed.xsl", "all/archive/1.rss"):
        on_disk = (static_site.feeds / path).read_bytes()
        reply = _fetch(static_site.port, f"/feeds/{path}", {"Accept-Encoding": "gzip, deflate, br"})
        assert reply.status == 200
        assert reply.header("Content-Encoding") == "gzip", path
        assert reply.header("Content-Type") == CONTENT_TYPES[path.rpartition(".")[2]]
        assert gzip.decompress(reply.body) == on_disk, path
        _common_headers(reply, ARCHIVE if "/archive/" in path else FEED)
    refused = _fetch(static_site.port, "/feeds/all.rss", {"Accept-Encoding": "gzip;q=0"})
    assert refused.header("Content-Encoding") is None
    assert refused.body == (static_site.feeds / "all.rss").read_bytes()


def test_static_etag_and_last_modified_answer_304(static_site: StaticSite) -> None:
    for path, cache_control in (("/feeds/topics/robots.rss", FEED), ("/feeds/topics/robots/archive/1.atom", ARCHIVE)):
        first = _fetch(static_site.port, path)
        etag, last_modified = first.header("ETag"), first.header("Last-Modified")
        assert etag and etag.startswith('"') and last_modified
        again = _fetch(static_site.port, path, {"If-None-Match": etag})
        assert again.status == 304
        assert again.body == b""
        assert again.header("ETag") == etag
        _common_headers(again, cache_control)
        assert _fetch(static_site.port, path, {"If-Modified-Since": last_modified}).status == 304
        assert _fetch(static_site.port, path, {"If-None-Match": '"something-else"'}).status == 200
    # The gzip response's ETag (nginx makes it weak) also revalidates.
    zipped = _fetch(static_site.port, "/feeds/all.atom", {"Accept-Encoding": "gzip"})
    assert zipped.header("Content-Encoding") == "gzip"
    revalidated = _fetch(static_site.port, "/feeds/all.atom", {"Accept-Encoding": "gzip", "If-None-Match": zipped.header("ETag")})
    assert revalidated.status == 304


def test_static_404_for_everything_else_and_no_hidden_files(static_site: StaticSite) -> None:
    feeds = static_site.feeds
    assert (feeds / ".feedpub.lock").exists()
    strays = [feeds / "manifest.json", feeds / "topics" / ".robots.rss.abc123.tmp", feeds / "notes.txt"]
    for stray in strays:
        stray.write_text("not a feed\n")
    try:
        for path in ("/feeds/.feedpub.lock", "/feeds/topics/.robots.rss.abc123.tmp", "/feeds/manifest.json",
                     "/feeds/notes.txt", "/feeds/nope.rss", "/feeds/topics/nope.atom", "/feeds/topics/",
                     "/feeds/all/archive/", "/feeds/all/archive/9.rss", "/feeds/topics/robots/archive/1.html",
                     "/secret.txt", "/feeds/../secret.txt", "/index.html", "/feeds/all.rss.gz"):
            reply = _fetch(static_site.port, path)
            assert reply.status == 404, path
            assert reply.header("Content-Type") == "text/plain; charset=utf-8", path
            assert b"not a feed" not in reply.body and b"outside" not in reply.body, path
            assert b"Index of" not in reply.body, path
    finally:
        for stray in strays:
            stray.unlink()


def test_static_head_and_other_methods(static_site: StaticSite) -> None:
    size = (static_site.feeds / "all.json").stat().st_size
    head = _fetch(static_site.port, "/feeds/all.json", method="HEAD")
    assert (head.status, head.body, head.header("Content-Length")) == (200, b"", str(size))
    assert head.header("Content-Type") == CONTENT_TYPES["json"]
    assert _fetch(static_site.port, "/feeds/all.json", method="POST").status == 405
    assert _fetch(static_site.port, "/feeds/all.json", method="DELETE").status == 405


def test_static_serves_a_precompressed_file_when_there_is_one(static_site: StaticSite) -> None:
    source = static_site.feeds / "providers" / "cnbc.com.rss"
    precompressed = source.with_name(source.name + ".gz")
    precompressed.write_bytes(gzip.compress(source.read_bytes(), compresslevel=9, mtime=0))
    try:
        reply = _fetch(static_site.port, "/feeds/providers/cnbc.com.rss", {"Accept-Encoding": "gzip"})
        assert reply.header("Content-Encoding") == "gzip"
        assert reply.body == precompressed.read_bytes()  # the file itself, not nginx's own compression
        assert reply.header("Content-Type") == CONTENT_TYPES["rss"]
        _common_headers(reply, FEED)
        assert _fetch(static_site.port, "/feeds/providers/cnbc.com.rss.gz").status == 404
    finally:
        precompressed.unlink()


def test_static_feeds_parse_cleanly_and_revalidate_in_feedparser(static_site: StaticSite) -> None:
    for extension in ("rss", "atom"):
        url = f"http://127.0.0.1:{static_site.port}/feeds/topics/robots.{extension}"
        parsed = feedparser.parse(url)
        assert parsed.status == 200
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert [entry.link for entry in parsed.entries] == ["https://news.example.org/4", "https://news.example.org/3"]
        assert parsed.entries[0].title == "Story 4 & friends"
        assert feedparser.parse(url, etag=parsed.etag).status == 304


def test_static_and_the_app_serve_the_same_documents_and_headers(static_site: StaticSite, proxy: Proxy) -> None:
    """Every built file, over static nginx and from granian directly: same bytes, type and caching."""
    headers = ("Content-Type", "Cache-Control", "Vary", "Access-Control-Allow-Origin", "X-Content-Type-Options")
    for path in ["", *files_under(static_site.feeds)]:
        static = _fetch(static_site.port, f"/feeds/{path}")
        app = _fetch(proxy.app_port, f"/feeds/{path}")
        assert (static.status, app.status) == (200, 200), path
        assert static.body == app.body, path
        for name in headers:
            assert static.header(name) == app.header(name), (path, name)


# --- proxy: deploy/nginx-proxy.conf --------------------------------------------------------------------------

def test_proxy_first_request_misses_then_hits_with_the_apps_bytes(proxy: Proxy) -> None:
    path = "/feeds/topics/robots.rss"
    direct = _fetch(proxy.app_port, path)
    first = _fetch(proxy.port, path)
    second = _fetch(proxy.port, path)
    assert (first.status, first.header("X-Cache-Status")) == (200, "MISS")
    assert (second.status, second.header("X-Cache-Status")) == (200, "HIT")
    for reply in (first, second):
        assert reply.body == direct.body
        assert reply.header("ETag") == direct.header("ETag")
        assert reply.header("Last-Modified") == direct.header("Last-Modified")
        assert reply.header("Content-Type") == CONTENT_TYPES["rss"]
        _common_headers(reply, FEED)


def test_proxy_keeps_gzip_and_identity_apart(proxy: Proxy) -> None:
    path = "/feeds/all.atom"
    direct = _fetch(proxy.app_port, path)
    direct_gzip = _fetch(proxy.app_port, path, {"Accept-Encoding": "gzip"})
    plain = _fetch(proxy.port, path)
    assert (plain.header("X-Cache-Status"), plain.header("Content-Encoding")) == ("MISS", None)
    zipped = _fetch(proxy.port, path, {"Accept-Encoding": "gzip, deflate"})
    assert zipped.header("X-Cache-Status") == "MISS"  # its own cache entry
    assert zipped.header("Content-Encoding") == "gzip"
    assert zipped.header("ETag") == direct_gzip.header("ETag") != direct.header("ETag")
    assert gzip.decompress(zipped.body) == direct.body
    _common_headers(zipped, FEED)
    # Any spelling that accepts gzip hits the gzip entry; any that does not, the identity one.
    for accept, encoding in (("gzip", "gzip"), ("gzip, deflate, br", "gzip"), ("br;q=1.0, gzip;q=0.8", "gzip"),
                             (None, None), ("identity", None), ("gzip;q=0", None), ("deflate, br", None)):
        reply = _fetch(proxy.port, path, {"Accept-Encoding": accept} if accept else {})
        assert (reply.header("X-Cache-Status"), reply.header("Content-Encoding")) == ("HIT", encoding), accept
        assert (gzip.decompress(reply.body) if encoding else reply.body) == direct.body, accept


def test_proxy_answers_if_none_match_from_the_cache(proxy: Proxy) -> None:
    path = "/feeds/providers/cnbc.com.atom"
    etag = _fetch(proxy.app_port, path).header("ETag")
    # Cold cache: nginx fetches the full document, stores it, and answers the condition itself.
    cold = _fetch(proxy.port, path, {"If-None-Match": etag})
    assert (cold.status, cold.header("X-Cache-Status"), cold.body) == (304, "MISS", b"")
    warm = _fetch(proxy.port, path, {"If-None-Match": etag})
    assert (warm.status, warm.header("X-Cache-Status"), warm.body) == (304, "HIT", b"")
    assert warm.header("ETag") == etag
    _common_headers(warm, FEED)
    changed = _fetch(proxy.port, path, {"If-None-Match": '"an-older-version"'})
    assert (changed.status, changed.header("X-Cache-Status")) == (200, "HIT")
    zipped = _fetch(proxy.port, path, {"Accept-Encoding": "gzip"})
    again = _fetch(proxy.port, path, {"Accept-Encoding": "gzip", "If-None-Match": zipped.header("ETag")})
    assert again.status == 304


def test_proxy_passes_archive_caching_and_does_not_cache_errors_or_redirects(proxy: Proxy) -> None:
    archive = _fetch(proxy.port, "/feeds/topics/robots/archive/1.json")
    assert archive.status == 200
    assert archive.header("Content-Type") == CONTENT_TYPES["json"]
    _common_headers(archive, ARCHIVE)
    for _ in range(2):
        missing = _fetch(proxy.port, "/feeds/topics/nope.rss")
        assert (missing.status, missing.header("X-Cache-Status")) == (404, "MISS")
        root = _fetch(proxy.port, "/")
        assert (root.status, root.header("Location"), root.header("X-Cache-Status")) == (302, "/feeds/", "MISS")
    folder = _fetch(proxy.port, "/feeds")  # the app's redirect is absolute: the Host must keep its port
    assert folder.status == 308
    assert folder.header("Location") in ("/feeds/", f"http://127.0.0.1:{proxy.port}/feeds/")


def test_proxy_feeds_parse_cleanly_in_feedparser(proxy: Proxy) -> None:
    for path in ("all.rss", "topics/robots.atom"):  # each proxy test has its own URLs: any order works
        url = f"http://127.0.0.1:{proxy.port}/feeds/{path}"
        parsed = feedparser.parse(url)  # sends Accept-Encoding: gzip, deflate (and br when available)
        assert parsed.status == 200
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert [entry.link for entry in parsed.entries] == ["https://news.example.org/4", "https://news.example.org/3"]
        assert parsed.headers.get("x-cache-status") in ("MISS", "HIT")
        assert feedparser.parse(url, etag=parsed.etag).status == 304
