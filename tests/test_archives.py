"""RFC 5005 archives and provider feeds: every feed's whole history, reachable from its subscription document."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
import yaml

from feedpub.build import load_site
from feedpub.config import Settings
from feedpub.publish import write_site

START = datetime(2021, 1, 1, tzinfo=timezone.utc)


def _write(seeds: Path, number: int, **extra: object) -> None:
    fields = {
        "title": f"Story {number}",
        "webUrl": f"https://news.example.org/{number}",
        "publishedDateTime": (START + timedelta(hours=number)).isoformat(),
        "topics": ["Robots"] if number % 2 else ["Robots", "AI"],
        "provider": {"name": "The Example Times", "domain": "WWW.Example.ORG"},
        **extra,
    }
    seeds.mkdir(exist_ok=True)
    (seeds / f"{number:03d}.md").write_text("---\n" + yaml.safe_dump(fields) + "---\n", encoding="utf-8")


def _publish(tmp_path: Path, count: int, limit: int = 7, archive_size: int = 5) -> tuple[Path, Settings]:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    for number in range(count):
        _write(seeds, number)
    settings = Settings(seeds=seeds, out=out, limit=limit, archive_size=archive_size)
    write_site(load_site(settings).site, out)
    return out, settings


def _walk(out: Path, settings: Settings, path: str, extension: str) -> list[str]:
    """Follow prev-archive links from the subscription document, as an RFC 5005 client does."""
    seen: list[str] = []
    url = f"{settings.feeds_url}{path}.{extension}"
    visited = 0
    while url:
        visited += 1
        assert visited < 100, "the archive chain loops"
        document = feedparser.parse((out / url.removeprefix(settings.feeds_url)).read_bytes())
        assert document.bozo == 0, document.bozo_exception
        for entry in document.entries:
            if entry.id not in seen:  # clients keep the first (newest) copy of an entry
                seen.append(entry.id)
        url = next((link.href for link in document.feed.links if link.rel == "prev-archive"), "")
    return seen


@pytest.mark.parametrize("extension", ["atom", "rss"])
@pytest.mark.parametrize("limit", [3, 7])
def test_walking_the_archive_chain_gives_every_article_once_newest_first(tmp_path, extension, limit) -> None:
    out, settings = _publish(tmp_path, count=23, limit=limit)
    everything = [f"https://news.example.org/{n}" for n in reversed(range(23))]
    assert _walk(out, settings, "all", extension) == everything
    assert _walk(out, settings, "topics/ai", extension) == [u for u in everything if int(u.rsplit("/", 1)[1]) % 2 == 0]
    assert _walk(out, settings, "providers/example.org", extension) == everything


def test_json_feed_pages_chain_through_next_url(tmp_path) -> None:
    out, settings = _publish(tmp_path, count=23)
    ids: list[str] = []
    url = settings.feeds_url + "all.json"
    while url:
        page = json.loads((out / url.removeprefix(settings.feeds_url)).read_bytes())
        ids += [item["id"] for item in page["items"] if item["id"] not in ids]
        url = page.get("next_url", "")
    assert ids == [f"https://news.example.org/{n}" for n in reversed(range(23))]


def test_archives_hold_full_pages_numbered_from_the_oldest_and_are_marked(tmp_path) -> None:
    out, _ = _publish(tmp_path, count=23)
    assert sorted(p.name for p in (out / "all" / "archive").glob("*.atom")) == ["1.atom", "2.atom", "3.atom", "4.atom"]
    oldest = feedparser.parse((out / "all/archive/1.atom").read_bytes())
    assert [e.id.rsplit("/", 1)[1] for e in oldest.entries] == ["4", "3", "2", "1", "0"]
    raw = (out / "all/archive/1.atom").read_text()
    assert "<fh:archive/>" in raw and 'rel="current"' in raw and 'rel="next-archive"' in raw
    assert "<fh:archive/>" not in (out / "all.atom").read_text()


def test_new_articles_leave_older_archives_byte_identical(tmp_path) -> None:
    out, settings = _publish(tmp_path, count=23)
    archive = out / "all" / "archive"
    before = {p.name: p.read_bytes() for p in archive.iterdir()}
    newest_before = feedparser.parse(before["4.atom"])
    for number in range(23, 31):
        _write(settings.seeds, number)
    write_site(load_site(settings).site, out)

    for number in (1, 2, 3):
        for extension in ("rss", "atom", "json"):
            name = f"{number}.{extension}"
            assert (archive / name).read_bytes() == before[name], f"archive {name} changed"
    # The archive that was newest keeps its entries and only gains a next-archive link to the new one.
    newest_after = feedparser.parse((archive / "4.atom").read_bytes())
    assert [e.id for e in newest_after.entries] == [e.id for e in newest_before.entries]
    assert any(link.rel == "next-archive" for link in newest_after.feed.links)
    assert (archive / "6.atom").exists()


def test_editing_an_old_article_rewrites_only_its_archive(tmp_path) -> None:
    out, settings = _publish(tmp_path, count=23)
    _write(settings.seeds, 7, excerpt="Corrected")
    report = write_site(load_site(settings).site, out)
    assert {w for w in report.written if "/archive/" in w and w.startswith("all/")} == {
        f"all/archive/2.{ext}" for ext in ("rss", "atom", "json")
    }


def test_provider_feeds_are_keyed_by_normalised_domain_and_titled_by_name(tmp_path) -> None:
    out, _ = _publish(tmp_path, count=2)
    feed = feedparser.parse((out / "providers/example.org.atom").read_bytes())
    assert feed.bozo == 0
    assert "The Example Times" in feed.feed.title
    assert 'href="providers/example.org.atom"' in (out / "index.html").read_text()


def test_archives_are_served_with_a_longer_cache_lifetime(tmp_path) -> None:
    from feedpub.web import create_app

    _, settings = _publish(tmp_path, count=23)
    client = create_app(settings).test_client()
    archive = client.get("/feeds/topics/robots/archive/1.atom")
    assert archive.status_code == 200
    assert archive.cache_control.max_age > client.get("/feeds/topics/robots.atom").cache_control.max_age
    for missing in ("all/archive/0.atom", "all/archive/01.atom", "all/archive/5.atom", "all/archive/x.atom"):
        assert client.get(f"/feeds/{missing}").status_code == 404
