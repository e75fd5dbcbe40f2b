"""The APIs behind the console's forms, on a real server: a rule's preview over past buckets, a test send of an
unsaved rule's channels to a real loopback webhook (signed), and a dataset query's count of matching events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from telltale_server.services.alerts.channels.signature import verify
from tests.support.alerts import SECRET, Receiver
from tests.support.events import inference
from tests.support.server import INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

MODEL = "form-model"
NOW = datetime.now(UTC)
BAD = datetime.fromtimestamp(int(NOW.timestamp()) // 300 * 300, UTC) - timedelta(hours=3) + timedelta(seconds=60)
"""A minute inside a 5-minute bucket three hours ago: every call fails there."""
GOOD = BAD + timedelta(hours=1)
"""An hour later: every call succeeds."""
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    srv = TelltaleServer(
        tmp_path_factory.mktemp("forms") / "data", env={"TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}
    )
    srv.create_key("reader", "main", "read")
    srv.start()
    events = [
        inference(model=MODEL, status="error", error="boom", ts=(BAD + timedelta(seconds=i)).isoformat())
        for i in range(6)
    ]
    events += [inference(model=MODEL, ts=(GOOD + timedelta(seconds=i)).isoformat()) for i in range(4)]
    with srv.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps(events)).status_code == 200
    srv.wait_processed()
    yield srv
    srv.stop()


def rule(**fields: Any) -> dict[str, Any]:
    return {
        "name": "errors of the form model",
        "metric": "error.rate",
        "filters": {"model": [MODEL]},
        "comparator": ">",
        "threshold": 0.5,
        "min_samples": 3,
        "window": "5m",
        **fields,
    }


def test_preview_replays_the_rule_through_the_engine(up: TelltaleServer) -> None:
    with up.client(up.keys["reader"]) as client:
        found = client.post("/v1/alert-rules/preview", json=rule())
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["step"] == 300
    [line] = body["series"]["lines"]
    assert 280 <= len(line["points"]) <= 290
    assert [p["value"] for p in line["points"] if p["samples"]] == [1.0, 0.0]
    moves = [(t["from_state"], t["to_state"], t["at"]) for t in body["transitions"]]
    bucket_end = (BAD - timedelta(seconds=60) + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    assert moves[0][:2] == ("inactive", "firing") and moves[0][2].replace("+00:00", "Z") == bucket_end
    assert [m[:2] for m in moves] == [("inactive", "firing"), ("firing", "resolved")]
    assert body["fired"] == 1


def test_preview_honours_for_and_min_samples(up: TelltaleServer) -> None:
    """Pending for longer than the failing bucket never fires; too few samples is no verdict at all."""
    with up.client(up.keys["reader"]) as client:
        held = client.post("/v1/alert-rules/preview", json=rule(**{"for": "10m"})).json()
        few = client.post("/v1/alert-rules/preview", json=rule(min_samples=100)).json()
    assert [(t["from_state"], t["to_state"]) for t in held["transitions"]] == [
        ("inactive", "pending"),
        ("pending", "inactive"),
    ]
    assert held["fired"] == 0
    assert few["transitions"] == [] and few["fired"] == 0


def test_preview_groups_and_a_longer_window_widen_the_buckets(up: TelltaleServer) -> None:
    with up.client() as client:
        found = client.post("/v1/alert-rules/preview", json=rule(window="45m", group_by=["model"]), params={"hours": 6})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["step"] == 3600
    assert [line["labels"] for line in body["series"]["lines"]] == [{"model": MODEL}]


@pytest.mark.parametrize(
    ("change", "params", "where"),
    [
        ({"metric": "no.such.metric"}, {}, ["body", "metric"]),
        ({"threshold": "high"}, {}, ["body", "threshold"]),
        ({"window": "0s"}, {}, ["body", "window"]),
        ({"name": "x" * 201}, {}, ["body", "name"]),
        ({"comparator": "=="}, {"hours": 0}, ["query", "hours"]),
        ({"comparator": "=="}, {"hours": 169}, ["query", "hours"]),
    ],
)
def test_preview_refuses_what_saving_would(up: TelltaleServer, change: dict, params: dict, where: list) -> None:
    with up.client() as client:
        refused = client.post("/v1/alert-rules/preview", json=rule(**change), params=params)
    assert refused.status_code == 422, refused.text
    assert where in [d["loc"][:2] for d in refused.json()["detail"]]


def test_preview_and_test_need_a_key_and_a_readable_body(up: TelltaleServer) -> None:
    with up.client() as client:
        for path in ("/v1/alert-rules/preview", "/v1/alert-rules/test", "/v1/datasets/preview"):
            assert client.post(path, json=rule(), headers={"Authorization": "Bearer tt_nope"}).status_code == 401
            broken = client.post(path, content=b"{not json", headers=JSON)
            assert broken.status_code == 422 and broken.json()["detail"][0]["type"] == "json_invalid"
            assert client.post(path, content=b"[" * 2_000_000, headers=JSON).status_code == 400
            huge = client.post(path, content=b'{"name": "' + b"x" * 3_000_000 + b'"}', headers=JSON)
            assert huge.status_code == 422 and huge.json()["detail"][0]["loc"] in (["body", "name"], ["body"])
            assert len(huge.content) < 10_000, "a 422 repeats a rejected value only in part"


def test_a_test_send_reaches_the_webhook_signed_like_a_real_notification(
    up: TelltaleServer, receiver: Receiver
) -> None:
    channel = {"type": "webhook", "url": receiver.url, "secret": SECRET}
    with up.client() as client:
        sent = client.post("/v1/alert-rules/test", json=rule(channels=[channel]))
    assert sent.status_code == 200, sent.text
    [result] = sent.json()
    assert result["ok"] and result["status_code"] == 200
    got = wait_for(
        lambda: [r for r in receiver.received if r.json().get("notification_id") == result["notification_id"]],
        "the test send",
    )[0]
    assert verify(SECRET, got.body, got.headers["telltale-signature"])
    assert got.json()["status"] == "firing" and got.json()["reason"] == "test"
    with up.client() as client:
        assert client.get("/v1/alert-rules").json() == [], "a test send stores nothing"


def test_a_test_send_needs_admin_and_refuses_inward_targets(up: TelltaleServer) -> None:
    inward = {"type": "webhook", "url": "http://10.0.0.7/hook", "secret": SECRET}
    with up.client(up.keys["reader"]) as client:
        assert client.post("/v1/alert-rules/test", json=rule(channels=[inward])).status_code == 403
    with up.client() as client:
        refused = client.post("/v1/alert-rules/test", json=rule(channels=[inward]))
        short = client.post("/v1/alert-rules/test", json=rule(channels=[{**inward, "secret": "short"}]))
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "channels", 0, "url"]
    assert short.status_code == 422 and short.json()["detail"][0]["loc"][:2] == ["body", "channels"]
    assert "secret" in short.json()["detail"][0]["loc"]


def test_dataset_preview_counts_what_the_query_matches(up: TelltaleServer) -> None:
    with up.client(up.keys["reader"]) as client:
        errors = client.post("/v1/datasets/preview", json={"last": "1d", "model": [MODEL], "status": ["error"]})
        every = client.post("/v1/datasets/preview", json={"last": "1d", "model": [MODEL]})
        older = client.post("/v1/datasets/preview", json={"last": "150m", "model": [MODEL]})
        ranged = client.post("/v1/datasets/preview", json={"start": GOOD.isoformat(), "model": [MODEL]})
    assert errors.json() == {"matching": 6}
    assert every.json() == {"matching": 10}
    assert older.json() == {"matching": 4}
    assert ranged.json() == {"matching": 4}


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"last": "1h", "start": "2026-01-01T00:00:00Z"}, ["body"]),
        ({"bogus": True}, ["body", "bogus"]),
        ({"status": ["maybe"]}, ["body", "status"]),
        ({"model": ["m"] * 51}, ["body", "model"]),
        ({"evaluators": [{"evaluator": "x", "op": ">"}]}, ["body", "evaluators"]),
    ],
)
def test_dataset_preview_refuses_invalid_queries_by_field(up: TelltaleServer, query: dict, where: list) -> None:
    with up.client() as client:
        refused = client.post("/v1/datasets/preview", json=query)
    assert refused.status_code == 422, refused.text
    assert where in [d["loc"][: len(where)] for d in refused.json()["detail"]]
