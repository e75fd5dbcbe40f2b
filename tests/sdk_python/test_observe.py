"""The client's own logic, no server needed: observe, before_send, sampling, and never raising into the app."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

import telltale
from tests.sdk_python.support import Capture, MakeClient


def captured(make_client: MakeClient, **options: object) -> tuple[telltale.Client, Capture]:
    capture = Capture()
    return make_client(transport=capture, **options), capture


def test_decorator_records_arguments_result_and_errors(make_client: MakeClient) -> None:
    client, capture = captured(make_client)

    @client.observe("gpt-4o", route="answer")
    def answer(question: str) -> str:
        if question == "boom":
            raise RuntimeError("model unavailable")
        return question.upper()

    @client.observe("gpt-4o")
    async def summarize(text: str, limit: int) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"chars": min(len(text), limit)}

    assert answer("hi") == "HI"
    ok_id = telltale.last_inference_id()
    with pytest.raises(RuntimeError, match="model unavailable"):
        answer("boom")
    assert asyncio.run(summarize("abcdef", limit=3)) == {"chars": 3}
    assert client.flush(10)

    ok, failed, summary = capture.events()
    assert (ok["event_id"], ok["input"], ok["output"], ok["route"], ok["status"]) == (ok_id, "hi", "HI", "answer", "ok")
    assert ok["latency_ms"] >= 0
    assert (failed["status"], failed["error"], "output" in failed) == (
        "error",
        "RuntimeError: model unavailable",
        False,
    )
    assert (summary["input"], summary["output"]) == ('{"text": "abcdef", "limit": 3}', '{"chars": 3}')


def test_context_manager_knows_its_id_before_the_call(make_client: MakeClient) -> None:
    client, capture = captured(make_client)
    with client.observe("m", input=[{"role": "user", "content": "hi"}], user_id="u1") as call:
        call.set(output="hello", usage={"prompt_tokens": 2, "completion_tokens": 1})
        feedback_id = client.log_feedback(call.event_id, "thumbs", True)
    assert client.flush(10)
    [event] = capture.events()
    [feedback] = capture.events("feedback")
    assert event["event_id"] == call.event_id == feedback["inference_id"]
    assert feedback["event_id"] == feedback_id
    assert (event["output"], event["usage"], event["user_id"]) == (
        "hello",
        {"input_tokens": 2, "output_tokens": 1},
        "u1",
    )


def test_before_send_can_modify_or_drop(make_client: MakeClient) -> None:
    def mask(event: dict, kind: str) -> dict | None:
        if event.get("route") == "private":
            return None
        if kind == "inference":
            event["input"] = event["input"].replace("555-0100", "[phone]")
        return event

    client, capture = captured(make_client, before_send=mask)
    client.log_inference("m", "call me at 555-0100")
    client.log_inference("m", "secret", route="private")
    client.log_feedback(None, "flag", trace_id="t1")
    assert client.flush(10)
    assert [event["input"] for event in capture.events()] == ["call me at [phone]"]
    assert len(capture.events("feedback")) == 1
    assert client.stats()["dropped_before_send"] == 1


def test_failing_hook_and_unencodable_values_drop_only_that_event(make_client: MakeClient) -> None:
    def hook(event: dict, kind: str) -> dict:
        if event["input"] == "raise":
            raise ValueError("hook bug")
        return event

    client, capture = captured(make_client, before_send=hook)
    client.log_inference("m", "raise")
    client.log_inference("m", "not JSON", attributes={"score": float("nan")})
    client.log_inference("m", "fine", attributes={"when": datetime(2026, 1, 2, tzinfo=UTC), "obj": Opaque()})
    assert client.flush(10)
    [event] = capture.events()
    assert event["attributes"] == {"when": "2026-01-02T00:00:00.000Z", "obj": "opaque"}
    assert client.stats()["dropped_invalid"] == 2


class Opaque:
    def __str__(self) -> str:
        return "opaque"


def test_sampling_keeps_feedback_with_its_inference(make_client: MakeClient) -> None:
    client, capture = captured(make_client, sample_rate=0.5)
    ids = [client.log_inference("m", "q") for _ in range(400)]
    for event_id in ids:
        client.log_feedback(event_id, "thumbs", True)
    assert client.flush(10)
    kept = {event["event_id"] for event in capture.events()}
    assert 100 < len(kept) < 300
    assert {event["inference_id"] for event in capture.events("feedback")} == kept
    assert client.stats()["sampled_out"] == 2 * (400 - len(kept))


def test_log_calls_from_many_threads(make_client: MakeClient) -> None:
    client, capture = captured(make_client, max_batch_items=50)

    def work(n: int) -> None:
        for i in range(200):
            client.log_inference("m", f"{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.flush(30)
    assert len({event["event_id"] for event in capture.events()}) == 1600
    assert client.stats()["accepted"] == 1600


def test_after_close_events_are_counted_not_queued(make_client: MakeClient) -> None:
    client, capture = captured(make_client)
    client.log_inference("m", "before")
    assert client.close(timeout=10)
    client.log_inference("m", "after")
    assert len(capture.events()) == 1
    assert client.stats()["dropped_undelivered"] == 1


def test_configuration_errors_are_raised_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELLTALE_URL", raising=False)
    monkeypatch.delenv("TELLTALE_API_KEY", raising=False)
    with pytest.raises(ValueError, match="TELLTALE_URL"):
        telltale.Client()
    monkeypatch.delenv("TELLTALE_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("TELLTALE_PROJECT", raising=False)
    with pytest.raises(ValueError, match="kafka_bootstrap and project"):
        telltale.Client(transport="kafka", kafka_bootstrap="127.0.0.1:9")
    monkeypatch.setenv("TELLTALE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TELLTALE_API_KEY", "k")
    monkeypatch.setenv("TELLTALE_APP", "from-env")
    client = telltale.Client()
    assert client.app == "from-env"
    client.close(timeout=0)
