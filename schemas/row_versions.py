"""Row versions for the ReplacingMergeTree tables: wall-clock nanoseconds, strictly increasing per process."""

from __future__ import annotations

import threading
import time
from datetime import datetime

_lock = threading.Lock()
_last = 0


def next_version() -> int:
    """A version later than any this process handed out before, so the newest write always wins."""
    global _last
    with _lock:
        _last = max(time.time_ns(), _last + 1)
        return _last


def to_ms(moment: datetime) -> datetime:
    """The moment at the store's millisecond precision, so what is kept compares equal to what is held."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
