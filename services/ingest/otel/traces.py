"""Which retrievals fed which LLM call of a trace, and their documents as contexts within the contract's limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeGuard

from telltale_server.schemas import limits


@dataclass(frozen=True)
class Retrieval:
    """A retriever span's passages and when it ran, as kept between requests."""

    trace_id: str
    span_id: str
    start_ns: int
    end_ns: int
    passages: list[dict[str, Any]]


def feeding(call_start_ns: int, retrievals: list[Retrieval]) -> list[Retrieval]:
    """The retrievals that fed a call: the last one to end before the call started, with those that ran beside it."""
    before = [r for r in retrievals if r.end_ns <= call_start_ns]
    if not before:
        return []
    last = max(before, key=lambda r: r.end_ns)
    return sorted((r for r in before if r.end_ns >= last.start_ns), key=lambda r: (r.start_ns, r.span_id))


def contexts(retrievals: list[Retrieval]) -> tuple[list[dict[str, Any]], int]:
    """Their passages as contexts (id, text, source, score), and how many were cut or dropped to fit the limits."""
    found: list[dict[str, Any]] = []
    cut = 0
    for passage in (p for r in retrievals for p in r.passages):
        context = _context(passage)
        if context is None or len(found) == limits.MAX_CONTEXTS:
            cut += 1
            continue
        cut += int(context.pop("cut"))
        found.append(context)
    return found, cut


def _context(passage: dict[str, Any]) -> dict[str, Any] | None:
    """One passage as a contract Context; None when it has no text to ground an answer in."""
    text = passage.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    score = passage.get("score")
    context = {
        "text": text[: limits.MAX_CONTEXT_CHARS],
        "id": _short(passage.get("id"), limits.MAX_LABEL_CHARS),
        "source": _short(passage.get("source"), 2048),
        "score": float(score) if _finite(score) else None,
        "cut": len(text) > limits.MAX_CONTEXT_CHARS,
    }
    return {key: value for key, value in context.items() if value is not None}


def _short(value: Any, size: int) -> str | None:
    return None if value is None or value == "" else str(value)[:size]


def _finite(value: Any) -> TypeGuard[float | int]:
    """A real score: a finite float, or an int a float can hold."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**53
