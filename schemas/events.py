"""The v1 event contracts: one InferenceEvent per LLM call, one FeedbackEvent per piece of feedback."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from telltale_server.schemas import limits, times
from telltale_server.schemas.nesting import too_deep

SCHEMA_VERSION = 1

ShortStr = Annotated[str, StringConstraints(max_length=limits.MAX_LABEL_CHARS)]
Text = Annotated[str, StringConstraints(max_length=limits.MAX_TEXT_CHARS)]


def _not_integer(value: Any) -> Any:
    """An integer beyond 64 bits is refused rather than rounded into a float."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"integer outside {limits.MIN_INTEGER}..{limits.MAX_INTEGER}")
    return value


Integer = Annotated[int, Field(ge=limits.MIN_INTEGER, le=limits.MAX_INTEGER)]
AttributeValue = (
    Annotated[str, StringConstraints(max_length=limits.MAX_ATTRIBUTE_VALUE_CHARS)]
    | Integer
    | Annotated[float, BeforeValidator(_not_integer)]
    | bool
    | None
)
TokenCount = Annotated[int, Field(ge=0, le=limits.MAX_TOKENS)]
RETRIEVAL_ATTRIBUTE = "telltale.retrieval"
"""Attribute saying where an event's contexts came from, as the OTLP receiver writes it: `joined` (a retriever span
fed the call: with no contexts, it found nothing), `none` (the trace has no retrieval before the call) or
`timed_out` (held for the retriever span, which never came)."""
RETRIEVAL_JOINED = "joined"
TS_DOC = f"UTC if no offset is given; from {limits.EARLIEST_TS} to {limits.MAX_CLOCK_SKEW_HOURS} h from now"
Attributes = Annotated[dict[ShortStr, AttributeValue], Field(max_length=limits.MAX_ATTRIBUTES)]
Tags = Annotated[list[ShortStr], Field(max_length=limits.MAX_TAGS)]


class _Contract(BaseModel):
    """Shared config: unknown fields are refused so a typo never silently drops data; numbers are finite."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True, allow_inf_nan=False)


def _check_schema_version(value: Any) -> Any:
    """Refuse events from a newer contract with a message that says which versions this server reads."""
    if value != SCHEMA_VERSION:
        raise ValueError(f"unsupported schema_version {value!r}: this server accepts {SCHEMA_VERSION}")
    return value


def _utc(value: datetime) -> datetime:
    """Read naive timestamps as UTC and refuse times the store cannot keep or clocks that run far ahead."""
    value = times.utc(value)
    if value < times.EARLIEST:
        raise ValueError(f"ts lies before {limits.EARLIEST_TS}, the earliest time stored")
    if value > _horizon():
        raise ValueError(f"ts lies more than {limits.MAX_CLOCK_SKEW_HOURS} h in the future")
    return value


@dataclass
class _Horizon:
    """The latest time an event may carry, and when (monotonic seconds) it was last read from the clock."""

    read_at: float = -1.0
    latest: datetime = times.EARLIEST


_HORIZON = _Horizon()


def _horizon() -> datetime:
    """Now plus the allowed clock skew, read from the clock at most once a second (it is per event)."""
    tick = time.monotonic()
    if tick - _HORIZON.read_at >= 1.0:
        _HORIZON.read_at = tick
        _HORIZON.latest = datetime.now(UTC) + timedelta(hours=limits.MAX_CLOCK_SKEW_HOURS, seconds=1)
    return _HORIZON.latest


class ChatMessage(BaseModel):
    """One chat message; extra keys (tool_calls, tool_call_id, ...) are kept as sent."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        allow_inf_nan=False,
        json_schema_extra={
            "description": "One chat message; extra keys (tool_calls, tool_call_id, ...) are kept as sent. "
            f"Content parts and extra keys nest at most {limits.MAX_NESTING} levels deep."
        },
    )

    role: ShortStr = Field(description="system, user, assistant, tool, ...")
    content: Text | list[dict[str, Any]] | None = Field(
        default=None, description="Text, or OpenAI-style content parts ({type, text, ...})."
    )
    name: ShortStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _shallow(cls, data: Any) -> Any:
        """Free-form JSON nested without end would exhaust every serialiser downstream: refuse it here.

        A message of plain values (the usual role and text) has nothing to walk."""
        if isinstance(data, dict) and not any(isinstance(value, dict | list) for value in data.values()):
            return data
        path = too_deep(data, limits.MAX_NESTING)
        if path is not None:
            raise ValueError(f"nested deeper than {limits.MAX_NESTING} levels at {path}")
        return data

    def text(self) -> str:
        """The message's readable text, with content parts joined."""
        if isinstance(self.content, list):
            return "\n".join(str(part.get("text", "")) for part in self.content if part.get("text"))
        return self.content or ""


