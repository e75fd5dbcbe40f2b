"""Silences: time-boxed mutes by label matchers, created through the API and honoured by the notifier."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Literal

import orjson
from pydantic import BaseModel, Field, model_validator

from telltale_server.schemas.row_versions import next_version
from telltale_server.schemas.rows import record
from telltale_server.schemas.store import Store
from telltale_server.schemas.times import Time

_COLUMNS = [
    "project_id",
    "silence_id",
    "matchers",
    "starts_at",
    "ends_at",
    "created_by",
    "comment",
    "created_at",
    "deleted",
    "version",
]


class Matcher(BaseModel):
    """One label test, Alertmanager style: equal, not equal, regex match, regex non-match (full match)."""

    name: str
    value: str
    op: Literal["=", "!=", "=~", "!~"] = "="

    @model_validator(mode="after")
    def _valid_regex(self) -> Matcher:
        if self.op in ("=~", "!~"):
            try:
                re.compile(self.value)
            except re.error as error:
                raise ValueError(f"value is not a regular expression: {error}") from None
        return self

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found


class SilenceSpec(BaseModel):
    """What clients send: matchers (all must match) and the time box."""

    matchers: list[Matcher] = Field(min_length=1, max_length=50)
    starts_at: Time | None = Field(default=None, description="Default: now.")
    ends_at: Time
    comment: str = Field(default="", max_length=5000)


class Silence(BaseModel):
    """A stored silence."""

    id: str
    project_id: str
    matchers: list[Matcher]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime

    def active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def mutes(self, labels: dict[str, str], now: datetime) -> bool:
        return self.active(now) and all(matcher.matches(labels) for matcher in self.matchers)


class SilenceStore:
    """CRUD on alert_silences; ending a silence early rewrites its `ends_at`, deleting leaves a tombstone."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, project_id: str, spec: SilenceSpec, created_by: str) -> Silence:
        now = datetime.now(UTC)
        silence = Silence(
            id=uuid.uuid4().hex[:16],
            project_id=project_id,
            matchers=spec.matchers,
            starts_at=spec.starts_at or now,
            ends_at=spec.ends_at,
            created_by=created_by,
            comment=spec.comment,
            created_at=now,
        )
        self._write(silence, deleted=False)
        return silence

    def expire(self, project_id: str, silence_id: str) -> Silence | None:
        """End the silence now (kept, visible as expired)."""
        silence = self.get(project_id, silence_id)
        if silence is None:
            return None
        now = datetime.now(UTC)
        ended = silence.model_copy(update={"ends_at": min(silence.ends_at, now)})
        self._write(ended, deleted=False)
        return ended

    def delete(self, project_id: str, silence_id: str) -> bool:
        silence = self.get(project_id, silence_id)
        if silence is not None:
            self._write(silence, deleted=True)
        return silence is not None

    def get(self, project_id: str, silence_id: str) -> Silence | None:
        found = self._select("project_id = {p:String} AND silence_id = {s:String}", {"p": project_id, "s": silence_id})
        return found[0] if found else None

    def of_project(self, project_id: str) -> list[Silence]:
        return self._select("project_id = {p:String}", {"p": project_id})

    def active(self, now: datetime) -> list[Silence]:
        """Silences of every project in force now: what the notifier applies."""
        return self._select("starts_at <= {now:DateTime64(3)} AND ends_at > {now:DateTime64(3)}", {"now": now})

    def _write(self, silence: Silence, deleted: bool) -> None:
        matchers = orjson.dumps([m.model_dump() for m in silence.matchers]).decode()
        row = [
            silence.project_id,
            silence.id,
            matchers,
            silence.starts_at,
            silence.ends_at,
            silence.created_by,
            silence.comment,
            silence.created_at,
            int(deleted),
            next_version(),
        ]
        self.store.client().insert("alert_silences", [row], column_names=_COLUMNS)

    def _select(self, where: str, params: dict[str, object]) -> list[Silence]:
        rows = self.store.rows(
            f"SELECT * FROM alert_silences FINAL WHERE deleted = 0 AND {where} ORDER BY created_at", params
        )
        return [record(Silence, row, ("matchers",), {"silence_id": "id"}) for row in rows]
