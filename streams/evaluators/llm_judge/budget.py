"""The judge's spending limits: calls per sliding minute and estimated USD per UTC day, checked before each call."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

DAY_S = 86_400
MINUTE_S = 60


class OverBudget(Exception):
    """A call was refused because a limit is reached; the message says which."""


@dataclass(frozen=True)
class Reservation:
    """Spend held for one call before it is made, so concurrent calls cannot overshoot the cap together."""

    day: int
    usd: float


class Budget:
    """Thread-safe; `clock` returns epoch seconds and is injected by tests, so no test has to wait."""

    def __init__(self, calls_per_minute: int, daily_usd_cap: float, clock: Callable[[], float] = time.time) -> None:
        self.calls_per_minute = calls_per_minute
        self.daily_usd_cap = daily_usd_cap
        self.clock = clock
        self._calls: deque[float] = deque()
        self._day = -1
        self._spent = 0.0
        self._lock = threading.Lock()

    def reserve(self, estimate_usd: float) -> Reservation:
        """Count one call and hold its estimated cost, or raise OverBudget if either limit would be broken."""
        now = self.clock()
        day = int(now // DAY_S)
        with self._lock:
            if day != self._day:
                self._day, self._spent = day, 0.0
            while self._calls and self._calls[0] <= now - MINUTE_S:
                self._calls.popleft()
            if len(self._calls) >= self.calls_per_minute:
                raise OverBudget(f"per-minute budget of {self.calls_per_minute} judge calls used up")
            if self._spent + estimate_usd > self.daily_usd_cap:
                raise OverBudget(
                    f"daily judge spend cap of ${self.daily_usd_cap:g} reached (${self._spent:.4f} spent today)"
                )
            self._calls.append(now)
            self._spent += estimate_usd
            return Reservation(day=day, usd=estimate_usd)

    def settle(self, reservation: Reservation, actual_usd: float) -> None:
        """Replace the held estimate by the call's real cost; spend counts on the day the call started."""
        with self._lock:
            if reservation.day == self._day:
                self._spent += actual_usd - reservation.usd
