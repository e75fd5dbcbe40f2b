"""How many stored events a dataset query matches now, before sampling and dedup: the console's live count."""

from __future__ import annotations

from datetime import datetime

from telltale_server.schemas.store import Store
from telltale_server.services.datasets.filters import Clause, where
from telltale_server.services.datasets.spec import Query


def matching(store: Store, project_id: str, query: Query, now: datetime) -> int:
    """The count of events the query selects, `last` resolved against `now` as a freeze would."""
    clause = Clause()
    conditions = where(project_id, query.resolved(now), clause)
    rows = store.rows(f"SELECT count() AS n FROM inference_events FINAL WHERE {conditions}", clause.params)
    return int(rows[0]["n"])
