"""Reading dead letters back, so a client developer can see what was refused and why."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Literal

import orjson
from pydantic import BaseModel

from telltale_server.schemas.store import Store
from telltale_server.streams.deadletter import TABLE


class StoredDeadLetter(BaseModel):
    dead_letter_id: str
    received_at: datetime
    source: str
    kind: str
    item_index: int
    event_id: str | None
    reason: str
    errors: list[dict[str, str]]
    raw: str
    raw_encoding: Literal["utf-8", "base64"]
    raw_truncated: bool


def recent_dead_letters(store: Store, project_id: str, limit: int, kind: str | None = None) -> list[StoredDeadLetter]:
    """The newest dead letters of a project; raw bytes come back as text, or base64 when they are not UTF-8."""
    rows = store.rows(
        f"SELECT * FROM {TABLE} FINAL WHERE project_id = {{p:String}} "
        "AND ({kind:String} = '' OR kind = {kind:String}) "
        "ORDER BY received_at DESC, dead_letter_id LIMIT {limit:UInt32}",
        {"p": project_id, "kind": kind or "", "limit": limit},
        column_formats={"raw": "bytes"},
    )
    return [_letter(row) for row in rows]


def _letter(row: dict) -> StoredDeadLetter:
    raw: bytes = row["raw"]
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(raw).decode(), "base64"
    return StoredDeadLetter(
        dead_letter_id=str(row["dead_letter_id"]),
        received_at=row["received_at"],
        source=row["source"],
        kind=row["kind"],
        item_index=row["item_index"],
        event_id=row["event_id"] or None,
        reason=row["reason"],
        errors=orjson.loads(row["errors"]),
        raw=text,
        raw_encoding=encoding,
        raw_truncated=bool(row["raw_truncated"]),
    )
