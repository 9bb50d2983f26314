"""feedpub.publish: the site as static files, written atomically, only when changed, never concurrently."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest

from feedpub import atomic
from feedpub import site as site_module
from feedpub.render import FORMATS
from feedpub.errors import OutputError
from feedpub.locking import LOCK_FILE
from feedpub.static.writer import PublishError, write_site

from ..conftest import document_paths, render_path, article, files_under, write_article


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Inode and modification time of every file: a file replaced or rewritten changes one or both."""
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def two_topics(seeds):
    write_article(seeds, "a.md", **article("a", topics=["AI", "Robots"]))
    write_article(seeds, "b.md", **article("b", topics=["AI"], publishedDateTime="2024-04-01T00:00:00Z"))


def test_write_site_writes_the_index_the_all_feed_and_one_feed_per_topic(two_topics, build, settings):
    site = build()
    report = write_site(site, settings.out)
    written = files_under(settings.out)
    expected = {"index.html"} | {
        f"{feed}.{extension}" for feed in ("all", "topics/ai", "topics/robots") for extension in ("rss", "atom", "json")
    }
    assert expected <= set(written)
    assert set(written) == set(document_paths(site))
    assert sorted(report.written) == sorted(document_paths(site))
    for path, body in written.items():
        assert body == render_path(site, path).body, path


def test_a_second_identical_build_rewrites_nothing(two_topics, build, settings):
    write_site(build(), settings.out)
    before = stamps(settings.out)
    report = write_site(build(), settings.out)
    assert report.written == []
    assert report.removed == []
    assert sorted(report.unchanged) == sorted(document_paths(build()))
    assert stamps(settings.out) == before


def test_only_the_files_whose_bytes_change_are_rewritten(seeds, build, settings):
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    write_article(seeds, "b.md", **article("b", topics=["Robots"], publishedDateTime="2024-04-01T00:00:00Z"))
    write_site(build(), settings.out)
    before = stamps(settings.out)

    write_article(seeds, "b.md", **article("b", title="Edited", topics=["Robots"], publishedDateTime="2024-04-01"))
    report = write_site(build(), settings.out)
    after = stamps(settings.out)
    assert set(report.written) >= {"all.rss", "topics/robots.rss"}
    assert not any(path.startswith("topics/ai.") for path in report.written)
    for path in ("topics/ai.rss", "topics/ai.atom", "topics/ai.json"):
        assert after[path] == before[path]


def test_the_subscription_list_is_rendered_again_only_when_the_list_of_feeds_changes(
    seeds, two_topics, build, settings, monkeypatch
):
    write_site(build(), settings.out)
    rendered = []
    real = site_module.render_opml
    monkeypatch.setattr(site_module, "render_opml", lambda *args: rendered.append(1) or real(*args))

    write_article(seeds, "c.md", **article("c", topics=["Robots"], publishedDateTime="2024-05-01T00:00:00Z"))
    write_site(build(), settings.out)
    assert rendered == []  # a new article in feeds that stay: same names, same links

    write_article(seeds, "d.md", **article("d", topics=["Drones"]))
    report = write_site(build(), settings.out)
    assert rendered == [1] and "opml.xml" in report.written
    assert b"Drones" in (settings.out / "opml.xml").read_bytes()


def test_a_removed_topics_files_are_removed_and_unrelated_files_are_left_alone(seeds, two_topics, build, settings):
    out = settings.out
    write_site(build(), out)
    unrelated = {
        "notes.txt": b"my notes",
        "topics/README.md": b"what these feeds are",
        "topics/.keep": b"",
        "images/logo.png": b"\x89PNG",
        "other/feed.rss": b"<rss/>",
    }
    for name, body in unrelated.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(body)

    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    report = write_site(build(), out)

    assert sorted(report.removed) == sorted(f"topics/robots.{extension}" for extension in (*FORMATS, "html"))
    assert not any(out.glob("topics/robots.*"))
    assert (out / "topics/ai.rss").is_file()
    for name, body in unrelated.items():
        assert (out / name).read_bytes() == body, name


def test_files_beside_the_feeds_that_feedpub_never_writes_are_left_alone(two_topics, build, settings):
    # Pointing --out at a folder that holds other things (a web root) must not delete them.
    out = settings.out
    out.mkdir(parents=True)
    mine = {"manifest.json": b"{}", "podcast.rss": b"<rss/>", "legacy.atom": b"<feed/>"}
    for name, body in mine.items():
        (out / name).write_bytes(body)
    write_site(build(), out)
    for name, body in mine.items():
        assert (out / name).is_file(), f"write_site deleted {name}, which feedpub never writes"
        assert (out / name).read_bytes() == body


