"""Projects, and the first-start bootstrap that gives a new install a project and its keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from telltale_server.schemas.settings import Settings
from telltale_server.schemas.store import Store
from telltale_server.services.auth.keys import KeyRing

DEFAULT_PROJECT = "default"
_PROJECT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class Bootstrap:
    """What a start created; a freshly made key's plaintext exists only here and, once, in the user's terminal."""

    project_id: str
    ingest_key: str | None
    admin_key: str | None
    configured: frozenset[str] = frozenset()
    """Scopes whose key came from TELLTALE_INIT_*: the operator has it, so it is never shown."""


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
    """Give a fresh install a project with an ingest and an admin key; with TELLTALE_INIT_* make sure those exist.

    Headless starts are idempotent: a configured key that already works is left alone, so the same
    environment can start Telltale any number of times.
    """
    headless = bool(settings.init_project or settings.init_ingest_key or settings.init_admin_key)
    if not headless and store.rows("SELECT count() AS n FROM projects FINAL")[0]["n"] > 0:
        return None
    project_id = settings.init_project or DEFAULT_PROJECT
    if not project_exists(store, project_id):
        create_project(store, project_id)
    made, configured = {}, set()
    for scope, given in (("ingest", settings.init_ingest_key), ("admin", settings.init_admin_key)):
        if given is not None and keys.lookup(given) is not None:
            continue
        made[scope], _ = keys.create(project_id, (scope,), f"initial {scope} key", key=given)  # type: ignore[arg-type]  # the scope tuple holds a literal scope name, which mypy widens to str in the loop
        if given is not None:
            configured.add(scope)
    if not made:
        return None
    return Bootstrap(project_id, made.get("ingest"), made.get("admin"), frozenset(configured))
