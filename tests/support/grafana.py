"""Grafana's side of a panel query, as Grafana and grafana-clickhouse-datasource (v4) prepare it for ClickHouse.

Grafana fills the template variables first, then the plugin expands its macros, as its pkg/macros/macros.go
defines them. Variables format as Grafana does: `${var:singlequote}` quotes and joins every value, `$var` and
`${var}` join them with commas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

_MACRO = re.compile(r"\$__(\w+)(?:\(([^()]*)\))?")
_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)")


@dataclass(frozen=True)
class Query:
    dashboard: str
    title: str
    sql: str


def panel_queries(board: dict[str, Any]) -> Iterator[Query]:
    """Every target's SQL in the dashboard, rows and nested panels included."""
    stack = list(board.get("panels", []))
    while stack:
        panel = stack.pop(0)
        stack.extend(panel.get("panels", []))
        for target in panel.get("targets", []):
            yield Query(board["title"], panel["title"], target["rawSql"])


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def expand_macros(sql: str, start: datetime, end: datetime, interval_s: int) -> str:
    """The plugin's macros; an unknown one raises, as the plugin refuses it."""

    def dt(moment: datetime) -> str:
        return f"toDateTime({int(moment.timestamp())})"

    def dt64(moment: datetime) -> str:
        return f"fromUnixTimestamp64Milli({int(moment.timestamp() * 1000)})"

    def date(moment: datetime) -> str:
        return f"toDate('{moment.strftime('%Y-%m-%d')}')"

    def one(args: list[str]) -> str:
        if len(args) != 1:
            raise ValueError(f"expected 1 argument, received {len(args)}")
        return args[0]

    def expand(found: re.Match[str]) -> str:
        name, raw = found.group(1), found.group(2)
        args = [a.strip() for a in raw.split(",")] if raw is not None else []
        if name == "fromTime":
            return dt(start)
        if name == "toTime":
            return dt(end)
        if name == "fromTime_ms":
            return dt64(start)
        if name == "toTime_ms":
            return dt64(end)
        if name == "timeFilter":
            column = one(args)
            return f"{column} >= {dt(start)} AND {column} <= {dt(end)}"
        if name == "timeFilter_ms":
            column = one(args)
            return f"{column} >= {dt64(start)} AND {column} <= {dt64(end)}"
        if name == "dateFilter":
            column = one(args)
            return f"{column} >= {date(start)} AND {column} <= {date(end)}"
        if name == "timeInterval":
            return f"toStartOfInterval(toDateTime({one(args)}), INTERVAL {max(interval_s, 1)} second)"
        if name == "timeInterval_ms":
            return f"toStartOfInterval(toDateTime64({one(args)}, 3), INTERVAL {max(interval_s, 1) * 1000} millisecond)"
        if name == "interval_s":
            return str(max(interval_s, 1))
        raise ValueError(f"unknown macro $__{name}")

    return _MACRO.sub(expand, sql)


def apply_variables(sql: str, values: dict[str, list[str]]) -> str:
    """Template variables with their chosen values (macros, `$__name`, are left to the plugin); unknown ones raise."""

    def quote(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    def expand(found: re.Match[str]) -> str:
        name = found.group(1) or found.group(3)
        if name not in values:
            raise ValueError(f"unknown variable ${name}")
        chosen = values[name]
        return ",".join(quote(v) for v in chosen) if found.group(2) == "singlequote" else ",".join(chosen)

    return _VARIABLE.sub(expand, sql)
