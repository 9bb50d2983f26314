"""A build leaves its state for the next (`feedpub.static.snapshot`): a fresh build after a change then
reads only what changed, and gives exactly what a cold build gives; any doubt about that state means a
full build."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from feedpub.cli import main
from feedpub.feeds.catalog import pack_places
from feedpub.static import snapshot
from feedpub.static.writer import MANIFEST

from ..conftest import article, files_under, write_article


def _build(seeds: Path, out: Path, cache: Path, *flags: str) -> None:
    assert main(["build", "--seeds", str(seeds), "--out", str(out), "--cache-dir", str(cache), "--quiet", *flags]) == 0


def _cold(seeds: Path, tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "cold"
    _build(seeds, out, tmp_path / "cold-cache", "--no-cache")
    return files_under(out)


@pytest.fixture
def folder(seeds: Path) -> Path:
    for number in range(30):
        write_article(seeds, f"{number:02d}.md", **article(
            f"a{number}", topics=[["AI"], ["AI", "Robots"], ["Space"]][number % 3], heat=number % 7,
            provider={"name": f"Wire {number % 4}", "domain": f"wire{number % 4}.example"},
            publishedDateTime=f"2024-05-{number % 28 + 1:02d}T{number % 24:02d}:00:00Z",
        ))
    return seeds


@pytest.fixture
def resumed(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each build started from the last one's state."""
    seen: list[bool] = []
    original = snapshot.resume

    def resume(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = original(*args, **kwargs)
        seen.append(found is not None)
        return found

    monkeypatch.setattr(snapshot, "resume", resume)
    return seen


def _damaged_catalog(text: str, damage) -> str:  # type: ignore[no-untyped-def]
    state = json.loads(text)
    damage(state["catalog"])
    return json.dumps(state)


def _draft_in_the_first_cache_file(seeds: Path) -> None:
    """A new unpublished article: the catalog stays as it was, but the article cache's layout does not (its
    name is chosen to go into the cache's first file, so every other file's entries move down one place)."""
    from feedpub.ingest.cache import _shard

    name = min((f"draft-{number}.md" for number in range(500)), key=lambda name: _shard(f"{seeds}/{name}"))
    write_article(seeds, name, **article("draft", published=False))


STEPS = [
    ("an edit", lambda s: write_article(s, "05.md", **article("a5", title="Edited", topics=["AI"], publishedDateTime="2024-05-06T05:00:00Z"))),
    ("an edit that moves it", lambda s: write_article(s, "06.md", **article("a6", title="Moved", topics=["AI"], publishedDateTime="2024-06-30T00:00:00Z"))),
    ("a new article", lambda s: write_article(s, "new.md", **article("new", topics=["Space", "Robots"], provider={"name": "New", "domain": "new.example"}))),
    ("a removal", lambda s: (s / "07.md").unlink()),
    ("a new topic", lambda s: write_article(s, "08.md", **article("a8", topics=["Quantum"], publishedDateTime="2024-05-09T08:00:00Z"))),
    ("a topic emptied", lambda s: write_article(s, "08.md", **article("a8", topics=["AI"], publishedDateTime="2024-05-09T08:00:00Z"))),
    ("a broken file", lambda s: (s / "09.md").write_text("---\ntitle: [unclosed\n---\n")),
    ("the broken file mended", lambda s: write_article(s, "09.md", **article("a9", topics=["Robots"]))),
    ("an unpublished article", lambda s: write_article(s, "10.md", **article("a10", published=False))),
    ("a rename", lambda s: (s / "11.md").rename(s / "renamed.md")),
    ("a new file that publishes nothing", lambda s: _draft_in_the_first_cache_file(s)),
    ("then an edit", lambda s: write_article(s, "05.md", **article("a5", title="Edited again", topics=["AI"], publishedDateTime="2024-05-06T05:00:00Z"))),
    ("nothing", lambda s: None),
]


def test_a_series_of_changes_each_built_from_the_last_state_equals_cold_builds(
    folder: Path, tmp_path: Path, resumed: list[bool]
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache, "--archive-size", "4")
    for name, change in STEPS:
        change(folder)
        _build(folder, out, cache, "--archive-size", "4")
        cold = tmp_path / "cold"
        _build(folder, cold, tmp_path / "cold-cache", "--no-cache", "--archive-size", "4")
        assert files_under(out) == files_under(cold), f"after {name}"
        _assert_the_state_reads_back_as_the_catalog(folder, out, cache, archive_size=4)
    assert resumed == [False] + [True] * (2 * len(STEPS))


def _assert_the_state_reads_back_as_the_catalog(seeds: Path, out: Path, cache_dir: Path, archive_size: int) -> None:
    """What the next build reads of the state is the catalog of the files as they are (a wrong one can go
    unseen in the output: the next change may make the build catalog afresh)."""
    from feedpub.config import load_settings
    from feedpub.feeds.catalog import build_catalog
    from feedpub.ingest.cache import ArticleCache
    from feedpub.ingest.loader import load_folder

    settings = load_settings(None).with_overrides(seeds=seeds, out=out, cache_dir=cache_dir, archive_size=archive_size)
    state = snapshot.resume(settings, ArticleCache(cache_dir, seeds, settings.max_file_size))
    assert state is not None
    fresh = build_catalog(load_folder(seeds).articles)
    catalog = state.site.catalog
    assert [a.source for a in catalog.articles] == [a.source for a in fresh.articles]
    for mine, theirs in ((catalog.topics, fresh.topics), (catalog.providers, fresh.providers)):
        assert {key: [a.source for a in topic.articles] for key, topic in mine.items()} == {
            key: [a.source for a in topic.articles] for key, topic in theirs.items()}


def test_a_file_changed_in_the_output_folder_means_a_full_build(folder: Path, tmp_path: Path, resumed: list[bool]) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache)
    (out / "topics" / "space.rss").write_bytes(b"<rss>vandalised</rss>")
    STEPS[0][1](folder)
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path)
    assert resumed == [False, False]


