"""Trace assembly on the real embedded store: calls joined with their trace's retrievals across exports and in
any order, held calls released by their retrieval, their trace's root or the hold's end, unmappable spans kept."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import Status, StatusCode

from telltale_server.services.events.deadletters import recent_dead_letters
from telltale_server.services.events.detail import event_detail
from telltale_server.services.ingest.otel.receiver import TraceOutcome
from telltale_server.services.runtime import Runtime
from tests.support.otel import ANSWER, PASSAGE, Recorder, decoded, span_event_id


def rag_trace(recorder: Recorder, with_llm_error: bool = False) -> dict[str, ReadableSpan]:
    """POST /answer → retrieve (OpenInference RETRIEVER) → chat (OpenInference LLM), as an app records them."""
    with recorder.tracer.start_as_current_span("POST /answer"):
        with recorder.tracer.start_as_current_span("retrieve") as retrieve:
            retrieve.set_attributes(
                {
                    "openinference.span.kind": "RETRIEVER",
                    "input.value": "How long do refunds take?",
                    "retrieval.documents.0.document.id": "kb-1",
                    "retrieval.documents.0.document.content": PASSAGE,
                    "retrieval.documents.0.document.score": 0.91,
                    "retrieval.documents.0.document.metadata": '{"source": "kb/refunds.md"}',
                }
            )
        with recorder.tracer.start_as_current_span("chat") as chat:
            chat.set_attributes(
                {
                    "openinference.span.kind": "LLM",
                    "llm.model_name": "gpt-4o-mini",
                    "llm.input_messages.0.message.role": "user",
                    "llm.input_messages.0.message.content": "How long do refunds take?",
                    "llm.output_messages.0.message.role": "assistant",
                    "llm.output_messages.0.message.content": ANSWER,
                    "llm.token_count.prompt": -1 if with_llm_error else 40,
                }
            )
    return {span.name: span for span in recorder.spans()}


def receive(runtime: Runtime, project: str, *spans: ReadableSpan) -> TraceOutcome:
    return asyncio.run(runtime.traces.receive(project, decoded(list(spans))))


def stored(runtime: Runtime, project: str, span: ReadableSpan) -> dict | None:
    detail = event_detail(runtime.store, project, uuid.UUID(span_event_id(span)))
    return None if detail is None else detail.event.model_dump(mode="json")


def test_one_export_with_the_whole_trace(runtime: Runtime, project: str) -> None:
    spans = rag_trace(Recorder())
    outcome = receive(runtime, project, *spans.values())
    assert (outcome.accepted, outcome.counts["retrieval"], outcome.counts["held"]) == (1, 1, 0)
    event = stored(runtime, project, spans["chat"])
    assert event is not None
    assert event["contexts"] == [{"id": "kb-1", "text": PASSAGE, "source": "kb/refunds.md", "score": 0.91}]
    assert event["attributes"]["telltale.retrieval"] == "joined"
    assert event["output"] == ANSWER and event["attributes"]["otel.convention"] == "openinference"


def test_span_by_span_as_a_simple_processor_exports_them(runtime: Runtime, project: str) -> None:
    spans = rag_trace(Recorder())
    assert receive(runtime, project, spans["retrieve"]).counts["retrieval"] == 1
    assert receive(runtime, project, spans["chat"]).accepted == 1
    assert stored(runtime, project, spans["chat"])["contexts"][0]["text"] == PASSAGE
    assert receive(runtime, project, spans["POST /answer"]).accepted == 0


def test_a_call_waits_for_a_retrieval_that_comes_later(runtime: Runtime, project: str) -> None:
    spans = rag_trace(Recorder())
    outcome = receive(runtime, project, spans["chat"])
    assert (outcome.accepted, outcome.counts["held"]) == (0, 1)
    assert stored(runtime, project, spans["chat"]) is None
    assert receive(runtime, project, spans["chat"]).counts["held"] == 1, "an exporter's retry is held once"
    assert receive(runtime, project, spans["retrieve"]).counts["released"] == 1
    event = stored(runtime, project, spans["chat"])
    assert event["contexts"][0]["id"] == "kb-1" and event["attributes"]["telltale.retrieval"] == "joined"
    assert asyncio.run(runtime.traces.release_expired(datetime.now(UTC) + timedelta(hours=1))) == 0


def test_the_root_span_ends_the_wait_of_a_trace_without_retrieval(runtime: Runtime, project: str) -> None:
    recorder = Recorder()
    with recorder.tracer.start_as_current_span("POST /chat"), recorder.tracer.start_as_current_span("chat") as chat:
        chat.set_attributes(
            {"gen_ai.request.model": "gpt-4o", "gen_ai.input.messages": '[{"role": "user", "content": "Hi"}]'}
        )
        chat.set_status(Status(StatusCode.ERROR, "rate limited"))
    spans = {span.name: span for span in recorder.spans()}
    assert receive(runtime, project, spans["chat"]).counts["held"] == 1
    assert receive(runtime, project, spans["POST /chat"]).counts["released"] == 1
    event = stored(runtime, project, spans["chat"])
    assert event["contexts"] == [] and "telltale.retrieval" not in event["attributes"]
    assert (event["status"], event["error"], event["input"]) == (
        "error",
        "rate limited",
        [{"role": "user", "content": "Hi", "name": None}],
    )


def test_a_retrieval_that_never_comes(runtime: Runtime, project: str) -> None:
    spans = rag_trace(Recorder())
    assert receive(runtime, project, spans["chat"]).counts["held"] == 1
    assert asyncio.run(runtime.traces.release_expired(datetime.now(UTC))) == 0, "still within the hold"
    later = datetime.now(UTC) + timedelta(seconds=runtime.traces.hold_s + 1)
    assert asyncio.run(runtime.traces.release_expired(later)) >= 1
    event = stored(runtime, project, spans["chat"])
    assert event["contexts"] == [] and event["attributes"]["telltale.retrieval"] == "timed_out"


def test_bad_spans_are_counted_kept_and_never_stop_the_rest(runtime: Runtime, project: str) -> None:
    good = rag_trace(Recorder())
    bad = rag_trace(Recorder(), with_llm_error=True)
    outcome = receive(runtime, project, *good.values(), *bad.values())
    assert (outcome.accepted, outcome.rejected) == (1, 1)
    assert outcome.errors[0].endswith("usage.input_tokens: Input should be greater than or equal to 0")
    letters = recent_dead_letters(runtime.store, project, 10, "inference")
    assert len(letters) == 1 and letters[0].source == "http:/v1/traces"
    raw = orjson.loads(letters[0].raw)
    assert raw["spanId"] == f"{bad['chat'].get_span_context().span_id:016x}"
    assert any(a["key"] == "llm.token_count.prompt" for a in raw["attributes"])


def test_a_held_call_that_turns_out_invalid_is_rejected_at_once(runtime: Runtime, project: str) -> None:
    bad = rag_trace(Recorder(), with_llm_error=True)
    outcome = receive(runtime, project, bad["chat"])
    assert (outcome.rejected, outcome.counts["held"]) == (1, 0)
