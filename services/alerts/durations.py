"""Durations written the Prometheus way ("30s", "5m", "1h30m"), kept as seconds inside."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse(value: str | float | int) -> float:
    """Seconds from "1h30m", "45s" or a plain number of seconds; refuses anything else."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip()
        if not text or _PART.sub("", text):
            raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 5m, 1h30m)")
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def format_seconds(seconds: float) -> str:
    """The shortest Prometheus spelling of a whole number of seconds ("90" -> "1m30s")."""
    if seconds != int(seconds):
        return f"{round(seconds * 1000)}ms"
    rest, parts = int(seconds), []
    for unit in ("d", "h", "m", "s"):
        size = int(_UNITS[unit])
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"


Duration = Annotated[
    float,
    BeforeValidator(parse),
    PlainSerializer(format_seconds, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["30s", "5m", "1h"]}),
]
"""A duration field: "5m" in JSON, 300.0 seconds in Python."""
