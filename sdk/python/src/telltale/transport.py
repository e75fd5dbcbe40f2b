"""How a batch reaches Telltale: a small pluggable interface, and its HTTP implementation (stdlib only)."""

from __future__ import annotations

import gzip
import http.client
import json
import ssl
import threading
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from telltale.events import Kind

USER_AGENT = "telltale-python/0.1.0"


@dataclass(frozen=True)
class Outcome:
    """What became of one batch, in the terms the sender acts on: count it, retry it, or drop it."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    """Items the server refused one by one (kept there as dead letters)."""
    refused: int = 0
    """Items of a batch refused as a whole by a 4xx: never retried."""
    retry: bool = False
    retry_after: float | None = None
    error: str | None = None


class Transport(Protocol):
    """Delivers one batch of encoded events; must not raise (failures are Outcomes)."""

    def send(self, kind: Kind, events: list[bytes]) -> Outcome: ...

    def reset(self) -> None:
        """Forget connections inherited through fork without touching the parent's."""

    def close(self) -> None: ...


class HttpTransport:
    """POSTs a gzipped JSON array to /v1/inference or /v1/feedback; one kept-alive connection per sender thread."""

    def __init__(self, url: str, api_key: str, timeout: float = 10.0, compresslevel: int = 1) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"telltale url must be http(s)://host[:port], not {url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._compresslevel = compresslevel
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "User-Agent": USER_AGENT,
        }
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns: list[http.client.HTTPConnection] = []

    def send(self, kind: Kind, events: list[bytes]) -> Outcome:
        body = gzip.compress(b"[" + b",".join(events) + b"]", compresslevel=self._compresslevel, mtime=0)
        try:
            status, headers, payload = self._post(f"{self._prefix}/v1/{kind}", body)
        except (OSError, http.client.HTTPException) as error:
            self._drop()
            return Outcome(retry=True, error=f"network error: {error!r}")
        return _classify(status, headers, payload, len(events))

    def _post(self, path: str, body: bytes) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._https:
                context = ssl.create_default_context()
                conn = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=context)
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        conn.request("POST", path, body, self._headers)
        response = conn.getresponse()
        payload = response.read()
        if response.will_close:
            self._drop()
        return response.status, response.headers, payload

    def _drop(self) -> None:
        """Close this thread's connection after an error or a `Connection: close`; the next send reconnects."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)

    def reset(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns = []

    def close(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()


def _classify(status: int, headers: http.client.HTTPMessage, payload: bytes, count: int) -> Outcome:
    """200/207/422 carry per-item results; 429 and 5xx are worth retrying; any other 4xx never is."""
    if status in (200, 207, 422):
        result = _json(payload)
        rejected = int(result.get("rejected", 0))
        error = _first_item_error(result) if rejected else None
        return Outcome(int(result.get("accepted", 0)), int(result.get("duplicates", 0)), rejected, error=error)
    text = payload[:500].decode("utf-8", "replace")
    if status == 429 or status >= 500:
        return Outcome(retry=True, retry_after=_retry_after(headers), error=f"HTTP {status}: {text}")
    return Outcome(refused=count, error=f"HTTP {status}: {text}")


def _json(payload: bytes) -> dict[str, Any]:
    try:
        value = json.loads(payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _first_item_error(result: dict[str, Any]) -> str:
    for item in result.get("items", []):
        if item.get("status") == "rejected":
            return f"event {item.get('event_id')} rejected: {item.get('errors')}"
    return "events rejected"


def _retry_after(headers: http.client.HTTPMessage) -> float | None:
    value = headers.get("Retry-After")
    try:
        return min(float(value), 300.0) if value else None
    except ValueError:
        return None
