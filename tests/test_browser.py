"""The pages as a person sees them: real headless Chromium against a real granian on 127.0.0.1.

Chromium loads the index and the feed pages and hands back the DOM after its parser and any script ran
(``--dump-dom``), so escaping is checked where it matters: in what the browser built, not in the bytes
the server sent. Links are read from that DOM and followed over HTTP, the way a person's click or a feed
reader would. Images come from a second tiny server on 127.0.0.1, so nothing leaves the machine.

Needs Debian's ``chromium`` (``scripts/install-system-deps`` installs it). Without it the tests are
skipped, except under CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
import pytest
import yaml

from .chromium import Chromium, colours
from .conftest import production_server

SITE_TITLE = "Browser Test News"
WAIT = 20  # seconds: the most the server may take to start, or one request to answer
BROWSER_WAIT = 15  # seconds for one Chromium run (about 1 s normally)

# The hostile title, as a scraper might hand it over raw and as it arrives entity-encoded. The loader
# reduces titles to plain text (README, "Input"): raw markup is removed, script contents included, while
# entities are decoded, so the second one must reach the page as visible text, escaped by the template.
HOSTILE_RAW = '<script>alert(1)</script> & "quotes"'
HOSTILE_ENCODED = '&lt;script&gt;alert(1)&lt;/script&gt; &amp; "quotes"'
HOSTILE_SHOWN = '<script>alert(1)</script> & "quotes"'
HOSTILE_EXCERPT = "&lt;img src=x onerror=alert(2)&gt; Escaped &amp; harmless."


@dataclass(frozen=True)
class Seed:
    """One article file, and what a reader should see of it."""

    file: str
    title: str
    url: str
    published: datetime
    topics: tuple[str, ...]
    provider: tuple[str, str] | None = None  # (name, domain)
    image: str | None = None  # file name on the image server
    excerpt: str = ""
    shown_title: str = ""  # the title a person sees, when it differs from ``title``
    shown_excerpt: str = ""

    @property
    def visible_title(self) -> str:
        return self.shown_title or self.title

    @property
    def visible_excerpt(self) -> str:
        return self.shown_excerpt or self.excerpt


DEAD_IMAGE = "gone.png"  # the image server answers 404 for it: a dead image, as feeds often link


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=timezone.utc)


SEEDS = (
    Seed("robot-arms.md", "Robot arms learn to fold laundry", "https://news.example.org/robot-arms",
         _at(3, 9, 30), ("Robotics",), ("Tech Daily", "techdaily.example"), "robot-arms.png",
         "Two labs show arms that fold towels and shirts."),
    Seed("hostile-raw.md", HOSTILE_RAW, "https://news.example.org/hostile-raw",
         _at(4, 8, 15), ("Robotics",), ("Tech Daily", "techdaily.example"),
         shown_title='& "quotes"'),
    Seed("hostile-encoded.md", HOSTILE_ENCODED, "https://news.example.org/hostile-encoded",
         _at(2, 17, 45), ("Robotics", "Climate & Energy"), None, "hostile.png",
         HOSTILE_EXCERPT, shown_title=HOSTILE_SHOWN,
         shown_excerpt="<img src=x onerror=alert(2)> Escaped & harmless."),
    Seed("solar.md", "Solar farms outpace coal in spring", "https://news.example.org/solar",
         _at(5, 6, 0), ("Climate & Energy",), ("Green Wire", "greenwire.example"), "solar.png",
         "Record output across the grid."),
    Seed("wind.md", "Offshore wind auction draws bids", "https://news.example.org/wind",
         _at(1, 12, 0), ("Climate & Energy",), ("Green Wire", "greenwire.example"), DEAD_IMAGE),
    Seed("gripper.md", "A soft gripper picks ripe fruit", "https://news.example.org/gripper",
         datetime(2024, 4, 18, 7, 0, tzinfo=timezone.utc), ("Robotics",), None, None,
         "Older news, two weeks before the rest."),
    Seed("rover.md", "Mars rover drills its deepest hole", "https://news.example.org/rover",
         _at(4, 21, 5), ("Space",), ("Orbit News", "orbit.example"), "rover.png",
         "Samples from two metres down."),
)
TOPICS = {"robotics": "Robotics", "climate-energy": "Climate & Energy", "space": "Space"}
IMAGE_COLOURS = {"robot-arms.png": (220, 60, 50), "hostile.png": (40, 40, 40),
                 "solar.png": (240, 190, 20), "rover.png": (170, 90, 40),
                 "icon.png": (30, 110, 200), "techdaily.png": (0, 150, 90)}
SITE_ICON = "icon.png"
PROVIDER_LOGOS = {"techdaily.example": "techdaily.png"}  # Tech Daily's articles carry its logo
FORMATS = {  # extension: media type
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}


def newest_first(seeds: tuple[Seed, ...] | list[Seed]) -> list[Seed]:
    return sorted(seeds, key=lambda seed: seed.published, reverse=True)


def in_topic(name: str) -> list[Seed]:
    return newest_first([seed for seed in SEEDS if name in seed.topics])


# --- a tiny image server on 127.0.0.1, so that <img> sources are real and nothing leaves the machine ---


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass
class ImageServer:
    base: str
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Referer)


@pytest.fixture(scope="module")
def images() -> Iterator[ImageServer]:
    bodies = {f"/img/{name}": _png(160, 100, rgb) for name, rgb in IMAGE_COLOURS.items()}
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            seen.append((self.path, self.headers.get("Referer")))
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "image/png" if body else "text/plain")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield ImageServer(f"http://127.0.0.1:{httpd.server_address[1]}", seen)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --- the feedpub server: granian on a free port, as in test_production.py ---


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Straight to 127.0.0.1, whatever proxy the environment names.
_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> tuple[int, str, bytes]:
    assert urlsplit(url).hostname == "127.0.0.1", f"the test only talks to 127.0.0.1, not {url}"
    try:
        with _http.open(url, timeout=WAIT) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _write_seeds(folder: Path, images: ImageServer) -> None:
    for seed in SEEDS:
        fields: dict = {
            "title": seed.title,
            "webUrl": seed.url,
            "publishedDateTime": seed.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "topics": list(seed.topics),
        }
        if seed.excerpt:
            fields["excerpt"] = seed.excerpt
        if seed.provider:
            fields["provider"] = {"name": seed.provider[0], "domain": seed.provider[1]}
            if seed.provider[1] in PROVIDER_LOGOS:
                fields["provider"]["images"] = [{"url": f"{images.base}/img/{PROVIDER_LOGOS[seed.provider[1]]}"}]
        if seed.image:
            fields["images"] = [{"url": f"{images.base}/img/{seed.image}", "width": 160, "height": 100}]
        text = "---\n" + yaml.safe_dump(fields, sort_keys=False, allow_unicode=True) + "---\nBody.\n"
        (folder / seed.file).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, images: ImageServer) -> Iterator[str]:
    seeds = tmp_path_factory.mktemp("browser-seeds")
    _write_seeds(seeds, images)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # Only these settings: a developer's own FEEDPUB_* variables or feedpub.toml must not change the pages.
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDPUB_")}
    env.update(FEEDPUB_SEEDS=str(seeds), FEEDPUB_BASE_URL=base, FEEDPUB_TITLE=SITE_TITLE,
               FEEDPUB_ICON=f"{images.base}/img/{SITE_ICON}")
    log = tmp_path_factory.mktemp("server") / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            production_server(port),
            cwd=seeds.parent, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if fetch(base + "/feeds/")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"granian did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- the browser ---


MISSING = "Chromium is not installed: run `bash scripts/install-system-deps` (as root, on Debian)"


def _find_chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


class Browser:
    """Headless Chromium, one fresh process and profile per page; every run bounded by ``BROWSER_WAIT``.

    Each page's DOM is dumped once per module and shared by the tests; so is a failure to dump it.
    """

    FLAGS = (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-proxy-server", "--hide-scrollbars",
        # Belt and braces: no host but 127.0.0.1 resolves, so no page can make the browser go elsewhere.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    )

    def __init__(self, executable: str | None, scratch: Path) -> None:
        self.executable = executable
        self.scratch = scratch
        self._runs = 0
        self._doms: dict[str, str] = {}
        self._failures: dict[str, str] = {}

    def _run(self, *arguments: str) -> bytes:
        if self.executable is None:
            pytest.fail(f"{MISSING}. Under CI the browser tests must run, never be skipped.", pytrace=False)
        self._runs += 1
        profile = self.scratch / f"profile-{self._runs}"
        command = [self.executable, *self.FLAGS, f"--user-data-dir={profile}", *arguments]
        # A session of its own, so that on a timeout the browser and every child it spawned are ended.
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = process.communicate(timeout=BROWSER_WAIT)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # its own group: the browser and its children only
            except ProcessLookupError:
                pass
            process.communicate(timeout=10)
            raise AssertionError(
                f"Chromium did not finish {arguments[-1]} within {BROWSER_WAIT} s. A page blocked by a "
                "JavaScript dialog does this: an alert() run from page content never returns in headless mode."
            ) from None
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        if process.returncode != 0:
            detail = err.decode(errors="replace")[-3000:]
            raise AssertionError(f"Chromium exited with {process.returncode}:\n{detail}")
        return out

    def dom(self, url: str) -> lxml.html.HtmlElement:
        """The document Chromium built for ``url``, after parsing and any script, parsed back by lxml."""
        if url in self._failures:
            pytest.fail(self._failures[url], pytrace=False)
        if url not in self._doms:
            try:
                text = self._run("--dump-dom", url).decode("utf-8")
                assert "<html" in text, f"Chromium dumped no document for {url}: {text[:500]!r}"
            except AssertionError as failure:
                self._failures[url] = str(failure)
                raise
            self._doms[url] = text
        return lxml.html.document_fromstring(self._doms[url], base_url=url)

    def screenshot(self, url: str, path: Path, width: int = 1200, height: int = 900) -> bytes:
        self._run(f"--screenshot={path}", f"--window-size={width},{height}", url)
        return path.read_bytes()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    """Chromium, or: outside CI, a skip; under CI (``CI=true``), a browser whose every use fails the test."""
    executable = _find_chromium()
    if executable is None and os.environ.get("CI", "").lower() not in ("true", "1", "yes"):
        pytest.skip(MISSING)
    return Browser(executable, tmp_path_factory.mktemp("chromium"))


# --- helpers on the DOM ---


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def absolute(element: lxml.html.HtmlElement, attribute: str = "href") -> str:
    return urljoin(element.getroottree().docinfo.URL, element.get(attribute))


def day(moment: datetime) -> str:
    """A date as the pages show it: ``3 May 2024``."""
    return f"{moment.day} {moment:%b %Y}"


def moment_shown(moment: datetime) -> str:
    """A time as the pages show it: ``3 May 2024, 09:30 UTC``."""
    return f"{moment.day} {moment:%B %Y, %H:%M} UTC"


def assert_nothing_injected(page: lxml.html.HtmlElement, where: str) -> None:
    """feedpub's pages carry no script at all: any script element or event handler came from content."""
    assert page.xpath("//script") == [], f"{where}: a <script> element is in the DOM"
    handlers = [(el.tag, name) for el in page.iter() if isinstance(el.tag, str) for name in el.attrib
                if name.lower().startswith("on")]
    assert handlers == [], f"{where}: event-handler attributes in the DOM: {handlers}"
    assert page.xpath("//img[@src='x']") == [], f"{where}: an <img> from an excerpt was built"


