"""No key material in the server's output: a real `telltale up` through a full scenario, then its log is grepped.

Headless start with configured keys, a key made with the CLI, a rule whose webhook, Slack and PagerDuty
channels carry secrets, a test notification, an alert delivered, a receiver that fails and echoes what it got,
a port where nothing listens, refused and unauthorised requests. The first-start banner of a fresh install shows
its new keys once, by design; nothing repeats them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.support.alerts import Received, Receiver
from tests.support.events import inference
from tests.support.server import ADMIN_KEY, INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

WEBHOOK_SECRET = "whsec-4f1c9a7e2b8d6035"
SLACK_TOKEN = "Xq7vN2pL9sK4mR8tW3yZ6bC1"
ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"
JUDGE_KEY = "sk-judge-77b1c0ffee5e11a9d"


def echo(got: Received) -> bytes:
    """What a careless endpoint answers: the request it got, headers and body."""
    return f"{got.path} {got.headers} {got.body.decode(errors='replace')}".encode()


@pytest.fixture
def receivers() -> Iterator[tuple[Receiver, Receiver]]:
    ok, failing = Receiver(), Receiver(status=500, answer=echo)
    yield ok, failing
    ok.close()
    failing.close()


def channels(base: str) -> list[dict[str, Any]]:
    return [
        {"type": "webhook", "url": f"{base}/hook", "secret": WEBHOOK_SECRET},
        {"type": "slack", "url": f"{base}/services/T000/B000/{SLACK_TOKEN}"},
        {"type": "pagerduty", "routing_key": ROUTING_KEY, "url": f"{base}/pd"},
    ]


def rule(name: str, chans: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": name,
        "metric": "error.rate",
        "comparator": ">",
        "threshold": 0.1,
        "min_samples": 2,
        "window": "10m",
        "group_interval": "0s",
        "channels": chans,
    }


def server_output(server: TelltaleServer) -> str:
    return (server.data_dir.parent / f"{server.data_dir.name}-server.log").read_text(errors="replace")


def test_a_full_run_never_prints_a_secret(tmp_path: Path, receivers: tuple[Receiver, Receiver]) -> None:
    ok, failing = receivers
    server = TelltaleServer(
        tmp_path / "data",
        env={
            "TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
            "TELLTALE_ALERTS_INTERVAL_S": "0.5",
            "TELLTALE_JUDGE_API_KEY": JUDGE_KEY,
            "TELLTALE_LOG_LEVEL": "DEBUG",  # the most the server ever says
        },
    )
    cli_key = server.create_key("made-by-cli", "main", "read,admin")
    server.start()
    try:
        with server.client(cli_key) as admin, server.client(INGEST_KEY) as ingest:
            made = admin.post("/v1/alert-rules", json=rule("delivered", channels(ok.origin)))
            assert made.status_code == 201, made.text
            tested = admin.post(f"/v1/alert-rules/{made.json()['id']}/test")
            assert [r["ok"] for r in tested.json()] == [True, True, True], tested.text
            closed_port = {"type": "webhook", "url": "http://127.0.0.1:1/hook", "secret": WEBHOOK_SECRET}
            broken = [*channels(failing.origin), closed_port]
            assert admin.post("/v1/alert-rules", json=rule("failing", broken)).status_code == 201
            refused = admin.post(
                "/v1/alert-rules",
                json=rule("refused", [{"type": "slack", "url": f"http://100.100.100.200/services/T/B/{SLACK_TOKEN}"}]),
            )
            assert refused.status_code == 422 and SLACK_TOKEN not in refused.text
            events = [inference(status="error") for _ in range(3)]
            assert ingest.post("/v1/inference", content=orjson.dumps(events)).status_code == 200
            wait_for(lambda: len(ok.received) >= 6 and failing.attempts >= 6, "deliveries and failed attempts")
            for bad in (f"Bearer {ADMIN_KEY}x", f"Bearer {WEBHOOK_SECRET}", "Basic " + ROUTING_KEY):
                assert httpx.get(f"{server.url}/v1/alerts", headers={"Authorization": bad}).status_code == 401
            logged = admin.get("/v1/alerts", params={"state": "firing"}).json()
            errors = [
                d["error"]
                for a in logged
                for n in admin.get(f"/v1/alerts/{a['fingerprint']}").json()["notifications"]
                for d in n["deliveries"]
            ]
            assert any("HTTP 500" in e for e in errors) and any(e.startswith("transport:") for e in errors), errors
            assert not any(s in e for e in errors for s in (WEBHOOK_SECRET, SLACK_TOKEN, ROUTING_KEY)), errors
    finally:
        server.stop()
    output = server_output(server)
    assert "INGEST_KEY, ADMIN_KEY: configured (TELLTALE_INIT_*), so not shown here" in output
    for secret in (INGEST_KEY, ADMIN_KEY, cli_key, WEBHOOK_SECRET, SLACK_TOKEN, ROUTING_KEY, JUDGE_KEY):
        assert secret not in output, f"a secret in the server's output: {secret[:6]}..."


def test_a_fresh_install_shows_its_new_keys_once_and_never_again(tmp_path: Path) -> None:
    no_init = {"TELLTALE_INIT_PROJECT": "", "TELLTALE_INIT_INGEST_KEY": "", "TELLTALE_INIT_ADMIN_KEY": ""}
    server = TelltaleServer(tmp_path / "data", env=no_init).start()
    try:
        shown = dict(re.findall(r"\b(INGEST|ADMIN)_KEY=(tt_\S+)", server_output(server)))
        assert set(shown) == {"INGEST", "ADMIN"}
        with server.client(shown["ADMIN"]) as admin, server.client(shown["INGEST"]) as ingest:
            assert ingest.post("/v1/inference", content=orjson.dumps([inference()])).status_code == 200
            assert admin.get("/v1/alerts").status_code == 200
    finally:
        server.stop()
    server.start().stop()  # a second start: no banner
    output = server_output(server)
    assert [output.count(key) for key in shown.values()] == [1, 1]
