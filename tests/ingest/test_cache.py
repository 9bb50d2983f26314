"""The article cache and incremental builds: a rebuild gives exactly what a cold build gives."""

from __future__ import annotations

import hashlib
import json
import shutil
import os
from pathlib import Path

import pytest

import feedpub
from feedpub import changes
from feedpub.ingest import cache as cache_module
from feedpub.ingest import loader as loader_module
from feedpub.ingest.cache import FORMAT, ArticleCache
from feedpub.cli import main
from feedpub.ingest.loader import DEFAULT_MAX_BYTES, load_folder
from feedpub.model import Image

from ..conftest import article, files_under, write_article


def _build(seeds: Path, out: Path, cache: Path, *flags: str) -> None:
    assert main(["build", "--seeds", str(seeds), "--out", str(out), "--cache-dir", str(cache), "--quiet", *flags]) == 0


def _cold(seeds: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = tmp_path / name
    _build(seeds, out, tmp_path / f"{name}-unused-cache", "--no-cache")
    return files_under(out)


@pytest.fixture
def folder(seeds: Path) -> Path:
    for number in range(12):
        write_article(seeds, f"{number:02d}.md", **article(
            f"a{number}", topics=["AI", "Robots"][: 1 + number % 2], heat=number,
            provider={"name": "Wire", "domain": "wire.example"}, publishedDateTime=f"2024-05-{number + 1:02d}T00:00:00Z",
        ))
    return seeds


def _cache_files(cache: Path) -> list[Path]:
    files = sorted(cache.glob("*/*.json"))
    assert files, f"no cache files under {cache}"
    return files


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


CHANGES = {
    "content": lambda s: write_article(s, "03.md", **article("a3", title="Rewritten", topics=["AI"], publishedDateTime="2024-05-04T00:00:00Z")),
    "deletion": lambda s: (s / "04.md").unlink(),
    "rename": lambda s: (s / "05.md").rename(s / "renamed.md"),
    "topic change": lambda s: write_article(s, "06.md", **article("a6", topics=["Space"], publishedDateTime="2024-05-07T00:00:00Z")),
    "published flip": lambda s: write_article(s, "07.md", **article("a7", published=False, publishedDateTime="2024-05-08T00:00:00Z")),
    "new file": lambda s: write_article(s, "new.md", **article("new", topics=["AI"])),
    "broken file": lambda s: (s / "08.md").write_text("---\ntitle: [unclosed\n---\n"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_rebuild_after_any_change_equals_a_cold_build(folder: Path, tmp_path: Path, change: str) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    CHANGES[change](folder)
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path, "cold")


@pytest.mark.parametrize("option", [["--title", "Other News"], ["--base-url", "https://news.example"], ["--limit", "3"]])
def test_a_rebuild_with_other_settings_equals_a_cold_build_with_them(folder: Path, tmp_path: Path, option: list[str]) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    _build(folder, out, cache, *option)
    cold = tmp_path / "cold"
    _build(folder, cold, tmp_path / "unused-cache", "--no-cache", *option)
    assert files_under(out) == files_under(cold)


def test_same_size_edit_within_the_same_second_is_still_seen(folder: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    path = folder / "02.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Article a2", "Article b2"))  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same modification time
    _build(folder, out, cache)
    assert b"Article b2" in (out / "all.atom").read_bytes()


@pytest.mark.parametrize(
    "damage",
    [b"", b"not json", b"[1, 2, 3]", json.dumps({"format": 999, "files": {}}).encode(), b"\xff\xfe garbage"],
)
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(folder: Path, tmp_path: Path, damage: bytes) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    for cache_file in _cache_files(cache):
        cache_file.write_bytes(damage)
    CHANGES["content"](folder)
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path, "cold")
    assert all(json.loads(f.read_bytes().partition(b"\n")[0])["format"] == FORMAT for f in _cache_files(cache))


@pytest.mark.parametrize("keys", ["not base64!", "AAAA", [1, 2, 3], {"a": 1}, 7])
def test_a_cache_file_whose_stat_keys_are_damaged_is_ignored_and_rebuilt(folder: Path, tmp_path: Path, keys) -> None:  # type: ignore[no-untyped-def]
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    for cache_file in _cache_files(cache):
        header, _, rest = cache_file.read_bytes().partition(b"\n")
        cache_file.write_bytes(json.dumps({**json.loads(header), "keys": keys}).encode() + b"\n" + rest)
    CHANGES["content"](folder)
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path, "cold")


def test_a_file_dated_past_the_year_2262_is_cached_too(folder: Path, tmp_path: Path) -> None:
    """Its time in nanoseconds does not fit in 64 bits: the file is still read from the cache."""
    far = 10**19  # 2286
    os.utime(folder / "03.md", ns=(far, far))
    if (folder / "03.md").stat().st_mtime_ns != far:
        pytest.skip("this filesystem cannot date a file past the year 2262")
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    reread: list[str] = []
    original = loader_module.load_file
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader_module, "load_file", lambda path, *rest: reread.append(str(path)) or original(path, *rest))
        write_article(folder, "05.md", **article("a5", title="Edited", publishedDateTime="2024-05-06T00:00:00Z"))
        _build(folder, out, cache)
    assert [Path(path).name for path in reread] == ["05.md"]  # not 03.md: it came from the cache
    assert files_under(out) == _cold(folder, tmp_path, "cold")


