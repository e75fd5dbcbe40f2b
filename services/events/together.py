"""The calls that belong together: those of the project sharing a trace or a session id, in time order."""

from __future__ import annotations

from typing import Any, Literal

from telltale_server.schemas.store import Store
from telltale_server.services.events.search import USER_TURN


def calls_with(
    store: Store, project_id: str, column: Literal["trace_id", "session_id"], value: str, columns: str, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """`columns` of the project's calls whose `column` is `value`, oldest first: at most `limit`, and whether there
    are more. `columns` may use `user_turn` (the last user turn)."""
    rows = store.rows(
        f"{USER_TURN}SELECT {columns} FROM inference_events FINAL WHERE project_id = {{p:String}} "
        f"AND {column} = {{v:String}} ORDER BY ts, event_id LIMIT {{n:UInt32}}",
        {"p": project_id, "v": value, "n": limit + 1},
    )
    return rows[:limit], len(rows) > limit
