"""Projects, and the first-start bootstrap that gives a new install a project and its keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from schemas.settings import Settings
from schemas.store import Store
from services.auth.keys import KeyRing

DEFAULT_PROJECT = "default"
_PROJECT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Bootstrap:
    """What the first start created; the plaintext keys exist only here and in the user's terminal."""

    project_id: str
    ingest_key: str
    admin_key: str


def create_project(store: Store, project_id: str, name: str | None = None) -> None:
    """Create (or rename) a project; ids are short slugs so they read well in URLs and logs."""
    if not _PROJECT_ID.match(project_id):
        raise ValueError("a project id is 1-63 characters of a-z, 0-9, '-' and '_', starting alphanumeric")
    now = datetime.now(UTC)
    store.client().insert(
        "projects",
        [[project_id, name or project_id, now, now, 0]],
        column_names=["project_id", "name", "created_at", "updated_at", "deleted"],
    )


def project_exists(store: Store, project_id: str) -> bool:
    rows = store.rows(
        "SELECT count() AS n FROM projects FINAL WHERE project_id = {p:String} AND deleted = 0", {"p": project_id}
    )
    return rows[0]["n"] > 0


def bootstrap(store: Store, keys: KeyRing, settings: Settings) -> Bootstrap | None:
    """On a store with no projects, create the configured (or default) project with an ingest and an admin key."""
    if store.rows("SELECT count() AS n FROM projects FINAL")[0]["n"] > 0:
        return None
    project_id = settings.init_project or DEFAULT_PROJECT
    create_project(store, project_id)
    ingest_key, _ = keys.create(project_id, ("ingest",), "initial ingest key", key=settings.init_ingest_key)
    admin_key, _ = keys.create(project_id, ("admin",), "initial admin key", key=settings.init_admin_key)
    return Bootstrap(project_id, ingest_key, admin_key)
