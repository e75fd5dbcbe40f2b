"""The Python SDK produces each vector's payload exactly, and every payload is valid against schemas/json/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import telltale
from telltale_server.schemas.events import FeedbackEvent, InferenceEvent
from tests.sdk_python.support import Capture

VECTORS = sorted((Path(__file__).parent / "vectors").glob("*.json"))
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "json"
KINDS = {"log_inference": "inference", "log_feedback": "feedback"}
MODELS = {"inference": InferenceEvent, "feedback": FeedbackEvent}
PLACEHOLDERS = {
    "{{uuid4}}": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
    "{{utc_ts}}": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"),
}


def validator(kind: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind}.v1.json").read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def normalise(payload: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """Replace SDK-made values by the expected placeholder once they match its pattern."""
    out = dict(payload)
    for key, value in expected.items():
        pattern = PLACEHOLDERS.get(value) if isinstance(value, str) else None
        if pattern is not None and isinstance(out.get(key), str) and pattern.match(out[key]):
            out[key] = value
    return out


def substitute(expected: dict[str, Any]) -> dict[str, Any]:
    """A concrete event from the expected one, to check the vector itself against the contract."""
    values = {"{{uuid4}}": "00000000-0000-4000-8000-000000000000", "{{utc_ts}}": "2026-01-02T03:04:05.678Z"}
    return {key: values.get(value, value) if isinstance(value, str) else value for key, value in expected.items()}


@pytest.mark.parametrize("path", VECTORS, ids=[path.stem for path in VECTORS])
def test_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    method, args = vector["call"]["method"], vector["call"]["args"]
    kind = KINDS[method]
    capture = Capture()
    client = telltale.Client(transport=capture, **vector.get("client", {}))
    returned = getattr(client, method)(**args)
    assert client.flush(10)
    client.close()

    [(sent_kind, payload)] = capture.sent
    assert sent_kind == kind
    assert payload["event_id"] == returned
    assert normalise(payload, vector["expected"]) == vector["expected"]
    concrete = substitute(vector["expected"])
    validator(kind).validate(payload)
    validator(kind).validate(concrete)
    MODELS[kind].model_validate(concrete)


def test_every_method_has_vectors() -> None:
    methods = {json.loads(path.read_text())["call"]["method"] for path in VECTORS}
    assert methods == set(KINDS)
