"""Rollups stay exact across crashes: a real `telltale up` killed with SIGKILL mid-stream (the runner then
re-evaluates what it had not checkpointed, and the client re-sends everything), then every catalog metric read
through the rollups equals the raw-row computation, bucket by bucket."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from telltale_server.services.demo.generator import DemoTraffic
from tests.support.server import INGEST_KEY, ROOT, TelltaleServer
from tests.support.waiting import wait_for

CHEAP = {"TELLTALE_EVALUATORS": '["usage", "safety.pii"]'}
"""Two cheap evaluators: the test is about the rollups, not the models."""


def wait_settled(server: TelltaleServer) -> None:
    """Until the runner has no backlog and no minute waits for its rollup, as long as either moves."""

    def standing() -> tuple[object, int]:
        body = httpx.get(f"{server.url}/ready", timeout=30).json()
        return body.get("runner", {}).get("backlog"), body["rollups"]["pending_minutes"]

    wait_for(lambda: standing() == (0, 0), "settled rollups", progress=standing)


def test_kill_9_and_resend_leave_rollups_equal_to_raw_rows(tmp_path: Path) -> None:
    server = TelltaleServer(tmp_path / "data", env=CHEAP).start()
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    calls = list(DemoTraffic(seed=5).calls(6000, end - timedelta(minutes=30), end))
    chunks = [calls[i : i + 250] for i in range(0, len(calls), 250)]
    batches = [([c.inference for c in chunk], [f for c in chunk for f in c.feedback]) for chunk in chunks]
    sent: list[int] = []

    def send() -> None:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=30) as c:
            for index, (inference, feedback) in enumerate(batches):
                try:
                    c.post("/v1/inference", content=orjson.dumps(inference))
                    c.post("/v1/feedback", content=orjson.dumps(feedback))
                except httpx.TransportError:
                    return
                sent.append(index)

    sender = threading.Thread(target=send)
    sender.start()
    while len(sent) < len(batches) // 2:
        time.sleep(0.05)
    assert server.kill() == -9
    sender.join()

    server.start()
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {INGEST_KEY}"}, timeout=60) as client:
        for inference, feedback in batches:
            assert client.post("/v1/inference", content=orjson.dumps(inference)).status_code == 200
            assert client.post("/v1/feedback", content=orjson.dumps(feedback)).status_code == 200
    wait_settled(server)
    server.stop()

    window = [(end - timedelta(minutes=31)).isoformat(), (end + timedelta(minutes=1)).isoformat()]
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.rollups", str(server.data_dir), "main", *window],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    checked = json.loads(out.stdout.strip().splitlines()[-1])
    assert checked["mismatches"] == []
    assert checked["settled"] and checked["rollup_rows"] > 30
