"""The archive ledger, ``.feedpub-archives.json`` in the seeds folder: what it records, who writes it, and how
a damaged one is treated (it is input like any article file)."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import feedparser

from feedpub.site import load_site
from feedpub.feeds.catalog import feed_order
from feedpub.cli import main
from feedpub.config import Settings
from feedpub.feeds.ledger import LEDGER, MAX_LEDGER_BYTES, ArchiveLedger, Boundary, ledger_bytes, parse_ledger
from feedpub.static.ledger import save_ledger
from feedpub.ingest.loader import load_folder
from feedpub.web import create_app

from ..conftest import BASE_URL, REPO, article, files_under, write_article

MAY = datetime(2024, 5, 1, tzinfo=timezone.utc)
# Twelve stories a day apart in pages of 5: two archives in each feed (stories 0-4 and 5-9).
PAGES_OF_FIVE = ("--limit", "5", "--archive-size", "5")
RECORDED = """{
  "feedpub_archives": 1,
  "page_size": 5,
  "feeds": {
    "all": [
      ["2024-05-05T00:00:00Z"],
      ["2024-05-10T00:00:00Z"]
    ],
    "topics/ai": [
      ["2024-05-05T00:00:00Z"],
      ["2024-05-10T00:00:00Z"]
    ]
  }
}
"""


def _stories(seeds: Path, count: int) -> None:
    for number in range(count):
        moment = (MAY + timedelta(days=number)).isoformat()
        write_article(seeds, f"{number:02d}.md", **article(f"s{number}", topics=["AI"], publishedDateTime=moment))


def _build(capsys, seeds: Path, out: Path, *flags: str) -> str:
    """Run ``feedpub build`` as a user does; returns what it printed on stderr."""
    assert main(["build", "--seeds", str(seeds), "--out", str(out), "--base-url", BASE_URL, "--quiet", *flags]) == 0
    return capsys.readouterr().err


@pytest.fixture
def twelve(seeds: Path) -> Path:
    _stories(seeds, 12)
    return seeds


def test_a_build_records_where_each_feeds_archive_pages_end_one_line_a_page(capsys, twelve, tmp_path) -> None:
    _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    assert (twelve / LEDGER).read_text() == RECORDED


def test_no_ledger_is_written_until_a_page_is_full_nor_by_check(capsys, seeds, tmp_path) -> None:
    _stories(seeds, 4)
    _build(capsys, seeds, tmp_path / "out", *PAGES_OF_FIVE)
    assert not (seeds / LEDGER).exists()
    _stories(seeds, 12)
    assert main(["check", str(seeds)]) == 0
    assert not (seeds / LEDGER).exists()


def test_the_shipped_seeds_have_no_full_page_and_so_no_ledger() -> None:
    assert load_site(Settings(seeds=REPO / "seeds")).frozen_ledger() == ArchiveLedger(50)
    assert not (REPO / "seeds" / LEDGER).exists()


def test_times_are_recorded_in_utc_to_the_microsecond(capsys, seeds, tmp_path) -> None:
    for number in range(6):
        moment = f"2024-05-0{number + 1}T12:00:00.00000{number}+02:00"
        write_article(seeds, f"{number}.md", **article(f"s{number}", publishedDateTime=moment))
    _build(capsys, seeds, tmp_path / "out", *PAGES_OF_FIVE)
    ledger = json.loads((seeds / LEDGER).read_bytes())
    assert ledger["feeds"]["all"] == [["2024-05-05T10:00:00.000004Z"]]


def test_a_page_end_is_a_prefix_of_its_articles_place_in_feed_order(seeds) -> None:
    write_article(seeds, "a.md", **article("a", heat=7, publishedDateTime="2024-05-01T12:00:00.5+05:30"))
    (newest,) = load_folder(seeds).articles
    assert Boundary.of_page(newest, None).key == feed_order(newest)[:1]
    assert Boundary.of_page(newest, newest).key == feed_order(newest)[:3]


def _fresh_output(capsys, seeds: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build of a copy of ``seeds`` without any ledger publishes."""
    clean = tmp_path / "clean-seeds"
    shutil.copytree(seeds, clean, ignore=shutil.ignore_patterns(".*"))
    _build(capsys, clean, tmp_path / "clean-out", *PAGES_OF_FIVE)
    return files_under(tmp_path / "clean-out")


