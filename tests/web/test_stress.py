"""Many request threads, switching as often as Python allows, against one app that reloads under them.

Every answer must be a 200 or a 304, and every body exactly what a fresh, single-threaded app renders for
one of the states the seeds folder was in, with the ETag of that body; afterwards the app must serve the
last state. The query-feed cache is made small so that the threads evict from it all the time.
"""

from __future__ import annotations

import dataclasses
import gzip
import locale
import os
import random
import sys
import threading
import time
from collections import Counter

import pytest

from feedpub.web import app as app_module
from feedpub.web import create_app

from ..conftest import article, write_article

THREADS = 8
SECONDS = 2.0
PLAIN = ["", "all.atom", "all.rss", "all.json", "topics/ai.atom", "topics/robots.rss", "topics/space.json",
         "providers/cnbc.com.atom", "opml.xml", "topics/ai.html", "topics/ai+robots.atom", "topics/robots+space.json"]
QUERIES = [f"all.atom?limit={n}" for n in range(1, 13)] + [f"topics/ai.json?sort=heat&limit={n}" for n in range(1, 9)] + [
    f"all.rss?min_heat={heat}" for heat in (0, 50, 100, 200)] + [
    f"topics/ai+robots.rss?min_quality={quality}&limit=3" for quality in (0, 30, 60)] + [
    "topics/robots.atom?sort=heat&min_heat=20", "all.json?sort=heat&min_heat=10&min_quality=20"]
QUERY_URLS = [f"/feeds/{path}" for path in QUERIES]
URLS = [f"/feeds/{path}" for path in PLAIN] + QUERY_URLS
TITLES = ("Version A", "Version Bee")  # of different sizes: each edit is seen, however coarse the clock


def _write_state(seeds, title: str) -> None:
    """Replace the one article that changes, atomically, as editors and ``rsync`` do."""
    staged = write_article(seeds.parent / "staging", "s0.md", **article(
        "s0", title=title, topics=["AI", "Robots"], heat=300, quality=50, provider={"name": "CNBC", "domain": "cnbc.com"}))
    os.replace(staged, seeds / "s0.md")


@pytest.fixture
def states(seeds, settings) -> dict[str, dict[str, tuple[str, bytes]]]:
    """For each state of the folder, each URL's ETag and body, from a fresh app that only this thread uses."""
    for number in range(1, 12):
        write_article(seeds, f"s{number}.md", **article(
            f"s{number}", publishedDateTime=f"2024-05-{number:02d}T12:00:00Z", heat=number * 17 % 120,
            quality=number * 9 % 100, topics=[["AI"], ["Robots"], ["Space", "AI"]][number % 3],
            provider={"name": "CNBC", "domain": "cnbc.com"}))
    answers = {}
    for title in TITLES:
        _write_state(seeds, title)
        client = create_app(dataclasses.replace(settings, reload_interval=0)).test_client()
        answers[title] = {url: (response.headers["ETag"], response.data) for url in URLS
                          if (response := client.get(url)).status_code == 200}
        assert set(answers[title]) == set(URLS), "every URL of the test is a document"
    assert answers[TITLES[0]]["/feeds/all.atom"][1] != answers[TITLES[1]]["/feeds/all.atom"][1]
    return answers


def test_threads_switching_all_the_time_get_only_whole_correct_answers(seeds, settings, states, monkeypatch) -> None:
    monkeypatch.setattr(app_module, "MAX_QUERY_CACHE", 4)  # far fewer than the query URLs: constant eviction
    _write_state(seeds, TITLES[0])
    app = create_app(dataclasses.replace(settings, reload_interval=0.01))  # its poller reloads too
    reloader = app.extensions["feedpub"].reloader
    valid = {url: {(etag.strip('"'), body) for answers in states.values() for etag, body in [answers[url]]}
             for url in URLS}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    reloads = [0]
    stop = threading.Event()

    def request(seed: int) -> None:
        rnd, client, seen = random.Random(seed), app.test_client(), Counter()
        while not stop.is_set():
            url = rnd.choice(QUERY_URLS if rnd.random() < 0.6 else URLS)  # mostly the shared cache
            headers = {}
            if rnd.random() < 0.3:
                headers["Accept-Encoding"] = "gzip"
            if rnd.random() < 0.4:
                headers["If-None-Match"] = rnd.choice([answers[url][0] for answers in states.values()])
            try:
                response = client.get(url, headers=headers)
            except Exception as error:  # noqa: BLE001 - a WSGI server answers 500 to whatever the app raises
                failures.append(f"{url} {headers}: 500, {error!r}")
                continue
            seen[response.status_code] += 1
            etag = response.headers.get("ETag", "").strip('"')
            if response.status_code == 200:
                body = response.data
                if response.headers.get("Content-Encoding") == "gzip":
                    body, etag = gzip.decompress(body), etag.removesuffix("-gzip")
                if (etag, body) not in valid[url]:
                    failures.append(f"{url} {headers}: a body or ETag of no state")
            elif response.status_code == 304:
                if headers.get("If-None-Match", "").strip('"') != etag.removesuffix("-gzip") or "gzip" in headers.get(
                        "Accept-Encoding", "") and not etag.endswith("-gzip"):
                    failures.append(f"{url} {headers}: 304 for another representation ({etag})")
            else:
                failures.append(f"{url} {headers}: {response.status_code} {response.data[:200]!r}")
        with lock:
            statuses.update(seen)

    def edit() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            _write_state(seeds, TITLES[number % 2])
            try:
                reloads[0] += reloader.check()
            except Exception as error:  # noqa: BLE001 - counted as a failure, not lost with the thread
                failures.append(f"reload: {error!r}")
            time.sleep(0.02)

    lock = threading.Lock()
    threads = [threading.Thread(target=request, args=(seed,)) for seed in range(THREADS)]
    threads.append(threading.Thread(target=edit))
    interval, locale_before = sys.getswitchinterval(), locale.setlocale(locale.LC_ALL)
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(interval)
    assert not any(thread.is_alive() for thread in threads)
    assert locale.setlocale(locale.LC_ALL) == locale_before, "the process's locale was left changed"
    assert failures == [], f"{len(failures)} wrong answers, e.g. {failures[:5]}"
    # The run tested something: many answers of both kinds, and reloads while they were given.
    assert statuses[200] >= 100 and statuses[304] >= 10 and reloads[0] >= 3, (statuses, reloads)

    _write_state(seeds, TITLES[1])
    reloader.check()
    time.sleep(0.05)  # the poller may be finishing a look of its own
    client = app.test_client()
    last = states[TITLES[1]]
    assert all(client.get(url).data == last[url][1] for url in URLS), "an older state is served after a newer one"
