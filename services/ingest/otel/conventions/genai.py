"""The OpenTelemetry GenAI semantic conventions, current (messages as attributes) and older (message events)."""

from __future__ import annotations

from typing import Any

from telltale_server.services.ingest.otel.conventions import text
from telltale_server.services.ingest.otel.conventions.base import Convention, Role
from telltale_server.services.ingest.otel.decode import Span

MARKERS = ("gen_ai.request.model", "gen_ai.response.model", "gen_ai.system", "gen_ai.provider.name")
RETRIEVAL_OPS = frozenset({"retrieval", "retrieve"})
CONTEXT_OPS = frozenset(
    {"execute_tool", "invoke_agent", "create_agent", "invoke_workflow", "agent_step", "embeddings", "execute_task"}
)
MESSAGE_EVENTS = frozenset({"gen_ai.system.message", "gen_ai.user.message", "gen_ai.assistant.message"})


def role(span: Span) -> Role | None:
    """Calls carry a gen_ai model or provider; retrievals and agent, tool or embedding operations say so."""
    a = span.attributes
    operation = a.get("gen_ai.operation.name")
    if operation in RETRIEVAL_OPS or "gen_ai.retrieval.documents" in a:
        return "retriever"
    if operation in CONTEXT_OPS:
        return "context"
    return "llm" if any(key in a for key in MARKERS) else None


def call(span: Span) -> dict[str, Any]:
    """Model, provider, messages, usage and who asked, from whichever generation of the conventions was used."""
    a = span.attributes
    messages, output = conversation(span)
    return {
        "model": text.first(a, "gen_ai.response.model", "gen_ai.request.model") or "unknown",
        "provider": text.first(a, "gen_ai.provider.name", "gen_ai.system"),
        "input": messages,
        "output": output,
        "usage": usage(a),
        "user_id": text.first(a, "enduser.id", "user.id"),
        "session_id": text.first(a, "session.id", "gen_ai.conversation.id"),
        "attributes": {"gen_ai.operation.name": a.get("gen_ai.operation.name")},
    }


def usage(a: dict[str, Any]) -> dict[str, Any]:
    """Token counts under the current names or the older prompt/completion ones."""
    return {
        "input_tokens": text.first(a, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
        "output_tokens": text.first(a, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    }


def conversation(span: Span) -> tuple[list[dict[str, Any]], str | None]:
    """Messages and answer: attributes of the current conventions, else the older message events."""
    a = span.attributes
    if "gen_ai.input.messages" in a or "gen_ai.output.messages" in a:
        system = text.messages(a.get("gen_ai.system_instructions"), default_role="system")
        return system + text.messages(a.get("gen_ai.input.messages")), text.joined(
            text.messages(a.get("gen_ai.output.messages"), default_role="assistant")
        )
    messages, answers = [], []
    for name, attributes in span.events:
        if name in MESSAGE_EVENTS or name == "gen_ai.tool.message":
            messages.append({"role": name.split(".")[1], "content": text.text(attributes.get("content", ""))})
        elif name == "gen_ai.choice":
            answers.append({"content": text.text(attributes.get("message", attributes.get("content", "")))})
        elif name == "gen_ai.content.prompt":
            messages.extend(text.messages(attributes.get("gen_ai.prompt")))
        elif name == "gen_ai.content.completion":
            answers.extend(text.messages(attributes.get("gen_ai.completion"), default_role="assistant"))
    return messages, text.joined(answers)


def documents(span: Span) -> list[dict[str, Any]]:
    """`gen_ai.retrieval.documents`: [{id, score, content}] as JSON text or structured; the data source as source."""
    found = text.json_value(span.attributes.get("gen_ai.retrieval.documents"))
    source = span.attributes.get("gen_ai.data_source.id")
    passages = []
    for document in found if isinstance(found, list) else []:
        if isinstance(document, dict):
            metadata = document.get("metadata")
            metadata = metadata if isinstance(metadata, dict) else {}
            passages.append(
                {
                    "id": document.get("id"),
                    "text": text.text(document),
                    "score": document.get("score"),
                    "source": text.first(metadata, "source", "url", "file_path") or source,
                }
            )
    return passages


CONVENTION = Convention("gen_ai", role, call, documents)
