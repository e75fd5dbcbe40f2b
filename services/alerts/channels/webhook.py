"""The generic webhook: the notification's JSON as is, signed, with its idempotency key."""

from __future__ import annotations

import time

import httpx

from telltale_server.services.alerts.channels.config import WebhookChannel
from telltale_server.services.alerts.channels.http import Result, post
from telltale_server.services.alerts.channels.signature import HEADER, IDEMPOTENCY_HEADER, sign


async def send(client: httpx.AsyncClient, channel: WebhookChannel, body: str, notification_id: str) -> Result:
    """Every attempt is signed afresh (a current timestamp) over the same bytes, with the same key."""
    content = body.encode()
    headers = {
        "Content-Type": "application/json",
        HEADER: sign(channel.secret.get_secret_value(), content, int(time.time())),
        IDEMPOTENCY_HEADER: notification_id,
        "User-Agent": "Telltale-Alerts/1",
    }
    return await post(client, channel.url, content, headers)
