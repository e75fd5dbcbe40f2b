"""Signatures, secrets, retry timing and the Slack/PagerDuty shapes."""

from __future__ import annotations

from datetime import timedelta

import orjson

from telltale_server.services.alerts.channels import pagerduty, slack
from telltale_server.services.alerts.channels.config import PagerDutyChannel, SlackChannel, WebhookChannel, redact
from telltale_server.services.alerts.channels.http import Result
from telltale_server.services.alerts.channels.signature import sign, verify
from telltale_server.services.alerts.notifier.delivery import Backoff, after_attempt, heads
from telltale_server.services.alerts.notifier.outbox import OutboxItem
from tests.support.alerts import SECRET, T0, at

BODY = b'{"status":"firing","alerts":[]}'


def test_signature_verifies_and_a_tampered_body_or_secret_fails() -> None:
    header = sign(SECRET, BODY, 1_700_000_000)
    assert verify(SECRET, BODY, header, now=1_700_000_010)
    assert not verify(SECRET, BODY.replace(b"firing", b"resolved"), header, now=1_700_000_010)
    assert not verify("another-secret-entirely", BODY, header, now=1_700_000_010)
    assert not verify(SECRET, BODY, header, now=1_700_000_000 + 301), "too old: a replay"
    assert not verify(SECRET, BODY, "v1=abc", now=1_700_000_000)


def test_secrets_are_masked_unless_revealed_for_storage() -> None:
    channel = WebhookChannel(url="https://example.com/h", secret=SECRET)
    assert SECRET not in channel.model_dump_json()
    assert SECRET in channel.model_dump_json(context={"reveal": True})


