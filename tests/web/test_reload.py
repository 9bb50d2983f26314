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

from ..conftest import article, unlistable, write_article


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


def test_a_folder_that_cannot_be_listed_is_said_once_in_one_line_and_the_last_articles_served(
    seeds, settings, caplog, monkeypatch
) -> None:
    """Not a traceback at every look: the folder's own message, once, until a look succeeds again."""
    write_article(seeds, "a.md", **article("a"))
    reloader = Reloader(settings)
    unlistable(monkeypatch, seeds)
    with caplog.at_level(logging.INFO, logger="feedpub"):
        assert [reloader.check() for _ in range(3)] == [False] * 3
    (said,) = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert f"cannot list the seeds folder {seeds} (Permission denied)" in said.getMessage()
    assert said.exc_info is None
    assert [a.url for a in reloader.current.catalog.articles] == ["https://news.example.com/a"]
    monkeypatch.undo()
    assert reloader.check() is False  # a look that works, finding nothing changed: the next failure is news
    unlistable(monkeypatch, seeds)
    with caplog.at_level(logging.INFO, logger="feedpub"):
        reloader.check()
    assert len([record for record in caplog.records if record.levelno >= logging.WARNING]) == 2
    monkeypatch.undo()
    write_article(seeds, "b.md", **article("b", publishedDateTime="2024-06-01T00:00:00Z"))
    assert reloader.check() is True


def test_a_reload_says_only_the_problems_that_are_new(seeds, settings, caplog) -> None:
    """A broken file said at every reload (every edit of any other file) buried the new ones."""
    write_article(seeds, "a.md", **article("a"))
    (seeds / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    reloader = Reloader(settings)
    with caplog.at_level(logging.WARNING, logger="feedpub"):
        write_article(seeds, "a.md", **article("a", title="Edited"))
        assert reloader.check() is True
        assert "broken.md" not in caplog.text
        (seeds / "worse.md").write_text("---\ntitle: [unclosed\n---\n")
        assert reloader.check() is False  # a broken file alone changes no document
        write_article(seeds, "b.md", **article("b"))
        assert reloader.check() is True
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 1 and said[0].startswith(f"{seeds / 'worse.md'}:3: error: invalid YAML")


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


def test_sites_are_handed_on_in_the_order_they_were_loaded(seeds, settings) -> None:
    """Two looks at once (the poller's and another thread's): the later load must be the one left in place."""
    write_article(seeds, "a.md", **article("a", title="First"))
    handed: list[str] = []
    second_loaded = threading.Event()

    def on_change(previous, fresh) -> None:
        title = fresh.catalog.articles[0].title
        if title == "Second":
            second_loaded.wait(timeout=0.5)  # the other look loads meanwhile, if it can
        else:
            second_loaded.set()
        handed.append(title)

    reloader = Reloader(settings, on_change=on_change)
    write_article(seeds, "a.md", **article("a", title="Second"))
    first = threading.Thread(target=reloader.check)
    first.start()
    assert _eventually(lambda: reloader.current.catalog.articles[0].title == "Second", 2)
    write_article(seeds, "a.md", **article("a", title="Third"))
    assert reloader.check()
    first.join(5)
    assert handed == ["Second", "Third"]
    assert reloader.current.catalog.articles[0].title == "Third"


def test_a_worker_forked_during_a_reload_starts_its_own_poller(seeds, settings) -> None:
    """A server that forks while the parent's poller holds its lock (``gunicorn --preload``) must not leave
    the child waiting forever for a lock no thread of the child will release."""
    write_article(seeds, "a.md", **article("a"))
    reloader = Reloader(settings)
    with reloader._lock:  # the parent's poller is in the middle of a reload
        pid = os.fork()
        if pid == 0:  # the child: start polling, and report whether it could
            try:
                reloader.ensure_running(0.05)
                write_article(seeds, "b.md", **article("b", publishedDateTime="2024-06-01T00:00:00Z"))
                os._exit(0 if _eventually(lambda: len(reloader.current.catalog.articles) == 2, 5) else 1)
            finally:
                os._exit(2)
    deadline = time.monotonic() + 10
    while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.02)
    if waited == (0, 0):
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise AssertionError("the forked child hung on the reloader's lock")
    assert os.waitstatus_to_exitcode(waited[1]) == 0
