"""OTLP/HTTP ingest with spans made by the real OpenTelemetry SDK and its OTLP exporter."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

import httpx
import orjson
from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from telltale_server.schemas import limits
from telltale_server.services.ingest.otel import decode
from telltale_server.services.ingest.otel.event import SPAN_IDS, event_id
from tests.support.instrumented_apps import record
from tests.support.otel import ANSWER, PASSAGE, Recorder, body, chat_server
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

RESOURCE = Resource.create({"service.name": "support-bot", "deployment.environment.name": "production"})


def record_spans() -> list[ReadableSpan]:
    """A trace like OpenLLMetry/OpenLIT instrumentation makes: an HTTP span around two LLM calls."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("POST /answer"):
        with tracer.start_as_current_span("chat gpt-4o-mini") as span:
            span.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                    "gen_ai.usage.input_tokens": 42,
                    "gen_ai.usage.output_tokens": 7,
                    "gen_ai.input.messages": orjson.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": "How long do refunds take?"}]}]
                    ).decode(),
                    "gen_ai.output.messages": orjson.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": "5 to 10 business days."}]}]
                    ).decode(),
                    "telltale.route": "support/answer",
                }
            )
        with tracer.start_as_current_span("chat claude") as span:
            span.set_attributes(
                {
                    "gen_ai.system": "anthropic",
                    "gen_ai.request.model": "claude-sonnet-4",
                    "gen_ai.prompt.0.role": "user",
                    "gen_ai.prompt.0.content": "Summarise the ticket.",
                    "gen_ai.completion.0.content": "",
                }
            )
            span.record_exception(RuntimeError("overloaded"))
            span.set_status(Status(StatusCode.ERROR, "overloaded"))
    provider.shutdown()
    return list(memory.get_finished_spans())


def stored(server: TelltaleServer, span: ReadableSpan) -> httpx.Response:
    context = span.get_span_context()
    event_id = uuid.uuid5(SPAN_IDS, f"{context.trace_id:032x}:{context.span_id:016x}")
    with server.client(ADMIN_KEY) as client:
        return client.get(f"/v1/inference/{event_id}")


def test_protobuf_from_the_real_exporter(server: TelltaleServer) -> None:
    spans = record_spans()
    exporter = OTLPSpanExporter(endpoint=f"{server.url}/v1/traces", headers={"Authorization": f"Bearer {INGEST_KEY}"})
    assert exporter.export(spans).name == "SUCCESS"
    chat, claude, http = spans[0], spans[1], spans[2]
    event = stored(server, chat).json()["event"]
    assert (event["model"], event["provider"], event["app"], event["environment"]) == (
        "gpt-4o-mini-2024-07-18",
        "openai",
        "support-bot",
        "production",
    )
    assert event["input"] == [{"role": "user", "content": "How long do refunds take?", "name": None}]
    assert event["output"] == "5 to 10 business days."
    assert (event["usage"]["input_tokens"], event["usage"]["output_tokens"], event["route"]) == (
        42,
        7,
        "support/answer",
    )
    assert event["trace_id"] == f"{chat.get_span_context().trace_id:032x}"
    assert event["latency_ms"] > 0
    failed = stored(server, claude).json()["event"]
    assert (failed["status"], failed["error"], failed["input"][0]["content"]) == (
        "error",
        "RuntimeError: overloaded",
        "Summarise the ticket.",
    )
    assert stored(server, http).status_code == 404
    assert exporter.export(spans).name == "SUCCESS"


