"""What a metric is computed over: the project, the window's end and length, label filters and group-by labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from telltale_server.streams.rollups.reader import Tail

Label = Literal["model", "route", "prompt_version", "environment"]
LABELS: tuple[Label, ...] = ("model", "route", "prompt_version", "environment")


class Filters(BaseModel):
    """Which events count: each label must be one of the listed values; the event must carry every tag."""

    model: list[str] = Field(default_factory=list)
    route: list[str] = Field(default_factory=list)
    prompt_version: list[str] = Field(default_factory=list)
    environment: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="The event must carry all of these tags.")


@dataclass(frozen=True)
class Sample:
    """One group's value over the window, and how many observations it rests on."""

    labels: dict[str, str]
    value: float | None
    samples: int
    at: datetime | None = None
    """The bucket's start when the window is split into steps."""


@dataclass(frozen=True)
class Window:
    """Where and what to compute: the project, the window's end and length, filters and group-by labels."""

    project_id: str
    end: datetime
    seconds: float
    filters: Filters
    group_by: tuple[Label, ...]
    step: int | None = None
    """Seconds per bucket: the metric per group and per bucket (charts) instead of over the whole window."""
    raw: bool = False
    """Measure raw rows only, ignoring the rollups: what the rollups must always equal."""
    unsettled: tuple[datetime, ...] | None = None
    """The project's minutes not rolled up yet, when looked up once for many windows (else looked up per read)."""
    tail: Tail | None = None
    """Their raw measure rows and the current partial minute's, when measured once for many windows."""

    @property
    def start(self) -> datetime:
        return self.end - timedelta(seconds=self.seconds)

    def params(self, **extra: Any) -> dict[str, Any]:
        """The query parameters a raw-row query over this window binds (bounds, step, filter values)."""
        params: dict[str, Any] = {"p": self.project_id, "start": self.start, "end": self.end, **extra}
        if self.step:
            params["step"] = self.step
        for name in (*LABELS, "tags"):
            if values := getattr(self.filters, name):
                params[f"f_{name}"] = values
        return params

    def grouped(self, select: str, source: str) -> str:
        """`SELECT <labels>, <select> FROM <source> GROUP BY <labels>`; ungrouped it always returns one row.

        With a step, the bucket of the source's `ts` is one more key."""
        columns: list[str] = list(self.group_by)
        keys: list[str] = list(self.group_by)
        if self.step:
            columns.append("toStartOfInterval(ts, toIntervalSecond({step:UInt32})) AS bucket")
            keys.append("bucket")
        if not keys:
            return f"SELECT {select} FROM {source}"
        return f"SELECT {', '.join(columns)}, {select} FROM {source} GROUP BY {', '.join(keys)}"
