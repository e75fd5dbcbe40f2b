"""Waiting out an unavailable dependency (broker, store): growing delays, cut short when the process stops."""

from __future__ import annotations

import asyncio
import contextlib


class Backoff:
    """Doubling delays up to a cap; `reset` after a success starts again from the first."""

    def __init__(self, first_s: float = 0.5, cap_s: float = 30.0) -> None:
        self.first_s = first_s
        self.cap_s = cap_s
        self._next = first_s

    def delay(self) -> float:
        """The delay to wait now; the next one is twice as long, up to the cap."""
        current = self._next
        self._next = min(self._next * 2, self.cap_s)
        return current

    def reset(self) -> None:
        self._next = self.first_s


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep, waking early when `stop` is set; True if the process is stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
