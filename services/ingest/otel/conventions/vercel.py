"""The Vercel AI SDK's `ai.*` telemetry (https://ai-sdk.dev/docs/ai-sdk-core/telemetry).

A `generateText`/`streamText`/`generateObject`/`streamObject` call records an outer `ai.<function>` span and one
provider call span (`ai.<function>.doGenerate` or `.doStream`) per step: the provider calls are the LLM calls,
the outer spans, tool calls and embeddings are trace context.
"""

from __future__ import annotations

from typing import Any

from telltale_server.services.ingest.otel.conventions import genai, text
from telltale_server.services.ingest.otel.conventions.base import Convention, Role, no_documents
from telltale_server.services.ingest.otel.decode import Span

OPERATION = "ai.operationId"
CALL_SUFFIXES = (".doGenerate", ".doStream")
METADATA = "ai.telemetry.metadata."


def role(span: Span) -> Role | None:
    """`ai.operationId` names the span: a provider call is a call, every other AI SDK span is context."""
    operation = span.attributes.get(OPERATION)
    if not isinstance(operation, str):
        return None
    return "llm" if operation.endswith(CALL_SUFFIXES) and "embed" not in operation else "context"


def call(span: Span) -> dict[str, Any]:
    """Messages from `ai.prompt.messages`, answer from `ai.response.*` (v4+) or `ai.result.*` (v3), tokens of any
    version, function id as route, telemetry metadata as attributes (userId and sessionId as user and session)."""
    a = span.attributes
    answer = text.first(a, "ai.response.text", "ai.result.text", "ai.response.object", "ai.result.object")
    tool_calls = text.first(a, "ai.response.toolCalls", "ai.result.toolCalls")
    metadata = {key.removeprefix("ai.telemetry."): v for key, v in a.items() if key.startswith(METADATA)}
    return {
        "model": text.first(a, "ai.response.model", "gen_ai.response.model", "ai.model.id") or "unknown",
        "provider": text.first(a, "gen_ai.system", "ai.model.provider"),
        "input": _prompt(a),
        "output": answer if isinstance(answer, str) else None,
        "usage": {
            "input_tokens": text.first(a, "ai.usage.inputTokens", "ai.usage.promptTokens")
            or genai.usage(a)["input_tokens"],
            "output_tokens": text.first(a, "ai.usage.outputTokens", "ai.usage.completionTokens")
            or genai.usage(a)["output_tokens"],
            "total_tokens": a.get("ai.usage.totalTokens"),
        },
        "route": a.get("ai.telemetry.functionId"),
        "user_id": a.get(METADATA + "userId"),
        "session_id": a.get(METADATA + "sessionId"),
        "attributes": {
            "ai.operationId": a.get(OPERATION),
            "ai.response.finishReason": a.get("ai.response.finishReason", a.get("ai.finishReason")),
            "llm.output.tool_calls": tool_calls if isinstance(tool_calls, str) else None,
            **metadata,
        },
    }


def _prompt(a: dict[str, Any]) -> list[dict[str, Any]] | str:
    """`ai.prompt.messages` (the provider call's messages), else the outer `ai.prompt` {system, prompt, messages}."""
    if "ai.prompt.messages" in a:
        return text.messages(a["ai.prompt.messages"])
    prompt = text.json_value(a.get("ai.prompt"))
    if isinstance(prompt, dict):
        system = [{"role": "system", "content": prompt["system"]}] if prompt.get("system") else []
        if prompt.get("messages"):
            return system + text.messages(prompt["messages"])
        return system + text.messages(prompt.get("prompt"))
    return text.messages(prompt)


CONVENTION = Convention("vercel_ai", role, call, no_documents)
