"""Child processes the server spawns stay quiet on Ctrl-C: the parent decides when they stop.

A terminal's Ctrl-C signals the whole foreground process group, children included; a child that took it
would print a KeyboardInterrupt traceback and die mid-task. SIGINT is blocked in the thread that spawns
(the mask survives fork and exec), so even a child still importing cannot take it, and the child ignores
it for good once its own code runs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def spawning_quietly() -> Iterator[None]:
    """Start child processes inside this block: they are born with SIGINT blocked."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def settle_child() -> None:
    """First thing in a child: ignore SIGINT (dropping one already pending), then unblock it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
