"""Following the seeds folder: change notifications name the files that changed, bursts come as one batch,
and polling takes over where the system gives no notifications."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feedpub.ingest import notify
from feedpub.ingest.notify import LOOK_AGAIN, FolderMonitor

from ..conftest import article, write_article, write_text


@pytest.fixture
def monitor(seeds: Path):
    following = FolderMonitor(seeds)
    following.start()
    yield following
    following.stop()


def _gathered(monitor: FolderMonitor, expected: frozenset[str]) -> frozenset[str]:
    """The union of the batches until ``expected`` is all there (bounded waits; a slow machine may split a burst)."""
    seen: frozenset[str] = frozenset()
    while not expected <= seen:
        batch = monitor.wait(timeout=10)
        assert isinstance(batch, frozenset), f"no batch naming {sorted(expected - seen)}"
        seen |= batch
    return seen


def test_notifications_name_the_changed_files(seeds, monitor) -> None:
    assert monitor.method == "notify"
    for number in range(5):
        write_article(seeds, f"{number}.md", **article(f"a{number}"))
    written = frozenset(f"{seeds}/{number}.md" for number in range(5))
    assert _gathered(monitor, written) == written
    (seeds / "2.md").unlink()
    # The removal is named; on a slow machine the last writes' own events may still trail in beside it.
    named = _gathered(monitor, frozenset({f"{seeds}/2.md"}))
    assert f"{seeds}/2.md" in named and named <= written


def test_nothing_changed_is_no_batch(seeds, monitor) -> None:
    assert monitor.wait(timeout=0.2) is None


def test_files_in_hidden_folders_are_not_followed_and_a_new_folder_means_looking_again(seeds, monitor) -> None:
    write_text(seeds, ".git/objects/ab", "not an article")
    assert monitor.wait(timeout=0.3) is None
    (seeds / "sub").mkdir()
    assert monitor.wait(timeout=10) is LOOK_AGAIN


def test_without_notifications_the_monitor_polls(seeds, monkeypatch) -> None:
    def refused(root: str, monitor: FolderMonitor) -> None:
        raise OSError("inotify watch limit reached")

    monkeypatch.setattr(notify, "_observe", refused)
    following = FolderMonitor(seeds, interval=0.05)
    following.start()
    assert following.method == "poll"
    assert following.wait(timeout=5) is LOOK_AGAIN  # after one interval: look at every file
    following.stop()
    assert following.wait(timeout=5) is None


def test_polling_can_be_asked_for(seeds) -> None:
    following = FolderMonitor(seeds, poll=True, interval=0.05)
    following.start()
    assert following.method == "poll" and following.wait() is LOOK_AGAIN
    following.stop()


def test_polling_looks_once_an_interval_however_often_the_caller_wakes(seeds) -> None:
    """A watch wakes twice a second to see whether it was stopped: with reload_interval = 0.6, that must
    still be one look at every file (a stat of each, on a network filesystem) every 0.6 s, not every wake."""
    following = FolderMonitor(seeds, poll=True, interval=0.6)
    following.start()
    started = time.monotonic()
    looks = []
    while time.monotonic() - started < 1.5:
        if following.wait(timeout=0.1) is LOOK_AGAIN:
            looks.append(time.monotonic() - started)
    following.stop()
    assert len(looks) == 2, looks
    assert looks[0] >= 0.6 and looks[1] - looks[0] >= 0.6


def test_polling_rests_a_whole_interval_after_a_look_that_took_longer(seeds) -> None:
    """A look at every file of a large folder on a network filesystem can take longer than the interval:
    the next look still waits an interval after the caller is done, never follows at once."""
    following = FolderMonitor(seeds, poll=True, interval=0.3)
    following.start()
    assert following.wait() is LOOK_AGAIN
    time.sleep(0.5)  # the look itself
    started = time.monotonic()
    assert following.wait() is LOOK_AGAIN
    assert time.monotonic() - started >= 0.3
    following.stop()
