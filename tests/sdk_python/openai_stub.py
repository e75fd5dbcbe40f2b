"""An OpenAI-compatible /v1/chat/completions on loopback, plain and streaming (SSE), for the wrapper's tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = ["Hel", "lo", " there"]
USAGE = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
SERVED_MODEL = "stub-model-2026-01-01"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if request["model"] == "fail":
            self._json(500, {"error": {"message": "the stub failed on purpose", "type": "server_error"}})
        elif request.get("stream"):
            self._stream(request)
        else:
            self._json(200, completion())

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, request: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        chunks = [chunk({"role": "assistant", "content": ""})]
        chunks += [chunk({"content": part}) for part in REPLY]
        chunks.append(chunk({}, finish_reason="stop"))
        if (request.get("stream_options") or {}).get("include_usage"):
            chunks.append({**chunk({}), "choices": [], "usage": USAGE})
        for body in chunks:
            self.wfile.write(f"data: {json.dumps(body)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.close_connection = True


def completion() -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 1767225600,
        "model": SERVED_MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(REPLY)}, "finish_reason": "stop"}],
        "usage": USAGE,
    }


def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 1767225600,
        "model": SERVED_MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


class OpenAIStub:
    """Serves in a daemon thread until `stop`; `base_url` is what OpenAI(base_url=...) takes."""

    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
