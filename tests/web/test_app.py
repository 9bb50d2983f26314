"""feedpub.web: the same documents as the static build, served under /feeds/ with proper HTTP."""

from __future__ import annotations

import dataclasses

import pytest

from feedpub.static.writer import write_site
from feedpub.web import create_app

from ..conftest import render_path, REPO, article, files_under, write_article

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@pytest.fixture
def articles(seeds):
    write_article(seeds, "a.md", **article("a", topics=["AI", "Robots"], provider={"name": "CNBC", "domain": "cnbc.com"}))
    write_article(seeds, "b.md", **article("b", topics=["AI"], publishedDateTime="2024-04-01T00:00:00Z"))


@pytest.fixture
def client(articles, settings):
    return create_app(settings).test_client()


def test_the_root_redirects_to_the_feeds_index(client):
    response = client.get("/")
    assert response.status_code in (301, 302, 303, 307, 308)
    assert response.headers["Location"].endswith("/feeds/")


def test_the_feeds_folder_is_the_index_page(client, build):
    response = client.get("/feeds/")
    assert response.status_code == 200
    assert response.content_type == CONTENT_TYPES["html"]
    assert response.data == render_path(build(), "index.html").body
    assert b'href="all.atom"' in response.data


def test_the_index_page_escapes_names_from_article_files(seeds, settings):
    write_article(seeds, "x.md", **article("x", topics=["&lt;script&gt;alert(1)&lt;/script&gt; Topic"]))
    page = create_app(settings).test_client().get("/feeds/").data.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Topic" in page


def test_every_file_of_the_static_build_is_served_with_the_same_bytes(client, build, settings):
    write_site(build(), settings.out)
    written = files_under(settings.out)
    assert "all.rss" in written and "topics/robots.json" in written
    for path, body in written.items():
        response = client.get(f"/feeds/{path}")
        assert response.status_code == 200, path
        assert response.data == body, path


@pytest.mark.parametrize("path", ["all.rss", "all.atom", "all.json", "topics/ai.rss", "topics/robots.atom", "index.html"])
def test_each_format_is_served_with_its_media_type_and_charset(client, path):
    response = client.get(f"/feeds/{path}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPES[path.rpartition(".")[2]]


@pytest.mark.parametrize(
    "path",
    ["topics/nope.rss", "topics/ai.xml", "all/archive/1.html", "all.xml", "all", "topics/ai", "topics/", "nope/all.rss"],
)
def test_an_unknown_topic_or_format_is_a_plain_text_404(client, path):
    response = client.get(f"/feeds/{path}")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert b"/feeds/" in response.data


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/../server.py",
        "/feeds/%2e%2e/server.py",
        "/feeds/%2E%2E%2Fserver.py",
        "/feeds/..%2fserver.py",
        "/feeds/topics/../../server.py",
        "/feeds/topics/%2e%2e/%2e%2e/pyproject.toml",
        "/feeds/topics/..%2F..%2Fpyproject.toml",
        "/feeds//etc/passwd",
        "/feeds/%2fetc%2fpasswd",
        "/feeds/..\\server.py",
        "/feeds/topics/../all.rss/../../server.py",
    ],
)
def test_path_traversal_finds_nothing(client, url):
    # Werkzeug may first redirect "//" to "/"; wherever the request ends up, it finds nothing.
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 404
    assert response.request.path.startswith("/feeds/")
    assert (REPO / "server.py").read_bytes() not in response.data
    assert b"create_app" not in response.data
    assert b"root:" not in response.data


def test_an_overlong_path_is_a_404(client):
    assert client.get("/feeds/" + "a/" * 2000 + "all.rss").status_code == 404


