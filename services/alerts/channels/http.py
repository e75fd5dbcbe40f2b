"""One outgoing POST through the guarded client, classified for the retry stage."""

from __future__ import annotations

import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx

from telltale_server.services.alerts.destinations import RefusedDestinationError, url_host

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Result:
    """How a delivery attempt went; `retry_after` is the receiver's own wish (429/503 Retry-After), in seconds."""

    ok: bool
    status_code: int = 0
    error: str = ""
    retryable: bool = False
    retry_after: float | None = None


async def post(client: httpx.AsyncClient, url: str, content: bytes, headers: dict[str, str]) -> Result:
    """POST without following redirects (a redirect could lead inward); errors never carry the URL."""
    try:
        url_host(url)
        response = await client.post(url, content=content, headers=headers)
    except RefusedDestinationError as error:
        return Result(ok=False, error=f"refused: {error}")
    except httpx.TimeoutException:
        return Result(ok=False, error="timeout", retryable=True)
    except httpx.TransportError as error:
        return Result(ok=False, error=f"transport: {type(error).__name__}", retryable=True)
    except httpx.InvalidURL:
        return Result(ok=False, error="refused: the URL is not valid")
    code = response.status_code
    if 200 <= code < 300:
        return Result(ok=True, status_code=code)
    return Result(
        ok=False,
        status_code=code,
        error=f"HTTP {code}: {response.text[:200]}",
        retryable=code in RETRYABLE_STATUS,
        retry_after=_retry_after(response.headers.get("retry-after")),
    )


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