# --- the index page ---


def index_rows(page: lxml.html.HtmlElement) -> dict[str, dict[str, lxml.html.HtmlElement]]:
    """Rows of each table on the index, by the heading above the table, then by the feed's name."""
    tables: dict[str, dict[str, lxml.html.HtmlElement]] = {}
    for heading in page.xpath("//h2"):
        table = heading.xpath("following-sibling::*[1][self::table]")
        assert table, f"no table under the heading {text_of(heading)!r}"
        rows = table[0].xpath("./tbody/tr")
        tables[text_of(heading)] = {text_of(row.xpath("./td[1]")[0]): row for row in rows}
    return tables


def expected_index() -> dict[str, dict[str, tuple[str, list[Seed]]]]:
    """Heading -> feed name -> (feed path, its articles), as the index should list them."""
    providers: dict[str, tuple[str, list[Seed]]] = {}
    for seed in SEEDS:
        if seed.provider:
            name, domain = seed.provider
            providers.setdefault(name, (f"providers/{domain}", []))[1].append(seed)
    return {
        "Everything": {"All articles": ("all", newest_first(SEEDS))},
        "Topics": {name: (f"topics/{slug}", in_topic(name)) for slug, name in TOPICS.items()},
        "News providers": {name: (path, newest_first(seeds)) for name, (path, seeds) in providers.items()},
    }


