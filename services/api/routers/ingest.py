"""POST /v1/inference and /v1/feedback: batches of events as a JSON array or NDJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from telltale_server.schemas import limits
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import Problem, responses
from telltale_server.services.api.refusals import read_request, unavailable
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.log import Kind, LogUnavailableError
from telltale_server.services.ingest.service import IngestResult
from telltale_server.services.runtime import Runtime
from telltale_server.streams import telemetry

router = APIRouter(prefix="/v1", tags=["ingest"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    **responses(400, 401, 403, 413, 415, 503),
    200: {"model": IngestResult, "description": "Every item accepted or a duplicate."},
    207: {"model": IngestResult, "description": "Some items rejected (kept as dead letters); the rest stored."},
    413: {
        "model": Problem,
        "description": f"Body over {limits.MAX_BODY_BYTES} bytes or over {limits.MAX_BATCH_ITEMS} events.",
    },
    422: {"model": IngestResult, "description": "Every item rejected (kept as dead letters)."},
}


def _body_doc(schema: str) -> dict[str, Any]:
    """The OpenAPI request body: the route reads the raw body itself to keep the bytes of bad items."""
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"oneOf": [{"type": "array", "items": ref}, ref]}},
                "application/x-ndjson": {"schema": {"type": "string", "description": f"One {schema} per line."}},
            },
        }
    }


@router.post("/inference", responses=_RESPONSES, openapi_extra=_body_doc("InferenceEvent"))
async def ingest_inference(
    request: Request, key: Annotated[ApiKey, Depends(require("ingest"))], rt: Annotated[Runtime, Depends(runtime)]
) -> Response:
    """Store a batch of inference events; answered after the accepted ones are durable."""
    return await _ingest(request, key, rt, "inference")


@router.post("/feedback", responses=_RESPONSES, openapi_extra=_body_doc("FeedbackEvent"))
async def ingest_feedback(
    request: Request, key: Annotated[ApiKey, Depends(require("ingest"))], rt: Annotated[Runtime, Depends(runtime)]
) -> Response:
    """Store a batch of feedback events; answered after the accepted ones are durable."""
    return await _ingest(request, key, rt, "feedback")


async def _ingest(request: Request, key: ApiKey, rt: Runtime, kind: Kind) -> Response:
    body = await read_request(request, rt, key.project_id, kind, f"http:/v1/{kind}")
    try:
        result = await rt.ingest.ingest(key.project_id, kind, body, request.headers.get("content-type"))
    except IngestError as error:
        telemetry.refused(kind, error.status)
        raise HTTPException(error.status, error.message) from None
    except LogUnavailableError as error:
        raise unavailable(kind, error) from None
    status = 200 if not result.rejected else 422 if result.rejected == len(result.items) else 207
    return Response(result.to_json(), status_code=status, media_type="application/json")
