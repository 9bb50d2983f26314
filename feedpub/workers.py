"""Process pools for the CPU-bound halves of a build (parsing, rendering), whose workers never outlive it.

A worker forked by a build that is killed, or stopped with Ctrl-C or SIGTERM, must not live on holding the
build's pipes (anything reading the build's output would wait for it forever): each worker asks the kernel
to kill it when its parent dies, and leaves interrupts to the parent, which abandons the work still queued.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from typing import Any

_PR_SET_PDEATHSIG = 1  # Linux's prctl option: a signal for this process when its parent dies


@contextmanager
def worker_pool(
    workers: int,
    context: BaseContext | None = None,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[ProcessPoolExecutor]:
    """A process pool of ``workers``; on any exception (an interrupt included) the work not yet started is
    dropped rather than waited for, and the workers end with the parent."""
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                               initargs=(os.getpid(), initializer, initargs))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _start_worker(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches the whole group: the parent answers
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the pool's own shutdown is all there is
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request above was made
    if initializer is not None:
        initializer(*initargs)
