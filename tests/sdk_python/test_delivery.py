"""The sender against a real `telltale up`: exact delivery, outages, a full queue, 4xx, exit, fork and asyncio."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.sdk_python.support import MakeClient, route_count, stored
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer
from tests.support.waiting import wait_for


def _no_nulls(value: Any) -> Any:
    """The server returns every optional field; what was not sent comes back null."""
    if isinstance(value, dict):
        return {key: _no_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_no_nulls(item) for item in value]
    return value


def _instant(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_events_arrive_exactly_as_logged(server: TelltaleServer, make_client: MakeClient) -> None:
    client = make_client(app="support-bot", environment="production")
    ts = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="milliseconds")
    fields: dict[str, Any] = {
        "model": "gpt-4o",
        "input": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capitale de la France ?"}],
        "output": "Paris — évidemment.",
        "ts": ts.replace("+00:00", "Z"),
        "contexts": [{"id": "d1", "text": "Paris est la capitale.", "source": "wiki", "score": 0.9}],
        "usage": {"input_tokens": 21, "output_tokens": 4, "total_tokens": 25, "cost": 0.0001},
        "latency_ms": 412.5,
        "route": "qa",
        "provider": "openai",
        "prompt_version": "v3",
        "user_id": "u-1",
        "session_id": "s-1",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "span_id": "00f067aa0ba902b7",
        "parent_span_id": "a3ce929d0e0e4736",
        "tags": ["beta"],
        "attributes": {"temperature": 0.2, "tenant": "acme", "cached": False, "n": 3},
    }
    event_id = client.log_inference(**fields)
    feedback_id = client.log_feedback(event_id, "rating", 4, comment="ok", source="annotator", tags=["t"])
    assert client.flush(30)
    assert client.stats()["accepted"] == 2
    server.wait_processed()

    detail = stored(server, event_id)
    assert detail is not None
    event = _no_nulls(detail["event"])
    assert event.pop("event_id") == event_id
    assert _instant(event.pop("ts")) == _instant(fields.pop("ts"))
    assert event == {**fields, "app": "support-bot", "environment": "production", "status": "ok", "schema_version": 1}
    [feedback] = [_no_nulls(item["feedback"]) for item in detail["feedback"]]
    assert feedback["event_id"] == feedback_id
    assert (feedback["kind"], feedback["value"], feedback["comment"], feedback["source"], feedback["tags"]) == (
        "rating",
        4,
        "ok",
        "annotator",
        ["t"],
    )


def test_server_down_then_back_delivers_everything_once(server: TelltaleServer, make_client: MakeClient) -> None:
    client = make_client(backoff_base=0.05, backoff_max=0.5, max_retries=1000)
    route = f"outage-{uuid.uuid4().hex[:8]}"
    client.log_inference("m", "warm the connection", route="warmup")
    assert client.flush(30)
    server.stop()
    try:
        ids = [client.log_inference("m", f"q{i}", "a", route=route) for i in range(20)]
        wait_for(lambda: client.stats()["retries"] >= 2, "two retries", progress=lambda: client.stats())
        assert client.stats()["accepted"] == 1
    finally:
        server.start()
    assert client.flush(60)
    stats = client.stats()
    assert (stats["accepted"], stats["duplicates"], stats["dropped_undelivered"]) == (21, 0, 0)
    server.wait_processed()
    assert all(stored(server, event_id) for event_id in ids)
    assert route_count(server, route) == 20


@pytest.mark.parametrize("policy", ["drop_newest", "drop_oldest"])
def test_full_queue_applies_the_policy_and_counts(server: TelltaleServer, make_client: MakeClient, policy: str) -> None:
    client = make_client(max_queue=5, policy=policy, flush_interval=3600, max_batch_items=1000)
    ids = [client.log_inference("m", f"q{i}") for i in range(8)]
    assert client.stats()["dropped_queue_full"] == 3
    assert client.stats()["queued"] == 5
    assert client.flush(30)
    assert client.stats()["accepted"] == 5
    server.wait_processed()
    kept = ids[:5] if policy == "drop_newest" else ids[3:]
    assert [event_id for event_id in ids if stored(server, event_id)] == kept


def test_4xx_is_counted_and_not_retried(server: TelltaleServer, make_client: MakeClient) -> None:
    client = make_client(api_key="tt_not_a_key_0123456789abcdefghij")
    for i in range(3):
        client.log_inference("m", f"q{i}")
    assert client.flush(30)
    stats = client.stats()
    assert (stats["dropped_refused"], stats["retries"], stats["batches"], stats["accepted"]) == (3, 0, 1, 0)


def test_invalid_items_are_counted_as_rejected_and_the_rest_stored(
    server: TelltaleServer, make_client: MakeClient
) -> None:
    client = make_client()
    good = client.log_inference("m", "fine")
    client.log_inference("m" * 300, "model name too long")
    assert client.flush(30)
    stats = client.stats()
    assert (stats["accepted"], stats["rejected"], stats["retries"]) == (1, 1, 0)
    server.wait_processed()
    assert stored(server, good)


def test_flush_at_interpreter_exit(server: TelltaleServer) -> None:
    script = (
        "import telltale\n"
        "client = telltale.Client(flush_interval=3600)\n"
        "for i in range(3):\n"
        "    print(client.log_inference('m', f'from a short-lived process {i}'))\n"
    )
    env = {**os.environ, "TELLTALE_URL": server.url, "TELLTALE_API_KEY": INGEST_KEY}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    ids = out.stdout.split()
    assert len(ids) == 3
    server.wait_processed()
    assert all(stored(server, event_id) for event_id in ids)


def test_forked_child_has_its_own_sender_and_queue(server: TelltaleServer, make_client: MakeClient) -> None:
    client = make_client(flush_interval=3600)
    before_fork = client.log_inference("m", "queued in the parent before fork")
    child_id = str(uuid.uuid4())
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            client.log_inference("m", "from the child", event_id=child_id)
            stats = client.stats() if client.flush(30) else {}
            code = 0 if (stats.get("logged"), stats.get("accepted")) == (1, 1) else 2
        finally:
            os._exit(code)
    after_fork = client.log_inference("m", "from the parent after fork")
    assert client.flush(30)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (client.stats()["accepted"], client.stats()["duplicates"]) == (2, 0)
    server.wait_processed()
    assert all(stored(server, event_id) for event_id in (before_fork, child_id, after_fork))


def test_asyncio_loop_keeps_running_while_the_server_hangs(make_client: MakeClient) -> None:
    with socket.socket() as black_hole:
        black_hole.bind(("127.0.0.1", 0))
        black_hole.listen(100)
        client = make_client(url=f"http://127.0.0.1:{black_hole.getsockname()[1]}", timeout=30)

        async def app() -> tuple[int, bool, int]:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0)

            task = asyncio.create_task(ticker())
            for i in range(200):
                client.log_inference("m", f"q{i}")
            await asyncio.sleep(0)
            before = ticks
            flushed = await client.aflush(0.3)
            after = ticks
            task.cancel()
            return before, flushed, after

        before, flushed, after = asyncio.run(app())
        assert not client.close(timeout=0)
    assert not flushed
    assert after > before


def test_asyncio_app_delivers(server: TelltaleServer, make_client: MakeClient) -> None:
    client = make_client()

    async def app() -> list[str]:
        ids = await asyncio.gather(*(handler(client, i) for i in range(10)))
        assert await client.aflush(30)
        return list(ids)

    ids = asyncio.run(app())
    server.wait_processed()
    assert all(stored(server, event_id) for event_id in ids)


async def handler(client: Any, i: int) -> str:
    await asyncio.sleep(0)
    async with client.observe("m", input=f"q{i}") as call:
        await asyncio.sleep(0)
        call.set(output=f"a{i}")
    return call.event_id
