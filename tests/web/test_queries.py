"""Query feeds (server only): narrower, hotter or combined views of a feed, validated and bounded."""

from __future__ import annotations

import feedparser
import pytest

from feedpub.web import create_app

from ..conftest import FEEDS_URL, article, write_article

# (slug, day, heat, quality, topics)
STORIES = [
    ("cold-new", 9, -1, 40, ["AI"]),
    ("hot-old", 1, 500, 90, ["AI"]),
    ("warm", 5, 100, 70, ["Robots"]),
    ("both", 3, 50, None, ["AI", "Robots"]),
    ("space", 7, 10, 80, ["Space"]),
]


@pytest.fixture
def client(seeds, settings):
    for slug, day, heat, quality, topics in STORIES:
        fields = article(slug, publishedDateTime=f"2024-05-0{day}T12:00:00Z", heat=heat, topics=topics)
        if quality is not None:
            fields["quality"] = quality
        write_article(seeds, f"{slug}.md", **fields)
    return create_app(settings).test_client()


def _slugs(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.data
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0
    return [entry.link.rsplit("/", 1)[1] for entry in parsed.entries]


def test_limit_gives_the_newest_n(client) -> None:
    assert _slugs(client, "/feeds/all.atom?limit=2") == ["cold-new", "space"]


def test_sort_by_heat_gives_a_hot_feed(client) -> None:
    assert _slugs(client, "/feeds/all.rss?sort=heat") == ["hot-old", "warm", "both", "space", "cold-new"]


def test_minimum_heat_and_quality_filter_articles(client) -> None:
    assert _slugs(client, "/feeds/all.atom?min_heat=50") == ["warm", "both", "hot-old"]
    # An article without a quality never passes a quality threshold.
    assert _slugs(client, "/feeds/all.atom?min_quality=75") == ["space", "hot-old"]


def test_combined_topics_are_their_union_once_each_in_feed_order(client) -> None:
    assert _slugs(client, "/feeds/topics/ai+robots.atom") == ["cold-new", "warm", "both", "hot-old"]
    title = feedparser.parse(client.get("/feeds/topics/robots+space.rss").data).feed.title
    assert "Robots + Space" in title


def test_a_topic_named_like_the_servers_placeholder_keeps_its_name_in_query_feeds(seeds, settings) -> None:
    """The server writes a placeholder where a query feed's query string goes; a topic given the name of the
    fixed one it had used got its title, id and links rewritten. The placeholder is now drawn afresh in
    each process, so no article file can know it."""
    import subprocess
    import sys

    fixed = "feedpub-query-7c1e94d2b8a3"
    write_article(seeds, "named.md", **article("named", topics=[fixed]))
    parsed = feedparser.parse(create_app(settings).test_client().get(f"/feeds/topics/{fixed}.atom?limit=3").data)
    assert parsed.feed.title.endswith(fixed)
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [f"{FEEDS_URL}topics/{fixed}.atom?limit=3"]
    drawn = {subprocess.run([sys.executable, "-c", "from feedpub.site import QUERY_PLACEHOLDER as p; print(p)"],
                            capture_output=True, text=True, check=True).stdout for _ in range(2)}
    assert len(drawn) == 2


def test_a_query_feed_links_to_itself_with_its_canonical_query(client) -> None:
    parsed = feedparser.parse(client.get("/feeds/all.atom?sort=heat&limit=2&utm_source=x").data)
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [f"{FEEDS_URL}all.atom?limit=2&sort=heat"]


@pytest.mark.parametrize(
    "url, message",
    [
        ("/feeds/all.atom?limit=0", "limit must be a whole number from 1 to 500"),
        ("/feeds/all.atom?limit=501", "limit must be a whole number from 1 to 500"),
        ("/feeds/all.atom?limit=ten", "limit must be a whole number"),
        ("/feeds/all.json?sort=random", "sort must be 'newest' or 'heat'"),
        ("/feeds/all.rss?min_heat=1e9", "min_heat must be a whole number"),
        ("/feeds/all.rss?min_quality=-5", "min_quality must be a whole number from 0"),
        ("/feeds/all.atom?limit=%EF%BC%91%EF%BC%90", "limit must be a whole number from 1 to 500, not '１０'"),
        ("/feeds/all.atom?limit=--5", "limit must be a whole number from 1 to 500, not '--5'"),
        ("/feeds/all.rss?min_heat=--1", "min_heat must be a whole number"),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_what_is_allowed(client, url: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    ["/feeds/topics/ai+nope.atom", "/feeds/topics/ai+ai.atom", "/feeds/all/archive/1.atom?limit=2"],
)
def test_unknown_or_repeated_topics_and_queried_archives_are_404(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_query_feeds_get_validators_and_304_like_any_feed(client) -> None:
    first = client.get("/feeds/all.atom?sort=heat")
    again = client.get("/feeds/all.atom?sort=heat", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert first.headers["ETag"] != client.get("/feeds/all.atom").headers["ETag"]


def test_hot_feeds_with_thresholds_keep_the_hottest_first(client) -> None:
    assert _slugs(client, "/feeds/all.atom?sort=heat&min_heat=50") == ["hot-old", "warm", "both"]
    assert _slugs(client, "/feeds/all.atom?sort=heat&min_heat=10&min_quality=75") == ["hot-old", "space"]
    assert _slugs(client, "/feeds/all.atom?sort=heat&min_heat=501") == []
    assert _slugs(client, "/feeds/topics/ai.atom?sort=heat&limit=2") == ["hot-old", "both"]


QUERIES = ["limit=3", "sort=heat", "sort=heat&limit=2", "sort=heat&min_heat=50", "min_heat=50", "min_quality=75&limit=1"]


def test_query_feeds_are_the_same_bytes_as_fresh_renders_and_their_etags_are_stable(settings, client) -> None:
    """Query feeds are assembled from entries kept per site; the bytes must be those of rendering each
    entry afresh, and the ETag the same in every worker that loads the same articles."""
    from feedpub.feeds.keys import parse_path
    from feedpub.render import FORMATS
    from feedpub.site import load_site
    from feedpub.web.app import _arguments, _query

    fresh_site, other_worker = load_site(settings), create_app(settings).test_client()
    for path in ["all.rss", "all.atom", "all.json", "topics/ai.atom", "topics/ai+robots.json"]:
        client.get(f"/feeds/{path}?limit=500")  # the site has rendered entries beyond those asked for below
        for query in QUERIES:
            served = client.get(f"/feeds/{path}?{query}")
            key, parsed = parse_path(path), _query(path, _arguments(query))
            assert served.data == FORMATS[key.format].render(fresh_site.describe(key.feed, parsed)), (path, query)
            assert served.headers["ETag"] == other_worker.get(f"/feeds/{path}?{query}").headers["ETag"]


def test_an_edit_changes_the_etag_of_a_query_feed(seeds, settings, client) -> None:
    before = client.get("/feeds/all.atom?limit=2")
    write_article(seeds, "cold-new.md", **article("cold-new", title="Edited", publishedDateTime="2024-05-09T12:00:00Z"))
    after = create_app(settings).test_client().get("/feeds/all.atom?limit=2")
    assert after.data != before.data and after.headers["ETag"] != before.headers["ETag"]


def test_a_query_feed_is_compressed_only_for_clients_that_ask_and_only_once(client, monkeypatch) -> None:
    import gzip

    from feedpub.web import app as app_module

    compressed: list[int] = []
    real = gzip.compress
    monkeypatch.setattr(app_module.gzip, "compress", lambda data, **kw: compressed.append(len(data)) or real(data, **kw))
    for limit in range(1, 4):
        assert client.get(f"/feeds/all.atom?limit={limit}").status_code == 200
    assert compressed == [], "nobody asked for gzip"
    for _ in range(3):
        response = client.get("/feeds/all.atom?limit=2", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
    assert len(compressed) == 1
    etag = response.headers["ETag"]
    again = client.get("/feeds/all.atom?limit=3", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 200 and len(compressed) == 2
    assert client.get("/feeds/all.atom?limit=2", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code == 304


def test_requests_that_alternate_formats_render_each_entry_once_per_format(client, monkeypatch) -> None:
    """The site keeps every format's rendered entries side by side: alternating formats discards none."""
    import dataclasses as dc

    from feedpub.render import FORMATS

    rendered: list[tuple[str, str]] = []
    for extension, format_ in list(FORMATS.items()):
        def counted(entry, format_=format_, extension=extension):
            rendered.append((extension, entry.url))
            return format_.entry(entry)

        monkeypatch.setitem(FORMATS, extension, dc.replace(format_, entry=counted))
    for limit in (1, 2, 3, 4, 5, 2):
        for extension in ("atom", "rss", "json"):
            assert client.get(f"/feeds/all.{extension}?limit={limit}").status_code == 200
    for extension in ("atom", "rss", "json"):
        assert client.get(f"/feeds/topics/ai+robots.{extension}?sort=heat").status_code == 200
    assert len(rendered) == len(set(rendered)) == 3 * len(STORIES)


def test_an_expected_failure_while_rendering_a_query_feed_is_a_short_503(client, monkeypatch) -> None:
    from feedpub.errors import InputError

    site = client.application.extensions["feedpub"].representations.site

    def fail(*args, **kwargs):
        raise InputError("the seeds folder went away")

    monkeypatch.setattr(site, "render", fail)
    for url in ("/feeds/all.atom?limit=2", "/feeds/topics/ai+robots.rss"):
        response = client.get(url)
        assert response.status_code == 503 and response.mimetype == "text/plain"
        assert b"Traceback" not in response.data