def test_index_lists_every_feed_with_its_count_newest_date_and_links(browser: Browser, server: str) -> None:
    page = browser.dom(f"{server}/feeds/")
    assert text_of(page.xpath("//h1")[0]) == SITE_TITLE
    assert page.findtext(".//title") == f"{SITE_TITLE} feeds"

    tables = index_rows(page)
    expected = expected_index()
    assert {heading: sorted(rows) for heading, rows in tables.items()} == {
        heading: sorted(rows) for heading, rows in expected.items()
    }
    for heading, feeds in expected.items():
        for name, (path, seeds) in feeds.items():
            row = tables[heading][name]
            where = f"index, {heading} / {name}"
            count = row.xpath("./td[@class='count']")
            assert count and count[0].text == str(len(seeds)), f"{where}: article count"
            newest = row.xpath(".//time")
            assert newest and text_of(newest[0]) == day(seeds[0].published), f"{where}: newest date"
            assert datetime.fromisoformat(newest[0].get("datetime")) == seeds[0].published, where

            page_link = row.xpath("./td[@class='name']/a")[0]
            assert absolute(page_link) == f"{server}/feeds/{path}.html", f"{where}: link to the feed's page"
            subscribe = {link.get("type"): link for link in row.xpath("./td[@class='subscribe']/a")}
            assert sorted(subscribe) == sorted(FORMATS.values()), f"{where}: one subscribe link per format"
            for extension, media_type in FORMATS.items():
                link = subscribe[media_type]
                assert absolute(link) == f"{server}/feeds/{path}.{extension}", f"{where}: {extension} link"
                assert text_of(link), f"{where}: the {extension} link has no text to click"

    # Autodiscovery on the index: the everything feed in each format, and each topic.
    alternates = {(link.get("type"), absolute(link)) for link in page.xpath("//head/link[@rel='alternate']")}
    for extension, media_type in FORMATS.items():
        assert (media_type, f"{server}/feeds/all.{extension}") in alternates
    for slug in TOPICS:
        assert ("application/atom+xml", f"{server}/feeds/topics/{slug}.atom") in alternates
    for path, _ in expected["News providers"].values():
        assert ("application/atom+xml", f"{server}/feeds/{path}.atom") in alternates
    assert_nothing_injected(page, "index")


