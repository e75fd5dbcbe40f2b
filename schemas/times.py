"""Times as the store keeps them: UTC, from the Unix epoch on; one reading for events and for the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

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


def written(value: object) -> object:
    """A time is sent as an RFC 3339 date-time, as the document says: a number (or a numeric string, as a query
    carries it) would otherwise be taken for seconds since the epoch, `to=0.5` for 1970-01-01T00:00:00.5Z."""
    if isinstance(value, int | float) or (isinstance(value, str) and _numeric(value)):
        raise ValueError(f"{value!r} is not a date-time: send RFC 3339, e.g. 2026-01-01T00:00:00Z")
    return value


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


Time = Annotated[
    datetime,
    BeforeValidator(written),
    AfterValidator(stored),
    Field(description=f"UTC if no offset is given; from {limits.EARLIEST_TS} to before {limits.LATEST_QUERY_TS}."),
]
"""A time in an API query or spec."""