def test_a_site_with_no_articles_still_writes_valid_empty_feeds(build, settings):
    write_site(build(), settings.out)
    assert {"index.html", "all.rss", "all.atom", "all.json"} <= set(files_under(settings.out))


def test_no_temporary_files_are_left_behind(two_topics, build, settings):
    write_site(build(), settings.out)
    leftovers = [p for p in settings.out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_written_files_are_readable_by_everyone(two_topics, build, settings):
    write_site(build(), settings.out)
    assert (settings.out / "all.rss").stat().st_mode & 0o444 == 0o444


def test_a_build_while_another_holds_the_lock_fails_clearly_and_writes_nothing(two_topics, build, settings):
    out = settings.out
    out.mkdir(parents=True)
    with (out / LOCK_FILE).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(OutputError) as raised:
            write_site(build(), out)
        assert files_under(out) == {}
    message = str(raised.value)
    assert "another feedpub process (a build or a deploy) is using" in message
    assert str(out) in message

    # Once the other build is done, the next one goes through.
    write_site(build(), out)
    assert (out / "all.rss").is_file()


def test_an_output_path_that_is_a_file_is_a_publish_error(two_topics, build, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("in the way")
    with pytest.raises(PublishError) as raised:
        write_site(build(), blocker)
    assert str(blocker) in str(raised.value)


def _synced(handle: int, settings) -> tuple[str, bool]:
    """What a sync was asked of (the path open as ``handle``), and whether the new files had their names."""
    return os.readlink(f"/proc/self/fd/{handle}"), (settings.out / "topics" / "ai.atom").exists()


def test_files_are_made_durable_without_syncing_every_filesystem(build, settings, seeds, monkeypatch) -> None:
    """os.sync() flushes every filesystem on the host; a build flushes only the one it wrote to: the new
    files before they replace the old ones, then their new names."""
    write_article(seeds, "a.md", **article("a", topics=["AI"]))

    def refuse() -> None:
        raise AssertionError("os.sync() was called")

    monkeypatch.setattr(os, "sync", refuse)
    real_syncfs = atomic._syncfs()
    assert real_syncfs is not None, "Linux has syncfs"
    synced: list[tuple[str, bool]] = []
    monkeypatch.setattr(atomic, "_syncfs", lambda: lambda handle: (synced.append(_synced(handle, settings)), real_syncfs(handle))[1])
    report = write_site(build(), settings.out)
    assert report.written and (settings.out / "topics" / "ai.atom").is_file()
    assert [renamed for _, renamed in synced] == [False, True]
    assert all(os.stat(path).st_dev == os.stat(settings.out).st_dev for path, _ in synced)


@pytest.mark.parametrize("where", ["no syncfs", "FUSE"])
def test_where_syncfs_does_not_reach_the_disk_every_new_file_and_then_every_folder_is_synced(
    build, settings, seeds, monkeypatch, where
) -> None:
    """Without syncfs, or on FUSE (sshfs, rclone, ...), where the kernel answers syncfs without asking the
    filesystem: each file is synced before the renames, and each folder after them."""
    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    if where == "FUSE":
        monkeypatch.setattr(atomic, "filesystem_type", lambda folder: atomic.FUSE)
    else:
        monkeypatch.setattr(atomic, "_syncfs", lambda: None)
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda handle: (synced.append(_synced(handle, settings)), real_fsync(handle))[1])
    report = write_site(build(), settings.out)
    files = [path for path, renamed in synced if not renamed]
    folders = [path for path, renamed in synced if renamed]
    out = Path(os.path.realpath(settings.out))
    # Each new file under its temporary name (.NAME.PID.tmp), before the renames; then each folder.
    assert all(os.path.basename(path).endswith(".tmp") for path in files)
    assert {os.path.join(os.path.dirname(path), os.path.basename(path)[1:].rsplit(".", 2)[0]) for path in files} == {
        str(out / path) for path in report.written}
    assert set(folders) == {str((out / path).parent) for path in report.written}


@pytest.mark.parametrize("folder", ["tmp", "/dev/shm"])
def test_the_filesystem_type_is_read_as_statfs_gives_it(tmp_path, folder) -> None:
    """What tells FUSE apart, read as coreutils' stat reads it."""
    path = tmp_path if folder == "tmp" else Path(folder)
    shown = subprocess.run(["stat", "-f", "-c", "%t", str(path)], capture_output=True, text=True, check=True).stdout
    assert atomic.filesystem_type(path) == int(shown, 16)