DAMAGE = {
    "empty": b"",
    "not JSON": b"{broken",
    "not UTF-8": b"\xff\xfe\x00garbage",
    "foreign JSON": b'{"name": "some-package", "version": "1.0.0"}',
    "a list": b"[1, 2, 3]",
    "a later format": b'{"feedpub_archives": 2, "page_size": 5, "feeds": {}}',
    "page size zero": b'{"feedpub_archives": 1, "page_size": 0, "feeds": {}}',
    "a time without offset": b'{"feedpub_archives": 1, "page_size": 5, "feeds": {"all": [["2024-05-05T00:00:00"]]}}',
    "a heat without url": b'{"feedpub_archives": 1, "page_size": 5, "feeds": {"all": [["2024-05-05T00:00:00Z", 3]]}}',
    "pages out of order": (
        b'{"feedpub_archives": 1, "page_size": 5, "feeds": {"all": [["2024-05-10T00:00:00Z"], ["2024-05-05T00:00:00Z"]]}}'
    ),
    "deeply nested": b"[" * 100_000,
    "too large": b'{"feedpub_archives": 1, "page_size": 5, "feeds": {}, "padding": "' + b"x" * MAX_LEDGER_BYTES + b'"}',
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_an_unusable_ledger_is_named_in_a_warning_and_replaced(capsys, twelve, tmp_path, damage) -> None:
    (twelve / LEDGER).write_bytes(DAMAGE[damage])
    err = _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    assert f"{twelve / LEDGER}: warning: the archive ledger cannot be used" in err
    assert "archives are cut afresh from the oldest article" in err
    assert (twelve / LEDGER).read_text() == RECORDED
    assert files_under(tmp_path / "out") == _fresh_output(capsys, twelve, tmp_path)


def test_a_fifo_in_place_of_the_ledger_is_refused_without_waiting(capsys, twelve, tmp_path) -> None:
    os.mkfifo(twelve / LEDGER)
    err = _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    assert "it is not a regular file" in err
    assert (twelve / LEDGER).read_text() == RECORDED


def test_a_new_page_size_recuts_the_archives_with_a_warning(capsys, twelve, tmp_path) -> None:
    _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    (twelve / "02.md").unlink()
    err = _build(capsys, twelve, tmp_path / "out", "--limit", "5", "--archive-size", "4")
    assert f"{twelve / LEDGER}: warning: the archive ledger is for pages of 5 articles, but pages now hold 4" in err
    assert json.loads((twelve / LEDGER).read_bytes())["page_size"] == 4
    assert len(json.loads((tmp_path / "out" / "all" / "archive" / "1.json").read_bytes())["items"]) == 4


@pytest.mark.parametrize("damage", ["other page size", "not JSON"])
def test_an_unusable_ledger_is_replaced_even_when_no_page_is_full_so_its_warning_is_said_once(
    capsys, twelve, tmp_path, damage
) -> None:
    """A rebuild from the last build's state that froze no page kept the file as it was: its warning came
    back at every build and every check."""
    _build(capsys, twelve, tmp_path / "out")  # pages of 50: none full; the state for the next build
    (twelve / LEDGER).write_text(RECORDED if damage == "other page size" else "{bad")
    assert "warning: the archive ledger" in _build(capsys, twelve, tmp_path / "out")
    assert json.loads((twelve / LEDGER).read_bytes()) == {"feedpub_archives": 1, "page_size": 50, "feeds": {}}
    assert "warning: the archive ledger" not in _build(capsys, twelve, tmp_path / "out")


def test_a_ledger_that_cannot_be_written_is_reported_and_the_feeds_are_published(capsys, twelve, tmp_path) -> None:
    (twelve / LEDGER).mkdir()  # what stands in for a read-only seeds folder, even for root
    err = _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    assert f"feedpub: warning: cannot update the archive ledger {twelve / LEDGER}" in err
    assert "make the seeds folder writable" in err
    assert (tmp_path / "out" / "all" / "archive" / "2.atom").is_file()


def test_check_names_an_unusable_ledger(capsys, twelve) -> None:
    (twelve / LEDGER).write_bytes(b"{broken")
    assert main(["check", str(twelve), "--strict"]) == 1
    assert f"{twelve / LEDGER}: warning: the archive ledger cannot be used: it is not JSON" in capsys.readouterr().out
    assert (twelve / LEDGER).read_bytes() == b"{broken"


def _ledger(*days: int, path: str = "all") -> ArchiveLedger:
    return ArchiveLedger(5, {path: tuple(Boundary(MAY + timedelta(days=day)) for day in days)})


def test_saving_never_drops_pages_another_process_recorded(seeds) -> None:
    """Server workers and builds may record at once: a feed's recorded pages give way only to more pages."""
    assert save_ledger(seeds, _ledger(4, 9))
    assert not save_ledger(seeds, _ledger(4)), "an older view of the same pages"
    assert not save_ledger(seeds, _ledger(4, 8)), "pages cut differently after the recorded ones"
    assert save_ledger(seeds, _ledger(4, 9, 14))
    assert save_ledger(seeds, _ledger(2, path="topics/ai"))
    both = ArchiveLedger(5, {**_ledger(4, 9, 14).feeds, **_ledger(2, path="topics/ai").feeds})
    assert parse_ledger((seeds / LEDGER).read_bytes()) == both
    assert list(seeds.iterdir()) == [seeds / LEDGER], "no temporary file is left behind"


def test_the_file_reads_back_as_it_was_written() -> None:
    ledger = ArchiveLedger(3, {
        "all": (Boundary(MAY), Boundary(MAY + timedelta(microseconds=1), 12, "https://a.example/x")),
        "providers/a.example": (Boundary(MAY),),
    })
    assert parse_ledger(ledger_bytes(ledger)) == ledger


def test_the_server_only_reads_the_ledger(twelve, settings) -> None:
    """feedpub build is the one writer: a served checkout stays as it was, and no two processes race on it."""
    served = dataclasses.replace(settings, limit=5, archive_size=5, reload_interval=0)
    app = create_app(served)
    assert app.test_client().get("/feeds/all/archive/2.atom").status_code == 200
    write_article(twelve, "late.md", **article("late", topics=["AI"], publishedDateTime="2024-06-01T00:00:00Z"))
    assert app.extensions["feedpub"].reloader.check()
    assert not (twelve / LEDGER).exists()


def test_a_running_server_follows_a_ledger_a_build_changed(capsys, twelve, tmp_path, settings) -> None:
    """Archives cut by position move when an old article goes; once a build records them, the server
    serves the recorded pages at its next look, with no article file changed since."""
    served = dataclasses.replace(settings, limit=5, archive_size=5, reload_interval=0)
    app = create_app(served)
    _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    assert (twelve / LEDGER).read_text() == RECORDED
    assert app.extensions["feedpub"].reloader.check(), "the new ledger is a change"
    (twelve / "00.md").unlink()
    assert app.extensions["feedpub"].reloader.check()
    served_page = feedparser.parse(app.test_client().get("/feeds/all/archive/1.atom").data)
    _build(capsys, twelve, tmp_path / "out", *PAGES_OF_FIVE)
    built_page = feedparser.parse((tmp_path / "out" / "all" / "archive" / "1.atom").read_bytes())
    links = [entry.link for entry in served_page.entries]
    assert links == [entry.link for entry in built_page.entries]
    assert len(links) == 4, "the recorded first page lost its oldest article and kept the other four"


def test_a_one_off_limit_neither_rewrites_the_ledger_nor_recuts_the_archives(capsys, twelve, tmp_path) -> None:
    """Pages are cut by archive_size alone; limit only says how many entries a subscription feed shows."""
    out = tmp_path / "out"
    _build(capsys, twelve, out, *PAGES_OF_FIVE)
    archive = (out / "all" / "archive" / "2.atom").read_bytes()
    err = _build(capsys, twelve, out, "--limit", "1", "--archive-size", "5")
    assert "warning" not in err
    assert (twelve / LEDGER).read_text() == RECORDED
    assert (out / "all" / "archive" / "2.atom").read_bytes() == archive
    shown = feedparser.parse((out / "all.atom").read_bytes()).entries
    assert len(shown) == 2, "never fewer than the two articles no archive holds"
