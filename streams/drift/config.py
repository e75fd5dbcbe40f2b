"""A drift monitor's stored configuration, with defaults that give a new project drift on the obvious signals."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from telltale_server.schemas.times import Time

SegmentField = Literal["model", "route", "prompt_version", "environment", "app", "provider"]
DEFAULT_MONITOR_ID = "default"


class Reference(BaseModel):
    """What the current window is compared with: the trailing windows, a fixed time range, or a dataset version."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["trailing", "fixed", "dataset"] = "trailing"
    windows: int = Field(24, ge=1, le=24 * 31, description="trailing: how many windows before the current one")
    start: Time | None = Field(None, description="fixed: the baseline's start (inclusive)")
    end: Time | None = Field(None, description="fixed: the baseline's end (exclusive)")
    dataset_id: str | None = Field(None, description="dataset: the dataset whose version's events are the baseline")
    version: int | None = Field(None, ge=1, description="dataset: the version number")

    @model_validator(mode="after")
    def _complete(self) -> Reference:
        foreign = [
            name
            for name, info in Reference.model_fields.items()
            if name not in FIELDS_OF_KIND[self.kind] and getattr(self, name) != info.default
        ]
        if foreign:
            raise ValueError(f"a {self.kind} reference takes no {', '.join(foreign)}")
        if self.kind == "fixed" and (self.start is None or self.end is None or self.start >= self.end):
            raise ValueError("a fixed reference needs start < end")
        if self.kind == "dataset" and (not self.dataset_id or self.version is None):
            raise ValueError("a dataset reference needs dataset_id and version")
        return self

    def describe(self, window_s: int) -> str:
        """In words, stored beside every result so a reader knows what 'drifted' was measured against."""
        if self.kind == "trailing":
            return f"trailing {self.windows} x {window_s}s windows"
        if self.kind == "fixed":
            return f"fixed {self.start:%Y-%m-%dT%H:%M:%SZ} .. {self.end:%Y-%m-%dT%H:%M:%SZ}"
        return f"dataset {self.dataset_id} v{self.version}"


FIELDS_OF_KIND = {
    "trailing": {"kind", "windows"},
    "fixed": {"kind", "start", "end"},
    "dataset": {"kind", "dataset_id", "version"},
}
"""The fields each kind of reference reads; any other field given a value is refused rather than ignored."""


class SignalOverride(BaseModel):
    """A per-signal stat test and/or threshold (Evidently's names: ks, chisquare, wasserstein, jensenshannon, ...)."""

    model_config = ConfigDict(extra="forbid")

    stattest: str | None = None
    threshold: float | None = Field(None, gt=0)


class MonitorConfig(BaseModel):
    """Everything the drift job needs to compute one monitor; every field has a sensible default."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("Default drift monitor", min_length=1, max_length=200)
    enabled: bool = True
    window_s: int = Field(3600, ge=60, le=7 * 86400, description="tumbling window length in seconds")
    reference: Reference = Field(default_factory=Reference)
    segments: list[SegmentField] = Field(default_factory=lambda: list[SegmentField](["model", "route"]))
    top_k: int = Field(5, ge=1, le=50, description="per segment field: the K busiest values; the rest pooled")
    min_samples: int = Field(50, ge=10, le=1_000_000, description="per side and signal; below it: insufficient data")
    signals: list[str] | None = Field(
        None, max_length=200, description="signal names to watch; null = every known signal"
    )
    stattest: str | None = Field(None, description="one stat test for every signal (default: Evidently's choice)")
    threshold: float | None = Field(None, gt=0, description="one threshold for every signal")
    per_signal: dict[str, SignalOverride] = Field(default_factory=dict, max_length=200)
    drift_share: float = Field(0.3, gt=0, le=1, description="a segment drifts when this share of signals drifted")
    max_rows: int = Field(50_000, ge=100, le=1_000_000, description="rows per side at most; above it a seeded sample")
    embedding_rows: int = Field(2_000, ge=50, le=20_000, description="rows per side whose texts are embedded")
    settle_s: int = Field(
        60, ge=0, le=86_400, description="a closed window waits until no event for it arrived this long"
    )
    catch_up_windows: int = Field(
        168, ge=1, le=1000, description="after downtime, compute at most this many missed windows"
    )


class Monitor(BaseModel):
    """A stored monitor: its id and project beside the configuration."""

    monitor_id: str
    project_id: str
    config: MonitorConfig
    updated_at: datetime | None = None
    problem: str = Field("", description="why the stored configuration cannot run ('' when it can)")
