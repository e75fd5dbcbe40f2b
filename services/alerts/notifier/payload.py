"""The generic JSON body of a notification: what the webhook sends, and what Slack and PagerDuty are made from."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from telltale_server.schemas.durations import format_seconds
from telltale_server.services.alerts.notifier.model import Alert, Notification
from telltale_server.services.metrics.catalog import LABELS

PAYLOAD_VERSION = "1"
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render(template: str, values: dict[str, str]) -> str:
    """Fill `{{name}}` placeholders; unknown names stay as written (no code runs, no attribute access)."""
    return _PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), template)


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def alert_body(alert: Alert, now: datetime) -> dict[str, Any]:
    """One alert: identity, the value that crossed, its window, texts, and the query behind it."""
    rule, state = alert.rule, alert.state
    values = {
        **alert.labels,
        "rule": rule.name,
        "metric": rule.metric,
        "value": number(state.value),
        "threshold": number(rule.threshold),
        "comparator": rule.comparator,
        "window": format_seconds(rule.window),
        "samples": str(state.samples),
    }
    end = state.resolved_at if state.state == "resolved" else state.evaluated_at
    start = (end or now) - timedelta(seconds=rule.window)
    filters = rule.filters.model_dump()
    for label, value in state.labels.items():
        filters[label] = [value]
    query: dict[str, Any] = {"from": _iso(start), "to": _iso(end or now), "window": format_seconds(rule.window)}
    params = [("from", query["from"]), ("to", query["to"])]
    params += [(label, value) for label in (*LABELS, "tags") for value in filters[label]]
    return {
        "fingerprint": alert.fingerprint,
        "status": state.state,
        "labels": alert.labels,
        "value": state.value,
        "samples": state.samples,
        "threshold": rule.threshold,
        "comparator": rule.comparator,
        "active_since": _iso(state.active_since),
        "starts_at": _iso(state.fired_at),
        "ends_at": _iso(state.resolved_at),
        "acknowledged": alert.acked,
        "summary": render(rule.annotations.summary, values),
        "description": render(rule.annotations.description, values),
        "query": {**query, "metric": rule.metric, "filters": filters},
        "links": {
            "alert": f"/v1/alerts/{alert.fingerprint}",
            "metric": f"/v1/metrics/{rule.metric}?{urlencode(params)}",
        },
    }


def body(notification: Notification) -> dict[str, Any]:
    """The notification as JSON: status 'firing' while any alert in it fires, else 'resolved'."""
    rule = notification.group.rule
    alerts = [*notification.firing, *notification.resolved]
    return {
        "version": PAYLOAD_VERSION,
        "notification_id": notification.id,
        "project_id": rule.project_id,
        "group_key": notification.group.key,
        "status": "firing" if notification.firing else "resolved",
        "reason": "+".join(notification.reasons),
        "rule": {
            "id": rule.id,
            "name": rule.name,
            "metric": rule.metric,
            "comparator": rule.comparator,
            "threshold": rule.threshold,
            "window": format_seconds(rule.window),
            "severity": rule.severity,
        },
        "alerts": [alert_body(alert, notification.created_at) for alert in alerts],
        "created_at": _iso(notification.created_at),
    }