def test_a_build_that_finds_nothing_changed_leaves_the_state_as_it_was(
    folder: Path, tmp_path: Path, resumed: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Working out the same state again would cost a large site a fifth of a second for nothing."""
    saves: list[int] = []
    original = snapshot.save
    monkeypatch.setattr(snapshot, "save", lambda *args: saves.append(len(resumed)) or original(*args))
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache)
    _build(folder, out, cache)
    STEPS[0][1](folder)
    _build(folder, out, cache)
    _build(folder, out, cache)
    assert resumed == [False, True, True, True]
    assert saves == [1, 3]  # the first build's state, then the edit's
    assert files_under(out) == _cold(folder, tmp_path)


@pytest.mark.parametrize("damage", [
    lambda text: "{broken",
    lambda text: json.dumps({**json.loads(text), "order": pack_places([10**9])}),
    lambda text: json.dumps({**json.loads(text), "order": "not base64!"}),
    lambda text: json.dumps({**json.loads(text), "order": "AAA="}),  # two bytes: not a whole place
    lambda text: json.dumps({**json.loads(text), "digests": {"../../etc": "00"}}),
    lambda text: json.dumps({**json.loads(text), "files": {"all": ["../outside.atom"]}}),
    lambda text: json.dumps({**json.loads(text), "catalog": {}}),
    lambda text: json.dumps({**json.loads(text), "weeks": {path: [1] for path in json.loads(text)["weeks"]}}),
    lambda text: json.dumps({**json.loads(text), "weeks": {path: [-1] * 12 for path in json.loads(text)["weeks"]}}),
    lambda text: json.dumps({**json.loads(text), "weeks": {path: [99] * 12 for path in json.loads(text)["weeks"]}}),
    lambda text: json.dumps({**json.loads(text), "pages": {"all": [[5, 3]]}}),
    lambda text: json.dumps({**json.loads(text), "pages": {"all": [[0, 1], [1, 2]]}}),
    lambda text: json.dumps({**json.loads(text), "pages": {"all": [[0, 99]]}}),
    lambda text: json.dumps({**json.loads(text), "pages": {"all": [[0, 30]]}}),
    # A catalog that reads, but that an update could not follow or that lists articles out of order.
    lambda text: _damaged_catalog(text, lambda catalog: catalog["topics"][0].__setitem__(0, None)),
    lambda text: _damaged_catalog(text, lambda catalog: catalog["topics"].reverse()),
    lambda text: _damaged_catalog(text, lambda catalog: catalog["topics"][0].__setitem__(2, pack_places([0, 1]))),
    lambda text: _damaged_catalog(text, lambda catalog: catalog["providers"][0].__setitem__(2, 7)),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__("problems", [["a.md", "m", "oops", None]])),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__("unpublished", -1)),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__("topic_names", [[["AI"], [None]]])),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__("topic_names", [["AI", "AI"]])),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__("provider_names", {})),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__(
        "provider_names", {key: {name: 0 for name in names} for key, names in catalog["provider_names"].items()})),
    lambda text: _damaged_catalog(text, lambda catalog: catalog.__setitem__("spellings", {"ai": {"AI": "one"}})),
])
def test_a_damaged_snapshot_is_ignored(folder: Path, tmp_path: Path, damage, resumed: list[bool]) -> None:  # type: ignore[no-untyped-def]
    out, cache = tmp_path / "out", tmp_path / "cache"
    (tmp_path / "outside.atom").write_text("not ours")
    _build(folder, out, cache)
    (saved,) = cache.glob("site-*.json")
    assert json.loads(saved.read_text())["weeks"], "every topic's and provider's chart is saved"
    ledger = folder / ".feedpub-archives.json"
    recorded = ledger.read_bytes() if ledger.exists() else None
    # A build that finds nothing changed, or an edit in place, keeps what the state says of the feeds it does
    # not move; a new article moves them all.
    for name, change in (STEPS[-1], STEPS[0], STEPS[2]):
        saved.write_text(damage(saved.read_text()))
        change(folder)
        _build(folder, out, cache)
        assert files_under(out) == _cold(folder, tmp_path), f"after {name}"
        assert (ledger.read_bytes() if ledger.exists() else None) == recorded  # the archive layout is kept
    assert (tmp_path / "outside.atom").read_text() == "not ours"


@pytest.mark.parametrize("state", ["the build state", "an article cache file", "the output manifest"])
def test_a_pipe_put_in_place_of_a_state_file_is_never_waited_on(folder: Path, tmp_path: Path, state: str) -> None:
    """Opening a FIFO for reading waits for a writer: the build must take it for a damaged file and go on."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache)
    path = {
        "the build state": next(cache.glob("site-*.json")),
        "an article cache file": next(cache.glob("articles-*/*.json")),
        "the output manifest": out / MANIFEST,
    }[state]
    path.unlink()
    os.mkfifo(path)
    STEPS[0][1](folder)
    build = threading.Thread(target=_build, args=(folder, out, cache), daemon=True)
    build.start()
    build.join(timeout=60)
    assert not build.is_alive(), f"the build waited on a pipe in place of {state}"
    assert files_under(out) == _cold(folder, tmp_path)


def test_other_settings_or_another_output_folder_do_not_resume(folder: Path, tmp_path: Path, resumed: list[bool]) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache)
    _build(folder, out, cache, "--title", "Other News")
    _build(folder, tmp_path / "elsewhere", cache, "--title", "Other News")
    assert resumed == [False, False, False]
    _build(folder, out, cache, "--title", "Other News")
    assert resumed[-1] is True


