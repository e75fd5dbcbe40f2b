"""The cluster-mode record format and the store role's steps, one by one, without a broker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import (
    EnvelopeError,
    evaluation_records,
    event_record,
    read_envelope,
    read_evaluations,
)
from telltale_server.schemas.evaluation import Evaluation
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.rows import evaluation_row
from telltale_server.streams import deadletter
from telltale_server.streams.deadletter import DeadLetter, FieldError
from telltale_server.streams.runners.backoff import Backoff
from telltale_server.streams.runners.store.batch import Batch
from telltale_server.streams.runners.store.decode import EvaluationsRecord, Filed, Poison, RawEvent, decode
from telltale_server.streams.runners.store.insert import Inserter
from telltale_server.streams.runners.store.validate import EVALUATIONS, INFERENCE, Rows, validate
from tests.support import events

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@dataclass
class Record:
    topic: str
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    partition: int = 0
    offset: int = 0


def inference_record(project: str = "p1", **fields: Any) -> tuple[InferenceEvent, Record]:
    event = InferenceEvent.model_validate(events.inference(**fields))
    out = event_record(project, "inference", event, NOW)
    return event, Record(topics.INFERENCE.name, out.value, out.headers, offset=7)


def test_event_record_carries_the_project_in_headers_and_keys_by_trace() -> None:
    event, record = inference_record(trace_id="t-1")
    envelope = read_envelope(record.headers)
    assert (envelope.project_id, envelope.kind, envelope.received_at) == ("p1", "inference", NOW)
    assert event_record("p1", "inference", event, NOW).key == b"p1/t-1"
    assert InferenceEvent.model_validate_json(record.value) == event


def test_feedback_is_keyed_to_the_partition_of_its_inference() -> None:
    feedback = FeedbackEvent.model_validate(events.feedback(inference_id="3f0c1b9e-5b7a-4e8e-9d1e-2a7c4b1f6d10"))
    assert event_record("p1", "feedback", feedback, NOW).key == b"p1/3f0c1b9e-5b7a-4e8e-9d1e-2a7c4b1f6d10"


@pytest.mark.parametrize(
    ("drop", "replace", "reason"),
    [
        ("project_id", None, "missing `project_id` header"),
        ("kind", ("kind", b"alerts"), "`kind` header is 'alerts'"),
        ("schema_version", ("schema_version", b"2"), "unsupported `schema_version` header '2'"),
        ("received_at", ("received_at", b"yesterday"), "`received_at` header"),
    ],
)
def test_untrusted_headers_are_refused_with_a_reason(drop: str, replace: tuple[str, bytes] | None, reason: str) -> None:
    _, record = inference_record()
    headers = [(k, v) for k, v in record.headers if k != drop] + ([replace] if replace else [])
    with pytest.raises(EnvelopeError, match=reason):
        read_envelope(headers)


def test_decode_and_validate_turn_a_good_record_into_its_row() -> None:
    event, record = inference_record()
    decoded = decode(record)
    assert isinstance(decoded, RawEvent)
    outcome = validate(record, decoded)
    assert isinstance(outcome, Rows) and outcome.table == INFERENCE
    assert outcome.rows[0]["event_id"] == str(event.event_id) and outcome.rows[0]["project_id"] == "p1"


def test_poison_keeps_bytes_place_and_reason() -> None:
    _, good = inference_record()
    garbage = Record(topics.INFERENCE.name, b"\xff not json", good.headers, partition=2, offset=41)
    outcome = validate(garbage, decode(garbage))
    assert isinstance(outcome, Poison)
    letter = outcome.letter
    assert letter.raw == b"\xff not json" and letter.project_id == "p1" and letter.kind == "inference"
    assert letter.source == f"kafka:{topics.INFERENCE.name}/2@41"
    assert letter.reason.startswith("payload breaks the contract: value: Invalid JSON")
    wrong_topic = Record(topics.FEEDBACK.name, good.value, good.headers)
    assert "on the feedback topic" in decode(wrong_topic).letter.reason  # type: ignore[union-attr]


def test_evaluation_rows_travel_in_checked_chunks_per_project() -> None:
    event, _ = inference_record()
    evaluation = Evaluation(event_id=event.event_id, evaluator="usage", evaluator_version="1", metric="x", value=1.0)
    rows = [evaluation_row(p, event, evaluation, NOW) for p in ("p1", "p2", "p1")]
    records = evaluation_records(rows)
    assert sorted(r.key for r in records) == [b"p1", b"p2"]
    first = next(r for r in records if r.key == b"p1")
    assert len(read_evaluations(first.headers, first.value)) == 2
    decoded = decode(Record(topics.EVALUATIONS.name, first.value, first.headers))
    assert isinstance(decoded, EvaluationsRecord)
    assert validate(Record(topics.EVALUATIONS.name, first.value, first.headers), decoded).table == EVALUATIONS  # type: ignore[union-attr]
    with pytest.raises(EnvelopeError, match="row of project 'p1' in a record of project 'p2'"):
        read_evaluations([("project_id", b"p2")], first.value)
    with pytest.raises(ValidationError):
        read_evaluations(first.headers, orjson.dumps([{**rows[0], "surprise": 1}]))


def test_dead_letter_records_round_trip() -> None:
    letter = DeadLetter("p1", "http:/v1/inference", "inference", "bad", b"\x00raw", 3, "e1", (FieldError("ts", "no"),))
    value, headers = deadletter.to_record(letter)
    filed = decode(Record(topics.DEAD_LETTERS.name, value, headers))
    assert isinstance(filed, Filed)
    assert filed.letter == letter


def test_batch_remembers_the_next_offset_of_each_partition() -> None:
    batch = Batch(max_records=3)
    _, record = inference_record()
    for offset, partition in ((5, 0), (6, 0), (9, 1)):
        moved = Record(record.topic, record.value, record.headers, partition=partition, offset=offset)
        batch.add(moved, validate(moved, decode(moved)))
    assert batch.offsets == {(topics.INFERENCE.name, 0): 7, (topics.INFERENCE.name, 1): 10}
    assert batch.full() and batch.due() and len(batch.rows[INFERENCE]) == 3


class FlakySink:
    """Fails the first `failures` inserts, like a store that is down for a while."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.inserted: list[int] = []

    def inference(self, rows: list[dict[str, Any]]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("store unreachable")
        self.inserted.append(len(rows))

    def feedback(self, rows: list[dict[str, Any]]) -> None: ...
    def evaluations(self, rows: list[dict[str, Any]]) -> None: ...
    def dead_letters(self, letters: list[DeadLetter]) -> None: ...


async def _no_publish(letters: Any) -> None:
    return None


def test_insert_retries_until_the_store_answers() -> None:
    sink = FlakySink(failures=2)
    inserter = Inserter(sink, _no_publish, Backoff(first_s=0.01, cap_s=0.02))  # type: ignore[arg-type]
    batch = Batch()
    batch.rows[INFERENCE].append({"event_id": "x"})
    batch.records = 1
    assert asyncio.run(inserter.write(batch, asyncio.Event()))
    assert sink.inserted == [1] and inserter.written == 1


def test_insert_gives_up_without_success_when_stopping() -> None:
    async def attempt() -> bool:
        stop = asyncio.Event()
        stop.set()
        inserter = Inserter(FlakySink(failures=10), _no_publish, Backoff(first_s=0.01))  # type: ignore[arg-type]
        batch = Batch()
        batch.rows[INFERENCE].append({"event_id": "x"})
        return await inserter.write(batch, stop)

    assert asyncio.run(attempt()) is False


def test_a_redelivered_poison_record_is_the_same_dead_letter() -> None:
    record = Record(topics.INFERENCE.name, b"\xffnot json", [("project_id", b"p1")], partition=2, offset=41)
    first, again = decode(record), decode(record)
    assert isinstance(first, Poison) and isinstance(again, Poison)
    assert first.letter.received_at != again.letter.received_at or first.letter == again.letter
    assert first.letter.dead_letter_id == again.letter.dead_letter_id
    elsewhere = decode(Record(record.topic, record.value, record.headers, partition=2, offset=42))
    assert isinstance(elsewhere, Poison) and elsewhere.letter.dead_letter_id != first.letter.dead_letter_id
    value, headers = deadletter.to_record(first.letter)
    filed = decode(Record(topics.DEAD_LETTERS.name, value, headers))
    assert isinstance(filed, Filed) and filed.letter.dead_letter_id == first.letter.dead_letter_id
