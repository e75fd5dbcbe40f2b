"""/v1/datasets and `telltale export` against a real `telltale up`: auth, isolation, bad input, every format."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from tests.support.events import feedback, inference
from tests.support.server import ADMIN_KEY, INGEST_KEY, ROOT, TelltaleServer

QUERY = {"start": "2025-05-01T00:00:00Z", "end": "2025-05-02T00:00:00Z", "feedback": {"negative": True}}


def at(minute: int) -> str:
    return f"2025-05-01T10:{minute:02d}:00Z"


@pytest.fixture(scope="module")
def live(server: TelltaleServer) -> dict[str, Any]:
    """Five calls in project main, three with negative feedback; one call in project other."""
    calls = [
        inference(ts=at(i), input=f"question {i}", output=f'answer "{i}",\nline two ✓', contexts=[f"passage {i}"])
        for i in range(5)
    ]
    votes = [feedback(calls[i]["event_id"], value="down") for i in (0, 2, 4)]
    votes.append(feedback(calls[2]["event_id"], kind="correction", correction="the right answer"))
    with server.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps(calls)).json()["accepted"] == 5
        assert client.post("/v1/feedback", content=orjson.dumps(votes)).json()["accepted"] == 4
    with server.client(server.keys["other"]) as client:
        assert client.post("/v1/inference", content=orjson.dumps([inference(ts=at(1))])).status_code == 200
    server.wait_processed()
    with server.client() as client:
        created = client.post("/v1/datasets", json={"name": "negative", "query": QUERY})
        assert created.status_code == 201, created.text
        dataset = created.json()
        version = client.post(f"/v1/datasets/{dataset['id']}/versions")
        assert version.status_code == 201, version.text
    return {"dataset": dataset, "version": version.json(), "calls": calls}


def test_freeze_records_what_it_used(live: dict[str, Any]) -> None:
    version = live["version"]
    assert (version["version"], version["item_count"]) == (1, 3)
    assert version["spec"]["query"]["feedback"] == {**QUERY["feedback"], **version["spec"]["query"]["feedback"]}
    assert version["created_by"].startswith("key:")


def test_items_carry_lineage_and_ground_truth(server: TelltaleServer, live: dict[str, Any]) -> None:
    with server.client(server.keys["reader"]) as client:
        page = client.get(f"/v1/datasets/{live['dataset']['id']}/versions/1/items").json()
        ids = [item["event_id"] for item in page["items"]]
        assert ids == [live["calls"][i]["event_id"] for i in (0, 2, 4)]
        assert page["items"][1]["ground_truth"] == "the right answer"
        for item in page["items"]:
            event = client.get(f"/v1/inference/{item['event_id']}").json()["event"]
            assert (event["input"], event["output"]) == (item["input"], item["output"])


@pytest.mark.parametrize("fmt", ["jsonl", "openai-evals", "csv", "parquet"])
def test_every_format_streams_the_items(server: TelltaleServer, live: dict[str, Any], fmt: str) -> None:
    params = {"format": fmt, "question": "query"}
    with server.client(server.keys["reader"]) as client:
        response = client.get(f"/v1/datasets/{live['dataset']['id']}/versions/latest/export", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["telltale-item-count"] == "3"
    if fmt == "jsonl":
        rows = [orjson.loads(line) for line in response.content.splitlines()]
        assert [r["query"] for r in rows] == ["question 0", "question 2", "question 4"]
    elif fmt == "openai-evals":
        rows = [orjson.loads(line) for line in response.content.splitlines()]
        assert rows[1]["ideal"] == "the right answer"
        assert rows[1]["input"][-1] == {"role": "user", "content": "question 2"}
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
        assert [r["answer"] for r in rows] == [f'answer "{i}",\nline two ✓' for i in (0, 2, 4)]
    else:
        rows = pq.read_table(io.BytesIO(response.content)).to_pylist()
        assert [r["context"] for r in rows] == [["passage 0"], ["passage 2"], ["passage 4"]]


def test_cli_export_writes_the_file(server: TelltaleServer, live: dict[str, Any], tmp_path: Any) -> None:
    out = tmp_path / "negative.parquet"
    command = [
        sys.executable,
        "-m",
        "telltale_server.services.cli.main",
        "export",
        live["dataset"]["id"],
        "--format",
        "parquet",
    ]
    command += ["--out", str(out), "--url", server.url, "--key", server.keys["reader"], "--version", "1"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert pq.read_table(out).num_rows == 3
    missing = subprocess.run([*command[:4], "ds_nope", *command[5:]], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode == 1 and "404" in missing.stderr


def test_annotate_then_freeze_and_diff(server: TelltaleServer, live: dict[str, Any]) -> None:
    dataset_id = live["dataset"]["id"]
    target = live["calls"][0]["event_id"]
    outsider = live["calls"][1]["event_id"]
    with server.client() as client:
        note = {"label": "hallucination", "note": "made up", "corrected_answer": "fixed"}
        assert client.put(f"/v1/datasets/{dataset_id}/items/{target}/annotation", json=note).status_code == 200
        assert client.put(f"/v1/datasets/{dataset_id}/items/{outsider}/annotation", json=note).status_code == 404
        assert client.post(f"/v1/datasets/{dataset_id}/items", json={"event_ids": [outsider]}).json() == {"added": 1}
        version = client.post(f"/v1/datasets/{dataset_id}/versions").json()
        assert version["item_count"] == 4
        changes = client.get(f"/v1/datasets/{dataset_id}/versions/{version['version']}/diff").json()
        assert (changes["added"], changes["changed"], changes["removed"]) == ([outsider], [target], [])
        first = client.get(f"/v1/datasets/{dataset_id}/versions/1/items").json()["items"][0]
        assert first["label"] == ""  # frozen versions never change


def test_keys_and_projects(server: TelltaleServer, live: dict[str, Any]) -> None:
    dataset_id = live["dataset"]["id"]
    paths = [
        f"/v1/datasets/{dataset_id}",
        f"/v1/datasets/{dataset_id}/versions",
        f"/v1/datasets/{dataset_id}/versions/1",
        f"/v1/datasets/{dataset_id}/versions/1/items",
        f"/v1/datasets/{dataset_id}/versions/1/diff",
        f"/v1/datasets/{dataset_id}/versions/1/export",
    ]
    with server.client(server.keys["other"]) as other:
        assert other.get("/v1/datasets").json() == []
        for path in paths:
            assert other.get(path).status_code == 404, path
    with server.client(server.keys["reader"]) as reader:
        assert reader.post("/v1/datasets", json={"name": "x"}).status_code == 403
        assert reader.post(f"/v1/datasets/{dataset_id}/versions").status_code == 403
        assert reader.delete(f"/v1/datasets/{dataset_id}").status_code == 403
    with server.client(INGEST_KEY) as ingest:
        assert ingest.get(paths[0]).status_code == 403
    with server.client("tt_not_a_real_key_0123456789") as nobody:
        assert nobody.get(paths[5]).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/v1/datasets", {"name": ""}),
        ("post", "/v1/datasets", {"name": "x", "query": {"model": "gpt-4o"}}),
        ("post", "/v1/datasets", {"name": "x", "query": {"evaluators": [{"evaluator": "a' OR 1=1 --"}]}}),
        ("post", "/v1/datasets", {"name": "x", "sampling": {"limit": 0}}),
        ("post", "/v1/datasets", {"name": "x" * 201}),
        ("post", "/v1/datasets/{id}/items", {"event_ids": []}),
        ("post", "/v1/datasets/{id}/items", {"event_ids": ["not-a-uuid"]}),
        ("post", "/v1/datasets/{id}/items", {"event_ids": [inference()["event_id"]] * 1001}),
        ("put", "/v1/datasets/{id}/items/{event}/annotation", {"note": "x" * 10_001}),
        ("get", "/v1/datasets/{id}/versions/1/export?format=xml", None),
        ("get", "/v1/datasets/{id}/versions/1/export?question=answer", None),
        ("get", "/v1/datasets/{id}/versions/one/items", None),
        ("get", "/v1/datasets/{id}/versions/1/items?limit=100000", None),
    ],
)
def test_malformed_and_oversized_input_is_422(
    server: TelltaleServer, live: dict[str, Any], method: str, path: str, body: Any
) -> None:
    url = path.format(id=live["dataset"]["id"], event=live["calls"][0]["event_id"])
    with server.client(ADMIN_KEY) as client:
        response = client.request(method.upper(), url, json=body)
    assert response.status_code == 422, response.text


def test_unknown_versions_and_datasets_are_404(server: TelltaleServer, live: dict[str, Any]) -> None:
    with server.client() as client:
        assert client.get(f"/v1/datasets/{live['dataset']['id']}/versions/99/export").status_code == 404
        assert client.get("/v1/datasets/ds_missing/versions/latest/items").status_code == 404
        assert client.post("/v1/datasets/ds_missing/versions").status_code == 404
