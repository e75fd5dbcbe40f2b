"""`telltale evaluate`: run evaluators over a JSONL file, to check them on your own data."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

import orjson
from pydantic import ValidationError

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.pipeline import run_isolated

BATCH = 64
_IDS = uuid.UUID("6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")


def evaluate_lines(lines: IO[bytes], out: IO[bytes], evaluators: list[Evaluator], errors: IO[str]) -> int:
    """Evaluate `{"id", "input", "output", "contexts"}` lines; returns how many lines were unusable."""
    bad = 0
    for batch in _batches(lines, errors):
        if isinstance(batch, int):
            bad += batch
            continue
        ids = {event.event_id: item_id for item_id, event in batch}
        for evaluator in evaluators:
            for evaluation in run_isolated(evaluator, [event for _, event in batch if evaluator.applies_to(event)]):
                out.write(
                    orjson.dumps(
                        {
                            "id": ids[evaluation.event_id],
                            "evaluator": evaluation.evaluator,
                            "metric": evaluation.metric,
                            "value": evaluation.value,
                            "label": evaluation.label,
                            "details": evaluation.details,
                        }
                    )
                    + b"\n"
                )
    return bad


def _batches(lines: IO[bytes], errors: IO[str]) -> Iterator[list[tuple[Any, InferenceEvent]] | int]:
    """Batches of (id, event); an unusable line is reported on `errors` and yielded as the count 1."""
    batch: list[tuple[Any, InferenceEvent]] = []
    now = datetime.now(UTC)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            if not isinstance(item, dict) or "id" not in item:
                raise ValueError("each line must be an object with an `id`")
            event = InferenceEvent.model_validate(
                {
                    "event_id": uuid.uuid5(_IDS, str(item["id"])),
                    "ts": now,
                    "model": item.get("model", "unknown"),
                    "input": item.get("input", ""),
                    "output": item.get("output"),
                    "contexts": item.get("contexts", []),
                }
            )
        except (orjson.JSONDecodeError, ValueError, ValidationError) as error:
            print(f"line {number}: {error}", file=errors)
            yield 1
            continue
        batch.append((item["id"], event))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def open_binary(path: str, mode: str) -> IO[bytes]:
    """A file, or stdin/stdout for '-'."""
    if path == "-":
        return sys.stdin.buffer if "r" in mode else sys.stdout.buffer
    return open(path, mode + "b")
