"""OpenInference (Arize Phoenix's instrumentations: LlamaIndex, LangChain, DSPy, Haystack, OpenAI, Bedrock, ...).

LLM spans carry `llm.*` and `input.value`/`output.value`; RETRIEVER spans carry `retrieval.documents.N.document.*`;
CHAIN, AGENT, TOOL, EMBEDDING, RERANKER and the other kinds are trace context.
"""

from __future__ import annotations

from typing import Any

from telltale_server.services.ingest.otel.conventions import text
from telltale_server.services.ingest.otel.conventions.base import Convention, Role
from telltale_server.services.ingest.otel.decode import Span

KIND = "openinference.span.kind"
SOURCE_KEYS = ("source", "url", "file_path", "file_name", "uri", "path")


def role(span: Span) -> Role | None:
    """Its span kind says it: LLM is a call, RETRIEVER feeds one, every other kind is context."""
    kind = span.attributes.get(KIND)
    if kind is None:
        return None
    kind = str(kind).upper()
    return "llm" if kind == "LLM" else "retriever" if kind == "RETRIEVER" else "context"


def call(span: Span) -> dict[str, Any]:
    """Chat or completion text, model, provider, tokens, cost, invocation parameters, session, user, tags."""
    a = span.attributes
    messages = [_message(fields) for fields in text.indexed(a, "llm.input_messages")]
    if not messages:
        messages = [{"role": "user", "content": prompt} for prompt in _prompts(a)]
    answers = [_message(fields) for fields in text.indexed(a, "llm.output_messages")]
    output = text.joined(answers)
    if output is None:
        output = text.joined([{"content": c.get("completion.text")} for c in text.indexed(a, "llm.choices")])
    tool_calls = [call for answer in answers for call in answer.get("tool_calls", [])]
    attributes = {
        **text.scalars("llm.invocation_parameters", a.get("llm.invocation_parameters")),
        **text.scalars("metadata", a.get("metadata")),
        "llm.output.tool_calls": text.compact_json(tool_calls) if tool_calls else None,
    }
    tags = a.get("tag.tags")
    return {
        "model": text.first(a, "llm.model_name") or _requested_model(a) or "unknown",
        "provider": text.first(a, "llm.provider", "llm.system"),
        "input": messages or _value(a.get("input.value")),
        "output": output if output is not None else _value(a.get("output.value")) if not tool_calls else None,
        "usage": {
            "input_tokens": a.get("llm.token_count.prompt"),
            "output_tokens": a.get("llm.token_count.completion"),
            "total_tokens": a.get("llm.token_count.total"),
            "cost": a.get("llm.cost.total"),
        },
        "user_id": a.get("user.id"),
        "session_id": a.get("session.id"),
        "prompt_version": a.get("llm.prompt_template.version"),
        "tags": [str(tag) for tag in tags] if isinstance(tags, list) else None,
        "attributes": attributes,
    }


def _message(fields: dict[str, Any]) -> dict[str, Any]:
    """One `llm.*_messages.N.message.*` group: role, content (or content parts), tool calls, tool call id."""
    content = fields.get("message.content")
    if content is None:
        parts = text.indexed(fields, "message.contents")
        content = text.joined([{"content": part.get("message_content.text")} for part in parts]) or ""
    message: dict[str, Any] = {"role": str(fields.get("message.role") or "user"), "content": text.text(content)}
    calls = [
        {
            "id": call.get("tool_call.id"),
            "name": call.get("tool_call.function.name"),
            "arguments": call.get("tool_call.function.arguments"),
        }
        for call in text.indexed(fields, "message.tool_calls")
    ]
    if calls:
        message["tool_calls"] = calls
    for key in ("tool_call_id", "name"):
        if fields.get(f"message.{key}") is not None:
            message[key] = str(fields[f"message.{key}"])
    return message


def _requested_model(a: dict[str, Any]) -> str | None:
    """The model asked for in the invocation parameters, when the response did not name one."""
    parameters = text.json_value(a.get("llm.invocation_parameters"))
    model = parameters.get("model") if isinstance(parameters, dict) else None
    return model if isinstance(model, str) else None


def _prompts(a: dict[str, Any]) -> list[str]:
    """Completion-API prompts: `llm.prompts.N.prompt.text`, or the older list of strings `llm.prompts`."""
    listed = a.get("llm.prompts")
    if isinstance(listed, list):
        return [str(prompt) for prompt in listed]
    return [str(p["prompt.text"]) for p in text.indexed(a, "llm.prompts") if p.get("prompt.text") is not None]


def _value(value: Any) -> str | None:
    """`input.value`/`output.value`: text as it is, JSON kept as its text."""
    return None if value is None else value if isinstance(value, str) else text.compact_json(value)


def documents(span: Span) -> list[dict[str, Any]]:
    """`retrieval.documents.N.document.{id, content, score, metadata}`; the metadata's source or URL as source."""
    passages = []
    for fields in text.indexed(span.attributes, "retrieval.documents"):
        metadata = text.json_value(fields.get("document.metadata"))
        metadata = metadata if isinstance(metadata, dict) else {}
        passages.append(
            {
                "id": text.first(fields, "document.id") or metadata.get("id"),
                "text": text.text(fields.get("document.content")),
                "score": text.first(fields, "document.score") or metadata.get("score"),
                "source": text.first(metadata, *SOURCE_KEYS),
            }
        )
    return passages


CONVENTION = Convention("openinference", role, call, documents)
