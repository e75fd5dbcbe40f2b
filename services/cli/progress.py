"""A progress bar for long commands (replay, backfill) that also reads well in logs."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """A redrawn bar on a terminal, a line per second otherwise (logs, CI)."""

    def __init__(self, title: str, unit: str, width: int = 30) -> None:
        self.title = title
        self.unit = unit
        self.tty = sys.stderr.isatty()
        self.width = width
        self.started = time.monotonic()
        self.printed = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.tty and now - self.printed < 1.0 and done < total:
            return
        self.printed = now
        share = done / total if total else 1.0
        bar = "#" * round(share * self.width)
        rate = done / max(now - self.started, 1e-6)
        line = f"{self.title} [{bar:<{self.width}}] {done}/{total} {self.unit} ({share:.0%}, {rate:,.0f}/s)"
        print(("\r" + line) if self.tty else line, end="" if self.tty and done < total else "\n", file=sys.stderr)