def test_every_link_on_the_index_answers_with_the_document_it_promises(browser: Browser, server: str) -> None:
    page = browser.dom(f"{server}/feeds/")
    links = page.xpath("//body//a[@href] | //head/link[@rel='alternate']")
    assert len(links) > 20
    content_types = {ext: f"{media};" for ext, media in FORMATS.items()}
    content_types.update(html="text/html;", xml="text/x-opml;")
    for link in links:
        url = absolute(link)
        status, content_type, body = fetch(url)
        assert status == 200, f"{url} (linked as {text_of(link)!r}) answered {status}"
        extension = urlsplit(url).path.rsplit(".", 1)[-1]
        assert content_type.startswith(content_types[extension]), f"{url}: Content-Type {content_type}"
        if link.get("type"):
            assert content_type.split(";")[0] == link.get("type"), f"{url}: type attribute vs Content-Type"
        if extension in ("rss", "atom"):
            parsed = feedparser.parse(body)
            assert parsed.bozo == 0, f"{url}: {parsed.get('bozo_exception')}"
        elif extension == "json":
            json.loads(body)


# --- a topic page (and the page of everything) ---

PAGES = [pytest.param(f"topics/{slug}", in_topic(name), id=slug) for slug, name in TOPICS.items()]
PAGES.append(pytest.param("all", newest_first(SEEDS), id="all"))


