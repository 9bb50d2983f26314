"""Owners of threads and locks that survive a fork: servers such as ``gunicorn --preload`` load the app once
and fork their workers from it. A fork copies every lock as it is (held, if a thread of the parent held it
then) and no thread but the caller's, so each owner starts its child's copy over."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import TypeVar

Owner = TypeVar("Owner")


def start_over_after_fork(owner: Owner, start_over: Callable[[Owner], None]) -> None:
    """Call ``start_over(owner)`` in every child this process forks from now on, while ``owner`` lives.

    The hook holds ``owner`` weakly: hooks stay registered for the life of the process, owners need not.
    """
    reference = weakref.ref(owner)

    def in_child() -> None:
        alive = reference()
        if alive is not None:
            start_over(alive)

    os.register_at_fork(after_in_child=in_child)
