"""`POST /v1/alert-rules/{id}/test`: one made-up firing alert sent straight to each channel of a rule."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
import orjson
from pydantic import BaseModel

from telltale_server.services.alerts.channels.config import describe
from telltale_server.services.alerts.channels.send import send
from telltale_server.services.alerts.channels.transport import guarded_client
from telltale_server.services.alerts.notifier.model import Alert, Group, Notification
from telltale_server.services.alerts.notifier.payload import body
from telltale_server.services.alerts.rules import Rule
from telltale_server.services.alerts.state import AlertState


class ProbeResult(BaseModel):
    """How one channel answered: the same check an on-call person does by hand."""

    channel: str
    ok: bool
    status_code: int
    error: str
    notification_id: str


async def probe(
    rule: Rule, allow: Sequence[str], timeout_s: float, transport: httpx.AsyncBaseTransport | None = None
) -> list[ProbeResult]:
    """One attempt per channel, no retries, nothing stored; the body says `"reason": "test"`."""
    now = datetime.now(UTC)
    labels: dict[str, str] = {label: f"<{label}>" for label in rule.group_by}
    state = AlertState(
        rule.project_id, rule.id, labels, "firing", rule.threshold, rule.min_samples, now, now, None, now
    )
    group = Group(rule, (Alert(state, rule),))
    results = []
    async with guarded_client(timeout_s, allow, transport) as client:
        for index, channel in enumerate(rule.channels):
            name = describe(channel, index)
            notification = Notification(group, index, name, 0, group.alerts, (), frozenset(), now, reasons=("test",))
            test_id = f"test-{uuid.uuid4()}"
            payload = {**body(notification), "notification_id": test_id}
            result = await send(client, channel, orjson.dumps(payload).decode(), test_id)
            results.append(ProbeResult(channel=name, ok=result.ok, status_code=result.status_code,
                                       error=result.error, notification_id=test_id))  # fmt: skip
    return results
