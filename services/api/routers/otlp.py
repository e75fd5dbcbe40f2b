"""POST /v1/traces: OTLP/HTTP traces from apps instrumented with OpenTelemetry (GenAI conventions, OpenInference,
OpenLLMetry, the Vercel AI SDK)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.api.refusals import read_request, refused, unavailable
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.log import LogUnavailableError
from telltale_server.services.ingest.otel import decode
from telltale_server.services.ingest.otel.receiver import SOURCE
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["ingest"])


@router.post(
    "/traces",
    response_class=Response,
    responses={
        **responses(400, 401, 403, 413, 415, 503),
        200: {
            "description": "ExportTraceServiceResponse (in the request's encoding); partialSuccess counts the LLM "
            "spans rejected (kept as dead letters). Headers count the spans: Telltale-Accepted, -Duplicates, "
            "-Rejected, -Held (waiting for their trace's retriever span), -Retrievals, -Ignored-Spans (trace "
            "context and spans of no known convention).",
            "content": {decode.PROTOBUF: {}, decode.JSON: {"schema": {"type": "object"}}},
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                decode.JSON: {"schema": {"type": "object", "description": "An OTLP/JSON ExportTraceServiceRequest."}},
                decode.PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def ingest_traces(
    request: Request, key: Annotated[ApiKey, Depends(require("ingest"))], rt: Annotated[Runtime, Depends(runtime)]
) -> Response:
    """LLM spans become inference events (id derived from trace and span ids) with their trace's retrieved passages."""
    content_type = request.headers.get("content-type")
    body = await read_request(request, rt, key.project_id, "inference", SOURCE)
    try:
        spans = decode.decode(body, content_type)
    except IngestError as error:
        raise await refused(rt, key.project_id, "inference", SOURCE, body, error) from None
    try:
        outcome = await rt.traces.receive(key.project_id, spans)
    except LogUnavailableError as error:
        raise unavailable("inference", error) from None
    counts = {
        "Telltale-Accepted": str(outcome.accepted),
        "Telltale-Duplicates": str(outcome.duplicates),
        "Telltale-Rejected": str(outcome.rejected),
        "Telltale-Held": str(outcome.counts["held"]),
        "Telltale-Retrievals": str(outcome.counts["retrieval"]),
        "Telltale-Ignored-Spans": str(outcome.counts["context"] + outcome.counts["unknown"]),
    }
    message = outcome.errors[0] if outcome.errors else ""
    if (content_type or "").startswith(decode.PROTOBUF):
        reply = ExportTraceServiceResponse()
        if outcome.rejected:
            reply.partial_success.rejected_spans = outcome.rejected
            reply.partial_success.error_message = message
        return Response(reply.SerializeToString(), media_type=decode.PROTOBUF, headers=counts)
    document = (
        {"partialSuccess": {"rejectedSpans": outcome.rejected, "errorMessage": message}} if outcome.rejected else {}
    )
    return Response(orjson.dumps(document), media_type=decode.JSON, headers=counts)