def test_a_cache_entry_that_lies_about_its_file_is_not_trusted_after_a_touch(folder: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    for cache_file in _cache_files(cache):
        text = cache_file.read_text()
        assert '"Article a' in text
        cache_file.write_text(text.replace('"Article a', '"Poisoned title a'))
    for path in folder.iterdir():
        _touch_later(path)
    _build(folder, out, cache)
    assert b"Poisoned" not in (out / "all.atom").read_bytes()


def test_a_feed_file_changed_by_hand_is_rewritten_by_the_next_build(folder: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    (out / "topics" / "ai.atom").write_bytes(b"<feed>vandalised</feed>")
    (out / "all.rss").unlink()
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path, "cold")


def test_a_corrupt_manifest_only_costs_a_full_render(folder: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    (out / ".feedpub-manifest.json").write_bytes(b"{broken")
    CHANGES["topic change"](folder)
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path, "cold")


def test_a_rebuild_after_one_edit_rewrites_one_cache_file_and_a_quiet_rebuild_none(folder: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    files = _cache_files(cache)
    assert len(files) > 1  # the entries are spread over several files

    def stamps() -> dict[Path, int]:
        return {path: path.stat().st_mtime_ns for path in _cache_files(cache)}

    before = stamps()
    _build(folder, out, cache)
    assert stamps() == before
    CHANGES["content"](folder)
    _build(folder, out, cache)
    after = stamps()
    assert after.keys() == before.keys()
    assert sum(after[path] != before[path] for path in before) == 1


def test_an_article_read_from_the_cache_equals_the_one_parsed_from_its_file(seeds: Path, tmp_path: Path) -> None:
    write_article(seeds, "full.md", **article(
        "full", excerpt="Short text", updatedDateTime="2024-05-02T08:30:00+02:00", heat=7, quality=88, type="news",
        provider={"name": "Wire", "domain": "wire.example", "images": [{"url": "https://img.example/wire.png"}]},
        topics=["AI", "Robots"],
        images=[{"url": "https://img.example/a.jpg", "width": 800, "height": 450}, {"url": "https://img.example/b.png"}],
    ))
    write_article(seeds, "plain.md", **article("plain"))
    write_article(seeds, "broken.md", title="")
    parsed = load_folder(seeds, cache=ArticleCache(tmp_path, seeds, DEFAULT_MAX_BYTES))
    cache = ArticleCache(tmp_path, seeds, DEFAULT_MAX_BYTES)
    cached = load_folder(seeds, cache=cache)
    assert cache.hits == 3
    assert cached == parsed and parsed == cached
    assert list(map(hash, cached.articles)) == list(map(hash, parsed.articles))
    assert [a.revision for a in cached.articles] == [a.revision for a in parsed.articles]
    assert parsed.articles[0].images[1] == Image("https://img.example/b.png")
    assert cached.articles[0].provider.image == "https://img.example/wire.png"


def test_the_code_digest_follows_every_source_file(tmp_path: Path) -> None:
    """A changed field rule (here a length limit) in an editable install changes the digest."""
    package = Path(feedpub.__file__).parent
    copy = tmp_path / "feedpub"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def digest() -> str:
        found = hashlib.blake2b(digest_size=16)
        changes._digest_folder(found, copy, "")
        return found.hexdigest()

    before = digest()
    fields = copy / "ingest" / "fields.py"
    fields.write_text(fields.read_text().replace("MAX_TITLE = 500", "MAX_TITLE = 40"))
    assert digest() != before


def test_the_code_digest_knows_each_shaping_library_by_its_installed_version() -> None:
    from importlib.metadata import version

    for name, module in changes.SHAPING_LIBRARIES.items():
        assert changes._installed_version(name, module) == version(name)
    assert changes._installed_version("no-such-distribution-anywhere", "no_such_module_anywhere") == "none"


def test_a_librarys_version_is_read_from_its_one_dist_info_folder_else_from_importlib_metadata(monkeypatch) -> None:
    """A folder left with an old ``dist-info`` beside the new one cannot be read by name alone."""
    from importlib.metadata import version

    listed = ["feedgen", "feedgen-0.9.dist-info", "feedgen-1.0.0.dist-info"]
    monkeypatch.setattr(changes, "_listing", lambda folder: tuple(listed))
    assert changes._installed_version("feedgen", "feedgen") == version("feedgen")
    listed.remove("feedgen-1.0.0.dist-info")
    assert changes._installed_version("feedgen", "feedgen") == "0.9"


def test_articles_cached_by_other_code_are_parsed_again(folder: Path, tmp_path: Path, monkeypatch) -> None:
    cache = tmp_path / "cache"
    load_folder(folder, cache=ArticleCache(cache, folder, DEFAULT_MAX_BYTES))
    again = ArticleCache(cache, folder, DEFAULT_MAX_BYTES)
    load_folder(folder, cache=again)
    assert again.hits == 12
    monkeypatch.setattr(cache_module, "code_digest", lambda: "a digest of other code")
    changed = ArticleCache(cache, folder, DEFAULT_MAX_BYTES)
    load_folder(folder, cache=changed)
    assert changed.hits == 0


def test_a_damaged_record_of_an_articles_text_is_read_again_from_its_file(folder: Path, tmp_path: Path) -> None:
    """Only what every build needs is read from the cache at once; each article's text is read when it is
    rendered. A record damaged on disk then means reading the file again, never a wrong feed."""
    out, cache = tmp_path / "incremental", tmp_path / "cache"
    _build(folder, out, cache)
    for cache_file in _cache_files(cache):
        header, *records = cache_file.read_bytes().split(b"\n")
        cache_file.write_bytes(b"\n".join([header, *(b"[damaged" if record else b"" for record in records)]))
    CHANGES["content"](folder)
    _build(folder, out, cache)
    assert files_under(out) == _cold(folder, tmp_path, "cold")
