"""API fuzzing helpers: schemathesis's CLI against a live server, and a project with one of each resource."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from tests.support.alerts import SECRET
from tests.support.events import feedback, inference
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "ignored_auth",
)
"""What the server promises: no 5xx, every answer (code, media type, headers, body) as /openapi.json says, a
405 naming the methods a path takes, and no keyed operation answering without a valid key.
Not checked: whether the document rejects every input the server refuses (`from` after `to` is valid JSON
Schema), which is the generator's business, not the contract's."""
ENV = {"TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}
"""The seeded rule's webhook is on loopback; it is disabled, so nothing is ever delivered."""


def fuzz(server: TelltaleServer, key: str, seed: int, max_examples: int, report: Path) -> dict[str, Any]:
    """Run every phase of schemathesis over every operation with this key; returns its JSON report."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {key}",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",  # in threads, hypothesis 6.170 fails inside its lambda-source cache now and then (not the server)
        "--checks",
        ",".join(CHECKS),
        "--no-shrink",
        "--request-timeout",
        "60",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    out = subprocess.run(command, cwd=report.parent, capture_output=True, text=True)  # its cache stays there
    report.with_suffix(".txt").write_text(out.stdout + out.stderr)
    assert report.exists(), out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(report.read_text())


@dataclass(frozen=True)
class Resources:
    """One of each of a project's resources, by the path parameter that names it."""

    ids: dict[str, str]
    bodies: dict[str, dict[str, Any]]
    """A valid body for each write, by path template: a refusal then cannot be a body's fault."""


RULE = {
    "name": "errors",
    "metric": "error.rate",
    "comparator": ">",
    "threshold": 0.5,
    "enabled": False,
    "channels": [{"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": SECRET}],
}
DATASET = {"name": "negative", "query": {"start": "2026-01-01T00:00:00Z", "feedback": {"negative": True}}}


def seed_project(server: TelltaleServer) -> Resources:
    """Events, feedback, a rule with a secret, a silence, a dataset with a version, and a drift monitor."""
    event = inference(ts="2026-01-01T00:00:00Z", status="error", trace_id="fuzz-trace", session_id="fuzz-session")
    with server.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps([event, inference()])).status_code == 200
        thumbs = feedback(event["event_id"], ts="2026-01-01T00:00:01Z", kind="thumbs", value=False)
        assert client.post("/v1/feedback", content=orjson.dumps([thumbs])).status_code == 200
    server.wait_processed()
    with server.client(ADMIN_KEY) as admin:
        rule = created(admin.post("/v1/alert-rules", json=RULE))
        silence = {"matchers": [{"name": "model", "value": "x"}], "ends_at": "2099-01-01T00:00:00Z"}
        silence_id = created(admin.post("/v1/silences", json=silence))["id"]
        dataset_id = created(admin.post("/v1/datasets", json=DATASET))["id"]
        created(admin.post(f"/v1/datasets/{dataset_id}/versions"))
        monitor = {"monitor_id": "fuzzed", "config": {"window_s": 3600}}
        created(admin.post("/v1/drift/monitors", json=monitor))
    bodies = {
        "/v1/alert-rules/{rule_id}": RULE,
        "/v1/datasets/{dataset_id}": DATASET,
        "/v1/datasets/{dataset_id}/items": {"event_ids": [event["event_id"]]},
        "/v1/datasets/{dataset_id}/items/{event_id}/annotation": {"label": "bad"},
        "/v1/drift/monitors/{monitor_id}": {"window_s": 7200},
    }
    ids = {
        "rule_id": rule["id"],
        "silence_id": silence_id,
        "dataset_id": dataset_id,
        "ref": "1",
        "monitor_id": "fuzzed",
        "event_id": event["event_id"],
        "trace_id": event["trace_id"],
        "session_id": event["session_id"],
    }
    return Resources(ids, bodies)


def created(response: httpx.Response) -> dict[str, Any]:
    """The made resource; seeding stops at the first write refused, with the server's reason."""
    assert response.status_code == 201, response.text
    return response.json()
