"""A dataset spec: which stored traffic to curate, how to sample it, and what to do before it is written."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from telltale_server.schemas.durations import Duration
from telltale_server.schemas.times import Time, utc
from telltale_server.streams.health import JobError

Label = Literal["model", "route", "prompt_version", "environment"]
LABELS: tuple[Label, ...] = ("model", "route", "prompt_version", "environment")
Comparator = Literal[">", ">=", "<", "<=", "=", "!="]
_NAME = re.compile(r"^[A-Za-z0-9_.*-]{1,100}$")


class _Strict(BaseModel):
    """Unknown fields are refused, so a misspelt filter never silently selects everything."""

    model_config = ConfigDict(extra="forbid")


class FeedbackFilter(_Strict):
    """Each set condition must be met by some feedback on the event (by inference id, or by its trace)."""

    negative: bool = Field(default=False, description="Thumbs down, rating <= 2, a flag or a correction.")
    thumbs_down: bool = False
    max_rating: float | None = Field(default=None, ge=1, le=5, description="A rating at or below this.")
    has_correction: bool = False
    has_comment: bool = False
    flagged: bool = False

    def active(self) -> bool:
        return any(value not in (False, None) for value in self.model_dump().values())


class EvaluatorFilter(_Strict):
    """Some evaluation of the event matches: `groundedness.score < 0.5`, or any `safety.*` label in a set."""

    evaluator: str = Field(description="An evaluator name; a trailing `*` matches a prefix (`safety.*`).")
    metric: str | None = Field(default=None, description="A metric of that evaluator; default: any.")
    op: Comparator | None = Field(default=None, description="Compare the value with `value`.")
    value: float | None = None
    labels: list[str] = Field(default_factory=list, max_length=20, description="The label is one of these.")

    @field_validator("evaluator", "metric")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        if name is not None and not _NAME.match(name):
            raise ValueError("names are 1-100 characters of letters, digits, '_', '.', '-' (and a trailing '*')")
        return name

    @model_validator(mode="after")
    def _comparison(self) -> EvaluatorFilter:
        if (self.op is None) != (self.value is None):
            raise ValueError("`op` and `value` go together")
        if "*" in self.evaluator[:-1]:
            raise ValueError("`*` is only allowed at the end of `evaluator`")
        return self


class DriftFilter(_Strict):
    """A drift monitor's window and segment, as a time range and label values (no join on drift results)."""

    window_start: Time
    window_end: Time
    segment: str = Field(default="all", description='"all", or "key=value[,key=value]" over model/route/...')

    def labels(self) -> dict[str, str]:
        """The segment as label -> value; refuses keys that are not event labels."""
        if self.segment.strip() in ("", "all"):
            return {}
        found: dict[str, str] = {}
        for part in self.segment.split(","):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep or key not in LABELS:
                raise ValueError(f"segment part {part!r} is not key=value with a key among {list(LABELS)}")
            found[key] = value.strip()
        return found

    @model_validator(mode="after")
    def _valid(self) -> DriftFilter:
        if self.window_start >= self.window_end:
            raise ValueError("window_start must be before window_end")
        self.labels()
        return self


class Query(_Strict):
    """Which stored inference events are candidates; label lists and tags narrow, failure conditions select."""

    start: Time | None = Field(default=None, description="Events with ts at or after this.")
    end: Time | None = Field(default=None, description="Events with ts before this.")
    last: Duration | None = Field(default=None, description='Or a window ending at materialisation: "1h".')
    model: list[str] = Field(default_factory=list, max_length=50)
    route: list[str] = Field(default_factory=list, max_length=50)
    prompt_version: list[str] = Field(default_factory=list, max_length=50)
    environment: list[str] = Field(default_factory=list, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=32, description="The event carries all of these.")
    status: list[Literal["ok", "error"]] = Field(default_factory=list)
    feedback: FeedbackFilter | None = None
    evaluators: list[EvaluatorFilter] = Field(default_factory=list, max_length=20)
    drift: DriftFilter | None = None
    match: Literal["all", "any"] = Field(
        default="all", description="Whether every failure condition (status, feedback, each evaluator) or any holds."
    )

    @model_validator(mode="after")
    def _window(self) -> Query:
        if self.last is not None and (self.start or self.end):
            raise ValueError("give `last` or `start`/`end`, not both")
        if self.last is not None and self.last <= 0:
            raise ValueError("`last` must be longer than 0s")
        if self.start and self.end and self.start >= self.end:
            raise ValueError("`start` must be before `end`")
        return self

    def resolved(self, now: datetime) -> Query:
        """The same query with `last` turned into an absolute range: what a version records as used."""
        start, end = self.start, self.end
        if self.last is not None:
            start, end = now - timedelta(seconds=self.last), now
        start, end = (None if at is None else utc(at) for at in (start, end))
        return self.model_copy(update={"start": start, "end": end, "last": None})


class Sampling(_Strict):
    """At most `limit` items: the newest, a seeded random sample, or an equal share per value of a label."""

    limit: int | None = Field(default=None, ge=1, le=10_000_000)
    method: Literal["newest", "random", "stratified"] = "newest"
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="Same seed, same data: same sample.")
    stratify_by: Label | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Sampling:
        if (self.method == "stratified") != (self.stratify_by is not None):
            raise ValueError('`stratify_by` goes with method "stratified" (and only with it)')
        if self.method != "newest" and self.limit is None:
            raise ValueError(f'method "{self.method}" needs a `limit`')
        return self


class DatasetSpec(_Strict):
    """What a client writes to create a dataset."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    query: Query = Field(default_factory=Query)
    sampling: Sampling = Field(default_factory=Sampling)
    dedup: bool = Field(
        default=True, description="One item per normalised input text: the first corrected one, else the first."
    )
    redact_pii: bool = Field(default=False, description="Mask PII in every text field before anything is written.")
    continuous: bool = Field(default=False, description="New matching events are appended to the draft.")
    schedule: Duration | None = Field(default=None, description='Continuous: freeze the draft this often ("1d").')

    @model_validator(mode="after")
    def _schedule(self) -> DatasetSpec:
        if self.schedule is not None and not self.continuous:
            raise ValueError("`schedule` needs `continuous: true`")
        if self.schedule is not None and self.schedule < 60:
            raise ValueError("`schedule` must be at least 60s")
        return self


class Dataset(DatasetSpec):
    """A stored dataset: the spec and its identity."""

    id: str
    project_id: str
    created_at: datetime
    updated_at: datetime
    last_error: JobError | None = Field(
        default=None, description="Continuous: why curation could not refresh this dataset lately; null while it works."
    )
