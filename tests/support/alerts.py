"""Alert-test helpers: rules built in memory, and a real HTTP receiver on loopback that records what it gets."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from telltale_server.services.alerts.rules import Rule

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cret-for-tests-0123456789"
LOOPBACK_ALERTS = {"TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]', "TELLTALE_ALERTS_INTERVAL_S": "0.5"}
"""A server's settings for alert tests: webhooks to loopback receivers allowed, rules evaluated twice a second."""


def at(seconds: float) -> datetime:
    """A moment `seconds` after T0: tests inject time instead of sleeping."""
    return T0 + timedelta(seconds=seconds)


def rule(**fields: Any) -> Rule:
    """An error-rate rule (> 0.5, one webhook), with overrides."""
    spec: dict[str, Any] = {
        "id": "r1",
        "project_id": "p1",
        "created_at": T0,
        "updated_at": T0,
        "name": "errors",
        "metric": "error.rate",
        "comparator": ">",
        "threshold": 0.5,
        "channels": [{"type": "webhook", "url": "http://127.0.0.1:9/hook", "secret": SECRET}],
        **fields,
    }
    return Rule.model_validate(spec)


@dataclass
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


def _ok(_: Received) -> bytes:
    return b"ok"


@dataclass
class Receiver:
    """An http.server on 127.0.0.1 in a thread that takes any GET or POST; `status` decides the answer (503 to be
    'down') and `answer` its body; `attempts` counts every request, `received` the ones answered 2xx."""

    status: int = 200
    extra_headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    on_request: Callable[[Received], None] | None = None
    answer: Callable[[Received], bytes] = _ok

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                receiver.attempts += 1
                status = receiver.status
                if 200 <= status < 300:
                    receiver.received.append(got)
                    if receiver.on_request:
                        receiver.on_request(got)
                answer = receiver.answer(got)
                self.send_response(status)
                for name, value in receiver.extra_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"{self.origin}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
