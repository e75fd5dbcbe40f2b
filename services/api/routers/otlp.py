"""POST /v1/traces: OTLP/HTTP traces from apps instrumented with OpenTelemetry (GenAI conventions, OpenInference,
OpenLLMetry, the Vercel AI SDK)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.ingest.body import read_body
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.log import LogUnavailableError
from telltale_server.services.ingest.otel import decode
from telltale_server.services.ingest.otel.receiver import SOURCE
from telltale_server.services.runtime import Runtime
from telltale_server.streams import telemetry

router = APIRouter(prefix="/v1", tags=["ingest"])


@router.post(
    "/traces",
    responses={
        200: {
            "description": "ExportTraceServiceResponse; partialSuccess counts the LLM spans rejected (dead letters). "
            "Headers count the spans: Telltale-Accepted, -Duplicates, -Rejected, -Held (waiting for their trace's "
            "retriever span), -Retrievals, -Ignored-Spans (trace context and unknown spans)."
        }
    },
)
async def ingest_traces(
    request: Request, key: Annotated[ApiKey, Depends(require("ingest"))], rt: Annotated[Runtime, Depends(runtime)]
) -> Response:
    """LLM spans become inference events (id derived from trace and span ids) with their trace's retrieved passages."""
    headers = request.headers
    content_type = headers.get("content-type")
    body = b""
    try:
        body = await read_body(
            request.stream(), headers.get("content-length"), headers.get("content-encoding"), rt.settings.max_body_bytes
        )
        spans = decode.decode(body, content_type)
        outcome = await rt.traces.receive(key.project_id, spans)
    except IngestError as error:
        telemetry.refused("inference", error.status)
        await rt.ingest.refuse(key.project_id, SOURCE, "inference", body, error)
        raise HTTPException(error.status, error.message) from None
    except LogUnavailableError as error:
        telemetry.refused("inference", 503)
        raise HTTPException(503, str(error), {"Retry-After": str(error.retry_after_s)}) from None
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
