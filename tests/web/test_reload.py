"""Freshness: a running server follows its seeds folder without a restart, and never serves a half state."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import threading
import time

import feedparser

from feedpub.web import reload as reload_module
from feedpub.web.reload import Reloader
from feedpub.web import create_app

from ..conftest import article, write_article


def _links(client, path: str = "/feeds/all.atom") -> list[str]:
    parsed = feedparser.parse(client.get(path).data)
    assert parsed.bozo == 0
    return [entry.link for entry in parsed.entries]


def _eventually(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_added_changed_and_removed_files_are_served_within_seconds(seeds, settings) -> None:
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    client = create_app(dataclasses.replace(settings, reload_interval=0.05)).test_client()
    assert _links(client) == ["https://news.example.com/a"]

    write_article(seeds, "b.md", **article("b", topics=["Robots"], publishedDateTime="2024-06-01T00:00:00Z"))
    assert _eventually(lambda: _links(client) == ["https://news.example.com/b", "https://news.example.com/a"])
    assert client.get("/feeds/topics/robots.atom").status_code == 200

    write_article(seeds, "a.md", **article("a", title="Corrected", topics=["AI"]))
    assert _eventually(lambda: feedparser.parse(client.get("/feeds/topics/ai.atom").data).entries[0].title == "Corrected")

    (seeds / "b.md").unlink()
    assert _eventually(lambda: client.get("/feeds/topics/robots.atom").status_code == 404)


def test_a_failed_reload_keeps_serving_the_last_good_articles(seeds, settings, caplog) -> None:
    write_article(seeds, "a.md", **article("a"))
    reloader = Reloader(settings)
    shutil.rmtree(seeds)
    with caplog.at_level(logging.ERROR, logger="feedpub.reload"):
        assert reloader.check() is False
    assert [a.url for a in reloader.current.catalog.articles] == ["https://news.example.com/a"]
    assert "still serving the previous articles" in caplog.text


def test_nothing_is_reloaded_while_nothing_changes(seeds, settings) -> None:
    write_article(seeds, "a.md", **article("a"))
    reloader = Reloader(settings)
    first = reloader.current
    assert reloader.check() is False
    assert reloader.current is first


def test_requests_during_reloads_always_see_one_whole_state(seeds, settings) -> None:
    for number in range(20):
        write_article(seeds, f"{number:02d}.md", **article(f"s{number}", topics=["AI"]))
    app = create_app(dataclasses.replace(settings, reload_interval=0.01))
    seen: list[list[int]] = [[], []]
    stop = threading.Event()

    def poll(counts: list[int]) -> None:
        client = app.test_client()
        while not stop.is_set():
            counts.append(len(_links(client, "/feeds/topics/ai.atom?limit=100")))  # every response parses

    pollers = [threading.Thread(target=poll, args=(counts,)) for counts in seen]
    for poller in pollers:
        poller.start()
    for number in range(20, 30):  # each new file is a new state: 21, 22, ... articles
        write_article(seeds, f"{number:02d}.md", **article(f"s{number}", topics=["AI"]))
        time.sleep(0.03)
    assert _eventually(lambda: len(_links(app.test_client())) == 30)
    stop.set()
    for poller in pollers:
        poller.join(timeout=10)
    for counts in seen:
        assert counts and all(20 <= count <= 30 for count in counts)
        assert counts == sorted(counts), "a request saw an older state after a newer one"


def test_an_edit_that_keeps_size_and_modification_time_is_served_at_the_next_look(seeds, settings) -> None:
    """What ``rsync -t``, ``cp -p`` and tar do: the article cache and the reloader share one notion of change."""
    path = write_article(seeds, "a.md", **article("a", title="First version"))
    before = path.stat()
    app = create_app(dataclasses.replace(settings, reload_interval=0))
    path.write_text(path.read_text().replace("First version", "Other version"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert app.extensions["feedpub"].reloader.check()
    assert feedparser.parse(app.test_client().get("/feeds/all.atom").data).entries[0].title == "Other version"


def test_a_failed_reload_is_tried_again_at_the_next_look(seeds, settings, monkeypatch) -> None:
    write_article(seeds, "a.md", **article("a"))
    reloader = Reloader(settings)
    write_article(seeds, "b.md", **article("b", publishedDateTime="2024-06-01T00:00:00Z"))
    real_load = reload_module.load_site
    monkeypatch.setattr(reload_module, "load_site", lambda *args, **kwargs: (_ for _ in ()).throw(OSError("disk hiccup")))
    assert reloader.check() is False
    monkeypatch.setattr(reload_module, "load_site", real_load)
    assert reloader.check() is True
    assert len(reloader.current.catalog.articles) == 2
