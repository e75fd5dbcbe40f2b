"""Step 2: check the payload against its contract and turn it into the row the store keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from telltale_server.schemas.envelope import EnvelopeError, read_evaluations
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from telltale_server.schemas.rows import feedback_row, inference_row
from telltale_server.streams.runners.store.decode import Decoded, EvaluationsRecord, Poison, RawEvent, Record, poison

INFERENCE, FEEDBACK, EVALUATIONS = "inference_events", "feedback_events", "evaluations"


@dataclass(frozen=True)
class Rows:
    """Rows for one table, ready to insert."""

    table: str
    rows: list[dict[str, Any]]


def validate(record: Record, decoded: Decoded) -> Rows | Decoded:
    """Rows for a valid payload, Poison (with the contract's reasons) for an invalid one; others pass through."""
    try:
        if isinstance(decoded, RawEvent):
            envelope = decoded.envelope
            if envelope.kind == "inference":
                event = InferenceEvent.model_validate_json(decoded.value)
                return Rows(INFERENCE, [inference_row(envelope.project_id, event, envelope.received_at)])
            feedback = FeedbackEvent.model_validate_json(decoded.value)
            return Rows(FEEDBACK, [feedback_row(envelope.project_id, feedback, envelope.received_at)])
        if isinstance(decoded, EvaluationsRecord):
            return Rows(EVALUATIONS, read_evaluations(record.headers, decoded.value))
    except ValidationError as error:
        return _invalid(record, error)
    except EnvelopeError as error:
        return poison(record, str(error))
    return decoded


def _invalid(record: Record, error: ValidationError) -> Poison:
    """Poison whose reason names the first failing fields, as the HTTP ingest would."""
    details = error.errors(include_url=False)[:3]
    reasons = "; ".join(f"{'.'.join(str(p) for p in d['loc']) or 'value'}: {d['msg']}" for d in details)
    more = f" (+{error.error_count() - len(details)} more)" if error.error_count() > len(details) else ""
    return poison(record, f"payload breaks the contract: {reasons}{more}")
