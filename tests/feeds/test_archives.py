"""RFC 5005 archives and provider feeds: every feed's whole history, reachable from its subscription document."""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import hypothesis
import pytest
import yaml
from hypothesis import strategies as st

from feedpub.site import load_site
from feedpub.feeds.archives import bisect_near
from feedpub.feeds.catalog import build_catalog
from feedpub.cli import main
from feedpub.config import Settings
from feedpub.feeds.keys import ALL
from feedpub.feeds.ledger import ArchiveLedger
from feedpub.site import Site
from feedpub.static.ledger import save_ledger
from feedpub.model import Article
from feedpub.static.writer import WriteReport, write_site

from ..conftest import files_under

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
    _rebuild(settings)
    return out, settings


def _rebuild(settings: Settings) -> WriteReport:
    """Publish as ``feedpub build`` does: write the site, then freeze its archive pages in the ledger."""
    build = load_site(settings)
    report = write_site(build, settings.out)
    save_ledger(settings.seeds, build.frozen_ledger())
    return report


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
    _rebuild(settings)

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
    report = _rebuild(settings)
    assert {w for w in report.written if "/archive/" in w and w.startswith("all/")} == {
        f"all/archive/2.{ext}" for ext in ("rss", "atom", "json")
    }


def _archive_files(out: Path) -> dict[str, bytes]:
    """Every archive document under ``out``, by its path."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.glob("**/archive/*")) if p.is_file()}


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def _numbers(out: Path, path: str) -> list[int]:
    """The story numbers in the Atom document at ``path``, in document order."""
    document = feedparser.parse((out / f"{path}.atom").read_bytes())
    assert document.bozo == 0, document.bozo_exception
    return [int(entry.id.rsplit("/", 1)[1]) for entry in document.entries]


def _in_every_format(*documents: str) -> set[str]:
    return {f"{document}.{extension}" for document in documents for extension in ("rss", "atom", "json")}


def _stories(numbers) -> list[str]:
    """Story URLs newest first, as a client walking the archives should find them."""
    return [f"https://news.example.org/{n}" for n in sorted(numbers, reverse=True)]


# 28 stories an hour apart, pages of 5: five archives (0-4, 5-9, ..., 20-24), 25-27 in the feed alone.
# Every story is in Robots and from example.org; even-numbered ones are in AI too (two archives: 0-8, 10-18).
FIVE_ARCHIVES = 28


def test_removing_an_article_changes_only_the_archive_that_held_it(tmp_path) -> None:
    out, settings = _publish(tmp_path, count=FIVE_ARCHIVES)
    before = _archive_files(out)
    (settings.seeds / "007.md").unlink()
    _rebuild(settings)

    assert _changed(before, _archive_files(out)) == _in_every_format(
        "all/archive/2", "providers/example.org/archive/2", "topics/robots/archive/2"
    )
    assert _numbers(out, "all/archive/2") == [9, 8, 6, 5]
    assert _numbers(out, "all/archive/5") == [24, 23, 22, 21, 20]
    for extension in ("atom", "rss"):
        assert _walk(out, settings, "all", extension) == _stories(set(range(FIVE_ARCHIVES)) - {7})


def test_an_old_article_arriving_late_joins_the_archive_of_its_date_and_no_other(tmp_path) -> None:
    out, settings = _publish(tmp_path, count=FIVE_ARCHIVES)
    before = _archive_files(out)
    _write(settings.seeds, 100, publishedDateTime=(START + timedelta(hours=6, minutes=30)).isoformat())
    _rebuild(settings)

    assert _changed(before, _archive_files(out)) == _in_every_format(
        "all/archive/2", "providers/example.org/archive/2", "topics/robots/archive/2", "topics/ai/archive/1"
    )
    assert _numbers(out, "all/archive/2") == [9, 8, 7, 100, 6, 5]
    assert _numbers(out, "topics/ai/archive/1") == [8, 100, 6, 4, 2, 0]


def test_an_archive_emptied_by_removals_stays_and_still_links_its_neighbours(tmp_path) -> None:
    out, settings = _publish(tmp_path, count=FIVE_ARCHIVES)
    before = _archive_files(out)
    for number in range(5, 10):
        (settings.seeds / f"{number:03d}.md").unlink()
    _rebuild(settings)

    assert _numbers(out, "all/archive/2") == []
    links = {link.rel: link.href for link in feedparser.parse((out / "all/archive/2.atom").read_bytes()).feed.links}
    assert links["prev-archive"] == f"{settings.feeds_url}all/archive/1.atom"
    assert links["next-archive"] == f"{settings.feeds_url}all/archive/3.atom"
    assert json.loads((out / "all/archive/2.json").read_bytes())["items"] == []
    unchanged = {path for path in before if path.startswith("all/") and "/2." not in path}
    assert all(_archive_files(out)[path] == before[path] for path in unchanged)
    assert _walk(out, settings, "all", "atom") == _stories(set(range(FIVE_ARCHIVES)) - set(range(5, 10)))


def test_a_new_heat_for_the_newest_article_of_an_archive_changes_only_that_archive(tmp_path) -> None:
    """A page ends at its newest article's time, not at its heat, which is free to change."""
    out, settings = _publish(tmp_path, count=FIVE_ARCHIVES)
    _write(settings.seeds, 9, heat=1000, excerpt="Updated")
    report = _rebuild(settings)
    assert {path for path in report.written if "/archive/" in path} == _in_every_format(
        "all/archive/2", "providers/example.org/archive/2", "topics/robots/archive/2"
    )


