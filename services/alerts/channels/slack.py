"""Slack incoming webhooks: a plain-text fallback plus Block Kit blocks, one section per alert."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from telltale_server.services.alerts.channels.config import SlackChannel
from telltale_server.services.alerts.channels.http import Result, post

_ICON = {"firing": ":rotating_light:", "resolved": ":white_check_mark:"}


def payload(body: dict[str, Any]) -> dict[str, Any]:
    """Slack's message: `text` for notifications and old clients, `blocks` for the channel."""
    rule = body["rule"]
    title = f"{_ICON[body['status']]} [{body['status'].upper()}] {rule['name']} ({rule['severity']})"
    lines = [f"{'FIRING' if a['status'] == 'firing' else 'RESOLVED'}: {a['summary']}" for a in body["alerts"]]
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for alert in body["alerts"][:20]:
        labels = ", ".join(f"{k}={v}" for k, v in alert["labels"].items() if k not in ("alertname", "rule_id"))
        text = f"*{alert['status']}* {alert['summary']}\n`{labels}`"
        if alert["description"]:
            text += f"\n{alert['description']}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"{rule['metric']} {rule['comparator']} {rule['threshold']} over {rule['window']}"
                    f" · project {body['project_id']} · {body['notification_id']}",
                }
            ],
        }
    )
    return {"text": f"{title}\n" + "\n".join(lines), "blocks": blocks}


async def send(client: httpx.AsyncClient, channel: SlackChannel, body: dict[str, Any], allow: Sequence[str]) -> Result:
    content = orjson.dumps(payload(body))
    return await post(client, channel.target, content, {"Content-Type": "application/json"}, allow)
