"""PII detection and redaction for the safety.pii evaluator and dataset export; pure functions, no model."""

from telltale_server.streams.evaluators.pii.detector import PII_TYPES, PiiSpan, detect
from telltale_server.streams.evaluators.pii.redact import hash_token, redact, redact_value

__all__ = ["PII_TYPES", "PiiSpan", "detect", "hash_token", "redact", "redact_value"]
