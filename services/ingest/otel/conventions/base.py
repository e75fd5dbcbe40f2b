"""What a convention module provides: which spans are its own, and how its LLM and retriever spans read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from telltale_server.services.ingest.otel.decode import Span

Role = Literal["llm", "retriever", "context"]
"""An LLM call (an event), a retrieval (its passages feed a call), or trace context (neither)."""


@dataclass(frozen=True)
class Convention:
    """One instrumentation convention; `role` answers None for a span that is not written in it."""

    name: str
    role: Callable[[Span], Role | None]
    call: Callable[[Span], dict[str, Any]]
    """The event fields the span says: model, provider, input, output, usage, ids of user and session, ..."""
    documents: Callable[[Span], list[dict[str, Any]]]
    """A retriever span's passages as contexts: {id, text, score, source}."""


def no_documents(span: Span) -> list[dict[str, Any]]:
    """For conventions without retriever spans."""
    return []
