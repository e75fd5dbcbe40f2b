"""OpenLLMetry (Traceloop) where it differs from gen_ai: flattened `gen_ai.prompt.N.*`/`gen_ai.completion.N.*`,
`llm.*` totals and request types, `traceloop.*` workflow/task/agent/tool spans, association properties and managed
prompts, and vector-database spans whose `db.query.result` events are the retrieved documents.
"""

from __future__ import annotations

from typing import Any

from telltale_server.services.ingest.otel.conventions import genai, text
from telltale_server.services.ingest.otel.conventions.base import Convention, Role
from telltale_server.services.ingest.otel.decode import Span

CONTEXT_REQUEST_TYPES = frozenset({"embedding", "rerank"})
PROPERTIES = "traceloop.association.properties."
RESULT_EVENT = "db.query.result"


def role(span: Span) -> Role | None:
    """Traceloop's own spans are context; a vector query with results is a retrieval; an LLM span is a call."""
    a = span.attributes
    if "traceloop.span.kind" in a or a.get("llm.request.type") in CONTEXT_REQUEST_TYPES:
        return "context"
    if any(name == RESULT_EVENT for name, _ in span.events):
        return "retriever"
    if "llm.request.type" in a or any(key.startswith(("gen_ai.prompt.", "traceloop.")) for key in a):
        return "llm" if genai.role(span) == "llm" else None
    return None


def call(span: Span) -> dict[str, Any]:
    """gen_ai's reading, then the flattened messages, totals, workflow as route, association properties."""
    a = span.attributes
    event = genai.call(span)
    prompts = text.indexed(a, "gen_ai.prompt")
    completions = text.indexed(a, "gen_ai.completion")
    if prompts or completions:
        event["input"] = [_message(fields, "user") for fields in prompts]
        event["output"] = text.joined([_message(fields, "assistant") for fields in completions])
    tool_calls = [
        {"name": call.get("name"), "arguments": call.get("arguments"), "id": call.get("id")}
        for fields in completions
        for call in text.indexed(fields, "tool_calls")
    ]
    event["usage"] = {**event["usage"], "total_tokens": a.get("llm.usage.total_tokens")}
    event["route"] = a.get("traceloop.workflow.name")
    event["prompt_version"] = _prompt_version(a)
    event["user_id"] = event["user_id"] or a.get(PROPERTIES + "user_id")
    event["session_id"] = event["session_id"] or a.get(PROPERTIES + "session_id")
    event["attributes"] = {
        **event["attributes"],
        "llm.request.type": a.get("llm.request.type"),
        "traceloop.entity.name": a.get("traceloop.entity.name"),
        "llm.output.tool_calls": text.compact_json(tool_calls) if tool_calls else None,
        **{key.removeprefix("traceloop."): value for key, value in a.items() if key.startswith(PROPERTIES)},
    }
    return event


def _message(fields: dict[str, Any], default_role: str) -> dict[str, Any]:
    return {"role": str(fields.get("role") or default_role), "content": text.text(fields.get("content", ""))}


def _prompt_version(a: dict[str, Any]) -> str | None:
    """A Traceloop-managed prompt as `key@version`."""
    key, version = a.get("traceloop.prompt.key"), a.get("traceloop.prompt.version")
    if key is None and version is None:
        return None
    return f"{key}@{version}" if key is not None else str(version)


def documents(span: Span) -> list[dict[str, Any]]:
    """Each `db.query.result` event: id, score (or distance), document text, metadata's source."""
    passages = []
    for name, attributes in span.events:
        if name != RESULT_EVENT:
            continue
        metadata = text.json_value(attributes.get("db.query.result.metadata"))
        metadata = metadata if isinstance(metadata, dict) else {}
        passages.append(
            {
                "id": attributes.get("db.query.result.id"),
                "text": text.text(attributes.get("db.query.result.document")),
                "score": text.first(attributes, "db.query.result.score", "db.query.result.distance"),
                "source": text.first(metadata, "source", "url", "file_path") or span.attributes.get("db.system"),
            }
        )
    return passages


CONVENTION = Convention("openllmetry", role, call, documents)
