"""`telltale evaluate`: run evaluators over a JSONL file, to check them on your own data; a line that is not a
valid item gets an `error` line in the output and the run goes on."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

import orjson
from pydantic import ValidationError

from telltale_server.schemas.events import InferenceEvent
from telltale_server.streams.evaluators.base import Evaluator
from telltale_server.streams.pipeline import run_isolated

BATCH = 64
_IDS = uuid.UUID("6f1c2d4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")


@dataclass(frozen=True)
class BadLine:
    """A line that is not a valid item: its number, its `id` when it had one, and why."""

    number: int
    item_id: Any
    error: str


@dataclass
class Tally:
    """Non-blank lines read, and how many of them were not valid items."""

    lines: int = 0
    failed: int = 0


def evaluate_lines(lines: IO[bytes], out: IO[bytes], evaluators: list[Evaluator], errors: IO[str]) -> Tally:
    """Evaluate `{"id", "input", "output", "contexts"}` lines; a bad line gets one `{"line", "id", "error"}` line
    out (and one on `errors`), so a big file is not lost to one bad line."""
    tally = Tally()
    for batch in _batches(lines, tally):
        if isinstance(batch, BadLine):
            tally.failed += 1
            out.write(orjson.dumps({"line": batch.number, "id": batch.item_id, "error": batch.error}) + b"\n")
            print(f"line {batch.number}: {batch.error}", file=errors)
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
    return tally


def _batches(lines: IO[bytes], tally: Tally) -> Iterator[list[tuple[Any, InferenceEvent]] | BadLine]:
    """Batches of (id, event), and each unusable line as it comes (counting the lines read in `tally`)."""
    batch: list[tuple[Any, InferenceEvent]] = []
    now = datetime.now(UTC)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        tally.lines += 1
        item: Any = None
        try:
            item = orjson.loads(line)
            if not isinstance(item, dict) or "id" not in item:
                raise ValueError("each line must be a JSON object with an `id`")
            event = _event(item, now)
        except ValidationError as error:
            yield BadLine(number, item.get("id"), _invalid(error))
            continue
        except (ValueError, TypeError) as error:
            yield BadLine(number, item.get("id") if isinstance(item, dict) else None, str(error))
            continue
        batch.append((item["id"], event))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _event(item: dict[str, Any], now: datetime) -> InferenceEvent:
    """The item as an inference event, held to the ingest contract's types and limits."""
    return InferenceEvent.model_validate(
        {
            "event_id": uuid.uuid5(_IDS, str(item["id"])),
            "ts": now,
            "model": item.get("model", "unknown"),
            "input": item.get("input", ""),
            "output": item.get("output"),
            "contexts": item.get("contexts", []),
        }
    )


def _invalid(error: ValidationError) -> str:
    """A validation error in one line: each failing field and why, without echoing the (maybe huge) value."""
    return "; ".join(
        f"{'.'.join(str(part) for part in found['loc']) or 'item'}: {found['msg']}" for found in error.errors()
    )


def open_binary(path: str, mode: str) -> IO[bytes]:
    """A file, or stdin/stdout for '-'."""
    if path == "-":
        return sys.stdin.buffer if "r" in mode else sys.stdout.buffer
    return open(path, mode + "b")
