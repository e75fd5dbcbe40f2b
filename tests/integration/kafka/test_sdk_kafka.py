"""The Python SDK's Kafka transport writes records the cluster's store role accepts, as the ingest gateway does."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import telltale
from telltale.kafka import TOPICS
from telltale_server.schemas import topics
from tests.integration.kafka.support import Broker, cluster_server


def test_sdk_topics_are_the_servers() -> None:
    assert topics.RAW_TOPICS == TOPICS


def test_events_logged_over_kafka_are_stored_with_their_feedback(tmp_path: Path, broker: Broker) -> None:
    server = cluster_server(tmp_path, broker, roles="store").start()
    client = telltale.Client(transport="kafka", kafka_bootstrap=broker.bootstrap, project=server.project)
    try:
        trace = uuid.uuid4().hex
        ids = [
            client.log_inference(
                model="gpt-4o-mini",
                input=f"question {i}",
                output="answer",
                trace_id=trace,
                contexts=["a passage"],
                latency_ms=12.5,
            )
            for i in range(20)
        ]
        client.log_feedback(ids[0], kind="thumbs", value="down")
        assert client.flush(30)
        detail = _wait_for_feedback(server, ids[0])
        assert (detail["event"]["trace_id"], detail["event"]["contexts"][0]["text"]) == (trace, "a passage")
        assert detail["feedback"][0]["negative"] is True
        with server.client() as api:
            assert all(api.get(f"/v1/inference/{event_id}").status_code == 200 for event_id in ids)
        stats = client.stats()
        assert (stats["accepted"], stats["retries"]) == (21, 0)
    finally:
        client.close()
        server.stop()


def _wait_for_feedback(server, event_id: str, timeout_s: float = 60.0) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    with server.client() as api:
        while time.monotonic() < deadline:
            response = api.get(f"/v1/inference/{event_id}")
            if response.status_code == 200 and response.json()["feedback"]:
                return response.json()
            time.sleep(0.2)
    raise TimeoutError(f"{event_id} and its feedback were not stored within {timeout_s}s")
