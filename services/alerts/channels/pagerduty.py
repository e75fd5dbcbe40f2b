"""PagerDuty Events API v2: one trigger or resolve event per alert, its fingerprint as the dedup_key."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from telltale_server.services.alerts.channels.config import PagerDutyChannel
from telltale_server.services.alerts.channels.http import Result, post

_SEVERITY = {"critical": "critical", "error": "error", "warning": "warning", "info": "info"}


def events(body: dict[str, Any], routing_key: str) -> list[dict[str, Any]]:
    """The events for a notification; PagerDuty deduplicates on dedup_key, so re-sending is harmless."""
    rule = body["rule"]
    out = []
    for alert in body["alerts"]:
        event: dict[str, Any] = {
            "routing_key": routing_key,
            "event_action": "trigger" if alert["status"] == "firing" else "resolve",
            "dedup_key": f"telltale-{alert['fingerprint']}",
        }
        if alert["status"] == "firing":
            event["payload"] = {
                "summary": alert["summary"][:1024],
                "severity": _SEVERITY[rule["severity"]],
                "source": f"telltale/{body['project_id']}",
                "component": rule["metric"],
                "group": rule["name"],
                "class": rule["metric"],
                "custom_details": {
                    "value": alert["value"],
                    "threshold": f"{rule['comparator']} {rule['threshold']}",
                    "window": rule["window"],
                    "samples": alert["samples"],
                    "labels": alert["labels"],
                    "description": alert["description"],
                    "query": alert["query"],
                    "links": alert["links"],
                },
            }
        out.append(event)
    return out


async def send(client: httpx.AsyncClient, channel: PagerDutyChannel, body: dict[str, Any]) -> Result:
    """All events in order; the first failure stops the attempt (the retry re-sends them all)."""
    result = Result(ok=True)
    for event in events(body, channel.routing_key.get_secret_value()):
        result = await post(client, channel.url, orjson.dumps(event), {"Content-Type": "application/json"})
        if not result.ok:
            return result
    return result
