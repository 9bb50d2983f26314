"""The repository's own example: seeds/ and the feeds/ built from it, checked in side by side."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

from feedpub.site import load_site
from feedpub.config import Settings
from feedpub.render import FORMATS
from feedpub.ingest.loader import load_folder
from feedpub.static.writer import write_site

from .conftest import REPO, files_under

UNPUBLISHED = "000_6dc33803aeabff0d.txt"
PUBLISHED = "002_b595f1f0b994a2c5.txt"
PUBLISHED_TOPICS = ("computer-vision", "ai", "facebook-ai")


@pytest.fixture
def default_settings(monkeypatch, tmp_path) -> Settings:
    """The settings of a plain ``feedpub build`` in the repository, writing elsewhere."""
    monkeypatch.chdir(REPO)
    return Settings(out=tmp_path / "feeds")


@pytest.fixture
def built(default_settings) -> dict[str, bytes]:
    """Every file a fresh build of seeds/ writes, by path."""
    write_site(load_site(default_settings), default_settings.out)
    return files_under(default_settings.out)


@pytest.fixture(scope="module")
def seed_urls() -> dict[str, str]:
    """The webUrl of each seed, by file name."""
    return {Path(a.source).name: a.url for a in load_folder(REPO / "seeds").articles}


def entry_urls(path: str, body: bytes) -> list[str]:
    if path.endswith(".json"):
        return [item["url"] for item in json.loads(body)["items"]]
    document = feedparser.parse(body)
    assert document.bozo == 0, (path, document.get("bozo_exception"))
    return [entry.link for entry in document.entries]


def test_both_seeds_load_and_only_one_is_published():
    loaded = load_folder(REPO / "seeds")
    assert loaded.problems == ()
    published = {Path(a.source).name: a.is_published for a in loaded.articles}
    assert published == {UNPUBLISHED: False, PUBLISHED: True}


def test_the_unpublished_seed_appears_in_no_file_anywhere(built, seed_urls):
    url = seed_urls[UNPUBLISHED].encode()
    assert built, "the build wrote nothing"
    for path, body in built.items():
        assert url not in body, f"{path} holds the unpublished article {UNPUBLISHED}"
        assert b"Facebook taught a computer vision system" not in body, path


def test_the_published_seed_is_in_the_all_feed_and_each_of_its_topics_in_every_format(built, seed_urls):
    url = seed_urls[PUBLISHED]
    for feed in ("all", *(f"topics/{slug}" for slug in PUBLISHED_TOPICS)):
        for extension in FORMATS:
            path = f"{feed}.{extension}"
            assert path in built, f"the build has no {path}"
            assert entry_urls(path, built[path]) == [url], path


def test_the_checked_in_feeds_are_what_a_fresh_build_of_seeds_writes(built):
    checked_in = files_under(REPO / "feeds")
    missing = sorted(set(built) - set(checked_in))
    extra = sorted(set(checked_in) - set(built))
    different = sorted(path for path in set(built) & set(checked_in) if built[path] != checked_in[path])
    assert not (missing or extra or different), (
        "feeds/ is out of date with seeds/ and the code: run `feedpub build` in the repository root and commit "
        f"feeds/.\n  missing from feeds/: {missing}\n  in feeds/ but no longer built: {extra}\n"
        f"  different: {different}"
    )


def test_two_builds_write_byte_identical_files(default_settings, tmp_path):
    first = tmp_path / "first"
    second = tmp_path / "second"
    write_site(load_site(default_settings), first)
    write_site(load_site(default_settings), second)
    assert files_under(first) == files_under(second)
    assert files_under(first)
