"""POST /v1/traces: OTLP/HTTP traces from apps instrumented with the OpenTelemetry GenAI conventions."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from telltale_server.schemas.nesting import encode
from telltale_server.services.api.dependencies import require, runtime
from telltale_server.services.api.errors import responses
from telltale_server.services.api.refusals import read_request, refused, unavailable
from telltale_server.services.auth.keys import ApiKey
from telltale_server.services.ingest import genai, otlp
from telltale_server.services.ingest.batch import RawItem
from telltale_server.services.ingest.errors import IngestError
from telltale_server.services.ingest.log import LogUnavailableError
from telltale_server.services.ingest.service import IngestOutcome
from telltale_server.services.runtime import Runtime

router = APIRouter(prefix="/v1", tags=["ingest"])
SOURCE = "http:/v1/traces"


@router.post(
    "/traces",
    response_class=Response,
    responses={
        **responses(400, 401, 403, 413, 415, 503),
        200: {
            "description": "ExportTraceServiceResponse (in the request's encoding); partialSuccess counts rejected "
            "GenAI spans.",
            "content": {otlp.PROTOBUF: {}, otlp.JSON: {"schema": {"type": "object"}}},
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                otlp.JSON: {"schema": {"type": "object", "description": "An OTLP/JSON ExportTraceServiceRequest."}},
                otlp.PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def ingest_traces(
    request: Request, key: Annotated[ApiKey, Depends(require("ingest"))], rt: Annotated[Runtime, Depends(runtime)]
) -> Response:
    """GenAI spans become inference events (id derived from trace and span ids); other spans are counted, not kept."""
    content_type = request.headers.get("content-type")
    body = await read_request(request, rt, key.project_id, "inference", SOURCE)
    try:
        spans = otlp.decode(body, content_type)
    except IngestError as error:
        raise await refused(rt, key.project_id, "inference", SOURCE, body, error) from None
    llm_spans = [span for span in spans if isinstance(span, otlp.Unreadable) or genai.is_genai(span)]
    items = [_item(index, span) for index, span in enumerate(llm_spans)]
    try:
        result = await rt.ingest.ingest_items(key.project_id, "inference", items, SOURCE) if items else None
    except LogUnavailableError as error:
        raise unavailable("inference", error) from None
    rejected = result.rejected if result else 0
    counts = {
        "Telltale-Accepted": str(result.accepted if result else 0),
        "Telltale-Duplicates": str(result.duplicates if result else 0),
        "Telltale-Rejected": str(rejected),
        "Telltale-Ignored-Spans": str(len(spans) - len(llm_spans)),
    }
    message = _first_error(result) if rejected else ""
    if (content_type or "").startswith(otlp.PROTOBUF):
        reply = ExportTraceServiceResponse()
        if rejected:
            reply.partial_success.rejected_spans = rejected
            reply.partial_success.error_message = message
        return Response(reply.SerializeToString(), media_type=otlp.PROTOBUF, headers=counts)
    document = {"partialSuccess": {"rejectedSpans": rejected, "errorMessage": message}} if rejected else {}
    return Response(orjson.dumps(document), media_type=otlp.JSON, headers=counts)


def _item(index: int, span: otlp.Span | otlp.Unreadable) -> RawItem:
    """A span as an ingest item: its event if it maps, else the mapping error; the raw span is kept either way.

    A span that cannot be read at all is refused as one, since nothing says whether it was a GenAI span."""
    raw = encode(span.raw)
    if isinstance(span, otlp.Unreadable):
        return RawItem(index, raw, error=span.error)
    try:
        return RawItem(index, raw, genai.to_event(span))
    except (TypeError, ValueError) as error:
        return RawItem(index, raw, error=f"span does not map to an inference event: {error}")


def _first_error(result: IngestOutcome) -> str:
    for item in result.items:
        if item["status"] == "rejected" and item["errors"]:
            error = item["errors"][0]
            return f"span {item['index']}: {error['field']}: {error['reason']}"
    return ""