def test_files_looked_at_in_another_process_give_the_same_build(
    folder: Path, tmp_path: Path, resumed: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large site's files are looked at in a worker process while the build reads its last state."""
    from feedpub import cli

    monkeypatch.setattr(cli, "PARALLEL_SCAN_FROM", 0)
    monkeypatch.setattr(cli.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    scanned: list[object] = []
    original = cli.changes
    monkeypatch.setattr(cli, "changes", lambda site, found=None: scanned.append(found) or original(site, found))
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache)
    for _, change in STEPS[:4]:
        change(folder)
        _build(folder, out, cache)
        assert files_under(out) == _cold(folder, tmp_path)
    assert resumed == [False, True, True, True, True]
    assert all(isinstance(found, dict) and len(found) >= 30 for found in scanned)
    # The output folder is looked at there too: a file changed by hand still means a full build.
    (out / "topics" / "space.rss").write_bytes(b"<rss>vandalised</rss>")
    STEPS[0][1](folder)
    _build(folder, out, cache)
    assert resumed[-1] is False
    assert files_under(out) == _cold(folder, tmp_path)


def test_what_another_process_saw_of_the_output_folder_is_trusted_only_for_the_same_manifest(
    folder: Path, tmp_path: Path
) -> None:
    from feedpub.config import Settings
    from feedpub.ingest.cache import ArticleCache

    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    _build(folder, out, cache_dir)
    settings = Settings(seeds=folder, out=out, cache_dir=cache_dir)

    def resume(looked):  # type: ignore[no-untyped-def]
        return snapshot.resume(settings, ArticleCache(cache_dir, folder, settings.max_file_size), lambda: looked)

    manifest_key, intact = snapshot.look_at_outputs(out)
    assert intact and manifest_key is not None
    assert resume(None) is not None  # nobody looked: the build looks itself
    assert resume((manifest_key, False)) is None  # a file was found changed
    (out / "topics" / "space.rss").write_bytes(b"<rss>vandalised</rss>")
    assert snapshot.look_at_outputs(out) == (manifest_key, False)
    # What was seen of another manifest (one rewritten meanwhile) is not taken: the build looks itself.
    assert resume(([0, 0, 0, 0], True)) is None
