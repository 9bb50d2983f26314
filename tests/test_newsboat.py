"""The served feeds as a feed reader people use shows them: newsboat, headless, against granian on 127.0.0.1.

newsboat fetches a feed with ``-x reload`` and keeps what it understood (feed title and link, each entry's
title, link, date and author) in its SQLite cache, the record its screens are drawn from; the test reads it
back. Each feed gets a fresh cache: newsboat keeps one copy of an article by its id, so an article listed in
several feeds would otherwise show under one of them only.

Needs Debian's ``newsboat`` (``scripts/install-system-deps`` installs it). Without it the test is skipped,
except under CI (``CI=true``), where a missing program is a failure. The articles and the server are
test_browser's (its module fixtures, started afresh for this module).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from .test_browser import SEEDS, SITE_TITLE, TOPICS, Seed, images, in_topic, newest_first, server  # noqa: F401

NEWSBOAT_WAIT = 30  # seconds for one reload
MISSING = "newsboat is not installed: run `bash scripts/install-system-deps` (as root, on Debian)"


@pytest.fixture(scope="module")
def newsboat() -> str:
    found = shutil.which("newsboat")
    if found is None:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"{MISSING}. Under CI the reader tests must run, never be skipped.", pytrace=False)
        pytest.skip(MISSING)
    return found


def read_with_newsboat(executable: str, url: str, home: Path) -> tuple[str, sqlite3.Connection]:
    """Reload one feed in a fresh newsboat profile; what it printed, and its cache to look into."""
    home.mkdir()
    (home / "urls").write_text(url + "\n", encoding="utf-8")
    (home / "config").write_text("", encoding="utf-8")
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "no_proxy": "127.0.0.1"}
    done = subprocess.run(
        [executable, "-u", str(home / "urls"), "-c", str(home / "cache.db"), "-C", str(home / "config"),
         "-x", "reload", "print-unread"],
        capture_output=True, text=True, timeout=NEWSBOAT_WAIT, env=env, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"newsboat failed on {url}: {done.stderr[-2000:]}"
    return done.stdout, sqlite3.connect(home / "cache.db")


FEEDS = [
    pytest.param("all", newest_first(SEEDS), SITE_TITLE, id="all"),
    pytest.param("topics/robotics", in_topic("Robotics"), f"{SITE_TITLE}: {TOPICS['robotics']}", id="topic"),
    pytest.param("providers/greenwire.example",
                 newest_first([s for s in SEEDS if s.provider and s.provider[1] == "greenwire.example"]),
                 f"{SITE_TITLE}: Green Wire", id="provider"),
]


@pytest.mark.parametrize("extension", ["rss", "atom"])
@pytest.mark.parametrize(("path", "seeds", "title"), FEEDS)
def test_newsboat_shows_the_titles_dates_and_links_of_a_served_feed(
    newsboat: str, server: str, tmp_path: Path, path: str, seeds: list[Seed], title: str, extension: str
) -> None:
    url = f"{server}/feeds/{path}.{extension}"
    printed, cache = read_with_newsboat(newsboat, url, tmp_path / "newsboat")
    with cache:
        assert printed.strip() == f"{len(seeds)} unread articles"
        feeds = cache.execute("SELECT title, url FROM rss_feed WHERE rssurl = ?", (url,)).fetchall()
        assert feeds == [(title, f"{server}/feeds/{path}.html")], "the feed's name, and its page as its website"
        items = cache.execute(
            "SELECT title, url, pubDate, author FROM rss_item WHERE feedurl = ? ORDER BY pubDate DESC", (url,)
        ).fetchall()
    assert [item[0] for item in items] == [seed.visible_title for seed in seeds], "titles, as a person should read them"
    assert [item[1] for item in items] == [seed.url for seed in seeds], "each entry opens its article"
    assert [item[2] for item in items] == [int(seed.published.timestamp()) for seed in seeds], "dates"
    assert [item[3] for item in items] == [seed.provider[0] if seed.provider else "" for seed in seeds], "authors"
