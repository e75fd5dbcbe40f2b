"""/v1/queues against a real `telltale up`: two projects, scoped keys, two reviewers per item, reviews flowing
back as annotator feedback and dataset ground truth, exports in every format, and bad input on every path."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pyarrow.parquet as pq
import pytest

from tests.support.events import REFUND_PASSAGE, feedback, inference
from tests.support.server import INGEST_KEY, TelltaleServer

WINDOW = {"start": "2025-05-01T00:00:00Z", "end": "2025-05-02T00:00:00Z"}
KEY = "groundedness.score:ungrounded"
SCHEMA = {
    "categories": ["hallucination", "fine"],
    "score": True,
    "text": True,
    "corrected_answer": True,
    "verdicts": [{"evaluator": "groundedness", "metric": "score", "label": "ungrounded"}],
}


def at(minute: int) -> str:
    return f"2025-05-01T10:{minute:02d}:00Z"


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    srv = TelltaleServer(tmp_path_factory.mktemp("queues") / "data")
    srv.create_key("reader", "main", "read")
    for name in ("alice", "carol"):
        srv.create_key(name, "main", "review")
    srv.create_key("bob", "main", "read,review")
    srv.create_key("other", "other", "ingest,read,review")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def live(up: TelltaleServer) -> dict[str, Any]:
    """Four calls in main, three with negative feedback; a call in project other; a dataset and a queue."""
    calls = [
        inference(
            ts=at(i),
            input=f"How long do refunds take? ({i})",
            output=f"Refunds take {i + 3} days.",
            contexts=[REFUND_PASSAGE],
        )
        for i in range(4)
    ]
    with up.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps(calls)).json()["accepted"] == 4
        votes = [feedback(calls[i]["event_id"], value="down") for i in (0, 1, 2)]
        assert client.post("/v1/feedback", content=orjson.dumps(votes)).json()["accepted"] == 3
    stranger = inference(ts=at(1))
    with up.client(up.keys["other"]) as client:
        assert client.post("/v1/inference", content=orjson.dumps([stranger])).status_code == 200
    up.wait_processed()
    with up.client() as admin:
        nothing = {"name": "ground truth", "query": {**WINDOW, "route": ["no-such-route"]}}
        dataset = admin.post("/v1/datasets", json=nothing).json()
        spec = {
            "name": "negative feedback",
            "filter": {**WINDOW, "feedback": {"negative": True}},
            "reviews_required": 2,
            "schema": SCHEMA,
            "dataset_id": dataset["id"],
        }
        made = admin.post("/v1/queues", json=spec)
        assert made.status_code == 201, made.text
        queue = made.json()
        assert admin.post(f"/v1/queues/{queue['id']}/fill").json() == {"added": 3}
        assert admin.post(f"/v1/queues/{queue['id']}/fill").json() == {"added": 0}
    return {"calls": calls, "queue": queue, "dataset": dataset, "stranger": stranger["event_id"]}


def review(client: httpx.Client, queue_id: str, event_id: str, **body: Any) -> httpx.Response:
    return client.post(f"/v1/queues/{queue_id}/items/{event_id}/reviews", json=body)


def test_review_scope_reviews_but_does_not_administer(up: TelltaleServer, live: dict[str, Any]) -> None:
    queue_id = live["queue"]["id"]
    with up.client(up.keys["alice"]) as alice:
        assert alice.get("/v1/queues").json()[0]["progress"] == {"items": 3, "reviews": 0, "complete": 0, "open": 3}
        spec = {"name": "mine", "schema": SCHEMA}
        assert alice.post("/v1/queues", json=spec).status_code == 403
        assert alice.put(f"/v1/queues/{queue_id}", json=spec).status_code == 403
        assert alice.post(f"/v1/queues/{queue_id}/fill").status_code == 403
        assert alice.delete(f"/v1/queues/{queue_id}").status_code == 403
        assert alice.get(f"/v1/queues/{queue_id}/agreement").status_code == 403
    with up.client(up.keys["reader"]) as reader:
        assert reader.post(f"/v1/queues/{queue_id}/claim").status_code == 403
        assert reader.get(f"/v1/queues/{queue_id}").status_code == 200
        [nothing_yet] = reader.get(f"/v1/queues/{queue_id}/agreement").json()["evaluators"]
        assert (nothing_yet["reviewed"], nothing_yet["confusion"]["precision"], nothing_yet["by_day"]) == (0, None, [])
    assert httpx.post(f"{up.url}/v1/queues/{queue_id}/claim").status_code == 401


@pytest.fixture(scope="module")
def reviewed(up: TelltaleServer, live: dict[str, Any]) -> dict[str, Any]:
    """Alice and Bob take the same item (two reviews each) and review it; Alice submits hers twice."""
    queue_id = live["queue"]["id"]
    with up.client(up.keys["alice"]) as alice, up.client(up.keys["bob"]) as bob:
        taken = alice.post(f"/v1/queues/{queue_id}/claim").json()
        item = taken["event_id"]
        body = {
            "categories": ["hallucination"],
            "score": 2,
            "text": "made up",
            "corrected_answer": "5 to 10 days",
            "verdicts": {KEY: True},
        }
        return {
            "item": item,
            "taken": taken,
            "bob_took": bob.post(f"/v1/queues/{queue_id}/claim").json()["event_id"],
            "first": review(alice, queue_id, item, **body),
            "again": review(alice, queue_id, item, **{**body, "score": 5}),
            "second": review(bob, queue_id, item, categories=["hallucination"], score=1, verdicts={KEY: True}),
            "mine": alice.get(f"/v1/queues/{queue_id}/items/{item}").json()["my_review"],
        }


def test_two_reviewers_review_the_same_item_and_it_becomes_ground_truth(
    up: TelltaleServer, live: dict[str, Any], reviewed: dict[str, Any]
) -> None:
    queue_id, item, taken = live["queue"]["id"], reviewed["item"], reviewed["taken"]
    assert item == live["calls"][0]["event_id"] and reviewed["bob_took"] == item, "two reviews each: the same item"
    assert taken["detail"]["event"]["contexts"][0]["text"] == REFUND_PASSAGE
    assert {e["evaluator"] for e in taken["detail"]["evaluations"]} >= {"groundedness"}
    assert taken["questions"] == [{"key": KEY, "text": "Is the answer ungrounded (groundedness)?"}]
    first, again, second = reviewed["first"], reviewed["again"], reviewed["second"]
    assert first.status_code == 201 and first.json()["complete"] is False
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["review"] == first.json()["review"] and reviewed["mine"]["score"] == 2, "the first stands"
    assert second.status_code == 201 and second.json()["complete"] is True
    with up.client(up.keys["carol"]) as carol:
        assert review(carol, queue_id, item, verdicts={KEY: False}).status_code == 409
        assert carol.post(f"/v1/queues/{queue_id}/claim").json()["event_id"] != item
    with up.client(up.keys["reader"]) as reader:
        found = reader.get(f"/v1/inference/{item}").json()["feedback"]
        mine = [f["feedback"] for f in found if f["feedback"]["source"] == "annotator"]
        assert sorted(f["kind"] for f in mine) == ["correction", "rating", "rating"], "a repeat sends nothing new"
        assert all(f["tags"] == ["review:hallucination"] and f["attributes"][KEY] is True for f in mine)
        drafted = reader.get(f"/v1/datasets/{live['dataset']['id']}/versions/draft/items").json()["items"]
        assert [(i["event_id"], i["ground_truth"], i["label"]) for i in drafted] == [
            (item, "5 to 10 days", "hallucination")
        ]
        agreement = reader.get(f"/v1/queues/{queue_id}/agreement").json()
    fields = {f["field"]: f for f in agreement["reviewers"]["fields"]}
    assert agreement["reviewers"]["items_reviewed_twice"] == 1
    assert fields["category:hallucination"]["percent_agreement"] == 1.0 and fields[KEY]["items"] == 1
    assert fields["score"]["percent_agreement"] == 0.0
    [evaluator] = agreement["evaluators"]
    confusion = evaluator["confusion"]
    assert evaluator["reviewed"] == 1 and confusion["tp"] + confusion["fn"] == 1 - evaluator["unscored"]
    assert evaluator["threshold"]["suggested"] is None and evaluator["threshold"]["reason"]


@pytest.mark.parametrize("fmt", ["jsonl", "openai-evals", "csv", "parquet"])
def test_reviewed_items_export_in_every_format(
    up: TelltaleServer, live: dict[str, Any], reviewed: dict[str, Any], fmt: str
) -> None:
    with up.client(up.keys["reader"]) as reader:
        response = reader.get(f"/v1/queues/{live['queue']['id']}/export", params={"format": fmt, "question": "q"})
    assert response.status_code == 200, response.text
    assert response.headers["telltale-item-count"] == "1"
    if fmt == "jsonl":
        [row] = [orjson.loads(line) for line in response.content.splitlines()]
        assert (row["q"], row["ground_truth"], row["label"]) == (
            live["calls"][0]["input"],
            "5 to 10 days",
            "hallucination",
        )
    elif fmt == "openai-evals":
        [row] = [orjson.loads(line) for line in response.content.splitlines()]
        assert row["ideal"] == "5 to 10 days"
    elif fmt == "csv":
        [row] = list(csv.DictReader(io.StringIO(response.text, newline="")))
        assert row["ground_truth"] == "5 to 10 days"
    else:
        [row] = pq.read_table(io.BytesIO(response.content)).to_pylist()
        assert row["context"] == [REFUND_PASSAGE]


def test_other_projects_events_and_queues_are_not_found(up: TelltaleServer, live: dict[str, Any]) -> None:
    queue_id = live["queue"]["id"]
    with up.client(up.keys["alice"]) as alice:
        assert review(alice, queue_id, live["stranger"], verdicts={KEY: True}).status_code == 404
        assert alice.get(f"/v1/queues/{queue_id}/items/{live['stranger']}").status_code == 404
        unqueued = live["calls"][3]["event_id"]
        assert review(alice, queue_id, unqueued, verdicts={KEY: True}).status_code == 404
        assert alice.post("/v1/queues/rq_nope/claim").status_code == 404
        assert alice.post(f"/v1/queues/{queue_id}/items/{live['stranger']}/release").status_code == 404
        assert alice.post(f"/v1/queues/{queue_id}/items/{live['calls'][1]['event_id']}/release").status_code == 204
    with up.client(up.keys["other"]) as other:
        assert other.get("/v1/queues").json() == []
        assert other.get(f"/v1/queues/{queue_id}").status_code == 404
        assert other.post(f"/v1/queues/{queue_id}/claim").status_code == 404
        assert review(other, queue_id, live["calls"][0]["event_id"], verdicts={KEY: True}).status_code == 404


def _loc(response: httpx.Response) -> list[list[Any]]:
    assert response.status_code == 422, response.text
    return [detail["loc"] for detail in response.json()["detail"]]


def test_malformed_queue_specs_name_the_field(up: TelltaleServer, live: dict[str, Any]) -> None:
    base = {"name": "bad", "schema": SCHEMA}
    with up.client() as admin:
        bad_filter = {**base, "filter": {"evaluators": [{"evaluator": "no spaces allowed"}]}}
        assert _loc(admin.post("/v1/queues", json=bad_filter))[0][:4] == ["body", "filter", "evaluators", 0]
        assert _loc(admin.post("/v1/queues", json={**base, "filter": {"colour": "red"}}))[0] == [
            "body",
            "filter",
            "colour",
        ]
        repeated = {**base, "schema": {"categories": ["a", "a"]}}
        assert _loc(admin.post("/v1/queues", json=repeated))[0][:3] == ["body", "schema", "categories"]
        bad_label = {**base, "schema": {"verdicts": [{"evaluator": "groundedness", "metric": "score", "label": "a b"}]}}
        assert _loc(admin.post("/v1/queues", json=bad_label))[0][:4] == ["body", "schema", "verdicts", 0]
        assert _loc(admin.post("/v1/queues", json={**base, "sample_rate": 0}))[0] == ["body", "sample_rate"]
        assert _loc(admin.post("/v1/queues", json={**base, "dataset_id": "ds_nope"}))[0] == ["body", "dataset_id"]
        assert _loc(admin.post("/v1/queues", json={"name": "no schema"}))[0] == ["body", "schema"]
        assert _loc(admin.post("/v1/queues", json={**base, "name": "x" * 201}))[0] == ["body", "name"]


def test_reviews_outside_the_schema_name_the_field(up: TelltaleServer, live: dict[str, Any]) -> None:
    queue_id, item = live["queue"]["id"], live["calls"][1]["event_id"]
    with up.client(up.keys["carol"]) as carol:
        assert _loc(review(carol, queue_id, item, categories=["rude"], verdicts={KEY: True})) == [
            ["body", "categories", 0]
        ]
        two = review(carol, queue_id, item, categories=["hallucination", "fine"], verdicts={KEY: True})
        assert _loc(two) == [["body", "categories"]]
        assert _loc(review(carol, queue_id, item)) == [["body", "verdicts", KEY]]
        assert _loc(review(carol, queue_id, item, verdicts={KEY: True, "x.y:z": True})) == [
            ["body", "verdicts", "x.y:z"]
        ]
        assert _loc(review(carol, queue_id, item, score=6, verdicts={KEY: True}))[0] == ["body", "score"]
        assert _loc(review(carol, queue_id, item, text="x" * 10_001, verdicts={KEY: True}))[0] == ["body", "text"]
        assert _loc(review(carol, queue_id, item, mood="fine", verdicts={KEY: True}))[0] == ["body", "mood"]
        listed = carol.get(f"/v1/queues/{queue_id}/items/{item}").json()
        assert listed["my_review"] is None, "nothing was stored"
