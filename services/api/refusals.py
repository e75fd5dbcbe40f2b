"""The ingest routes' shared refusal path: read the body within the limits, and keep what is refused."""

from __future__ import annotations

from fastapi import HTTPException, Request

from telltale_server.services.ingest.body import read_body
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.log import Kind, LogUnavailableError
from telltale_server.services.runtime import Runtime
from telltale_server.streams import telemetry


async def read_request(request: Request, rt: Runtime, project_id: str, kind: Kind, source: str) -> bytes:
    """The decoded body; one that cannot be read is refused here, kept as a dead letter when it arrived whole."""
    headers = request.headers
    try:
        return await read_body(
            request.stream(), headers.get("content-length"), headers.get("content-encoding"), rt.settings.max_body_bytes
        )
    except IngestError as error:
        raise await refused(rt, project_id, kind, source, b"", error) from None


async def refused(
    rt: Runtime, project_id: str, kind: Kind, source: str, body: bytes, error: IngestError
) -> HTTPException:
    """Count the refusal, keep the body if it was readable, and return the HTTP answer to raise."""
    telemetry.refused(kind, error.status)
    await rt.ingest.refuse(project_id, source, kind, body, error)
    return HTTPException(error.status, error.message)


def unavailable(kind: Kind, error: LogUnavailableError) -> HTTPException:
    """The 503 for a log that did not acknowledge: nothing was accepted, so the client retries after a while."""
    telemetry.refused(kind, 503)
    return HTTPException(503, str(error), {"Retry-After": str(error.retry_after_s)})
