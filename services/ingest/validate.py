"""Validates each item against its contract and turns pydantic's errors into field paths and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from telltale_server.schemas import limits
from telltale_server.services.ingest.batch import JSON_TYPES, RawItem
from telltale_server.streams.deadletter import FieldError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Verdict(Generic[M]):
    """An item's fate: the validated event, or the errors that refuse it."""

    item: RawItem
    event: M | None
    errors: tuple[FieldError, ...] = ()

    @property
    def event_id(self) -> str | None:
        """The event id as sent, when one can be read, so a rejected item can still be traced."""
        if self.event is not None:
            return str(self.event.event_id)  # type: ignore[attr-defined]  # event is either contract, and both have event_id; the union type lacks a common base
        value = self.item.value
        event_id = value.get("event_id") if isinstance(value, dict) else None
        return event_id if isinstance(event_id, str) else None


def whole_batch(body: bytes, content_type: str | None, batch: TypeAdapter[list[M]], max_items: int) -> list[M] | None:
    """Every event of a JSON array, validated by pydantic-core straight from the bytes (no dicts, no per-item
    objects); None when the batch needs item-by-item reading: any item invalid, the body not a JSON array, empty,
    too many items, or larger than one event may be (then only the items' own bytes can tell which is too large)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in JSON_TYPES or len(body) > limits.MAX_EVENT_BYTES or body.lstrip()[:1] != b"[":
        return None
    try:
        events = batch.validate_json(body)
    except ValidationError:
        return None
    return events if 0 < len(events) <= max_items else None


def validate(items: list[RawItem], model: type[M]) -> list[Verdict[M]]:
    """One verdict per item, in order."""
    return [_verdict(item, model) for item in items]


def _verdict(item: RawItem, model: type[M]) -> Verdict[M]:
    if item.error is not None:
        return Verdict(item, None, (FieldError("", item.error),))
    if item.raw is not None and len(item.raw) > limits.MAX_EVENT_BYTES:
        reason = f"event is {len(item.raw)} bytes; the limit is {limits.MAX_EVENT_BYTES}"
        return Verdict(item, None, (FieldError("", reason),))
    if not isinstance(item.value, dict):
        return Verdict(item, None, (FieldError("", "an event must be a JSON object"),))
    try:
        return Verdict(item, model.model_validate(item.value))
    except ValidationError as error:
        return Verdict(item, None, tuple(_field_errors(error)))


def _field_errors(error: ValidationError) -> list[FieldError]:
    """Pydantic's errors as `contexts.3.text: reason`, without its internal union-branch names."""
    seen: dict[str, FieldError] = {}
    details = [
        (".".join(str(part) for part in detail["loc"] if not is_branch_name(part)), detail)
        for detail in error.errors(include_url=False)
    ]
    for path, detail in details:
        if detail["type"].endswith("_type") and any(other.startswith(f"{path}.") for other, _ in details):
            continue  # a union branch that failed on the type alone, beside a branch that got further
        reason = detail["msg"].removeprefix("Value error, ")
        seen.setdefault(f"{path}|{reason}", FieldError(path, reason))
    return list(seen.values())


def is_branch_name(part: Any) -> bool:
    """Union branches appear in locations as type names like 'constrained-str' or 'list[ChatMessage]'."""
    return isinstance(part, str) and ("[" in part or part in _BRANCH_NAMES)


_BRANCH_NAMES = frozenset(
    {
        "str",
        "int",
        "float",
        "bool",
        "none",
        "constrained-str",
        "constrained-int",
        "constrained-float",
        "ChatMessage",
        "Context",
        "Usage",
    }
)
