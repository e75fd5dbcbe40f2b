"""A real chat-completions (and legacy completions) server on loopback: scripted answers, each request recorded."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"
"""A scripted reply that never answers (until the server stops), to make the client time out."""
USAGE = {"prompt_tokens": 1000, "completion_tokens": 100}


@dataclass
class Reply:
    """One scripted answer: an HTTP status, a body (a dict is sent as JSON) and headers."""

    status: int = 200
    body: dict[str, Any] | str = ""
    headers: dict[str, str] = field(default_factory=dict)


def verdict(content: str, usage: dict[str, int] | None = None) -> Reply:
    """A 200 chat-completions response whose answer text is `content`."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": usage or USAGE,
    }
    return Reply(200, body)


def completion(text: str, usage: dict[str, int] | None = None) -> Reply:
    """A 200 legacy completions response (`/v1/completions`) whose text is `text`."""
    body = {
        "id": "cmpl-test",
        "object": "text_completion",
        "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
        "usage": usage or USAGE,
    }
    return Reply(200, body)


class ChatServer:
    """Scripted replies are used first, in order; then `respond` (default: `scores` for every metric asked)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.script: deque[Reply | str] = deque()
        self.scores = {"groundedness": 5, "relevance": 4, "coherence": 3, "fluency": 2}
        self.respond: Callable[[dict[str, Any]], Reply | str] = self.default
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._http.shutdown()
        self._http.server_close()

    def default(self, request: dict[str, Any]) -> Reply:
        """Scores for exactly the metrics the system prompt asks for."""
        asked = asked_metrics(request)
        return verdict(json.dumps({m: {"score": self.scores[m], "reason": f"{m} reason"} for m in asked}))

    def next_reply(self, request: dict[str, Any], headers: dict[str, str]) -> Reply | str:
        with self._lock:
            self.requests.append(request)
            self.headers.append(headers)
            scripted = self.script.popleft() if self.script else None
        return scripted if scripted is not None else self.respond(request)


def asked_metrics(request: dict[str, Any]) -> list[str]:
    """The metric keys of the JSON shape in the system prompt."""
    return re.findall(r'"(\w+)": \{"score"', request["messages"][0]["content"])


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
            if self.path not in ("/v1/chat/completions", "/v1/completions"):
                reply: Reply | str = Reply(404, "no such path")
            else:
                reply = server.next_reply(request, {k.lower(): v for k, v in self.headers.items()})
            if reply == HANG:
                server.release.wait(30)
                return
            assert isinstance(reply, Reply)
            body = (
                reply.body if isinstance(reply.body, str) else json.dumps({"model": request.get("model"), **reply.body})
            )
            try:
                self.send_response(reply.status)
                for name, value in {"content-type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read `requests` instead."""

    return Handler
