"""Tumbling windows aligned to the epoch: which ones are due, and the time range a window is compared with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telltale_server.streams.drift.config import MonitorConfig

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def floor(at: datetime, window_s: int) -> datetime:
    """The start of the window holding `at`."""
    seconds = int((at - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=seconds - seconds % window_s)


def due(cfg: MonitorConfig, done_until: datetime | None, first_event: datetime | None, now: datetime) -> list[datetime]:
    """Starts of the closed windows not yet computed, oldest first, at most `catch_up_windows` of them.

    Computing resumes after the last computed window; a monitor that never ran starts at its first event."""
    step = timedelta(seconds=cfg.window_s)
    closed_end = floor(now, cfg.window_s)
    earliest = closed_end - cfg.catch_up_windows * step
    if done_until is not None:
        start = max(floor(done_until, cfg.window_s), earliest)
    elif first_event is not None:
        start = max(floor(first_event, cfg.window_s), earliest)
    else:
        return []
    return between(start, closed_end, cfg.window_s)


def between(start: datetime, end: datetime, window_s: int) -> list[datetime]:
    """Starts of the windows from the one holding `start` up to, not including, the one starting at `end`."""
    step, at, starts = timedelta(seconds=window_s), floor(start, window_s), []
    while at < end:
        starts.append(at)
        at += step
    return starts


def reference_range(cfg: MonitorConfig, start: datetime) -> tuple[datetime, datetime]:
    """The time range of the reference: the trailing windows before `start`, or the fixed baseline."""
    ref = cfg.reference
    if ref.kind == "fixed":
        assert ref.start is not None and ref.end is not None
        return ref.start, ref.end
    if ref.kind == "dataset":
        return EPOCH, EPOCH + timedelta(days=365 * 200)
    return start - ref.windows * timedelta(seconds=cfg.window_s), start
