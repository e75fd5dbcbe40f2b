"""Runs a test's body in a fresh interpreter: the embedded store opens one data directory per process, and
the session's in-process runtime already holds one."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def in_fresh_process(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a spawned process (a module-level function); a failure comes back with its traceback."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as executor:
        return executor.submit(_traced, fn, *args).result()


def _traced(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except Exception as error:
        raise AssertionError(f"in a fresh process:\n{traceback.format_exc()}") from error
