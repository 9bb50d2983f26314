"""feedpub.workers: process pools whose workers are started safely and never outlive the build."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from feedpub.workers import in_child, worker_pool


@pytest.fixture
def sigterm_noted():
    """SIGTERM handled by a Python handler that notes it, as the command line's handler raises."""
    noted: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: noted.append("interrupt handled"))
    yield noted
    signal.signal(signal.SIGTERM, previous)


def test_an_interrupt_while_the_workers_are_forked_is_handled_once_they_are(sigterm_noted, monkeypatch):
    # An interrupt raised in the middle of a fork is lost (Python drops exceptions in at-fork hooks) or
    # leaves a worker the pool never recorded, which the build then waits for forever.
    from concurrent.futures import ProcessPoolExecutor

    submit = ProcessPoolExecutor.submit

    def submit_interrupted(self, *args, **kwargs):
        signal.raise_signal(signal.SIGTERM)  # arrives just as the first task forks the workers
        future = submit(self, *args, **kwargs)
        sigterm_noted.append(f"{len(self._processes)} workers forked")
        return future

    monkeypatch.setattr(ProcessPoolExecutor, "submit", submit_interrupted)
    with worker_pool(2) as pool:
        assert sigterm_noted == ["2 workers forked", "interrupt handled"]
        assert list(pool.map(abs, [-1, -2])) == [1, 2]


def test_workers_leave_interrupts_to_the_build(sigterm_noted):
    with worker_pool(1) as pool:
        handlers = pool.submit(_interrupt_handlers).result()
    assert handlers == (signal.SIG_IGN, signal.SIG_DFL)
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # the build's own handler is back


def _interrupt_handlers() -> tuple[object, object]:
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)


def _own_process_id() -> int:
    return os.getpid()


def _fails() -> None:
    raise RuntimeError("this child fails")


def _sleeps(note: str) -> None:
    Path(note).write_text(str(os.getpid()))
    time.sleep(60)


def test_a_job_in_a_child_gives_its_result_from_another_process() -> None:
    with in_child(_own_process_id) as result:
        assert result() not in (None, os.getpid())
        assert result() == result()  # asked twice, worked out once


def test_a_child_that_fails_gives_none_and_says_nothing(capfd) -> None:
    with in_child(_fails) as result:
        assert result() is None
    assert capfd.readouterr() == ("", "")


def test_a_child_whose_result_is_never_asked_for_ends_with_the_block(tmp_path: Path) -> None:
    note = tmp_path / "child"
    started = time.monotonic()
    with in_child(_sleeps, str(note)):
        while not note.exists() or not note.read_text():
            time.sleep(0.01)
    assert time.monotonic() - started < 30
    with pytest.raises(ProcessLookupError):
        os.kill(int(note.read_text()), 0)  # killed and reaped: not even a zombie is left
