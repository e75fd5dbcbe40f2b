"""Sends a stored notification body through whichever kind of channel it is for."""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import orjson

from telltale_server.services.alerts.channels import pagerduty, slack, webhook
from telltale_server.services.alerts.channels.config import Channel, PagerDutyChannel, SlackChannel
from telltale_server.services.alerts.channels.http import Result


async def send(
    client: httpx.AsyncClient, channel: Channel, body: str, notification_id: str, allow: Sequence[str]
) -> Result:
    """One attempt; the webhook signs the stored bytes, Slack and PagerDuty reshape the same JSON."""
    if isinstance(channel, SlackChannel):
        return await slack.send(client, channel, orjson.loads(body), allow)
    if isinstance(channel, PagerDutyChannel):
        return await pagerduty.send(client, channel, orjson.loads(body), allow)
    return await webhook.send(client, channel, body, notification_id, allow)
