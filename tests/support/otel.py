"""Spans made by the real OpenTelemetry SDK and real instrumentation libraries, and their OTLP export bytes."""

from __future__ import annotations

from typing import Any

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from telltale_server.services.ingest.otel import decode
from telltale_server.services.ingest.otel.event import event_id
from tests.support.chat_server import ChatServer, Reply, completion, verdict

RESOURCE = Resource.create({"service.name": "support-bot", "deployment.environment.name": "production"})
ANSWER = "Refunds reach your card in 5 to 10 business days."
PASSAGE = "Refunds are issued to the original payment method and take 5 to 10 business days."


class Refunds(BaseRetriever):
    """A LangChain retriever over one passage (its metadata's score is how vector stores often report one)."""

    def _get_relevant_documents(self, query: str, *, run_manager: object) -> list[Document]:
        return [Document(page_content=PASSAGE, metadata={"source": "kb/refunds.md", "score": 0.91})]


class Recorder:
    """A tracer provider whose finished spans are kept in memory, in the order they ended."""

    def __init__(self, resource: Resource = RESOURCE) -> None:
        self.memory = InMemorySpanExporter()
        self.provider = TracerProvider(resource=resource)
        self.provider.add_span_processor(SimpleSpanProcessor(self.memory))
        self.tracer = self.provider.get_tracer("app")

    def spans(self) -> list[ReadableSpan]:
        return list(self.memory.get_finished_spans())

    def named(self, name: str) -> ReadableSpan:
        return next(span for span in self.spans() if span.name == name)


def body(spans: list[ReadableSpan]) -> bytes:
    """The OTLP/protobuf export request the SDK's exporter sends for these spans."""
    return encode_spans(spans).SerializeToString()


def decoded(spans: list[ReadableSpan]) -> list[decode.Span]:
    """The spans as Telltale reads them from their export request."""
    return decode.decode(body(spans), decode.PROTOBUF)


def span_event_id(span: ReadableSpan) -> str:
    """The event id Telltale derives for an LLM span."""
    context = span.get_span_context()
    return event_id(f"{context.trace_id:032x}", f"{context.span_id:016x}")


def chat_server() -> ChatServer:
    """A local OpenAI-compatible server: chat answers ANSWER, legacy completions answer 'hi'."""
    server = ChatServer()
    server.respond = _answer
    return server.start()


TOOL_CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "refund_status", "arguments": '{"id": 7}'}}
    ],
}
"""The answer to "Where is refund 7?": a tool call and no text."""


def _answer(request: dict[str, Any]) -> Reply:
    if "prompt" in request:
        return completion("hi")
    if request["messages"][-1]["content"] == "Where is refund 7?":
        return Reply(200, {"id": "c", "object": "chat.completion", "choices": [{"index": 0, "message": TOOL_CALL}]})
    return verdict(ANSWER, {"prompt_tokens": 52, "completion_tokens": 12})
