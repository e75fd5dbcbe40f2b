"""The issue's round trip on demo traffic: "negative feedback + ungrounded answers from the last hour",
frozen and exported in every format, on a real `telltale up` that scored the traffic itself."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from telltale_server.schemas.events import FeedbackEvent
from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.demo.sender import DemoSender
from tests.support.server import INGEST_KEY, TelltaleServer

SPEC = {
    "name": "negative feedback + ungrounded answers, last hour",
    "query": {
        "last": "1h",
        "match": "any",
        "feedback": {"negative": True},
        "evaluators": [{"evaluator": "groundedness", "labels": ["ungrounded"]}],
    },
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TelltaleServer, list[Any]]]:
    """300 demo calls of the last hour, scored by the usage and groundedness evaluators."""
    env = {"TELLTALE_EVALUATORS": '["usage","groundedness"]'}
    server = TelltaleServer(tmp_path_factory.mktemp("demo") / "data", env=env).start()
    try:
        calls = list(DemoTraffic(seed=11).calls(300))
        sender = DemoSender(server.url, INGEST_KEY)
        report = sender.send(calls)
        sender.close()
        assert report.rejected == 0
        server.wait_processed()
        yield server, calls
    finally:
        server.stop()


def test_round_trip_on_demo_traffic(demo: tuple[TelltaleServer, list[Any]]) -> None:
    server, calls = demo
    with server.client() as client:
        dataset = client.post("/v1/datasets", json=SPEC).json()
        version = client.post(f"/v1/datasets/{dataset['id']}/versions").json()
        items = client.get(f"/v1/datasets/{dataset['id']}/versions/1/items", params={"limit": 1000}).json()["items"]
        bodies = {
            fmt: client.get(f"/v1/datasets/{dataset['id']}/versions/1/export", params={"format": fmt}).content
            for fmt in ("jsonl", "openai-evals", "csv", "parquet")
        }
    start = datetime.fromisoformat(version["spec"]["query"]["start"])
    in_window = [call for call in calls if datetime.fromisoformat(call.inference["ts"]) >= start]
    negative = {
        call.inference["event_id"]
        for call in in_window
        if any(FeedbackEvent.model_validate(f).is_negative() for f in call.feedback)
    }
    questions = {call.inference["event_id"]: call.inference["input"][-1]["content"] for call in in_window}
    ids = {item["event_id"] for item in items}
    assert version["item_count"] == len(items) > 0
    kept_questions = {questions[i] for i in ids}
    assert {questions[i] for i in negative} <= kept_questions  # every negative call, or its deduplicated twin
    for item in items:
        ungrounded = any(e["evaluator"] == "groundedness" and e["label"] == "ungrounded" for e in item["evaluations"])
        assert ungrounded or item["event_id"] in negative
    assert any(item["ground_truth"] for item in items)
    assert len(bodies["jsonl"].splitlines()) == len(bodies["openai-evals"].splitlines()) == len(items)
    assert orjson.loads(bodies["jsonl"].splitlines()[0])["question"]
    assert bodies["csv"].count(b"\n") >= len(items) + 1
    assert pq.read_table(io.BytesIO(bodies["parquet"])).num_rows == len(items)


def test_first_run_prints_nothing_unexpected(demo: tuple[TelltaleServer, list[Any]]) -> None:
    server, _ = demo
    log = Path(f"{server.data_dir}-server.log").read_text()
    assert "Traceback" not in log
