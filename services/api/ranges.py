"""The read API's time ranges: `from` and `to` as query parameters, checked and defaulted in one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query

from telltale_server.schemas import times
from telltale_server.schemas.times import Time
from telltale_server.services.api.errors import invalid

MAX_RANGE = timedelta(days=90)
ANY_LENGTH = times.LATEST - times.EARLIEST
From = Annotated[
    Time | None, Query(alias="from", description="Start (inclusive); default: 24 h (a metric: `window`) before `to`.")
]
To = Annotated[Time | None, Query(alias="to", description="End (exclusive); default: now.")]


def time_range(
    start: datetime | None,
    end: datetime | None,
    before: timedelta = timedelta(hours=24),
    longest: timedelta = MAX_RANGE,
) -> tuple[datetime, datetime]:
    """[from, to) in UTC: `to` defaults to now and `from` to `before` it (never before the epoch), at most `longest`."""
    end = end or datetime.now(UTC)
    start = start or max(end - before, times.EARLIEST)
    if start >= end:
        raise invalid(("query", "from"), "`from` must be before `to`")
    if end - start > longest:
        raise invalid(("query", "from"), f"the range from `from` to `to` may be at most {longest.days} days long")
    return start, end
