"""Times as the store keeps them: UTC, from the Unix epoch on; one reading for events and for the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from telltale_server.schemas import limits

EARLIEST = datetime.fromisoformat(limits.EARLIEST_TS)
LATEST = datetime.fromisoformat(limits.LATEST_QUERY_TS)


def utc(value: datetime) -> datetime:
    """A naive time read as UTC, an aware one converted; one that has no UTC form (year 1 at +05:00) is refused."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value.isoformat()} lies outside the years 1 to 9999 in UTC") from None


def stored(value: datetime) -> datetime:
    """A time a query or a spec may name: within the range the store's time columns keep."""
    value = utc(value)
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"a time must lie from {limits.EARLIEST_TS} to before {limits.LATEST_QUERY_TS}")
    return value


Time = Annotated[
    datetime,
    AfterValidator(stored),
    Field(description=f"UTC if no offset is given; from {limits.EARLIEST_TS} to before {limits.LATEST_QUERY_TS}."),
]
"""A time in an API query or spec."""
