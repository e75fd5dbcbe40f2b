"""Signatures, the outgoing-URL policy, retry timing and the Slack/PagerDuty shapes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from telltale_server.services.alerts.channels import pagerduty, slack
from telltale_server.services.alerts.channels.config import WebhookChannel
from telltale_server.services.alerts.channels.http import Result
from telltale_server.services.alerts.channels.signature import sign, verify
from telltale_server.services.alerts.destinations import RefusedDestinationError, check_resolved, check_url
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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "ftp://example.com/hook",
        "http://user:pw@example.com/hook",
    ],
)
def test_private_and_odd_urls_are_refused_without_allow_list(url: str) -> None:
    with pytest.raises(RefusedDestinationError):
        check_url(url, [])


def test_allow_list_admits_networks_and_hosts() -> None:
    check_url("http://127.0.0.1:8080/hook", ["127.0.0.0/8"])
    check_url("http://localhost/hook", ["localhost"])
    check_url("https://hooks.example.com/x", [])
    with pytest.raises(RefusedDestinationError):
        check_url("http://10.0.0.1/hook", ["127.0.0.0/8"])


def test_names_that_resolve_inward_are_refused_at_send_time() -> None:
    with pytest.raises(RefusedDestinationError):
        asyncio.run(check_resolved("http://localhost.:9/hook", []))


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
    assert message["blocks"][0]["type"] == "header" and len(message["blocks"]) == 4
