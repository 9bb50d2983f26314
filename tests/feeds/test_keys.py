"""Document keys: the URL layout is spelled in one module, and any slug works, path words included."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import feedparser
import pytest

from feedpub.cli import main
from feedpub.feeds.keys import ALL, INDEX, OPML, STYLESHEET, DocKey, FeedKey, parse_path, relative_url
from feedpub.web import create_app

from ..conftest import BASE_URL, FEEDS_URL, article, write_article

PATH_WORDS = ["archive", "topics", "providers", "all", "index", "html", "atom"]


@pytest.mark.parametrize("key", [
    INDEX, OPML, STYLESHEET,
    DocKey(ALL, "atom"), DocKey(ALL.page(3), "rss"), DocKey(ALL, "html"),
    *(DocKey(FeedKey("topic", (word,)), "json") for word in PATH_WORDS),
    *(DocKey(FeedKey("topic", (word,), 12), "atom") for word in PATH_WORDS),
    DocKey(FeedKey("provider", ("archive.example.org",), 1), "rss"),
    DocKey(FeedKey("combined", ("ai", "archive", "topics")), "atom"),
])
def test_a_key_survives_the_round_trip_through_its_path(key: DocKey) -> None:
    assert parse_path(key.path) == key


@pytest.mark.parametrize("path,expected", [
    ("topics/archive/archive/6.atom", DocKey(FeedKey("topic", ("archive",), 6), "atom")),
    ("topics/archive.atom", DocKey(FeedKey("topic", ("archive",)), "atom")),
    ("topics/ai/archive/1.json", DocKey(FeedKey("topic", ("ai",), 1), "json")),
    ("all/archive/2.rss", DocKey(ALL.page(2), "rss")),
    ("providers/cnbc.com.html", DocKey(FeedKey("provider", ("cnbc.com",)), "html")),
])
def test_paths_are_read_by_their_segments(path: str, expected: DocKey) -> None:
    assert parse_path(path) == expected


@pytest.mark.parametrize("path", [
    "", "all", "all.xml", "feeds/all.atom", "topics/ai/archive/0.atom", "topics/ai/archive/01.atom",
    "topics/ai/archive/x.atom", "all/archive/1.html", "topics/.atom", "topics/...atom", "topics/ai/extra.atom",
    "topics/a+a.atom", "topics/a+.atom", "topics/a+b/archive/1.atom", "providers/a+b.atom", "topics/" + "a" * 600 + ".atom",
    "topics/ai/archive/١.atom",  # a digit, but not an ASCII one
])
def test_paths_outside_the_layout_name_no_document(path: str) -> None:
    assert parse_path(path) is None


def test_relative_links_work_from_any_folder() -> None:
    page = DocKey(FeedKey("topic", ("archive",)), "html")
    assert relative_url(page, INDEX) == "../index.html"
    assert relative_url(page, page.feed.document("atom")) == "archive.atom"  # type: ignore[union-attr]
    assert relative_url(INDEX, page) == "topics/archive.html"


@pytest.fixture
def path_word_topics(seeds: Path) -> Path:
    """Three stories in each of several topics named like words of the URL layout (three archives of one)."""
    for number in range(3):
        write_article(seeds, f"{number}.md", **article(
            f"s{number}", topics=[word.title() for word in PATH_WORDS], publishedDateTime=f"2024-05-0{number + 1}T00:00:00Z",
        ))
    return seeds


def _archive_links(body: bytes) -> list[str]:
    return [link.href for link in feedparser.parse(body).feed.links if link.rel in ("prev-archive", "next-archive", "current")]


def test_every_archive_link_of_a_path_word_topic_leads_to_a_written_file(path_word_topics: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["build", "--seeds", str(path_word_topics), "--out", str(out), "--base-url", BASE_URL,
                 "--archive-size", "1", "--no-cache", "--quiet"]) == 0
    for word in PATH_WORDS:
        feed = out / "topics" / f"{word}.atom"
        followed, links = [], _archive_links(feed.read_bytes())
        while links:
            link = links.pop()
            if link in followed:
                continue
            followed.append(link)
            target = out / link.removeprefix(FEEDS_URL)
            assert target.is_file(), f"{feed.name} links to {link}, which was not written"
            links += _archive_links(target.read_bytes())
        assert len(followed) == 4, (word, followed)  # three archives, and their link to the feed itself


def test_the_server_answers_every_archive_of_a_path_word_topic(path_word_topics: Path, settings) -> None:
    client = create_app(dataclasses.replace(settings, archive_size=1, reload_interval=0)).test_client()
    for word in PATH_WORDS:
        response = client.get(f"/feeds/topics/{word}.atom")
        assert response.status_code == 200
        for link in _archive_links(response.data):
            assert client.get("/feeds/" + link.removeprefix(FEEDS_URL)).status_code == 200, link


def test_no_module_but_the_key_module_spells_the_layout() -> None:
    """The path grammar lives in feedpub/feeds/keys.py: no other module cuts or builds layout paths."""
    package = Path(__file__).resolve().parents[2] / "feedpub"
    spelled = re.compile(r"""["'](?:topics|providers|archive)/|/archive/|["']\+["']""")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py")) if path.name != "keys.py"
        for number, line in enumerate(path.read_text().splitlines(), 1) if spelled.search(line)
    ]
    assert offenders == []


def test_relative_urls_are_what_relpath_gives() -> None:
    """`relative_url` works links out itself (for speed): the same as ``posixpath.relpath``, for every pair."""
    import posixpath

    feeds = [ALL, ALL.page(3), FeedKey("topic", ("ai",)), FeedKey("topic", ("ai",), 2), FeedKey("topic", ("archive",), 1),
             FeedKey("provider", ("cnbc.com",)), FeedKey("provider", ("topics",), 12), FeedKey("combined", ("ai", "ml"))]
    keys = [INDEX, OPML, STYLESHEET] + [feed.document(format_) for feed in feeds for format_ in ("html", "rss", "json")]
    for source in keys:
        for target in keys:
            expected = posixpath.relpath(target.path, posixpath.dirname(source.path) or ".")
            assert relative_url(source, target) == expected, (source.path, target.path)
