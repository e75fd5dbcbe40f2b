"""Helpers for the SDK tests: a capturing transport, and reads of what the server stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import telltale
from telltale.transport import Outcome
from tests.support.server import ADMIN_KEY, TelltaleServer

MakeClient = Callable[..., telltale.Client]


class Capture:
    """Accepts every batch and records its events, decoded."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def send(self, kind: str, events: list[bytes]) -> Outcome:
        self.sent.extend((kind, json.loads(event)) for event in events)
        return Outcome(accepted=len(events))

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass

    def events(self, kind: str = "inference") -> list[dict[str, Any]]:
        return [event for sent_kind, event in self.sent if sent_kind == kind]


def stored(server: TelltaleServer, event_id: str) -> dict[str, Any] | None:
    """The inference event as the server stored it, or None."""
    with server.client(ADMIN_KEY) as client:
        response = client.get(f"/v1/inference/{event_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def route_count(server: TelltaleServer, route: str) -> int:
    """How many distinct inference events the server counts for a route (duplicates would show here)."""
    with server.client(ADMIN_KEY) as client:
        rows = client.get("/v1/metrics/summary", params={"group_by": "route"}).json()["rows"]
    return sum(row["count"] for row in rows if row["group"] == route)
