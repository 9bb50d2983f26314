"""Planning a deploy, without a store: targets, the local listing, what changed, the upload order, deletes,
and the headers."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from feedpub.site import load_site
from feedpub.config import Settings
from feedpub.deploy import object_headers
from feedpub.deploy.local import scan
from feedpub.deploy.plan import (
    DeployError, LocalFile, Phase, RemoteObject, Target, etag_md5, make_plan, needs_digest, parse_target, phase_of,
)
from feedpub.static.writer import write_site
from feedpub.web import create_app

from ..conftest import files_under, write_stories


def local(*paths: str, body: bytes = b"same") -> dict[str, LocalFile]:
    return {path: LocalFile(path, len(body), hashlib.md5(body).hexdigest()) for path in paths}


def remote(*paths: str, body: bytes = b"same") -> list[RemoteObject]:
    return [RemoteObject(path, len(body), hashlib.md5(body).hexdigest()) for path in paths]


@pytest.mark.parametrize(("text", "target"), [
    ("s3://news", Target("news", "")),
    ("s3://news/", Target("news", "")),
    ("s3://news/feeds", Target("news", "feeds/")),
    ("s3://news//site/feeds/", Target("news", "site/feeds/")),
    ("s3://arn:aws:s3:us-east-1:123456789012:accesspoint:news/feeds",
     Target("arn:aws:s3:us-east-1:123456789012:accesspoint:news", "feeds/")),
])
def test_a_target_is_a_bucket_and_a_prefix(text: str, target: Target) -> None:
    assert parse_target(text) == target
    assert target.key("all.atom") == target.prefix + "all.atom"


@pytest.mark.parametrize("text", ["", "news/feeds", "https://news/feeds", "s3://", "s3:///feeds", "s3://news/../x"])
def test_a_target_that_is_not_s3_is_a_settings_error(text: str) -> None:
    with pytest.raises(DeployError) as raised:
        parse_target(text)
    assert raised.value.status == 2 and "s3://BUCKET" in str(raised.value)


@pytest.mark.parametrize("bucket", ["Bad_Bucket!!", "news feeds", "new%73"])
def test_a_bucket_name_no_store_accepts_is_a_settings_error_naming_it(bucket: str) -> None:
    """botocore refused it with a many-line dump of its pattern, as a failed deploy (status 1)."""
    with pytest.raises(DeployError) as raised:
        parse_target(f"s3://{bucket}/x")
    assert raised.value.status == 2 and f"the bucket name {bucket!r}" in str(raised.value)


def test_only_plain_md5_etags_say_what_the_bytes_are() -> None:
    digest = hashlib.md5(b"x").hexdigest()
    assert etag_md5(f'"{digest}"') == digest
    assert etag_md5(f'"{digest.upper()}"') == digest
    assert etag_md5(f'"{digest}-3"') is None  # a multipart upload's
    assert etag_md5("") is None


def test_archives_go_first_then_feeds_then_pages() -> None:
    assert phase_of("all/archive/1.atom") == phase_of("topics/ai/archive/12.json") == Phase.LINKED
    assert phase_of("feed.xsl") == phase_of("robots.txt") == Phase.LINKED
    assert phase_of("all.rss") == phase_of("topics/ai.atom") == phase_of("providers/cnbc.com.json") == Phase.FEEDS
    assert phase_of("index.html") == phase_of("opml.xml") == phase_of("topics/ai.html") == Phase.PAGES
    assert phase_of("topics/archive.atom") == Phase.FEEDS  # a topic named "archive" is a feed, not an archive


def test_unchanged_files_are_not_uploaded_and_changed_ones_are_in_phase_order() -> None:
    files = {**local("index.html", "all.atom", "all/archive/1.atom", "topics/ai.html"), **local("topics/new.atom", body=b"new")}
    stored = remote("index.html", "all/archive/1.atom", "topics/ai.html") + remote("all.atom", body=b"old")

    plan = make_plan(files, stored)

    assert [u.path for u in plan.uploads] == ["all.atom", "topics/new.atom"]
    assert plan.unchanged == 3 and plan.deletes == []
    assert plan.bytes == len(b"same") + len(b"new")


def test_force_uploads_everything_in_phase_order() -> None:
    files = local("index.html", "all.atom", "all/archive/1.atom", "opml.xml", "feed.xsl")
    plan = make_plan(files, remote(*files), force=True)
    assert [[u.path for u in group] for group in plan.phases()] == [
        ["all/archive/1.atom", "feed.xsl"], ["all.atom"], ["index.html", "opml.xml"],
    ]
    assert plan.unchanged == 0


def test_objects_without_files_are_deleted_and_a_changed_size_is_a_change() -> None:
    plan = make_plan(local("all.atom", "index.html"), remote("index.html", "gone.atom", "gone/archive/1.atom")
                     + [RemoteObject("all.atom", 99, hashlib.md5(b"same").hexdigest())])
    assert [u.path for u in plan.uploads] == ["all.atom"]
    assert plan.deletes == ["gone.atom", "gone/archive/1.atom"]


def test_an_object_whose_etag_is_no_md5_is_compared_by_its_recorded_digest() -> None:
    files = local("a.atom", "b.atom", "c.atom")
    stored = [RemoteObject("a.atom", 4, None), RemoteObject("b.atom", 5, None), *remote("c.atom")]
    assert needs_digest(files, {o.path: o for o in stored}) == ["a.atom"]  # b's size already tells
    assert [u.path for u in make_plan(files, stored).uploads] == ["a.atom", "b.atom"]  # no digest: upload
    recorded = [RemoteObject("a.atom", 4, files["a.atom"].md5), stored[1], stored[2]]
    assert [u.path for u in make_plan(files, recorded).uploads] == ["b.atom"]


@pytest.mark.parametrize(("path", "content_type", "max_age"), [
    ("all.rss", "application/rss+xml; charset=utf-8", 120),
    ("topics/ai.atom", "application/atom+xml; charset=utf-8", 120),
    ("providers/cnbc.com.json", "application/feed+json; charset=utf-8", 120),
    ("topics/ai/archive/3.atom", "application/atom+xml; charset=utf-8", 86400),
    ("all/archive/1.json", "application/feed+json; charset=utf-8", 86400),
    ("index.html", "text/html; charset=utf-8", 120),
    ("topics/ai.html", "text/html; charset=utf-8", 120),
    ("opml.xml", "text/x-opml; charset=utf-8", 120),
    ("feed.xsl", "text/xsl; charset=utf-8", 120),
    ("robots.txt", "text/plain", 120),
    ("blob.unknownext", "application/octet-stream", 120),
])
def test_object_headers_follow_the_server(path: str, content_type: str, max_age: int) -> None:
    assert object_headers(path, Settings(cache_max_age=120)) == {
        "Content-Type": content_type, "Cache-Control": f"public, max-age={max_age}",
    }


def test_object_headers_equal_the_servers_for_every_document(settings: Settings, seeds) -> None:
    """One policy: what a bucket stores with each object is what `feedpub serve` sends for that path."""
    write_stories(seeds, 5, provider={"name": "CNBC", "domain": "cnbc.com"})
    settings = dataclasses.replace(settings, archive_size=2, limit=2, cache_max_age=90, reload_interval=0)
    write_site(load_site(settings), settings.out)
    client = create_app(settings).test_client()
    paths = list(files_under(settings.out))
    assert "topics/robots/archive/1.rss" in paths and "providers/cnbc.com.html" in paths
    for path in paths:
        response = client.get(f"/feeds/{path}")
        served = {name: response.headers[name] for name in ("Content-Type", "Cache-Control")}
        assert object_headers(path, settings) == served, path


def test_the_local_listing_skips_hidden_files_and_hashes_only_what_changed(tmp_path) -> None:
    out = tmp_path / "out"
    for path, body in {"index.html": b"<p>", "all.atom": b"<feed/>", "topics/ai.rss": b"<rss/>",
                       ".feedpub-manifest.json": b"{}", ".hidden/x.atom": b"x"}.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(body)
    first = scan(out, 2)
    assert sorted(first) == ["all.atom", "index.html", "topics/ai.rss"]
    assert first["all.atom"] == LocalFile("all.atom", 7, hashlib.md5(b"<feed/>").hexdigest())

    (out / "all.atom").write_bytes(b"<FEED/>")  # same size, other bytes: its stat key tells
    (out / "topics/ai.rss").unlink()
    second = scan(out, 2)
    assert sorted(second) == ["all.atom", "index.html"]
    assert second["all.atom"].md5 == hashlib.md5(b"<FEED/>").hexdigest()
    assert second["index.html"] == first["index.html"]

