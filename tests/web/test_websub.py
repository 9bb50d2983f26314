"""WebSub: hub discovery in every format and header, and publish pings for exactly the feeds that changed."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest

from feedpub.cli import main
from feedpub.config import load_settings
from feedpub.errors import SettingsError
from feedpub.web import create_app
from feedpub.web.websub import BackgroundPublisher

from ..conftest import FEEDS_URL, article, write_article


class Hub:
    """A real HTTP hub on 127.0.0.1 that records every publish ping; with ``one_url_only``, it answers 400
    to a POST of several URLs, as some hubs do."""

    def __init__(self, one_url_only: bool = False, gate: threading.Event | None = None) -> None:
        self.pings: list[tuple[str, str]] = []
        self.posts: list[list[str]] = []  # the URLs of each accepted POST
        pings, posts = self.pings, self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                if gate is not None:
                    gate.wait(10)
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode("ascii"))
                if one_url_only and len(form["hub.url"]) > 1:
                    self.send_response(400)
                    self.end_headers()
                    return
                posts.append(form["hub.url"])
                pings.extend((form["hub.mode"][0], url) for url in form["hub.url"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
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


def _write_three_topics(seeds) -> None:
    for slug, topic in (("a", "AI"), ("b", "Robots"), ("c", "Space")):
        write_article(seeds, f"{slug}.md", **article(slug, topics=[topic]))


def test_a_build_tells_the_hub_about_several_feeds_in_one_post(seeds, settings, hub) -> None:
    _write_three_topics(seeds)
    assert _build_with_hub(settings, hub.url) == 0
    assert len(hub.posts) == 1
    assert set(hub.posts[0]) == _feeds("all", "topics/ai", "topics/robots", "topics/space")


def test_a_hub_that_refuses_several_urls_in_a_post_gets_one_per_post(seeds, settings, capsys) -> None:
    _write_three_topics(seeds)
    strict = Hub(one_url_only=True)
    try:
        assert _build_with_hub(settings, strict.url) == 0
    finally:
        strict.server.shutdown()
    assert all(len(urls) == 1 for urls in strict.posts)
    assert strict.urls() == _feeds("all", "topics/ai", "topics/robots", "topics/space")
    assert "told " + strict.url + " about 12 changed feeds" in capsys.readouterr().out


def test_a_hub_that_never_answers_holds_the_build_no_longer_than_its_deadline(seeds, settings, capsys) -> None:
    """The hub accepts connections and never answers, like one behind a firewall that drops packets."""
    _write_three_topics(seeds)
    silent = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    built = threading.Event()

    def hold() -> None:
        silent.settimeout(0.1)
        end = time.monotonic() + 8  # then let go, so that a build without a deadline ends too, and fails
        while time.monotonic() < end and not built.is_set():
            try:
                held.append(silent.accept()[0])
            except TimeoutError:
                pass
        for connection in held:
            connection.close()
        silent.close()

    holder = threading.Thread(target=hold)
    holder.start()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/hub"
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FEEDPUB_HUB_DEADLINE", "1.5")
        assert _build_with_hub(settings, url) == 0
    took = time.monotonic() - started
    built.set()
    holder.join()
    assert held, "the build reached the hub"
    assert took < 1.5 + 1.5, f"the build took {took:.1f} s with a 1.5 s deadline"
    err = capsys.readouterr().err
    for feed in _feeds("all", "topics/ai", "topics/robots", "topics/space"):
        assert f"could not tell {url} that {feed} changed: " in err
    assert "no answer within the 1.5 s deadline" in err
    assert "12 of 12 changed feeds were not delivered" in err


def test_the_servers_sender_merges_waiting_feeds_into_one_post_and_drops_the_oldest(caplog) -> None:
    gate = threading.Event()
    slow = Hub(gate=gate)
    sender = BackgroundPublisher(slow.url, deadline=10, max_pending=3)
    try:
        sender.submit(["https://x.example/0"])  # the sender takes it, and waits for the hub
        time.sleep(0.3)
        with caplog.at_level(logging.WARNING, logger="feedpub.web.websub"):
            sender.submit([f"https://x.example/{n}" for n in (1, 2, 3)])
            sender.submit(["https://x.example/2", "https://x.example/4"])  # 2 again: it waits once
        assert "dropped the 1 oldest" in caplog.text
        gate.set()
        deadline = time.monotonic() + 5
        while len(slow.posts) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        gate.set()
        slow.server.shutdown()
    assert slow.posts == [["https://x.example/0"], [f"https://x.example/{n}" for n in (3, 2, 4)]]


@pytest.mark.parametrize("value", ["0", "-1", "601", "soon"])
def test_hub_deadline_must_be_a_sensible_number_of_seconds(value: str) -> None:
    with pytest.raises(SettingsError, match="hub_deadline|number"):
        load_settings(environ={"FEEDPUB_HUB_DEADLINE": value})
    assert load_settings(environ={"FEEDPUB_HUB_DEADLINE": "2.5"}).hub_deadline == 2.5
