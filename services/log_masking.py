"""No key material in a log line: every line is masked as it is formatted, tracebacks included.

Code never formats a secret into a message on purpose; this is the net under that rule, for what an
exception or a library says. Masked: Telltale API keys by their shape (`tt_<scope>_...`), bearer tokens,
passwords in URLs, and by value every secret registered — the configured keys, the judge's API key, the
store's password, and each alert channel's signing secret, Slack URL or PagerDuty routing key as rules load.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit

from telltale_server.schemas.settings import Settings

MASK = "***"
MIN_SECRET_CHARS = 8
"""Shorter values are not masked by value (they would mask ordinary words); real secrets are longer."""
_PATTERNS = (
    (re.compile(r"\btt_[a-z]+_[A-Za-z0-9_-]{16,}"), MASK),
    (re.compile(r"(?i)\b(bearer\s+)[^\s'\",]+"), rf"\g<1>{MASK}"),
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), rf"\g<1>{MASK}@"),
)
_secrets: set[str] = set()
_lock = threading.Lock()


def register(*secrets: str | None) -> None:
    """Mask these values in every later log line of this process."""
    found = {s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}
    if found - _secrets:
        with _lock:
            _secrets.update(found)


def mask(text: str) -> str:
    """The text with registered secrets (longest first) and key-shaped strings replaced by `***`."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class MaskingFormatter(logging.Formatter):
    """A formatter whose whole output, message and traceback, goes through `mask`."""

    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def configure(fmt: str) -> None:
    """Log to stderr at INFO through the masking formatter (uvicorn is run without a config, so it logs here too)."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter(fmt))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def register_settings(settings: Settings) -> None:
    """The secrets configuration carries: the initial keys, the judge's API key, the store's password."""
    judge_key = settings.judge_api_key.get_secret_value() if settings.judge_api_key else None
    store_password = urlsplit(settings.clickhouse_url or "").password
    register(settings.init_ingest_key, settings.init_admin_key, judge_key, store_password)
