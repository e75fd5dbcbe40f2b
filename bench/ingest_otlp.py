"""OTLP ingest benchmark: export requests of LLM spans (protobuf, as the SDK's exporter sends them) to local mode,
until every call is queryable.

Run: `python -m bench.ingest_otlp [--calls 100000] [--shape genai|rag] [--batch 512] [--concurrency 4]`.
`genai`: one GenAI-convention span per call; `rag`: per call an OpenInference trace of three spans (root CHAIN,
RETRIEVER, LLM) in one request, so every call is joined with its passages. Prints one JSON object (spans/s and
calls/s queryable, the server's CPU per span, the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import random

import orjson
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from bench.ingest import serve_and_run
from telltale_server.services.demo.generator import DemoTraffic

START_NS = 1_700_000_000_000_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--shape", choices=("genai", "rag"), default="genai")
    parser.add_argument("--batch", type=int, default=512, help="spans per export request (the SDK's default)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--evaluators", default='["usage"]', help="TELLTALE_EVALUATORS for the server (JSON list)")
    args = parser.parse_args()

    calls = [call.inference for call in DemoTraffic(seed=7).calls(args.calls)]
    spans = [span for call in calls for span in (rag(call) if args.shape == "rag" else [genai(call)])]
    requests = [spans[i : i + args.batch] for i in range(0, len(spans), args.batch)]
    bodies = [export(chunk) for chunk in requests]
    counts = [sum(1 for span in chunk if span.name.startswith("chat")) for chunk in requests]
    result = serve_and_run(bodies, counts, args, path="/v1/traces", content_type="application/x-protobuf")
    seconds = result["queryable_s"]
    server_cpu = result.pop("server_cpu_us_per_event_until_acked")
    per_span = len(spans) / result["events"]
    result.update(
        shape=args.shape,
        spans=len(spans),
        spans_per_s_queryable=round(len(spans) / seconds),
        server_cpu_us_per_span_until_acked={
            "python_threads": round(server_cpu["python_threads"] / per_span, 1),
            "store_threads": round(server_cpu["store_threads"] / per_span, 1),
            "store_ceiling_spans_per_s": round(server_cpu["store_ceiling_events_per_s"] * per_span),
        },
        request_bytes_avg=round(sum(map(len, bodies)) / len(bodies)),
    )
    print(json.dumps(result, indent=2))


def genai(call: dict) -> Span:
    """One call as a span of the current GenAI conventions."""
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": call.get("provider") or "openai",
        "gen_ai.request.model": call["model"],
        "gen_ai.input.messages": orjson.dumps(_messages(call["input"])).decode(),
        "gen_ai.output.messages": orjson.dumps(_messages([{"role": "assistant", "content": call["output"]}])).decode(),
        "gen_ai.usage.input_tokens": call["usage"]["input_tokens"],
        "gen_ai.usage.output_tokens": call["usage"]["output_tokens"],
        "telltale.route": call["route"],
    }
    return _span(f"chat {call['model']}", os.urandom(16), b"", attributes, _start())


def rag(call: dict) -> list[Span]:
    """One call as OpenInference spans: a CHAIN root, its RETRIEVER, then the LLM call."""
    trace, root, start = os.urandom(16), os.urandom(8), _start()
    documents: dict[str, object] = {}
    for index, context in enumerate(call.get("contexts") or []):
        prefix = f"retrieval.documents.{index}.document"
        documents.update({f"{prefix}.id": context["id"], f"{prefix}.content": context["text"]})
        documents[f"{prefix}.score"] = float(context.get("score") or 0.0)
        documents[f"{prefix}.metadata"] = orjson.dumps({"source": context.get("source")}).decode()
    messages = {}
    for index, message in enumerate(call["input"]):
        messages[f"llm.input_messages.{index}.message.role"] = message["role"]
        messages[f"llm.input_messages.{index}.message.content"] = message["content"]
    llm = {
        "openinference.span.kind": "LLM",
        "llm.model_name": call["model"],
        "llm.provider": call.get("provider") or "openai",
        **messages,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": call["output"],
        "llm.token_count.prompt": call["usage"]["input_tokens"],
        "llm.token_count.completion": call["usage"]["output_tokens"],
    }
    return [
        _span("retrieve", trace, root, {"openinference.span.kind": "RETRIEVER", **documents}, start),
        _span(f"chat {call['model']}", trace, root, llm, start + 10**9),
        _span("answer", trace, b"", {"openinference.span.kind": "CHAIN"}, start, span_id=root),
    ]


def _messages(messages: list[dict]) -> list[dict]:
    return [{"role": m["role"], "parts": [{"type": "text", "content": m["content"]}]} for m in messages]


def _start() -> int:
    return START_NS + random.randrange(10**12)


def _span(name: str, trace: bytes, parent: bytes, attributes: dict, start: int, span_id: bytes | None = None) -> Span:
    span = Span(
        trace_id=trace,
        span_id=span_id or os.urandom(8),
        parent_span_id=parent,
        name=name,
        start_time_unix_nano=start,
        end_time_unix_nano=start + 900_000_000,
    )
    for key, value in attributes.items():
        span.attributes.append(_attribute(key, value))
    return span


def _attribute(key: str, value: object) -> KeyValue:
    attribute = KeyValue(key=key)
    if isinstance(value, bool):
        attribute.value.bool_value = value
    elif isinstance(value, int):
        attribute.value.int_value = value
    elif isinstance(value, float):
        attribute.value.double_value = value
    else:
        attribute.value.string_value = str(value)
    return attribute


def export(spans: list[Span]) -> bytes:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.append(_attribute("service.name", "support-bot"))
    resource_spans.scope_spans.add().spans.extend(spans)
    return request.SerializeToString()


if __name__ == "__main__":
    main()
