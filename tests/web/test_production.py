"""The production server: a real granian on 127.0.0.1, read by real feed clients over real HTTP."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from ..conftest import free_port, production_server, running_server, write_stories


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    seeds = tmp_path_factory.mktemp("server-seeds")
    write_stories(seeds, 5)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FEEDPUB_SEEDS=str(seeds), FEEDPUB_BASE_URL=base)
    with running_server(production_server(port), base, env, seeds.parent / "granian.log"):
        yield base


def test_feedparser_reads_every_format_and_gets_304_with_the_returned_etag(server: str) -> None:
    expected = [f"https://news.example.org/{n}" for n in reversed(range(5))]
    for extension in ("rss", "atom", "json"):
        url = f"{server}/feeds/topics/robots.{extension}"
        first = feedparser.parse(url)
        assert first.status == 200
        if extension != "json":  # feedparser does not read JSON Feed
            assert first.bozo == 0
            assert [entry.link for entry in first.entries] == expected
            assert first.entries[0].title == "Story 4 & friends"
        again = feedparser.parse(url, etag=first.etag)
        assert again.status == 304


def test_the_reader_library_subscribes_and_reads_the_entries(server: str, tmp_path: Path) -> None:
    from reader import make_reader

    library = make_reader(str(tmp_path / "reader.sqlite"))
    try:
        library.add_feed(f"{server}/feeds/all.atom")
        library.update_feeds()
        entries = sorted(library.get_entries(), key=lambda entry: entry.link)
        assert [entry.link for entry in entries] == [f"https://news.example.org/{n}" for n in range(5)]
        assert entries[0].title == "Story 0 & friends"
    finally:
        library.close()


def test_gzip_is_sent_to_clients_that_accept_it(server: str) -> None:
    request = urllib.request.Request(f"{server}/feeds/all.rss", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.headers["Vary"] == "Accept-Encoding"
        import gzip

        assert gzip.decompress(response.read()).startswith(b"<?xml")
