"""One item as an export record: flow columns (renamable) with the item's metadata, or an OpenAI evals sample."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, Field, model_validator

METADATA = ("event_id", "model", "route", "prompt_version", "environment", "label", "note")
JSON_COLUMNS = ("messages", "feedback", "evaluations")
"""Columns holding structured values: nested in JSONL, JSON text in CSV and Parquet."""


class FlowColumns(BaseModel):
    """Names of the four flow inputs in the export, so it feeds a prompt flow batch run's inputs mapping as is."""

    question: str = Field(default="question", min_length=1, max_length=100)
    context: str = Field(default="context", min_length=1, max_length=100)
    answer: str = Field(default="answer", min_length=1, max_length=100)
    ground_truth: str = Field(default="ground_truth", min_length=1, max_length=100)

    @model_validator(mode="after")
    def _distinct(self) -> FlowColumns:
        names = [self.question, self.context, self.answer, self.ground_truth]
        taken = set(METADATA) | set(JSON_COLUMNS)
        if len(set(names)) != 4 or taken & set(names):
            raise ValueError(f"column names must differ from each other and from {sorted(taken)}")
        return self

    def names(self) -> list[str]:
        """Every column of a flow record, in order."""
        return [self.question, self.context, self.answer, self.ground_truth, *JSON_COLUMNS, *METADATA]


def _messages(row: dict[str, Any]) -> list[dict[str, Any]] | None:
    return orjson.loads(row["input_messages"]) if row["input_messages"] else None


def _question(row: dict[str, Any], messages: list[dict[str, Any]] | None) -> str:
    """The last user turn of a chat (what a flow's `question` means), else the input text."""
    for message in reversed(messages or []):
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            return message["content"]
    return row["input_text"]


def _passages(row: dict[str, Any]) -> list[str]:
    return [passage.get("text", "") for passage in orjson.loads(row["contexts"] or "[]")]


def flow_record(row: dict[str, Any], columns: FlowColumns) -> dict[str, Any]:
    """question, context (passage texts), answer, ground_truth, then messages, feedback, evaluations, metadata;
    structured values are the stored JSON, embedded as is (orjson fragments) rather than parsed and re-encoded."""
    messages = _messages(row)
    record: dict[str, Any] = {
        columns.question: _question(row, messages),
        columns.context: _passages(row),
        columns.answer: row["output"],
        columns.ground_truth: row["ground_truth"],
        "messages": orjson.Fragment(row["input_messages"]) if messages is not None else None,
        "feedback": orjson.Fragment(row["feedback"]),
        "evaluations": orjson.Fragment(row["evaluations"]),
    }
    record.update((name, row[name]) for name in METADATA)
    return record


def flow_columns(rows: list[dict[str, Any]], columns: FlowColumns) -> dict[str, list[Any]]:
    """A page as flow columns for tabular formats; structured columns keep the stored JSON text as is."""
    questions, passages = [], []
    for row in rows:
        questions.append(_question(row, _messages(row)))
        passages.append(_passages(row))
    table: dict[str, list[Any]] = {
        columns.question: questions,
        columns.context: passages,
        columns.answer: [row["output"] for row in rows],
        columns.ground_truth: [row["ground_truth"] for row in rows],
        "messages": [row["input_messages"] or "null" for row in rows],
        "feedback": [row["feedback"] for row in rows],
        "evaluations": [row["evaluations"] for row in rows],
    }
    table.update((name, [row[name] for row in rows]) for name in METADATA)
    return table


def evals_record(row: dict[str, Any]) -> dict[str, Any]:
    """`{"input": [messages], "ideal": ground truth or null}`; passages go in a system turn before the last user
    turn, since a re-run needs what the model was given."""
    messages = _messages(row) or [{"role": "user", "content": row["input_text"]}]
    passages = _passages(row)
    if passages:
        last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=len(messages))
        numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(passages, 1))
        passages_turn = {"role": "system", "content": f"Passages:\n\n{numbered}"}
        messages = [*messages[:last_user], passages_turn, *messages[last_user:]]
    return {"input": messages, "ideal": row["ground_truth"], "event_id": row["event_id"]}
