"""The Kafka record format: value = the validated event's JSON, the trusted facts in headers, key = project + trace.

The project is never read from the payload: only a trusted producer (the ingest, or an SDK's Kafka
transport configured with the project's credentials) writes the `project_id` header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from pydantic import ConfigDict, StringConstraints, TypeAdapter, with_config
from typing_extensions import TypedDict

from telltale_server.schemas.events import SCHEMA_VERSION, FeedbackEvent, InferenceEvent

Kind = Literal["inference", "feedback"]
KINDS: tuple[Kind, ...] = ("inference", "feedback")
Headers = list[tuple[str, bytes]]
Event = InferenceEvent | FeedbackEvent

PROJECT = "project_id"
KIND = "kind"
VERSION = "schema_version"
RECEIVED_AT = "received_at"


class EnvelopeError(ValueError):
    """A record whose headers (or evaluation rows) cannot be trusted; the message is the dead letter's reason."""


@dataclass(frozen=True)
class OutRecord:
    """What a producer sends: key, value and headers."""

    key: bytes
    value: bytes
    headers: Headers


@dataclass(frozen=True)
class Envelope:
    """The trusted facts a record's headers carry about its event."""

    project_id: str
    kind: Kind
    schema_version: int
    received_at: datetime


def event_record(project_id: str, kind: Kind, event: Event, received_at: datetime) -> OutRecord:
    """The record of one accepted event."""
    return OutRecord(
        key=event_key(project_id, event),
        value=event.model_dump_json(exclude_none=True).encode(),
        headers=[
            (PROJECT, project_id.encode()),
            (KIND, kind.encode()),
            (VERSION, str(event.schema_version).encode()),
            (RECEIVED_AT, received_at.isoformat().encode()),
        ],
    )


def event_key(project_id: str, event: Event) -> bytes:
    """project/trace: a trace's calls share a partition; feedback goes where its inference went."""
    anchor = event.trace_id or getattr(event, "inference_id", None) or event.event_id
    return f"{project_id}/{anchor}".encode()


def header(headers: Sequence[tuple[str, bytes]], name: str) -> str | None:
    """A header's value as text, or None when absent or not UTF-8."""
    for key, value in headers:
        if key == name:
            try:
                return value.decode() if value is not None else None
            except UnicodeDecodeError:
                return None
    return None


def read_envelope(headers: Sequence[tuple[str, bytes]]) -> Envelope:
    """The envelope of an event record, or EnvelopeError saying which header is missing or wrong."""
    project_id = header(headers, PROJECT)
    if not project_id:
        raise EnvelopeError(f"missing `{PROJECT}` header: records must come from a trusted producer")
    kind = header(headers, KIND)
    if kind not in KINDS:
        raise EnvelopeError(f"`{KIND}` header is {kind!r}; expected one of {list(KINDS)}")
    version = header(headers, VERSION)
    if version != str(SCHEMA_VERSION):
        raise EnvelopeError(f"unsupported `{VERSION}` header {version!r}: this server reads {SCHEMA_VERSION}")
    try:
        received_at = datetime.fromisoformat(header(headers, RECEIVED_AT) or "")
    except ValueError:
        raise EnvelopeError(f"`{RECEIVED_AT}` header is missing or not an ISO 8601 time") from None
    if received_at.tzinfo is None:
        raise EnvelopeError(f"`{RECEIVED_AT}` header has no UTC offset")
    return Envelope(project_id, kind, SCHEMA_VERSION, received_at)


EpochTime = Annotated[str, StringConstraints(pattern=r"^\d{1,12}(\.\d{1,9})?$")]


@with_config(ConfigDict(extra="forbid"))
class EvaluationRow(TypedDict):
    """One evaluations row as `schemas.rows.evaluation_row` makes it: checked before it reaches ClickHouse."""

    project_id: str
    event_id: UUID
    ts: EpochTime
    evaluator: str
    evaluator_version: str
    metric: str
    value: float | None
    label: str
    details: str
    model: str
    route: str
    prompt_version: str
    environment: str
    created_at: EpochTime


_ROWS = TypeAdapter(list[EvaluationRow])
MAX_EVALUATIONS_RECORD_BYTES = 512 * 1024
"""Evaluation rows travel in chunks well under Kafka's default 1 MiB record limit."""


def evaluation_records(rows: Sequence[dict[str, Any]]) -> list[OutRecord]:
    """Evaluation rows as few records: one JSON array per project and chunk, keyed and headed by project."""
    by_project: dict[str, list[bytes]] = {}
    for row in rows:
        by_project.setdefault(row["project_id"], []).append(orjson.dumps(row))
    records = []
    for project_id, encoded in by_project.items():
        headers = [(PROJECT, project_id.encode()), (KIND, b"evaluations"), (VERSION, str(SCHEMA_VERSION).encode())]
        chunk: list[bytes] = []
        size = 0
        for item in encoded:
            if chunk and size + len(item) > MAX_EVALUATIONS_RECORD_BYTES:
                records.append(OutRecord(project_id.encode(), b"[" + b",".join(chunk) + b"]", headers))
                chunk, size = [], 0
            chunk.append(item)
            size += len(item) + 1
        records.append(OutRecord(project_id.encode(), b"[" + b",".join(chunk) + b"]", headers))
    return records


def read_evaluations(headers: Sequence[tuple[str, bytes]], value: bytes) -> list[dict[str, Any]]:
    """The rows of an evaluations record, checked column by column and against the project header."""
    project_id = header(headers, PROJECT)
    if not project_id:
        raise EnvelopeError(f"missing `{PROJECT}` header on an evaluations record")
    rows: list[dict[str, Any]] = _ROWS.validate_json(value)  # type: ignore[assignment]  # rows are the TypedDict EvaluationRow, read as plain dicts by the sink
    for row in rows:
        if row["project_id"] != project_id:
            raise EnvelopeError(f"row of project {row['project_id']!r} in a record of project {project_id!r}")
    return rows