def test_pages_that_end_inside_one_instant_are_kept_as_they_were_published(tmp_path) -> None:
    """Articles of one instant are ordered by heat, then URL: a page ending among them records both."""
    for number in range(12):
        _write(tmp_path / "seeds", number, heat=number, publishedDateTime=START.isoformat())
    out, settings = _publish(tmp_path, count=0)
    assert _numbers(out, "all/archive/1") == [4, 3, 2, 1, 0]
    ledger = json.loads((settings.seeds / ".feedpub-archives.json").read_bytes())
    assert ledger["feeds"]["all"] == [
        ["2021-01-01T00:00:00Z", 4, "https://news.example.org/4"],
        ["2021-01-01T00:00:00Z", 9, "https://news.example.org/9"],
    ]
    assert _rebuild(settings).written == [], "the recorded pages are the pages the first build published"

    (settings.seeds / "003.md").unlink()
    _write(settings.seeds, 50, heat=7, publishedDateTime=START.isoformat())
    _rebuild(settings)
    assert _numbers(out, "all/archive/1") == [4, 2, 1, 0]
    assert _numbers(out, "all/archive/2") == [9, 8, 50, 7, 6, 5]


def test_the_server_serves_the_archives_the_static_build_wrote(tmp_path) -> None:
    from feedpub.web import create_app

    out, settings = _publish(tmp_path, count=FIVE_ARCHIVES)
    for number in (2, 7, 8, 21):
        (settings.seeds / f"{number:03d}.md").unlink()
    _rebuild(settings)
    client = create_app(dataclasses.replace(settings, reload_interval=0)).test_client()
    written = _archive_files(out)
    assert len(written) == 3 * (5 + 5 + 5 + 2)
    for path, body in written.items():
        assert client.get(f"/feeds/{path}").data == body, path


def test_a_cold_build_equals_an_incremental_one_after_removals(tmp_path) -> None:
    seeds = tmp_path / "seeds"
    for number in range(FIVE_ARCHIVES):
        _write(seeds, number)

    def build(out: str, *flags: str) -> None:
        assert main(["build", "--seeds", str(seeds), "--out", str(tmp_path / out), "--limit", "7",
                     "--archive-size", "5", "--cache-dir", str(tmp_path / "cache"), "--quiet", *flags]) == 0

    build("incremental")
    for number in (3, 11, 12):
        (seeds / f"{number:03d}.md").unlink()
    build("incremental")
    build("cold", "--no-cache")
    assert files_under(tmp_path / "cold") == files_under(tmp_path / "incremental")
    assert _numbers(tmp_path / "cold", "all/archive/3") == [14, 13, 10]


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(
    moments=st.lists(st.tuples(st.integers(0, 8), st.integers(-1, 2)), max_size=40),
    size=st.integers(1, 6),
    removed=st.sets(st.integers(0, 39)),
    arrivals=st.lists(st.tuples(st.integers(0, 9), st.integers(-1, 2)), max_size=10),
)
def test_frozen_pages_keep_every_article_they_held(moments, size, removed, arrivals) -> None:
    """For any articles (many of one instant), pages published once keep each article that is not removed,
    whatever is removed and whenever the new articles are dated; freezing itself changes no page."""

    def story(number: int, minute: int, heat: int) -> Article:
        moment = START + timedelta(minutes=minute)
        return Article(str(number), "t", f"https://news.example.org/{number}", moment, moment, f"{number}.md", heat=heat)

    page_settings = Settings(limit=size, archive_size=size)
    first = build_catalog(story(n, minute, heat) for n, (minute, heat) in enumerate(moments))
    published = Site(first, page_settings, ArchiveLedger(size)).archives
    ledger = Site(first, page_settings, ArchiveLedger(size)).frozen_ledger()
    assert Site(first, page_settings, ledger).archives.pages(ALL) == published.pages(ALL)

    kept = [article for article in first.articles if int(article.id) not in removed]
    late = [story(100 + n, minute, heat) for n, (minute, heat) in enumerate(arrivals)]
    second = build_catalog(kept + late)
    pages = Site(second, page_settings, ledger).archives.pages(ALL)

    def page_of(catalog, cut) -> dict[str, int]:
        return {catalog.articles[index].url: number for number, page in enumerate(cut) for index in page}

    before, after = page_of(first, published.pages(ALL)), page_of(second, pages)
    assert all(after[article.url] == before[article.url] for article in kept if article.url in before)
    assert len(pages) >= len(published.pages(ALL))
    # The pages and the subscription feed's newest articles still hold every article once, in feed order.
    newest_archived = len(second.articles) - len(after)
    assert [index for page in reversed(pages) for index in page] == list(range(newest_archived, len(second.articles)))
    assert newest_archived < size


@hypothesis.settings(max_examples=500)
@hypothesis.given(
    values=st.lists(st.integers(0, 20), max_size=60).map(sorted),
    target=st.integers(-1, 21),
    end=st.integers(0, 60),
    guess=st.integers(-70, 130),
)
def test_a_page_start_found_from_any_guess_is_where_bisection_finds_it(values, target, end, guess) -> None:
    """Pages are found by galloping from where a full page would start; a wrong guess (pages emptied by
    removals, or swollen by late arrivals) only costs more looks, never another answer."""
    end = min(end, len(values))
    looked: list[int] = []

    def key(value: int) -> int:
        looked.append(value)
        return value

    assert bisect_near(values, target, end, guess, key) == bisect_left(values, target, 0, end)
    if 0 < guess < end and values[guess - 1] < target <= values[guess]:
        assert len(looked) == 2  # a right guess costs two looks, whatever the length


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
