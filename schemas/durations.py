"""Durations written the Prometheus way ("30s", "5m", "1h30m"), kept as seconds inside."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
LONGEST = 366 * 86400.0
"""No duration (a window, an interval, a schedule) is longer than a year and a day."""


def parse(value: object) -> float:
    """Seconds from "1h30m", "45s" or a plain number of seconds, up to `LONGEST`; refuses anything else."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and value.strip() and not _PART.sub("", value.strip()):
        seconds = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(value))
    else:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 5m, 1h30m)")
    if not 0 <= seconds <= LONGEST:
        raise ValueError(f"a duration lies from 0s to {format_seconds(LONGEST)}, not {value!r}")
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
    WithJsonSchema(
        {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?(ms|s|m|h|d|w))+\s*$", "examples": ["30s", "5m", "1h"]}
    ),
]
"""A duration field: "5m" in JSON, 300.0 seconds in Python."""
