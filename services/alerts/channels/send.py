"""Sends a stored notification body through whichever kind of channel it is for."""

from __future__ import annotations

from dataclasses import replace

import httpx
import orjson

from telltale_server.services.alerts.channels import pagerduty, slack, webhook
from telltale_server.services.alerts.channels.config import Channel, PagerDutyChannel, SlackChannel, redact
from telltale_server.services.alerts.channels.http import Result


async def send(client: httpx.AsyncClient, channel: Channel, body: str, notification_id: str) -> Result:
    """One attempt; the webhook signs the stored bytes, Slack and PagerDuty reshape the same JSON.

    A receiver's error text is kept in the delivery log, so the channel's secrets are masked in it.
    """
    if isinstance(channel, SlackChannel):
        result = await slack.send(client, channel, orjson.loads(body))
    elif isinstance(channel, PagerDutyChannel):
        result = await pagerduty.send(client, channel, orjson.loads(body))
    else:
        result = await webhook.send(client, channel, body, notification_id)
    return replace(result, error=redact(channel, result.error)) if result.error else result