def test_backoff_grows_is_capped_jittered_and_yields_to_retry_after() -> None:
    b = Backoff(base_s=1, cap_s=8, jitter=0.5)
    assert [b.delay(n, None, draw=lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 8]
    assert b.delay(3, None, draw=lambda: 1.0) == 2
    assert b.delay(1, 30, draw=lambda: 0.0) == 30


def item(seq: int, **fields) -> OutboxItem:
    base = dict(
        project_id="p1",
        notification_id=f"n{seq}",
        group_key="p1/r1",
        channel="0:webhook:127.0.0.1",
        seq=seq,
        created_at=T0,
        firing=[],
        resolved=[],
        body="{}",
        status="pending",
        queued_at=T0,
        attempts=0,
        next_attempt_at=T0,
        last_error="",
    )
    return OutboxItem(**{**base, **fields})


def test_only_the_oldest_pending_notification_of_a_channel_is_attempted() -> None:
    pending = [item(2), item(1), item(1, group_key="p1/r2", next_attempt_at=at(10))]
    assert [(h.group_key, h.seq) for h in heads(pending, at(0))] == [("p1/r1", 1)]


def test_after_attempt_retries_then_gives_up_with_age() -> None:
    b = Backoff(base_s=1, cap_s=8, jitter=0.0)
    retry = after_attempt(item(1), Result(ok=False, retryable=True, error="HTTP 503"), at(0), 60, b)
    assert (retry.status, retry.attempts, retry.next_attempt_at) == ("pending", 1, at(1))
    late = after_attempt(retry, Result(ok=False, retryable=True), at(61), 60, b)
    assert late.status == "failed"
    refused = after_attempt(item(1), Result(ok=False, status_code=400), at(0), 60, b)
    assert refused.status == "failed"
    assert after_attempt(item(1), Result(ok=True, status_code=200), at(0), 60, b).status == "delivered"
    assert retry.next_attempt_at - at(0) == timedelta(seconds=1)


def sample_body() -> dict:
    return {
        "notification_id": "n1",
        "project_id": "p1",
        "status": "firing",
        "rule": {"name": "errors", "severity": "critical", "metric": "error.rate", "comparator": ">",
                 "threshold": 0.5, "window": "5m"},
        "alerts": [
            {"fingerprint": "f1", "status": "firing", "summary": "errors: error.rate is 0.9", "description": "",
             "labels": {"model": "a"}, "value": 0.9, "samples": 10, "query": {}, "links": {}},
            {"fingerprint": "f2", "status": "resolved", "summary": "errors: error.rate is 0.1", "description": "",
             "labels": {"model": "b"}, "value": 0.1, "samples": 10, "query": {}, "links": {}},
        ],
    }  # fmt: skip


def test_pagerduty_events_trigger_and_resolve_by_dedup_key() -> None:
    trigger, resolve = pagerduty.events(sample_body(), "rk")
    assert (trigger["event_action"], trigger["dedup_key"], trigger["routing_key"]) == ("trigger", "telltale-f1", "rk")
    assert trigger["payload"]["severity"] == "critical" and trigger["payload"]["source"] == "telltale/p1"
    assert (resolve["event_action"], resolve["dedup_key"]) == ("resolve", "telltale-f2")
    assert "payload" not in resolve


def test_slack_message_has_a_text_fallback_and_blocks() -> None:
    message = slack.payload(sample_body())
    assert "FIRING" in message["text"] and "errors: error.rate is 0.9" in message["text"]
    assert message["blocks"][0]["type"] == "header"
    assert len(message["blocks"]) == 6, "the header, text and labels of each alert, and the footer"


HOSTILE = "<!channel> <https://evil.example|click> & </script><img src=x onerror=alert(1)> *bold* `tick` > quote"


def hostile_body() -> dict:
    """A notification whose labels and annotations carry values an event chose."""
    body = sample_body()
    body["rule"]["name"] = "errors <@U123>"
    for alert in body["alerts"]:
        alert["labels"] = {"model": HOSTILE, "route": "a&b<c>"}
        alert["summary"] = f"{HOSTILE}: error.rate is 0.9"
        alert["description"] = f"route {HOSTILE}"
    return body


def mrkdwn_texts(message: dict) -> list[str]:
    """Every text Slack parses as mrkdwn: the fallback `text`, and mrkdwn objects in sections and contexts."""
    texts = [message["text"]]
    for block in message["blocks"]:
        objects = [block["text"]] if "text" in block else block.get("elements", [])
        texts += [o["text"] for o in objects if o["type"] == "mrkdwn"]
    return texts


def test_slack_blocks_show_hostile_labels_and_annotations_as_text() -> None:
    message = slack.payload(hostile_body())
    for text in mrkdwn_texts(message):
        assert "<" not in text and ">" not in text, text
        assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", ""), text
    assert (
        "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;/script&gt;"
        in message["blocks"][1]["text"]["text"]
    )
    labels = message["blocks"][2]
    assert labels["type"] == "context" and labels["elements"][0]["type"] == "plain_text"
    assert labels["elements"][0]["text"] == f"model={HOSTILE}, route=a&b<c>", "plain text: shown exactly as sent"
    header = message["blocks"][0]["text"]
    assert header["type"] == "plain_text" and "errors <@U123>" in header["text"]


def test_slack_clipping_never_cuts_an_escape_in_half() -> None:
    body = sample_body()
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["summary"] = "&" * 5000
    text = slack.payload(body)["blocks"][1]["text"]["text"]
    assert len(text) <= 3000 and text.endswith("&amp;") and "&amp" not in text.replace("&amp;", "")


def test_pagerduty_and_webhook_bodies_carry_hostile_values_as_plain_json() -> None:
    body = hostile_body()
    [trigger, _] = pagerduty.events(body, "rk")
    assert orjson.loads(orjson.dumps(trigger))["payload"]["summary"] == f"{HOSTILE}: error.rate is 0.9"
    assert trigger["payload"]["custom_details"]["labels"]["model"] == HOSTILE
    assert orjson.loads(orjson.dumps(body))["alerts"][0]["labels"]["model"] == HOSTILE


def test_a_receivers_error_text_has_the_channels_secrets_masked() -> None:
    hook = WebhookChannel(url="https://example.com/h", secret=SECRET)
    assert redact(hook, f"bad signature for secret {SECRET}") == "bad signature for secret **********"
    duty = PagerDutyChannel(routing_key="R0UT1NGKEY0123456789abcdefABCDEF")
    assert "R0UT1NG" not in redact(duty, '{"errors": ["routing_key R0UT1NGKEY0123456789abcdefABCDEF"]}')
    chat = SlackChannel(url="https://hooks.slack.com/services/T0/B0/tokenXYZ")
    assert "tokenXYZ" not in redact(chat, "no_service for /services/T0/B0/tokenXYZ")
