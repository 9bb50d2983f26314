"""Process pools for the CPU-bound halves of a build (parsing, rendering), whose workers never outlive it.

A worker forked by a build that is killed, or stopped with Ctrl-C or SIGTERM, must not live on holding the
build's pipes (anything reading the build's output would wait for it forever): each worker asks the kernel
to kill it when its parent dies, and leaves interrupts to the parent, which abandons the work still queued.

The workers are forked with Ctrl-C and SIGTERM held back: an interrupt raised in the middle of a fork (in
an at-fork hook, where Python drops it, or before the pool has recorded the new worker, which it then
never stops) would be lost or leave a worker the build waits for forever. A held signal is delivered to
the process's own handler as soon as the forks are done: the command's policy for signals stays its own.
"""

from __future__ import annotations

import ctypes
import marshal
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.context import BaseContext

_PR_SET_PDEATHSIG = 1  # Linux's prctl option: a signal for this process when its parent dies
_INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def worker_pool(
    workers: int,
    context: BaseContext | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[ProcessPoolExecutor]:
    """A process pool of ``workers``; on any exception (an interrupt included) the work not yet started is
    dropped rather than waited for, and the workers end with the parent."""
    from concurrent.futures import ProcessPoolExecutor  # (importing multiprocessing costs a start 10 ms)

    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(os.getpid(), initializer, initargs))
    try:
        with _interrupts_held():
            pool.submit(_ready)  # forks every worker of a "fork" pool now
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextmanager
def in_child(function: Callable[..., Any], *args: Any) -> Iterator[Callable[[], Any]]:
    """``function(*args)`` worked out in one forked process while the block runs; the block calls what it is
    given for the result, None when the child failed. For one job whose result is plain data (marshal's
    types, sent back through a pipe from this very process's child): a pool would import `multiprocessing`
    to start, and its thread would unpickle the result while this process works. The child is forked as
    pool workers are (interrupts held, ending with the parent) and is killed if the block ends first."""
    parent = os.getpid()
    reading, writing = os.pipe()
    with _interrupts_held():
        child = os.fork()
    if child == 0:  # never returns: the parent's code must not go on running here
        status = 1
        try:
            os.close(reading)
            _start_worker(parent, None, ())
            data = marshal.dumps(function(*args))
            with os.fdopen(writing, "wb") as stream:
                stream.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    outcome: list[Any] = []

    def result() -> Any:
        if not outcome:
            with os.fdopen(reading, "rb") as stream:
                data = stream.read()
            _, status = os.waitpid(child, 0)
            try:
                outcome.append(marshal.loads(data) if status == 0 else None)
            except (EOFError, ValueError, TypeError):
                outcome.append(None)
        return outcome[0]

    try:
        yield result
    finally:
        if not outcome:
            os.kill(child, signal.SIGKILL)
            os.close(reading)
            os.waitpid(child, 0)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM noted instead of handled while the block runs, then handled as the process's
    handlers say (a handler can only be set in the main thread; elsewhere interrupts never land anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    handlers = {
        number: signal.signal(number, lambda number, frame: noted.append(number))
        for number in _INTERRUPTS
        if signal.getsignal(number) is not None  # None: a handler not set from Python, which cannot be put back
    }
    try:
        yield
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if noted:
            signal.raise_signal(noted[0])


def _ready() -> None:
    """The first task of a pool: submitting it starts the workers."""


def _start_worker(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the whole group: the parent answers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the note-taker the parent forked this worker with
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the pool's own shutdown is all there is
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request above was made
    if initializer is not None:
        initializer(*initargs)
