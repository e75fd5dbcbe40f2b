"""One way for a test to wait: poll for an outcome for as long as something moves, and fail by name when nothing does.

A test never asserts how long something took (benchmarks measure that); on a loaded machine it waits longer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T],
    what: str,
    *,
    progress: Callable[[], Any] | None = None,
    stall_s: float = 60.0,
    poll_s: float = 0.2,
) -> T:
    """Poll `probe` until it returns something truthy, and return that. The wait fails only when `progress`
    (by default the probe's own answer) stays the same for `stall_s`: slow work is waited for, stuck work is not."""
    last: Any = object()
    moved_at = time.monotonic()
    while True:
        found = probe()
        if found:
            return found
        mark = progress() if progress is not None else found
        if mark != last:
            last, moved_at = mark, time.monotonic()
        elif time.monotonic() - moved_at > stall_s:
            raise TimeoutError(f"no {what}: nothing moved for {stall_s:.0f} s (last seen: {mark!r})")
        time.sleep(poll_s)