@pytest.mark.parametrize(("path", "seeds"), PAGES)
def test_feed_page_shows_the_articles_newest_first_with_providers_dates_and_images(
    browser: Browser, server: str, images: ImageServer, path: str, seeds: list[Seed]
) -> None:
    url = f"{server}/feeds/{path}.html"
    page = browser.dom(url)
    name = "" if path == "all" else TOPICS[path.split("/")[1]]
    title = SITE_TITLE if path == "all" else f"{SITE_TITLE}: {name}"
    assert page.findtext(".//title") == title
    assert text_of(page.xpath("//h1")[0]) == title

    articles = page.xpath("//article")
    assert [text_of(a.xpath(".//h2")[0]) for a in articles] == [s.visible_title for s in seeds], "titles, newest first"
    for article, seed in zip(articles, seeds):
        where = f"{path}.html, {seed.visible_title!r}"
        link = article.xpath(".//h2/a")[0]
        assert link.get("href") == seed.url, f"{where}: the title links to the article"
        meta = text_of(article.xpath(".//*[@class='meta']")[0])
        when = moment_shown(seed.published)
        assert meta == (f"{seed.provider[0]} · {when}" if seed.provider else when), f"{where}: provider and date"
        assert datetime.fromisoformat(article.xpath(".//time")[0].get("datetime")) == seed.published, where
        pictures = article.xpath(".//img")
        if seed.image:
            assert [img.get("src") for img in pictures] == [f"{images.base}/img/{seed.image}"], f"{where}: image"
            (picture,) = pictures
            assert (picture.get("width"), picture.get("height")) == ("160", "100"), f"{where}: the image's size"
            assert (picture.get("loading"), picture.get("alt")) == ("lazy", ""), f"{where}: lazy, alt"
        else:
            assert pictures == [], f"{where}: an image where the article has none"
        paragraphs = [text_of(p) for p in article.xpath(".//p[not(@class='meta')]")]
        assert paragraphs == ([seed.visible_excerpt] if seed.excerpt else []), f"{where}: excerpt"

    back = page.xpath("//a[normalize-space()='All feeds']")
    assert back and fetch(absolute(back[0]))[0] == 200, "the 'All feeds' link leads back to the index"
    assert_nothing_injected(page, f"{path}.html")


@pytest.mark.parametrize(("path", "seeds"), PAGES)
def test_feed_page_subscribe_links_and_autodiscovery_give_feeds_that_parse(
    browser: Browser, server: str, path: str, seeds: list[Seed]
) -> None:
    page = browser.dom(f"{server}/feeds/{path}.html")
    subscribe = page.xpath("//*[@class='subscribe']/a")
    alternates = page.xpath("//head/link[@rel='alternate']")
    expected = {media_type: f"{server}/feeds/{path}.{extension}" for extension, media_type in FORMATS.items()}
    assert {link.get("type"): absolute(link) for link in subscribe} == expected
    assert len(subscribe) == len(FORMATS) and all(text_of(link) for link in subscribe)
    assert {link.get("type"): absolute(link) for link in alternates} == expected
    assert len(alternates) == len(FORMATS) and all(link.get("title") for link in alternates)

    urls = [seed.url for seed in seeds]
    for media_type, url in expected.items():
        status, content_type, body = fetch(url)
        assert status == 200, f"{url} answered {status}"
        assert content_type == f"{media_type}; charset=utf-8", f"{url}: Content-Type {content_type}"
        if media_type == FORMATS["json"]:
            document = json.loads(body)
            assert document["version"] == "https://jsonfeed.org/version/1.1"
            assert [item["url"] for item in document["items"]] == urls
            assert [item["title"] for item in document["items"]] == [s.visible_title for s in seeds]
        else:
            parsed = feedparser.parse(body)
            assert parsed.bozo == 0, f"{url}: {parsed.get('bozo_exception')}"
            assert [entry.link for entry in parsed.entries] == urls