def test_json_encoding_and_counts(server: TelltaleServer) -> None:
    document = MessageToDict(encode_spans(record_spans()))
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = base64.b64decode(span[key]).hex()
    response = httpx.post(
        f"{server.url}/v1/traces",
        content=orjson.dumps(document),
        headers={"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200 and response.json() == {}
    assert (response.headers["Telltale-Accepted"], response.headers["Telltale-Ignored-Spans"]) == ("2", "1")


def test_bad_otlp_input(server: TelltaleServer) -> None:
    auth = {"Authorization": f"Bearer {INGEST_KEY}"}
    garbage = httpx.post(
        f"{server.url}/v1/traces",
        content=b"\xff\x00garbage",
        headers={**auth, "Content-Type": "application/x-protobuf"},
    )
    assert garbage.status_code == 400 and "OTLP protobuf" in garbage.json()["detail"]
    assert (
        httpx.post(f"{server.url}/v1/traces", content=b"{}", headers={**auth, "Content-Type": "text/xml"}).status_code
        == 415
    )
    assert httpx.post(f"{server.url}/v1/traces", content=b"{}").status_code == 401
    oversized = httpx.post(
        f"{server.url}/v1/traces",
        content=b" " * (limits.MAX_BODY_BYTES + 1),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert oversized.status_code == 413
    bad_tokens = {
        "resourceSpans": [
            {
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": "0af7651916cd43dd8448eb211c80319c",
                                "spanId": "b7ad6b7169203331",
                                "name": "chat",
                                "startTimeUnixNano": "1700000000000000000",
                                "endTimeUnixNano": "1700000001000000000",
                                "attributes": [
                                    {"key": "gen_ai.request.model", "value": {"stringValue": "m"}},
                                    {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "-5"}},
                                ],
                            }
                        ]
                    }
                ]
            }
        ]
    }
    response = httpx.post(
        f"{server.url}/v1/traces",
        content=orjson.dumps(bad_tokens),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.json()["partialSuccess"]["rejectedSpans"] == 1
    assert "usage.input_tokens" in response.json()["partialSuccess"]["errorMessage"]
    with httpx.Client(headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as client:
        letters = client.get(f"{server.url}/v1/dead-letters").json()
    assert any(letter["source"] == "http:/v1/traces" and "b7ad6b7169203331" in letter["raw"] for letter in letters)
    unreadable = {**bad_tokens["resourceSpans"][0]["scopeSpans"][0]["spans"][0], "startTimeUnixNano": "-1"}
    document = {"resourceSpans": [{"scopeSpans": [{"spans": [unreadable]}]}]}
    refused = httpx.post(
        f"{server.url}/v1/traces", content=orjson.dumps(document), headers={**auth, "Content-Type": "application/json"}
    )
    assert refused.status_code == 200 and refused.headers["Telltale-Rejected"] == "1"
    metrics = httpx.get(f"{server.url}/metrics").text
    assert 'telltale_otlp_spans_total{outcome="unmapped"} 1.0' in metrics


def wait_for_event(server: TelltaleServer, span_or_id: ReadableSpan | str, evaluator: str | None = None) -> dict:
    """The stored event of an LLM span (with that evaluator's result), waiting on progress, not on time."""

    def found() -> dict | None:
        if isinstance(span_or_id, str):
            with server.client(ADMIN_KEY) as client:
                response = client.get(f"/v1/inference/{span_or_id}")
        else:
            response = stored(server, span_or_id)
        if response.status_code != 200:
            return None
        detail = response.json()
        scored = evaluator is None or any(e["evaluator"] == evaluator for e in detail["evaluations"])
        return detail if scored else None

    return wait_for(found, f"event (with {evaluator}) for {span_or_id}", progress=server.progress)


def test_rag_app_instrumented_with_openinference(server: TelltaleServer, tmp_path: Path) -> None:
    """LangChain's retriever and the OpenAI client, instrumented by OpenInference, exported span by span by the
    real OTLP exporter: the call gets the retrieved passage, and groundedness scores it."""
    llm = chat_server()
    try:
        exported = record(
            "openinference_rag",
            llm.url,
            tmp_path / "spans",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{server.url}/v1/traces",
            OTEL_EXPORTER_OTLP_TRACES_HEADERS=f"Authorization=Bearer%20{INGEST_KEY}",
        )
    finally:
        llm.stop()
    chat = next(span for span in decode.decode(exported, decode.PROTOBUF) if span.name == "ChatCompletion")
    detail = wait_for_event(server, event_id(chat.trace_id, chat.span_id), evaluator="groundedness")
    event = detail["event"]
    assert event["contexts"] == [{"id": None, "text": PASSAGE, "source": "kb/refunds.md", "score": 0.91}]
    assert (event["output"], event["attributes"]["telltale.retrieval"]) == (ANSWER, "joined")
    grounded = [e for e in detail["evaluations"] if e["evaluator"] == "groundedness" and e["metric"] == "score"]
    assert grounded and grounded[0]["label"] == "grounded"


def test_a_held_call_survives_a_restart(tmp_path: Path) -> None:
    recorder = Recorder()
    with recorder.tracer.start_as_current_span("POST /answer"):
        with recorder.tracer.start_as_current_span("retrieve") as retrieve:
            retrieve.set_attributes(
                {"openinference.span.kind": "RETRIEVER", "retrieval.documents.0.document.content": PASSAGE}
            )
        with recorder.tracer.start_as_current_span("chat") as chat:
            chat.set_attributes({"openinference.span.kind": "LLM", "llm.model_name": "m", "input.value": "Refunds?"})
    headers = {"Authorization": f"Bearer {INGEST_KEY}", "Content-Type": "application/x-protobuf"}
    env = {"TELLTALE_OTEL_HOLD_S": "3600", "TELLTALE_EVALUATORS": '["usage"]'}
    first = TelltaleServer(tmp_path / "data", env=env).start()
    try:
        held = httpx.post(f"{first.url}/v1/traces", content=body([recorder.named("chat")]), headers=headers)
        assert (held.status_code, held.headers["Telltale-Held"]) == (200, "1")
    finally:
        first.stop()
    second = TelltaleServer(tmp_path / "data", env=env).start()
    try:
        assert stored(second, recorder.named("chat")).status_code == 404
        joined = httpx.post(f"{second.url}/v1/traces", content=body([recorder.named("retrieve")]), headers=headers)
        assert joined.headers["Telltale-Retrievals"] == "1"
        event = wait_for_event(second, recorder.named("chat"))["event"]
        assert event["contexts"][0]["text"] == PASSAGE and event["input"] == "Refunds?"
    finally:
        second.stop()