class Context(_Contract):
    """A retrieved passage; a plain string is read as its `text`."""

    id: ShortStr | None = None
    text: Annotated[str, StringConstraints(max_length=limits.MAX_CONTEXT_CHARS)]
    source: Annotated[str, StringConstraints(max_length=2048)] | None = None
    score: float | None = None


def _passage(text: str) -> Context:
    """A plain string is a passage's text."""
    return Context(text=text)


if TYPE_CHECKING:
    PassageIn = Context
    """What code reads: a plain string has become a Context by the time an event is validated."""
else:
    PassageIn = Annotated[
        Context | Annotated[str, StringConstraints(max_length=limits.MAX_CONTEXT_CHARS), AfterValidator(_passage)],
        Field(union_mode="left_to_right"),
    ]
"""A passage object, or a string read as one: the object is checked in compiled code, only a string costs a call."""


class Usage(_Contract):
    """Token counts and cost in USD; OpenAI's prompt/completion names are accepted too."""

    input_tokens: TokenCount | None = Field(
        default=None,
        validation_alias=AliasChoices("input_tokens", "prompt_tokens"),
        description="Also read from OpenAI's name, prompt_tokens.",
    )
    output_tokens: TokenCount | None = Field(
        default=None,
        validation_alias=AliasChoices("output_tokens", "completion_tokens"),
        description="Also read from OpenAI's name, completion_tokens.",
    )
    total_tokens: TokenCount | None = Field(default=None, description="Default: input_tokens + output_tokens.")
    cost: Annotated[float, Field(ge=0, le=limits.MAX_COST_USD)] | None = Field(
        default=None, description="Cost of the call in USD, if known."
    )

    @model_validator(mode="after")
    def _total(self) -> Usage:
        if self.total_tokens is None and (self.input_tokens is not None or self.output_tokens is not None):
            total = (self.input_tokens or 0) + (self.output_tokens or 0)
            if total > limits.MAX_TOKENS:
                raise ValueError(f"input_tokens + output_tokens = {total} exceeds {limits.MAX_TOKENS}")
            object.__setattr__(self, "total_tokens", total)
        return self


class InferenceEvent(_Contract):
    """One LLM call as the application saw it. `event_id` is the idempotency key."""

    schema_version: Annotated[int, Field(description="Contract version; 1.")] = SCHEMA_VERSION
    event_id: UUID = Field(description="Made by the client; re-sending the same id is a no-op.")
    ts: datetime = Field(description=f"When the call started ({TS_DOC})")
    trace_id: ShortStr | None = Field(default=None, description="OpenTelemetry trace id, if any.")
    span_id: ShortStr | None = None
    parent_span_id: ShortStr | None = None
    app: ShortStr | None = None
    route: ShortStr | None = Field(default=None, description="The app's feature or endpoint.")
    environment: ShortStr | None = Field(default=None, description="e.g. production, staging.")
    model: ShortStr
    provider: ShortStr | None = None
    prompt_version: ShortStr | None = None
    input: Text | Annotated[list[ChatMessage], Field(max_length=limits.MAX_MESSAGES)]
    output: Text | None = None
    contexts: Annotated[list[PassageIn], Field(max_length=limits.MAX_CONTEXTS)] = Field(
        default_factory=list, description="Retrieved passages the answer should be grounded in."
    )
    usage: Usage | None = None
    latency_ms: Annotated[float, Field(ge=0, le=86_400_000)] | None = None
    status: Literal["ok", "error"] = "ok"
    error: Text | None = None
    user_id: ShortStr | None = None
    session_id: ShortStr | None = None
    tags: Tags = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)

    _version = field_validator("schema_version", mode="before")(_check_schema_version)
    _ts = field_validator("ts")(_utc)

    def input_text(self) -> str:
        """The input as one text: the messages' contents joined, or the input string."""
        if isinstance(self.input, str):
            return self.input
        return "\n".join(message.text() for message in self.input)

    def user_text(self) -> str:
        """What the user wrote: the user turns of a chat (not the app's system prompt), or a plain-string input."""
        if isinstance(self.input, str):
            return self.input
        return "\n".join(message.text() for message in self.input if message.role == "user")