def test_a_matching_etag_gives_304_without_a_body(client):
    first = client.get("/feeds/all.atom")
    etag = first.headers["ETag"]
    assert etag
    again = client.get("/feeds/all.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_a_stale_etag_gives_the_full_document(client):
    first = client.get("/feeds/all.atom")
    response = client.get("/feeds/all.atom", headers={"If-None-Match": '"something-else"'})
    assert response.status_code == 200
    assert response.data == first.data


def test_each_document_has_its_own_etag(client):
    etags = {client.get(f"/feeds/{path}").headers["ETag"] for path in ("all.rss", "all.atom", "all.json", "")}
    assert len(etags) == 4


def test_feeds_are_last_modified_at_their_newest_entry(client):
    response = client.get("/feeds/all.rss")
    assert response.last_modified is not None
    assert response.last_modified.isoformat().startswith("2024-05-01T12:00:00")
    again = client.get("/feeds/all.rss", headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert again.status_code == 304


def test_head_gives_the_headers_of_get_without_a_body(client):
    get = client.get("/feeds/topics/ai.json")
    head = client.head("/feeds/topics/ai.json")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(get.data)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("url", ["/feeds/all.rss", "/feeds/"])
def test_methods_other_than_get_and_head_are_refused_with_405(client, method, url):
    response = getattr(client, method)(url, data=b"x")
    assert response.status_code == 405
    assert response.mimetype == "text/plain"
    assert "GET" in response.headers["Allow"]


def test_the_app_serves_what_its_settings_point_at(seeds, settings):
    # No feedpub.toml, no environment: the settings passed in are the only source.
    write_article(seeds, "z.md", **article("z", title="Only in this folder"))
    client = create_app(settings).test_client()
    assert b"Only in this folder" in client.get("/feeds/all.rss").data


def test_web_readers_may_read_validators_and_send_conditional_requests_cross_origin(client):
    response = client.get("/feeds/all.atom")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/feeds/all.atom", headers={"Origin": "https://reader.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 204
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_last_modified_is_never_in_the_future(seeds, settings):
    write_article(seeds, "future.md", **article("future", publishedDateTime="2999-01-01T00:00:00Z"))
    response = create_app(settings).test_client().get("/feeds/all.atom")
    assert response.last_modified is not None and response.last_modified.year < 2999


# Plain documents are answered by a WSGI fast path, query feeds by Flask: both must follow the same rules.
ANSWERED_BY_EITHER_PATH = pytest.mark.parametrize("url", ["/feeds/all.atom", "/feeds/all.atom?limit=1"])


@ANSWERED_BY_EITHER_PATH
def test_a_304_repeats_the_validators_and_caching_headers_but_no_body_headers(client, url):
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    for name in ("ETag", "Cache-Control", "Vary", "Access-Control-Allow-Origin"):
        assert again.headers[name] == first.headers[name]
    for name in ("Content-Type", "Content-Encoding", "Last-Modified"):
        assert name not in again.headers


@ANSWERED_BY_EITHER_PATH
@pytest.mark.parametrize("accept, compressed", [
    ("gzip", True), ("deflate, gzip;q=0.5", True), ("*", True), ("gzip;q=0", False), ("identity", False), (None, False),
])
def test_gzip_is_sent_exactly_when_the_client_accepts_it(client, url, accept, compressed):
    import gzip

    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    response = client.get(url, headers={"Accept-Encoding": accept} if accept else {})
    assert response.headers["Vary"] == "Accept-Encoding"
    assert (response.headers.get("Content-Encoding") == "gzip") is compressed
    assert (gzip.decompress(response.data) if compressed else response.data) == plain.data
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert (response.headers["ETag"] != plain.headers["ETag"]) is compressed


@ANSWERED_BY_EITHER_PATH
@pytest.mark.parametrize("if_none_match, status", [
    ("{etag}", 304), ("W/{etag}", 304), ('"other", {etag}', 304), ("*", 304), ('"other"', 200), ('W/"other"', 200),
])
def test_if_none_match_uses_weak_comparison_over_a_list_of_etags(client, url, if_none_match, status):
    etag = client.get(url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": if_none_match.format(etag=etag)})
    assert response.status_code == status


def test_if_none_match_decides_over_if_modified_since(client):
    first = client.get("/feeds/all.rss")
    response = client.get("/feeds/all.rss", headers={
        "If-None-Match": '"other"', "If-Modified-Since": first.headers["Last-Modified"],
    })
    assert response.status_code == 200


def test_an_unparsable_if_modified_since_gives_the_full_document(client):
    response = client.get("/feeds/all.rss", headers={"If-Modified-Since": "yesterday"})
    assert response.status_code == 200 and response.data


def test_a_404_echoes_no_control_characters_and_no_kilobytes_of_the_path(seeds, settings) -> None:
    write_article(seeds, "a.md", **article("a"))
    client = create_app(dataclasses.replace(settings, reload_interval=0)).test_client()
    response = client.get("/feeds/" + "%1b[31m%07" + "x" * 5000 + ".atom")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert len(body) < 200
    assert not any(char in body for char in "\x1b\x07")
    assert body.startswith("No feed at /feeds/?[31m?xxx")
