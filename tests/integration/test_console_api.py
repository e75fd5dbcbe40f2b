"""The read APIs behind the console over a real server with demo traffic: series, label values, event search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import httpx
import pytest

from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.demo.sender import DemoSender
from tests.support.events import inference
from tests.support.server import INGEST_KEY, TelltaleServer

END = datetime.now(UTC).replace(microsecond=0)
RANGE = {"from": (END - timedelta(hours=2)).isoformat(), "to": (END + timedelta(minutes=1)).isoformat()}
EVENTS = 300


@pytest.fixture(scope="module")
def demo(server: TelltaleServer) -> TelltaleServer:
    sender = DemoSender(server.url, INGEST_KEY)
    assert sender.send(DemoTraffic(seed=21).calls(EVENTS, END - timedelta(hours=1), END)).rejected == 0
    sender.close()
    server.wait_processed()
    return server


def get(server: TelltaleServer, path: str, key: str | None = None, **params: object):  # type: ignore[no-untyped-def]
    with server.client(key or server.keys["reader"]) as client:
        return client.get(path, params={**RANGE, **params})


def test_volume_series_adds_up_to_the_events(demo: TelltaleServer) -> None:
    body = get(demo, "/v1/metrics/volume.count/series", step=600).json()
    [line] = body["lines"]
    assert body["step"] == 600 and body["unit"] == "calls"
    assert sum(p["value"] for p in line["points"]) == EVENTS
    starts = [datetime.fromisoformat(p["at"]) for p in line["points"]]
    assert all(b - a == timedelta(seconds=600) for a, b in pairwise(starts))
    assert all(s.timestamp() % 600 == 0 for s in starts)


def test_rate_series_per_model_weights_back_to_the_whole_range(demo: TelltaleServer) -> None:
    body = get(demo, "/v1/metrics/error.rate/series", group_by="model").json()
    assert len(body["lines"]) == 4
    total = get(demo, "/v1/metrics/error.rate").json()["groups"][0]
    points = [p for line in body["lines"] for p in line["points"] if p["value"] is not None]
    weighted = sum(p["value"] * p["samples"] for p in points) / sum(p["samples"] for p in points)
    assert weighted == pytest.approx(total["value"])
    assert sum(p["samples"] for p in points) == total["samples"] == EVENTS


def test_series_filters_by_label(demo: TelltaleServer) -> None:
    all_calls = get(demo, "/v1/metrics/volume.count/series").json()["lines"][0]["points"]
    gpt4o = get(demo, "/v1/metrics/volume.count/series", model="gpt-4o").json()["lines"][0]["points"]
    assert 0 < sum(p["value"] for p in gpt4o) < sum(p["value"] for p in all_calls)


def test_every_overview_metric_has_points(demo: TelltaleServer) -> None:
    for name in ("groundedness.mean", "safety.toxicity.rate", "feedback.negative_rate", "cost.sum", "latency.p95"):
        points = get(demo, f"/v1/metrics/{name}/series").json()["lines"][0]["points"]
        assert any(p["value"] is not None for p in points), name


def test_several_series_in_one_request_equal_each_alone(demo: TelltaleServer) -> None:
    names = ["volume.count", "groundedness.mean", "feedback.negative_rate"]
    together = get(demo, "/v1/series", metric=names, step=600, model="gpt-4o").json()
    assert [s["metric"] for s in together] == names
    for found in together:
        alone = get(demo, f"/v1/metrics/{found['metric']}/series", step=600, model="gpt-4o").json()
        assert found == alone


def test_label_values(demo: TelltaleServer) -> None:
    body = get(demo, "/v1/labels").json()
    assert len(body["model"]) == 4 and "support/answer" in body["route"]
    pairs = body["evaluator_labels"]
    assert {"groundedness.score:ungrounded", "safety.pii.output:pii", "safety.pii.output:clean"} <= set(pairs)
    assert "safety.pii.input:clean" in pairs and not [pair for pair in pairs if pair.startswith("safety.pii:")]


def test_event_pages_cover_every_event_once(demo: TelltaleServer) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = get(demo, "/v1/inference", limit=120, **({"cursor": cursor} if cursor else {})).json()
        seen += [item["event_id"] for item in page["items"]]
        times = [item["ts"] for item in page["items"]]
        assert times == sorted(times, reverse=True)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == EVENTS


def test_event_filters(demo: TelltaleServer) -> None:
    ungrounded = get(demo, "/v1/inference", label="groundedness.score:ungrounded", limit=200).json()["items"]
    assert ungrounded and all("groundedness.score:ungrounded" in item["labels"] for item in ungrounded)
    leaks = get(demo, "/v1/inference", label="safety.pii.output:pii", limit=200).json()["items"]
    assert leaks and all("safety.pii.output:pii" in item["labels"] for item in leaks)
    any_part = get(demo, "/v1/inference", label="safety.pii:pii", limit=200).json()["items"]
    assert {item["event_id"] for item in leaks} <= {item["event_id"] for item in any_part}
    errors = get(demo, "/v1/inference", status="error", limit=200).json()["items"]
    assert errors and all(item["status"] == "error" for item in errors)
    negative = get(demo, "/v1/inference", feedback="negative", limit=200).json()["items"]
    assert negative and all(item["feedback"]["negative"] > 0 for item in negative)
    none = get(demo, "/v1/inference", feedback="none", limit=200).json()["items"]
    assert all(item["feedback"]["count"] == 0 for item in none)
    found = get(demo, "/v1/inference", q="REFUND", limit=200).json()["items"]
    assert found and all("refund" in (item["input"] + item["output"]).lower() for item in found)
    one = ungrounded[0]["event_id"]
    assert [item["event_id"] for item in get(demo, "/v1/inference", q=one).json()["items"]] == [one]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v1/metrics/no.such/series", {}, 404),
        ("/v1/metrics/error.rate/series", {"step": 7}, 422),
        (
            "/v1/metrics/error.rate/series",
            {"step": 60, "from": "2020-01-01T00:00:00Z", "to": "2020-03-01T00:00:00Z"},
            422,
        ),
        ("/v1/metrics/error.rate/series", {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, 422),
        ("/v1/metrics/error.rate/series", {"from": "yesterday"}, 422),
        ("/v1/metrics/error.rate/series", {"group_by": "user_id"}, 422),
        ("/v1/labels", {"from": "2020-01-01T00:00:00Z", "to": "2021-01-01T00:00:00Z"}, 422),
        ("/v1/series", {}, 422),
        ("/v1/series", {"metric": ["volume.count", "no.such"]}, 404),
        ("/v1/series", {"metric": ["volume.count"] * 17}, 422),
        ("/v1/inference", {"cursor": "not-a-cursor"}, 422),
        ("/v1/inference", {"cursor": "1' OR 1=1 --"}, 422),
        ("/v1/inference", {"label": "groundedness"}, 422),
        ("/v1/inference", {"label": "x:y') OR (1=1"}, 422),
        ("/v1/inference", {"limit": 201}, 422),
        ("/v1/inference", {"limit": 0}, 422),
        ("/v1/inference", {"q": "x" * 201}, 422),
        ("/v1/inference", {"status": "broken"}, 422),
        ("/v1/inference", {"feedback": "maybe"}, 422),
    ],
)
def test_malformed_queries_get_a_clear_4xx(demo: TelltaleServer, path: str, params: dict, status: int) -> None:
    response = get(demo, path, **params)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/v1/metrics/error.rate/series", "/v1/series?metric=error.rate", "/v1/labels", "/v1/inference"]
)
def test_keys_are_required_and_scoped(demo: TelltaleServer, path: str) -> None:
    assert httpx.get(demo.url + path).status_code == 401
    assert httpx.get(demo.url + path, headers={"Authorization": "Bearer tt_nope"}).status_code == 401
    assert get(demo, path, key=INGEST_KEY).status_code == 403


def test_another_project_sees_none_of_it(demo: TelltaleServer) -> None:
    other = demo.keys["other"]
    assert get(demo, "/v1/inference", key=other).json() == {"items": [], "next_cursor": None}
    points = get(demo, "/v1/metrics/volume.count/series", key=other).json()["lines"][0]["points"]
    assert sum(p["value"] for p in points) == 0
    assert get(demo, "/v1/labels", key=other).json()["model"] == []


def test_console_page_and_assets_are_served_locally(demo: TelltaleServer) -> None:
    page = httpx.get(demo.url + "/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace("http-equiv", "")
    script = httpx.get(demo.url + "/console/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    for name in ("../pyproject.toml", "..%2Fpyproject.toml", "nope.js", "views/../../../README.md"):
        assert httpx.get(demo.url + "/console/" + name).status_code == 404


def test_console_pages_run_only_their_own_files_and_the_report_frame_is_sandboxed(demo: TelltaleServer) -> None:
    for page in ("/", "/console/report.html"):
        policy = httpx.get(demo.url + page).headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
    frame = httpx.get(demo.url + "/console/report-frame.html").headers["content-security-policy"]
    assert frame.startswith("sandbox allow-scripts;") and "allow-same-origin" not in frame
    assert "connect-src 'none'" in frame and "form-action 'none'" in frame


def test_telltale_up_prints_the_console_url(demo: TelltaleServer) -> None:
    log = (demo.data_dir.parent / f"{demo.data_dir.name}-server.log").read_text()
    assert f"Console: {demo.url}/" in log


def test_the_events_list_shows_what_the_user_asked(demo: TelltaleServer) -> None:
    """Not the system prompt every call shares: the last user turn (its text parts, for multimodal content)."""
    chat = inference(
        input=[
            {"role": "system", "content": "You are the Acme Cloud assistant."},
            {"role": "user", "content": "How do I export data?"},
            {"role": "assistant", "content": "Use the export page."},
            {"role": "user", "content": [{"type": "text", "text": "And where is that page?"}]},
        ],
        session_id="s-42",
        user_id="u-7",
        ts=(END - timedelta(minutes=1)).isoformat(),
    )
    plain = inference(input="Plain question about billing?", ts=(END - timedelta(minutes=1)).isoformat())
    with demo.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", json=[chat, plain]).status_code == 200
    demo.wait_processed()
    rows = {
        row["event_id"]: row
        for event in (chat, plain)
        for row in get(demo, "/v1/inference", q=event["event_id"]).json()["items"]
    }
    assert rows[chat["event_id"]]["question"] == "And where is that page?"
    assert (rows[chat["event_id"]]["session_id"], rows[chat["event_id"]]["user_id"]) == ("s-42", "u-7")
    assert rows[chat["event_id"]]["input"].startswith("You are the Acme Cloud assistant.")
    assert rows[plain["event_id"]]["question"] == "Plain question about billing?"
    assert rows[plain["event_id"]]["session_id"] == ""
