"""Whether a project already holds the demo's back-dated hour, so `up --demo` sends it on the first start only."""

from __future__ import annotations

from telltale_server.schemas.store import Store

TAG = "demo"
"""Every demo event carries this tag (services/demo/generator.py)."""


def seeded(store: Store, project_id: str) -> bool:
    """True once any demo event is stored: a later start resumes the live trickle instead of re-sending history."""
    rows = store.rows(
        "SELECT 1 AS found FROM inference_events WHERE project_id = {p:String} AND has(tags, {t:String}) LIMIT 1",
        {"p": project_id, "t": TAG},
    )
    return bool(rows)