def test_hostile_titles_are_text_on_the_page_never_markup(browser: Browser, server: str) -> None:
    # The dumps finished (an alert() would have blocked Chromium until the timeout), and the DOM holds the
    # encoded title as the exact text a person should read, with no element built from it.
    for path in ("topics/robotics", "topics/climate-energy", "all"):
        page = browser.dom(f"{server}/feeds/{path}.html")
        titles = [text_of(h2) for h2 in page.xpath("//article//h2")]
        assert HOSTILE_SHOWN in titles, f"{path}.html: {titles}"
        excerpts = [text_of(p) for p in page.xpath("//article//p[@class='summary']")]
        assert "<img src=x onerror=alert(2)> Escaped & harmless." in excerpts, f"{path}.html: {excerpts}"
        assert_nothing_injected(page, f"{path}.html")
    robotics = browser.dom(f"{server}/feeds/topics/robotics.html")
    assert '& "quotes"' in [text_of(h2) for h2 in robotics.xpath("//article//h2")]
    # The topic name with an ampersand reads as written, in the table and in the autodiscovery titles.
    index = browser.dom(f"{server}/feeds/")
    assert "Climate & Energy" in [text_of(a) for a in index.xpath("//td/a")]
    assert f"{SITE_TITLE}: Climate & Energy" in [link.get("title") for link in index.xpath("//head/link")]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_screenshots_of_the_index_and_a_topic_page(
    browser: Browser, server: str, images: ImageServer, tmp_path: Path
) -> None:
    index = browser.screenshot(f"{server}/feeds/", tmp_path / "index.png")
    assert len(index) > 5000 and _png_size(index) == (1200, 900)
    images.requests.clear()
    topic = browser.screenshot(f"{server}/feeds/topics/robotics.html", tmp_path / "robotics.png")
    assert len(topic) > 5000 and _png_size(topic) == (1200, 900)
    # The page's images were really fetched, without telling the image host which page showed them.
    fetched = dict(images.requests)
    for seed in in_topic("Robotics"):
        if seed.image:
            assert f"/img/{seed.image}" in fetched, f"the browser did not load {seed.image}"
            assert fetched[f"/img/{seed.image}"] is None, "images are loaded with referrerpolicy=no-referrer"


# --- the weekly activity charts on the index ---


