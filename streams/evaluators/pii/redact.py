"""Redaction: replace PII spans by a type tag or a keyed hash token, leaving every other character intact."""

import hashlib
import hmac
import ipaddress
from typing import Literal

from telltale_server.streams.evaluators.pii.detector import PiiSpan, detect

Style = Literal["type", "hash"]
JsonLike = str | int | float | bool | None | list["JsonLike"] | tuple["JsonLike", ...] | dict[str, "JsonLike"]

HASH_HEX_CHARS = 8  # 32 bits: about one collision per type among 90,000 distinct values


def _normalized(span: PiiSpan) -> str:
    """Spelling variants of one value (case, spaces, dashes) must map to the same hash token."""
    if span.type == "EMAIL":
        return span.value.casefold()
    if span.type == "IP_ADDRESS":
        try:
            return str(ipaddress.ip_address(span.value))
        except ValueError:
            return span.value
    if span.type in ("PHONE", "CREDIT_CARD", "IBAN", "US_SSN"):
        return "".join(c for c in span.value if c.isalnum()).upper()
    return span.value


def hash_token(span: PiiSpan, key: bytes) -> str:
    """HMAC-SHA256 keyed per dataset: stable within it, not linkable across keys, not brute-forceable."""
    message = f"{span.type}\x1f{_normalized(span)}".encode()
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()[:HASH_HEX_CHARS]
    return f"[{span.type}:{digest}]"


def redact(text: str, spans: list[PiiSpan] | None = None, style: Style = "type", key: bytes | None = None) -> str:
    """Replace each span (detected when not given) by `[TYPE]` or, with style "hash", `[TYPE:hex]`."""
    if style not in ("type", "hash"):
        raise ValueError(f"unknown redaction style: {style!r}")
    if style == "hash" and not key:
        raise ValueError('style "hash" needs a key: an unkeyed hash of a phone number can be reversed')
    if spans is None:
        spans = detect(text)
    parts: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < cursor or span.end > len(text) or span.start >= span.end:
            raise ValueError(f"spans must be non-empty, inside the text and not overlap: {span}")
        parts.append(text[cursor : span.start])
        parts.append(hash_token(span, key) if style == "hash" and key else f"[{span.type}]")
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)


def redact_value(
    obj: JsonLike, types: frozenset[str] | None = None, style: Style = "type", key: bytes | None = None
) -> JsonLike:
    """Redact every string inside a JSON-like value; dict keys and non-string scalars are kept as they are."""
    if isinstance(obj, str):
        return redact(obj, detect(obj, types), style, key)
    if isinstance(obj, list):
        return [redact_value(item, types, style, key) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_value(item, types, style, key) for item in obj)
    if isinstance(obj, dict):
        return {k: redact_value(v, types, style, key) for k, v in obj.items()}
    return obj
