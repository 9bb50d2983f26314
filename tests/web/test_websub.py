"""WebSub: hub discovery in every format and header, and publish pings for exactly the feeds that changed."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest

from feedpub.cli import main
from feedpub.web import create_app

from ..conftest import FEEDS_URL, article, write_article


class Hub:
    """A real HTTP hub on 127.0.0.1 that records every publish ping."""

    def __init__(self) -> None:
        self.pings: list[tuple[str, str]] = []
        pings = self.pings

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode("ascii"))
                pings.append((form["hub.mode"][0], form["hub.url"][0]))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def urls(self) -> set[str]:
        assert all(mode == "publish" for mode, _ in self.pings)
        return {url for _, url in self.pings}


@pytest.fixture
def hub() -> Iterator[Hub]:
    running = Hub()
    yield running
    running.server.shutdown()


def _feeds(*paths: str) -> set[str]:
    return {f"{FEEDS_URL}{path}.{extension}" for path in paths for extension in ("rss", "atom", "json")}


def _build_with_hub(settings, hub_url: str) -> int:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FEEDPUB_HUB_URL", hub_url)
        return main(["build", "--seeds", str(settings.seeds), "--out", str(settings.out), "--base-url", settings.base_url])


def test_every_format_names_the_hub_and_itself(seeds, settings) -> None:
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    client = create_app(dataclasses.replace(settings, hub_url="https://hub.example.net/", reload_interval=0)).test_client()
    for extension in ("rss", "atom"):
        response = client.get(f"/feeds/topics/ai.{extension}")
        links = {link.rel: link.href for link in feedparser.parse(response.data).feed.links}
        assert links["hub"] == "https://hub.example.net/"
        assert links["self"] == f"{FEEDS_URL}topics/ai.{extension}"
        assert response.headers["Link"] == f'<https://hub.example.net/>; rel="hub", <{FEEDS_URL}topics/ai.{extension}>; rel="self"'
    document = json.loads(client.get("/feeds/topics/ai.json").data)
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example.net/"}]


def test_without_a_hub_there_is_no_trace_of_websub(seeds, settings) -> None:
    write_article(seeds, "a.md", **article("a"))
    response = create_app(settings).test_client().get("/feeds/all.atom")
    assert "Link" not in response.headers and b'rel="hub"' not in response.data


def test_a_build_pings_the_hub_for_exactly_the_feeds_it_changed(seeds, settings, hub, capsys) -> None:
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    write_article(seeds, "b.md", **article("b", topics=["Robots"], publishedDateTime="2024-04-01T00:00:00Z"))
    assert _build_with_hub(settings, hub.url) == 0
    assert hub.urls() == _feeds("all", "topics/ai", "topics/robots")

    hub.pings.clear()
    assert _build_with_hub(settings, hub.url) == 0
    assert hub.pings == [], "an unchanged build pings nothing"

    write_article(seeds, "b.md", **article("b", title="Edited", topics=["Robots"], publishedDateTime="2024-04-01T00:00:00Z"))
    assert _build_with_hub(settings, hub.url) == 0
    assert hub.urls() == _feeds("all", "topics/robots")
    assert "told" in capsys.readouterr().out


def test_an_unreachable_hub_is_reported_but_the_build_succeeds(seeds, settings, capsys) -> None:
    write_article(seeds, "a.md", **article("a"))
    assert _build_with_hub(settings, "http://127.0.0.1:9/hub") == 0
    assert (settings.out / "all.atom").is_file()
    assert "could not tell http://127.0.0.1:9/hub" in capsys.readouterr().err


def test_a_server_reload_pings_the_hub_for_the_changed_feeds(seeds, settings, hub) -> None:
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    write_article(seeds, "b.md", **article("b", topics=["Robots"], publishedDateTime="2024-04-01T00:00:00Z"))
    client = create_app(dataclasses.replace(settings, hub_url=hub.url, reload_interval=0.05)).test_client()
    write_article(seeds, "a.md", **article("a", title="Edited", topics=["AI"]))
    deadline = time.monotonic() + 5
    while hub.urls() != _feeds("all", "topics/ai") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hub.urls() == _feeds("all", "topics/ai")
    assert client.get("/feeds/topics/ai.atom").status_code == 200
