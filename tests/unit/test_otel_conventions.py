"""Each convention of the table, on spans from the real instrumentation library where one installs offline
(OpenInference's OpenAI and LangChain instrumentors, OpenLLMetry's OpenAI instrumentor) driving the real openai
client against a local OpenAI-compatible server, in an app process of their own; otherwise on spans built from
the convention's published docs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from opentelemetry.semconv_ai import SpanAttributes as LLMAttributes

from telltale_server.services.ingest.otel import decode
from telltale_server.services.ingest.otel.conventions import classify
from telltale_server.services.ingest.otel.decode import Span
from telltale_server.services.ingest.otel.event import to_event
from tests.support.chat_server import ChatServer
from tests.support.instrumented_apps import record
from tests.support.otel import ANSWER, PASSAGE, Recorder, chat_server, decoded


@pytest.fixture(scope="module")
def llm() -> Iterator[ChatServer]:
    server = chat_server()
    yield server
    server.stop()


def mapped(spans: list[Span], name: str) -> tuple[str, str, dict]:
    """Convention, role and (for a call) event, or (for a retriever) passages, of the span named `name`."""
    span = next(s for s in spans if s.name == name)
    found = classify(span)
    assert found is not None, f"no convention claims {name}"
    convention, role = found
    if role == "llm":
        return convention.name, role, to_event(span, convention)
    return convention.name, role, {"passages": convention.documents(span)}


def test_openinference_rag_chain_from_langchain_and_openai(llm: ChatServer, tmp_path: Path) -> None:
    spans = decode.decode(record("openinference_rag", llm.url, tmp_path / "spans"), decode.PROTOBUF)
    name, role, event = mapped(spans, "ChatCompletion")
    assert (name, role) == ("openinference", "llm")
    assert event["model"] == "gpt-4o-mini" and event["provider"] == "openai"
    assert event["input"] == [
        {"role": "system", "content": f"Answer from: {PASSAGE}"},
        {"role": "user", "content": "How long do refunds take?"},
    ]
    assert event["output"] == ANSWER
    assert event["usage"] == {"input_tokens": 52, "output_tokens": 12}
    assert (event["session_id"], event["user_id"], event["tags"], event["prompt_version"]) == (
        "s-42",
        "u-7",
        ["rag", "beta"],
        "answer-v4",
    )
    assert event["attributes"]["metadata.tenant"] == "acme"
    assert event["attributes"]["llm.invocation_parameters.temperature"] == 0.2
    assert event["app"] == "support-bot" and event["environment"] == "production"
    name, role, found = mapped(spans, "Refunds")
    assert (name, role) == ("openinference", "retriever")
    assert found["passages"] == [{"id": None, "text": PASSAGE, "score": 0.91, "source": "kb/refunds.md"}]
    assert mapped(spans, "answer")[:2] == ("openinference", "context")
    assert classify(next(s for s in spans if s.name == "POST /answer")) is None


def test_openinference_completion_form_and_tool_calls(llm: ChatServer, tmp_path: Path) -> None:
    app = "openinference_completion_and_tools"
    spans = decode.decode(record(app, llm.url, tmp_path / "spans"), decode.PROTOBUF)
    _, _, completion = mapped(spans, "Completion")
    assert completion["input"] == [{"role": "user", "content": "Say hi"}] and completion["output"] == "hi"
    _, _, tools = mapped(spans, "ChatCompletion")
    assert "output" not in tools
    assert orjson.loads(tools["attributes"]["llm.output.tool_calls"]) == [
        {"id": "call_1", "name": "refund_status", "arguments": '{"id": 7}'}
    ]


def test_openllmetry_openai_instrumentor_writes_current_gen_ai(llm: ChatServer, tmp_path: Path) -> None:
    spans = decode.decode(record("openllmetry_chat", llm.url, tmp_path / "spans"), decode.PROTOBUF)
    name, role, event = mapped(spans, "openai.chat")
    assert (name, role) == ("gen_ai", "llm")
    assert (event["model"], event["provider"], event["output"]) == ("gpt-4o-mini", "openai", ANSWER)
    assert event["input"] == [{"role": "user", "content": "Refunds?"}]
    assert event["usage"] == {"input_tokens": 52, "output_tokens": 12}


def test_openllmetry_traceloop_spans_and_flattened_attributes() -> None:
    """Attribute names from OpenLLMetry's semantic-convention package (opentelemetry-semantic-conventions-ai);
    the shapes as its SDK and its vector-database instrumentations write them (traceloop/openllmetry)."""
    recorder = Recorder()
    properties = LLMAttributes.TRACELOOP_ASSOCIATION_PROPERTIES
    with recorder.tracer.start_as_current_span("answer.workflow") as workflow:
        workflow.set_attributes({LLMAttributes.TRACELOOP_SPAN_KIND: "workflow", "traceloop.workflow.name": "answer"})
        with recorder.tracer.start_as_current_span("chroma.query") as query:
            query.set_attribute("db.system", "chroma")
            query.add_event(
                "db.query.result",
                {
                    "db.query.result.id": "kb-1",
                    "db.query.result.distance": 0.12,
                    "db.query.result.document": PASSAGE,
                    "db.query.result.metadata": '{"source": "kb/refunds.md"}',
                },
            )
        with recorder.tracer.start_as_current_span("openai.chat") as chat:
            chat.set_attributes(
                {
                    LLMAttributes.LLM_SYSTEM: "openai",
                    LLMAttributes.LLM_REQUEST_TYPE: "chat",
                    LLMAttributes.LLM_REQUEST_MODEL: "gpt-4o-mini",
                    f"{LLMAttributes.LLM_PROMPTS}.0.role": "user",
                    f"{LLMAttributes.LLM_PROMPTS}.0.content": "How long do refunds take?",
                    f"{LLMAttributes.LLM_COMPLETIONS}.0.role": "assistant",
                    f"{LLMAttributes.LLM_COMPLETIONS}.0.content": ANSWER,
                    LLMAttributes.LLM_USAGE_PROMPT_TOKENS: 40,
                    LLMAttributes.LLM_USAGE_COMPLETION_TOKENS: 9,
                    LLMAttributes.LLM_USAGE_TOTAL_TOKENS: 49,
                    "traceloop.workflow.name": "answer",
                    f"{properties}.user_id": "u-7",
                    f"{properties}.session_id": "s-42",
                    "traceloop.prompt.key": "answer",
                    "traceloop.prompt.version": 4,
                }
            )
    spans = decoded(recorder.spans())
    assert mapped(spans, "answer.workflow")[:2] == ("openllmetry", "context")
    name, role, found = mapped(spans, "chroma.query")
    assert (name, role) == ("openllmetry", "retriever")
    assert found["passages"] == [{"id": "kb-1", "text": PASSAGE, "score": 0.12, "source": "kb/refunds.md"}]
    name, role, event = mapped(spans, "openai.chat")
    assert (name, role) == ("openllmetry", "llm")
    assert event["input"] == [{"role": "user", "content": "How long do refunds take?"}] and event["output"] == ANSWER
    assert event["usage"] == {"input_tokens": 40, "output_tokens": 9, "total_tokens": 49}
    assert (event["route"], event["user_id"], event["session_id"], event["prompt_version"]) == (
        "answer",
        "u-7",
        "s-42",
        "answer@4",
    )


def test_vercel_ai_sdk_spans() -> None:
    """The two spans `generateText` records, with the attributes listed at ai-sdk.dev/docs/ai-sdk-core/telemetry
    ("Collected data": basic and call LLM span information): only the provider call is an LLM call."""
    recorder = Recorder()
    basic = {
        "ai.model.id": "gpt-4o-mini",
        "ai.model.provider": "openai.chat",
        "ai.telemetry.functionId": "support/answer",
        "ai.telemetry.metadata.userId": "u-7",
        "ai.telemetry.metadata.plan": "pro",
        "ai.usage.promptTokens": 30,
        "ai.usage.completionTokens": 11,
    }
    with recorder.tracer.start_as_current_span("ai.generateText") as outer:
        outer.set_attributes(
            {
                **basic,
                "ai.operationId": "ai.generateText",
                "operation.name": "ai.generateText support/answer",
                "ai.prompt": '{"system":"Be brief.","prompt":"How long do refunds take?"}',
                "ai.response.text": ANSWER,
            }
        )
        with recorder.tracer.start_as_current_span("ai.generateText.doGenerate") as call:
            call.set_attributes(
                {
                    **basic,
                    "ai.operationId": "ai.generateText.doGenerate",
                    "ai.prompt.messages": orjson.dumps(
                        [
                            {"role": "system", "content": "Be brief."},
                            {"role": "user", "content": [{"type": "text", "text": "How long do refunds take?"}]},
                        ]
                    ).decode(),
                    "ai.response.text": ANSWER,
                    "ai.response.finishReason": "stop",
                    "ai.response.model": "gpt-4o-mini-2024-07-18",
                    "gen_ai.system": "openai.chat",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                    "gen_ai.usage.input_tokens": 30,
                    "gen_ai.usage.output_tokens": 11,
                }
            )
    spans = decoded(recorder.spans())
    assert mapped(spans, "ai.generateText")[:2] == ("vercel_ai", "context")
    name, role, event = mapped(spans, "ai.generateText.doGenerate")
    assert (name, role) == ("vercel_ai", "llm")
    assert event["input"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "How long do refunds take?"},
    ]
    assert (event["model"], event["provider"], event["output"], event["route"], event["user_id"]) == (
        "gpt-4o-mini-2024-07-18",
        "openai.chat",
        ANSWER,
        "support/answer",
        "u-7",
    )
    assert event["usage"] == {"input_tokens": 30, "output_tokens": 11}
    assert event["attributes"]["metadata.plan"] == "pro"


def test_gen_ai_retrieval_and_agent_operations() -> None:
    """`gen_ai.retrieval.documents` as the GenAI conventions' retrieval span defines it (JSON text of
    [{id, score, ...}]); agent and tool operations are context even though they name a model."""
    recorder = Recorder()
    with recorder.tracer.start_as_current_span("invoke_agent support") as agent:
        agent.set_attributes({"gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o"})
        with recorder.tracer.start_as_current_span("retrieval kb") as retrieval:
            documents = [{"id": "doc_123", "score": 0.95, "content": PASSAGE}, {"id": "doc_456", "score": 0.87}]
            retrieval.set_attributes(
                {
                    "gen_ai.operation.name": "retrieval",
                    "gen_ai.data_source.id": "kb",
                    "gen_ai.retrieval.documents": orjson.dumps(documents).decode(),
                }
            )
    spans = decoded(recorder.spans())
    assert mapped(spans, "invoke_agent support")[:2] == ("gen_ai", "context")
    name, role, found = mapped(spans, "retrieval kb")
    assert (name, role) == ("gen_ai", "retriever")
    assert found["passages"][0] == {"id": "doc_123", "text": PASSAGE, "score": 0.95, "source": "kb"}
