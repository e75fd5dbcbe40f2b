"""The signals a drift monitor can watch, by kind: what Telltale knows about each call, as frame columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["numeric", "categorical", "text", "embedding"]


@dataclass(frozen=True)
class Signal:
    """One watched quantity; `column` is the frame column it is computed from."""

    name: str
    kind: Kind
    column: str


NUMERIC = (
    Signal("latency_ms", "numeric", "latency_ms"),
    Signal("input_tokens", "numeric", "input_tokens"),
    Signal("output_tokens", "numeric", "output_tokens"),
    Signal("cost", "numeric", "cost"),
    Signal("feedback.rating", "numeric", "feedback.rating"),
)
CATEGORICAL = (
    Signal("model", "categorical", "model"),
    Signal("route", "categorical", "route"),
    Signal("status", "categorical", "status"),
    Signal("finish_reason", "categorical", "finish_reason"),
    Signal("language", "categorical", "language"),
    Signal("feedback.negative", "categorical", "feedback.negative"),
)
TEXT = (
    Signal("input.length", "text", "input"),
    Signal("input.words", "text", "input"),
    Signal("input.non_letter", "text", "input"),
    Signal("output.length", "text", "output"),
    Signal("output.words", "text", "output"),
    Signal("output.sentences", "text", "output"),
    Signal("output.non_letter", "text", "output"),
)
EMBEDDING = (
    Signal("input.embedding", "embedding", "input"),
    Signal("output.embedding", "embedding", "output"),
)
FIXED: tuple[Signal, ...] = NUMERIC + CATEGORICAL + TEXT + EMBEDDING
SCORE_PREFIX, LABEL_SUFFIX = "score.", ".label"


def evaluator_signals(columns: list[str]) -> list[Signal]:
    """Every evaluator metric present in the frame: its score (numeric) and its label (categorical)."""
    found = []
    for column in columns:
        if column.startswith(SCORE_PREFIX):
            kind: Kind = "categorical" if column.endswith(LABEL_SUFFIX) else "numeric"
            found.append(Signal(column.removeprefix(SCORE_PREFIX), kind, column))
    return found


def watched(columns: list[str], names: list[str] | None) -> list[Signal]:
    """The signals a monitor watches: the named ones, or every known one the frame can feed."""
    available = [s for s in FIXED if s.column in columns] + evaluator_signals(columns)
    if names is None:
        return available
    wanted = set(names)
    return [s for s in available if s.name in wanted]
