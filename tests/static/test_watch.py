"""``feedpub build --watch``: edits, additions, removals and broken files show in the written files, the
watch survives them, and what it writes is what a fresh build of the same folder writes."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from feedpub.cli import main

from ..conftest import REPO, article, files_under, unlistable, write_article, write_text

WAIT = 20.0  # seconds: a bound for slow machines; a change normally shows in well under one


def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass  # a file not there yet
        time.sleep(0.05)
    raise AssertionError(f"not seen within {WAIT} s: {what}")


class _Watching:
    """A ``feedpub build --watch`` process, its printed lines collected by a thread."""

    def __init__(self, seeds: Path, out: Path, cache: Path, *flags: str, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "feedpub", "build", "--seeds", str(seeds), "--out", str(out),
                   "--cache-dir", str(cache), "--watch", *flags]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, **(env or {})})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, text: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None, f"the watch exited: {self.seen}"
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {WAIT} s; printed: {self.seen}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=WAIT)
        finally:
            if self.process.poll() is None:
                self.process.kill()


@pytest.mark.parametrize("method", ["notify", "poll"])
def test_watch_publishes_edits_additions_removals_and_outlives_a_broken_file(seeds, tmp_path, method) -> None:
    for number in range(6):
        write_article(seeds, f"{number}.md", **article(f"a{number}", topics=["AI", "Robots"][: 1 + number % 2],
                                                       publishedDateTime=f"2024-05-0{number + 1}T00:00:00Z",
                                                       provider={"name": "Wire", "domain": "wire.example"}))
    out = tmp_path / "out"
    flags = ("--poll",) if method == "poll" else ()
    watching = _Watching(seeds, out, tmp_path / "cache", *flags, env={"FEEDPUB_RELOAD_INTERVAL": "0.2"})
    try:
        assert method in watching.wait_for_line("Watching")  # "by its change notifications" / "a look every"
        atom = out / "all.atom"
        assert "Article a5" in atom.read_text()

        write_article(seeds, "5.md", **article("a5", title="Edited while watching", topics=["AI", "Robots"],
                                               publishedDateTime="2024-05-06T00:00:00Z",
                                               provider={"name": "Wire", "domain": "wire.example"}))
        _eventually(lambda: "Edited while watching" in (out / "topics/robots.atom").read_text(), "the edit")

        write_article(seeds, "sub/new.md", **article("new", topics=["Space"], publishedDateTime="2024-06-01T00:00:00Z"))
        _eventually(lambda: (out / "topics/space.rss").exists() and "Article new" in atom.read_text(), "the new file")

        (seeds / "0.md").unlink()
        _eventually(lambda: "Article a0" not in atom.read_text(), "the removal")

        write_text(seeds, "broken.md", "---\ntitle: [unclosed\n---\n")
        watching.wait_for_line("broken.md:3: error: invalid YAML")
        write_article(seeds, "1.md", **article("a1", title="Published despite the broken file", topics=["Robots"],
                                               publishedDateTime="2024-05-02T00:00:00Z"))
        _eventually(lambda: "Published despite the broken file" in atom.read_text(), "an edit after the broken file")
        assert watching.process.poll() is None
    finally:
        assert watching.stop() == 0

    # What the watch wrote is what a fresh build of the same folder writes, byte for byte.
    fresh = tmp_path / "fresh"
    assert main(["build", "--seeds", str(seeds), "--out", str(fresh), "--no-cache", "--quiet"]) == 0
    assert files_under(out) == files_under(fresh)
    assert not (out / "topics/space.rss").exists() or "Article new" in (out / "topics/space.rss").read_text()


def test_the_way_changes_are_learnt_is_a_setting(tmp_path) -> None:
    from feedpub.config import load_settings
    from feedpub.errors import SettingsError

    assert load_settings(environ={"FEEDPUB_WATCH_METHOD": "poll"}).watch_method == "poll"
    with pytest.raises(SettingsError, match="watch_method must be 'notify' or 'poll'"):
        load_settings(environ={"FEEDPUB_WATCH_METHOD": "inotify"})


def test_each_round_writes_what_a_fresh_build_writes_archive_pages_included(seeds, tmp_path) -> None:
    """In-process rounds (no notifications needed): edits in place, moves in time, additions and removals,
    with archive pages of two articles, leave the folder as a fresh build of the same files leaves it."""
    from feedpub.cli import _publish
    from feedpub.config import Settings
    from feedpub.site import load_site
    from feedpub.static.watch import Watch
    from feedpub.static.writer import Written

    def write(number: int, title: str, day: int, topics: list[str]) -> str:
        return str(write_article(seeds, f"{number:02d}.md", **article(
            f"a{number}", title=title, topics=topics, publishedDateTime=f"2024-05-{day:02d}T00:00:00Z",
            provider={"name": "Wire", "domain": "wire.example"})))

    for number in range(12):
        write(number, f"Story {number}", number + 1, ["AI", "Robots"][: 1 + number % 2])
    settings = Settings(seeds=seeds, out=tmp_path / "out", archive_size=2, limit=2, cache_dir=tmp_path / "cache")
    written = Written()
    site = load_site(settings, keep_files=True)
    _publish(site, settings, None, 1, written)
    watch = Watch(site, None, lambda fresh: _publish(fresh, settings, None, 1, written))  # type: ignore[arg-type]
    steps = [
        lambda: [write(3, "Story 3, corrected", 4, ["AI", "Robots"][:2])],  # in place, on an archive page
        lambda: [write(7, "Story 7", 20, ["Robots"])],  # moved to the top
        lambda: [write(20, "New", 25, ["Space"]), write(21, "Newer", 26, ["AI"])],
        lambda: [(seeds / "05.md").unlink() or str(seeds / "05.md")],
        lambda: [write(0, "Story 0, corrected", 1, ["AI"]), write(9, "Story 9, corrected", 10, ["AI", "Robots"])],
    ]
    for number, step in enumerate(steps):
        assert watch.publish(frozenset(step())) is not None
        fresh = tmp_path / f"fresh-{number}"
        assert main(["build", "--seeds", str(seeds), "--out", str(fresh), "--no-cache", "--quiet",
                     "--archive-size", "2", "--limit", "2"]) == 0
        assert files_under(settings.out) == files_under(fresh), f"step {number}"
    assert watch.site.kept_pages, "edits in place kept the other archive pages"


def test_a_round_that_fails_leaves_the_watch_going_and_the_next_one_publishes(seeds, tmp_path, monkeypatch) -> None:
    """A folder that cannot be listed, and even a bug (any exception in a round), are said and outlived:
    the next change is published as a fresh build would publish it."""
    from feedpub.cli import _publish
    from feedpub.config import Settings
    from feedpub.ingest.loader import FolderUnreadable
    from feedpub.ingest.notify import LOOK_AGAIN
    from feedpub.site import load_site
    from feedpub.static.watch import Watch
    from feedpub.static.writer import Written

    write_article(seeds, "a.md", **article("a", topics=["AI"]))
    settings = Settings(seeds=seeds, out=tmp_path / "out", cache_dir=tmp_path / "cache")
    written = Written()
    site = load_site(settings, keep_files=True)
    _publish(site, settings, None, 1, written)
    failing = {"now": True}

    def publish(fresh):  # as the command's own: after a failure, the next write looks at the folder
        try:
            if failing["now"]:
                raise RuntimeError("a bug")
            return _publish(fresh, settings, None, 1, written)
        except BaseException:
            written.feed_files = None
            raise

    watch = Watch(site, None, publish)  # type: ignore[arg-type]
    path = str(write_article(seeds, "b.md", **article("b", topics=["Robots"])))  # a feed the next change leaves
    failed = watch.publish(frozenset([path]))
    assert failed is not None and isinstance(failed.error, RuntimeError)

    unlistable(monkeypatch, seeds)
    unlisted = watch.publish(LOOK_AGAIN)
    assert unlisted is not None and isinstance(unlisted.error, FolderUnreadable) and unlisted.changed == ()
    monkeypatch.undo()

    failing["now"] = False
    write_article(seeds, "c.md", **article("c", title="Published after the failures", topics=["AI"]))
    assert watch.publish(LOOK_AGAIN).error is None
    assert "Published after the failures" in (settings.out / "all.atom").read_text()
    fresh = tmp_path / "fresh"
    assert main(["build", "--seeds", str(seeds), "--out", str(fresh), "--no-cache", "--quiet"]) == 0
    assert files_under(settings.out) == files_under(fresh)


def test_a_lasting_failure_is_said_once_until_a_look_works(seeds, tmp_path, monkeypatch, capsys) -> None:
    """A watch that polls meets a folder it cannot list at every look: one line, not one a second; once a
    look works (even one that finds nothing changed), the same failure is news again."""
    from feedpub.cli import _RoundsSaid
    from feedpub.config import Settings
    from feedpub.ingest.notify import LOOK_AGAIN
    from feedpub.site import load_site
    from feedpub.static.watch import Watch

    write_article(seeds, "a.md", **article("a"))
    site = load_site(Settings(seeds=seeds, out=tmp_path / "out"), keep_files=True)
    watch = Watch(site, None, lambda fresh: None)  # type: ignore[arg-type]
    said = _RoundsSaid(site.settings, True, site.problems)

    def look() -> None:
        round_ = watch.publish(LOOK_AGAIN)
        if round_ is not None:
            said(round_)

    unlistable(monkeypatch, seeds)
    for _ in range(3):
        look()
    monkeypatch.undo()
    look()  # works, and finds nothing changed
    unlistable(monkeypatch, seeds)
    look()
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"feedpub: the seeds folder changed, but publishing failed: cannot list the seeds folder {seeds} "
                     "(Permission denied); make it readable; still watching."] * 2
