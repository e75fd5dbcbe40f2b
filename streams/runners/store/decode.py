"""Step 1: read a record's envelope and say what it is, without touching its payload yet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from telltale_server.schemas import topics
from telltale_server.schemas.envelope import Envelope, EnvelopeError, header, read_envelope
from telltale_server.streams import deadletter
from telltale_server.streams.deadletter import DeadLetter

KIND_OF_TOPIC = {name: kind for kind, name in topics.RAW_TOPICS.items()}


class Record(Protocol):
    """What the steps need of a consumed Kafka record (aiokafka's ConsumerRecord has it)."""

    topic: str
    partition: int
    offset: int
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] | list[tuple[str, bytes]]


@dataclass(frozen=True)
class RawEvent:
    """An inference or feedback record with a trusted envelope; its payload is checked by `validate`."""

    envelope: Envelope
    value: bytes


@dataclass(frozen=True)
class EvaluationsRecord:
    """A chunk of evaluation rows from the evaluate role; checked by `validate`."""

    value: bytes


@dataclass(frozen=True)
class Filed:
    """A record of the dead-letter topic: to be kept in the dead_letters table as it is."""

    letter: DeadLetter


@dataclass(frozen=True)
class Poison:
    """A record that cannot be stored: it goes to the dead-letter topic, and its partition moves on."""

    letter: DeadLetter


Decoded = RawEvent | EvaluationsRecord | Filed | Poison


def decode(record: Record) -> Decoded:
    """What the record is, by its topic and headers; a record that breaks the envelope is Poison."""
    if record.topic == topics.DEAD_LETTERS.name:
        return Filed(deadletter.from_record(record.value, record.headers))
    if record.value is None:
        return poison(record, "record has no value")
    if record.topic == topics.EVALUATIONS.name:
        return EvaluationsRecord(record.value)
    expected = KIND_OF_TOPIC.get(record.topic)
    if expected is None:
        return poison(record, f"no store step reads topic {record.topic}")
    try:
        envelope = read_envelope(record.headers)
    except EnvelopeError as error:
        return poison(record, str(error))
    if envelope.kind != expected:
        return poison(record, f"`kind` header is {envelope.kind!r} on the {expected} topic")
    return RawEvent(envelope, record.value)


def poison(record: Record, reason: str) -> Poison:
    """The dead letter of a record: original bytes, where it was (topic/partition/offset) and why."""
    kind = KIND_OF_TOPIC.get(record.topic, "evaluations" if record.topic == topics.EVALUATIONS.name else "")
    return Poison(
        DeadLetter(
            project_id=header(record.headers, "project_id") or "",
            source=f"kafka:{record.topic}/{record.partition}@{record.offset}",
            kind=kind,
            reason=reason,
            raw=record.value or b"",
        )
    )