def weekly_counts(seeds: list[Seed], weeks: int = 12) -> tuple[int, ...]:
    """Articles per week (from Monday, UTC), oldest first, for the weeks up to the newest article's."""
    newest = max(seed.published for seed in SEEDS)
    monday = datetime(newest.year, newest.month, newest.day, tzinfo=timezone.utc) - timedelta(days=newest.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    return tuple(
        sum(first + timedelta(weeks=n) <= seed.published < first + timedelta(weeks=n + 1) for seed in seeds)
        for n in range(weeks)
    )


def test_the_index_charts_each_feeds_articles_per_week(browser: Browser, server: str) -> None:
    tables = index_rows(browser.dom(f"{server}/feeds/"))
    robotics = weekly_counts(in_topic("Robotics"))
    assert sorted(set(robotics)) == [0, 1, 3], "the test articles span weeks of different activity"
    for heading, feeds in expected_index().items():
        for name, (_, seeds) in feeds.items():
            where = f"index, {heading} / {name}"
            counts = weekly_counts(seeds)
            (chart,) = tables[heading][name].xpath("./td[@class='activity']/svg")
            label = chart.get("aria-label")
            assert chart.get("role") == "img" and label.endswith(": " + ", ".join(map(str, counts))), where
            assert text_of(chart.xpath("./title")[0]) == label, f"{where}: the chart's tooltip"
            bars = chart.xpath("./rect")[1:]  # after the baseline
            weeks = [int(float(bar.get("x"))) // 8 for bar in bars]
            assert weeks == [week for week, count in enumerate(counts) if count], f"{where}: one bar per active week"
            heights = {week: float(bar.get("height")) for week, bar in zip(weeks, bars)}
            for one in weeks:
                for other in weeks:
                    if counts[one] < counts[other]:
                        assert heights[one] < heights[other], f"{where}: a busier week has a taller bar"


# --- the browser view: what a person gets from a feed's links, in light and dark, on desktop and phone ---


def test_a_feeds_alternate_link_takes_a_person_to_its_page(browser: Browser, server: str) -> None:
    """Feed readers open a feed's alternate link as "the website": it must be that feed's own page."""
    for path in ("all", "topics/robotics", "providers/techdaily.example"):
        page_url = f"{server}/feeds/{path}.html"
        bodies = {extension: fetch(f"{server}/feeds/{path}.{extension}")[2] for extension in FORMATS}
        assert json.loads(bodies["json"])["home_page_url"] == page_url
        for extension in ("rss", "atom"):
            feed = feedparser.parse(bodies[extension]).feed
            assert feed.link == page_url, f"{path}.{extension}"
        page = browser.dom(page_url)
        assert text_of(page.xpath("//h1")[0]) == feed.title, f"{page_url} shows the feed it belongs to"


@pytest.mark.parametrize("path", ["", "topics/robotics.html", "providers/techdaily.example.html"])
def test_links_for_people_lead_to_pages_and_feed_links_are_marked_for_readers(
    browser: Browser, server: str, path: str
) -> None:
    """The browser view decided in docs/browser-view.md: today's browsers show a feed as raw text, so people
    are linked to pages, and the feed files appear only as typed subscribe links (and autodiscovery)."""
    page = browser.dom(f"{server}/feeds/{path}")
    feed_links = 0
    for link in page.xpath("//body//a[@href]"):
        target = absolute(link)
        extension = urlsplit(target).path.rpartition(".")[2]
        if urlsplit(target).hostname != "127.0.0.1":
            continue  # an article, on its publisher's site
        if extension in FORMATS:
            feed_links += 1
            assert link.get("type") == FORMATS[extension], f"{target}: a feed link says what it is"
            assert link.xpath("ancestor::*[contains(concat(' ', @class, ' '), ' subscribe ')]"), (
                f"{target}: a feed link is offered to subscribe, not as the way to read the feed"
            )
        else:
            assert extension in ("html", "xml") or target.endswith("/feeds/"), target
    assert feed_links >= len(FORMATS)


def test_browsers_that_still_apply_xslt_show_a_feed_with_a_link_to_its_page(server: str) -> None:
    stylesheet = lxml.etree.XSLT(lxml.etree.fromstring(fetch(f"{server}/feeds/feed.xsl")[2]))
    for extension in ("rss", "atom"):
        shown = stylesheet(lxml.etree.fromstring(fetch(f"{server}/feeds/topics/robotics.{extension}")[2]))
        page = lxml.html.document_fromstring(str(shown))
        assert [a.get("href") for a in page.xpath("//a[@class='page']")] == [f"{server}/feeds/topics/robotics.html"]
        assert [text_of(a) for a in page.xpath("//li/a")] == [seed.visible_title for seed in in_topic("Robotics")]
        assert text_of(page.xpath("//li//time")[0]) == day(in_topic("Robotics")[0].published), extension


def test_pages_show_the_site_icon_and_provider_logos(browser: Browser, server: str, images: ImageServer) -> None:
    icon, logo = f"{images.base}/img/{SITE_ICON}", f"{images.base}/img/{PROVIDER_LOGOS['techdaily.example']}"
    for path in ("", "topics/robotics.html"):
        assert browser.dom(f"{server}/feeds/{path}").xpath("//head/link[@rel='icon']/@href") == [icon], path
    provider = browser.dom(f"{server}/feeds/providers/techdaily.example.html")
    assert provider.xpath("//head/link[@rel='icon']/@href") == [logo], "a provider's page wears its logo"
    assert [img.get("src") for img in provider.xpath("//h1/preceding-sibling::img")] == [logo]
    row = index_rows(browser.dom(f"{server}/feeds/"))["News providers"]["Tech Daily"]
    assert row.xpath("./td[@class='name']/img/@src") == [logo]
    assert all(img.get("alt") is not None for img in provider.xpath("//img")), "every image has alt text"


SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")  # set it to keep the screenshots (docs/ has a few)
SEEN_PAGES = {"index": "", "topic": "topics/climate-energy.html", "provider": "providers/techdaily.example.html"}
VIEWS = [pytest.param(width, height, scheme, id=f"{kind}-{scheme}")
         for kind, width, height in (("desktop", 1200, 900), ("phone", 390, 844)) for scheme in ("light", "dark")]
_LOADED = """Promise.all([...document.images].filter(i => i.getBoundingClientRect().top < innerHeight)
  .map(i => i.complete ? 0 : new Promise(done => { i.addEventListener('load', done); i.addEventListener('error', done); })))
  .then(() => [...document.images].map(i => ({src: i.getAttribute('src'), shown: i.naturalWidth > 0,
    box: i.getBoundingClientRect().toJSON()})))"""


@pytest.fixture(scope="module")
def chromium(browser: Browser) -> Iterator[Chromium]:
    if browser.executable is None:
        pytest.fail(f"{MISSING}. Under CI the browser tests must run, never be skipped.", pytrace=False)
    session = Chromium(browser.executable, Browser.FLAGS)
    try:
        yield session
    finally:
        session.close()


@pytest.mark.parametrize("page", SEEN_PAGES)
@pytest.mark.parametrize(("width", "height", "scheme"), VIEWS)
def test_what_a_person_sees_in_light_and_dark_on_desktop_and_phone(
    chromium: Chromium, server: str, images: ImageServer, page: str, width: int, height: int, scheme: str
) -> None:
    tab = chromium.open(f"{server}/feeds/{SEEN_PAGES[page]}", width, height, scheme, mobile=width < 600)
    try:
        pictures = tab.evaluate(_LOADED)
        screenshot = tab.screenshot()
        assert _png_size(screenshot) == (width, height)
        if SCREENSHOTS:
            Path(SCREENSHOTS, f"{page}-{'phone' if width < 600 else 'desktop'}-{scheme}.png").write_bytes(screenshot)

        # The colour scheme the reader asked for: the page's own background, and text that contrasts with it.
        (background,) = colours(tab.screenshot({"x": 0, "y": 0, "width": 4, "height": 4}))
        assert (min(background) > 230) if scheme == "light" else (max(background) < 40), f"background {background}"
        text = tab.evaluate("getComputedStyle(document.body).color")
        assert text.startswith("rgb(") and (sum(map(int, text[4:-1].split(","))) > 500) == (scheme == "dark"), text

        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert tab.evaluate("document.documentElement.scrollWidth") <= width, "the page is wider than the screen"

        # What a person reads: the rendered text, not the markup.
        shown = tab.evaluate("document.body.innerText")
        if page == "index":
            for feeds in expected_index().values():
                assert all(name in shown for name in feeds), f"feed names on the index: {shown[:500]}"
        else:
            seeds = in_topic("Climate & Energy") if page == "topic" else newest_first(
                [seed for seed in SEEDS if seed.provider and seed.provider[1] == "techdaily.example"])
            for seed in seeds:
                assert seed.visible_title in shown
                assert moment_shown(seed.published) in shown, "a human date for every article"
            assert all(label in shown for label in ("RSS", "Atom", "JSON Feed"))
            starts = tab.evaluate("[...document.querySelectorAll('article h2')].map(h => h.getBoundingClientRect().left)")
            assert len(starts) == len(seeds) and len(set(starts)) == 1, "titles with and without pictures line up"

        # Dead images: a plain placeholder box, never a broken-image icon or its alt text.
        failed = [p for p in pictures if not p["shown"] and p["box"]["top"] < height and p["box"]["width"] > 20]
        for picture in failed:
            box = picture["box"]  # inside the rounded corners; a broken-image icon would sit from 2 px in
            inside = {"x": box["x"] + 8, "y": box["y"] + 8, "width": box["width"] - 16, "height": box["height"] - 16}
            assert len(colours(tab.screenshot(inside))) == 1, f"{picture['src']} shows more than a placeholder"
        dead = [p for p in failed if p["src"].endswith(DEAD_IMAGE)]
        if page == "topic" and width > 600:
            assert dead, "the dead image was in view and checked"
        assert all(p["shown"] for p in pictures if not p["src"].endswith(DEAD_IMAGE) and p["box"]["top"] < height)
    finally:
        tab.close()
