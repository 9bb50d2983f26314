"""Property-based: whatever the article files hold, loading never raises and every feed stays valid."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedpub.feeds.catalog import build_catalog
from feedpub.config import Settings
from feedpub.feeds.keys import ALL
from feedpub.feeds.ledger import ArchiveLedger
from feedpub.site import Site
from feedpub.render import FORMATS
from feedpub.ingest.loader import load_folder
from feedpub.web import create_app

# Text as hostile as files get: markup, entities, controls, surrogates, emoji, right-to-left marks.
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["<b>bold</b>", "AT&T", "&amp;lt;", "<script>alert(1)</script>", "\x00\x1b", "\ud800", "🦄", "\u202e"]),
)
scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), hostile_text)
urls = st.one_of(
    st.just("https://example.org/a"),
    st.builds(lambda s: f"https://example.org/{s}", st.text(max_size=20)),
    st.sampled_from(["javascript:alert(1)", "data:text/html,x", "/relative", "http://ex ample.org/", "https://münchen.de/ä"]),
    scalar,
)
dates = st.one_of(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)).map(lambda d: d.isoformat()),
    scalar,
)
articles = st.fixed_dictionaries(
    {"title": st.one_of(hostile_text, scalar), "webUrl": urls, "publishedDateTime": dates},
    optional={
        "excerpt": st.one_of(hostile_text, scalar),
        "published": st.one_of(st.booleans(), scalar),
        "heat": scalar,
        "quality": scalar,
        "topics": st.one_of(st.lists(st.one_of(hostile_text, scalar), max_size=4), scalar),
        "provider": st.one_of(st.fixed_dictionaries({"name": hostile_text, "domain": hostile_text}), scalar),
        "images": st.one_of(st.lists(st.fixed_dictionaries({"url": urls, "width": scalar}), max_size=2), scalar),
    },
)
files = st.lists(
    st.one_of(
        articles.map(lambda fields: ("---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n").encode("utf-8", "surrogatepass")),
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: ("---\n" + t + "\n---\n").encode("utf-8", "surrogatepass")),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(contents=files)
def test_any_folder_loads_without_raising_and_every_feed_is_valid(tmp_path_factory, contents: list[bytes]) -> None:
    seeds = tmp_path_factory.mktemp("seeds")
    for number, body in enumerate(contents):
        (seeds / f"{number}.md").write_bytes(body)

    loaded = load_folder(seeds)
    assert len(loaded.articles) + sum(p.level == "error" for p in loaded.problems) == len(contents)

    catalog = build_catalog(loaded.articles)
    site_settings = Settings(seeds=seeds, limit=1000)
    site = Site(catalog, site_settings, ArchiveLedger(site_settings.archive_size))
    all_feed = site.describe(ALL)
    assert all_feed is not None
    assert {entry.url for entry in all_feed.entries} == {a.url for a in loaded.articles if a.is_published}

    for key in site.feeds():
        feed = site.describe(key)
        assert feed is not None
        for format_ in FORMATS.values():
            body = format_.render(feed)
            if format_.extension == "json":
                assert len(json.loads(body)["items"]) == len(feed.entries)
            else:
                parsed = feedparser.parse(body)
                assert parsed.bozo == 0, parsed.bozo_exception
                assert [e.link for e in parsed.entries] == [entry.url for entry in feed.entries]


@pytest.fixture(scope="module")
def web_client(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("web-seeds")
    for number, topic in enumerate(["AI", "Robots & <People>", "../../etc", "Ünïcode"]):
        fields = {"title": f"Story {number}", "webUrl": f"https://example.org/{number}",
                  "publishedDateTime": f"2021-03-0{number + 1}T10:00:00Z", "topics": [topic]}
        (seeds / f"{number}.md").write_text("---\n" + yaml.safe_dump(fields) + "---\n", encoding="utf-8")
    return create_app(Settings(seeds=seeds)).test_client()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    query=st.text(max_size=30),
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]),
)
def test_the_server_never_answers_500(web_client, path: str, query: str, method: str) -> None:
    response = web_client.open("/feeds/" + quote(path, safe="/%.+"), method=method, query_string=query)
    assert response.status_code < 500