FeedbackKind = Literal["thumbs", "rating", "correction", "comment", "flag"]
RATING_MIN, RATING_MAX = 1, 5
_THUMBS = {"up": True, "down": False, "1": True, "0": False, "-1": False}


class FeedbackEvent(_Contract):
    """A user's, annotator's or system's judgement of one inference (by id, or by trace)."""

    schema_version: Annotated[int, Field(description="Contract version; 1.")] = SCHEMA_VERSION
    event_id: UUID = Field(description="Made by the client; re-sending the same id is a no-op.")
    inference_id: UUID | None = Field(default=None, description="The InferenceEvent judged.")
    trace_id: ShortStr | None = Field(default=None, description="Or the trace it belongs to.")
    ts: datetime = Field(description=f"When the feedback was given ({TS_DOC})")
    kind: FeedbackKind
    value: bool | float | ShortStr | None = Field(
        default=None, description="thumbs: true/false or 'up'/'down'; rating: 1-5; others: optional."
    )
    correction: Text | None = Field(default=None, description="The answer the user wanted.")
    comment: Text | None = None
    source: Literal["user", "annotator", "system"] = "user"
    user_id: ShortStr | None = None
    tags: Tags = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)

    _version = field_validator("schema_version", mode="before")(_check_schema_version)
    _ts = field_validator("ts")(_utc)

    @model_validator(mode="after")
    def _consistent(self) -> FeedbackEvent:
        if self.inference_id is None and not self.trace_id:
            raise ValueError("one of inference_id or trace_id is required")
        if self.kind == "thumbs":
            object.__setattr__(self, "value", _thumb(self.value))
        elif self.kind == "rating":
            if isinstance(self.value, bool) or not isinstance(self.value, int | float):
                raise ValueError(f"a rating needs a numeric value from {RATING_MIN} to {RATING_MAX}")
            if not RATING_MIN <= self.value <= RATING_MAX:
                raise ValueError(f"rating {self.value} is outside {RATING_MIN}..{RATING_MAX}")
        elif self.kind == "correction" and not self.correction:
            raise ValueError("a correction needs the `correction` text")
        elif self.kind == "comment" and not self.comment:
            raise ValueError("a comment needs the `comment` text")
        return self

    def score(self) -> float | None:
        """Feedback on a 0..1 scale where it has one: thumbs up 1, down 0; ratings rescaled."""
        if self.kind == "thumbs":
            return 1.0 if self.value else 0.0
        if self.kind == "rating":
            return (float(self.value) - RATING_MIN) / (RATING_MAX - RATING_MIN)  # type: ignore[arg-type]  # a rating's value was checked to be a number by the validator above
        return None

    def is_negative(self) -> bool:
        """Thumbs down, a rating of 2 or less, a flag or a correction all say the answer was wrong."""
        if self.kind in ("flag", "correction"):
            return True
        score = self.score()
        return score is not None and score <= 0.25


def _thumb(value: Any) -> bool:
    """Normalise the thumbs spellings SDKs use (bool, up/down, 1/0/-1) to a bool."""
    if isinstance(value, bool):
        return value
    key = str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else str(value).lower()
    if key not in _THUMBS:
        raise ValueError("thumbs value must be true/false, 'up'/'down' or 1/0/-1")
    return _THUMBS[key]
