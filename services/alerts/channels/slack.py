"""Slack incoming webhooks: a plain-text fallback plus Block Kit blocks, one section per alert.

Labels and annotations carry values from events (a model name, a route), so they are data, never markup:
mrkdwn texts have Slack's control characters `&`, `<` and `>` escaped (no links, no `<!channel>` mentions,
no quotes), and the labels go out as `plain_text`, shown exactly as they are.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson

from telltale_server.services.alerts.channels.config import SlackChannel
from telltale_server.services.alerts.channels.http import Result, post

_ICON = {"firing": ":rotating_light:", "resolved": ":white_check_mark:"}
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_CUT_ENTITY = re.compile(r"&[a-z]{0,3}$")


def escape(text: str) -> str:
    """Text for a mrkdwn field that Slack shows as written."""
    return str(text).translate(_ESCAPES)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters of escaped text, never ending inside an entity such as `&amp;`."""
    return text if len(text) <= limit else _CUT_ENTITY.sub("", text[:limit])


def payload(body: dict[str, Any]) -> dict[str, Any]:
    """Slack's message: `text` for notifications and old clients, `blocks` for the channel."""
    rule = body["rule"]
    title = f"{_ICON[body['status']]} [{body['status'].upper()}] {rule['name']} ({rule['severity']})"
    lines = [f"{'FIRING' if a['status'] == 'firing' else 'RESOLVED'}: {a['summary']}" for a in body["alerts"]]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}}
    ]
    for alert in body["alerts"][:20]:
        text = f"*{alert['status']}* {escape(alert['summary'])}"
        if alert["description"]:
            text += f"\n{escape(alert['description'])}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}})
        labels = ", ".join(f"{k}={v}" for k, v in alert["labels"].items() if k not in ("alertname", "rule_id"))
        if labels:
            label_text = {"type": "plain_text", "text": labels[:2000], "emoji": False}
            blocks.append({"type": "context", "elements": [label_text]})
    footer = (
        f"{rule['metric']} {rule['comparator']} {rule['threshold']} over {rule['window']}"
        f" · project {body['project_id']} · {body['notification_id']}"
    )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(escape(footer), 2000)}]})
    return {"text": clip(escape(f"{title}\n" + "\n".join(lines)), 4000), "blocks": blocks}


async def send(client: httpx.AsyncClient, channel: SlackChannel, body: dict[str, Any]) -> Result:
    return await post(client, channel.target, orjson.dumps(payload(body)), {"Content-Type": "application/json"})
