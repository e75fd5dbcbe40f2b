"""What `telltale up` prints on a project's first start: its new keys, once, as a line to paste into a shell."""

from __future__ import annotations

import uuid

from telltale_server.services.auth.projects import Bootstrap


def first_start(first: Bootstrap, url: str) -> str:
    """The new keys as shell variables the README's commands use, and a first event that lands in the console's range.

    The event id is made here, fresh each time, so the command never collides with another example's event.
    """
    made = {"ingest": first.ingest_key, "admin": first.admin_key}
    keys = {scope: key for scope, key in made.items() if key and scope not in first.configured}
    exports = [f"URL={url}", *(f"{scope.upper()}_KEY={key}" for scope, key in keys.items())]
    configured = [scope for scope in made if scope not in keys]
    event = (
        f'[{{"event_id": "{uuid.uuid4()}", "ts": "\'$(date -u +%FT%TZ)\'", "model": "gpt-4o-mini", '
        '"input": "hi", "output": "hello"}]'
    )
    lines = [
        "",
        f"  Project '{first.project_id}' is ready. Its new keys are shown this once: store them now.",
        "  Paste this line into your shell; the README's commands use these variables:",
        "",
        f"    export {' '.join(exports)}",
        "",
    ]
    if configured:
        names = ", ".join(f"{scope.upper()}_KEY" for scope in configured)
        lines += [f"  {names}: configured (TELLTALE_INIT_*), so not shown here; set them to those keys.", ""]
    lines += [
        "  Send an event:",
        f"    curl -H \"Authorization: Bearer $INGEST_KEY\" $URL/v1/inference -d '{event}'",
        "",
    ]
    return "\n".join(lines)
