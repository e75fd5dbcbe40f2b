"""The net under every log line: key-shaped strings, bearer tokens, URL passwords and registered secrets are masked."""

from __future__ import annotations

import logging

from telltale_server.services import log_masking


def test_masking_catches_keys_by_shape_bearer_tokens_url_passwords_and_registered_secrets() -> None:
    log_masking.register("short", "a-registered-secret-value")
    line = (
        "failed: tt_admin_Zk3Jq9V0bW8xY7cT6rE5sD4a Authorization: Bearer sk-abc123def456 "
        "http://default:s3cr3tpass@clickhouse:8123/db a-registered-secret-value short"
    )
    assert log_masking.mask(line) == (
        "failed: *** Authorization: Bearer *** http://default:***@clickhouse:8123/db *** short"
    )


def test_a_traceback_is_masked_too() -> None:
    log_masking.register("pd-routing-key-0123456789")
    try:
        raise ValueError("refused for routing key pd-routing-key-0123456789")
    except ValueError:
        record = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "delivery failed", None, __import__("sys").exc_info()
        )
    text = log_masking.MaskingFormatter("%(message)s").format(record)
    assert "ValueError: refused for routing key ***" in text and "pd-routing-key" not in text
