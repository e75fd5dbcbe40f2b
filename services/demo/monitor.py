"""The drift monitor `telltale up --demo` installs: windows short enough to show the demo's shift in an hour."""

from __future__ import annotations

from telltale_server.schemas.store import Store
from telltale_server.streams.drift.config import MonitorConfig, Reference
from telltale_server.streams.drift.monitors import StoredMonitors

MONITOR_ID = "demo"
CONFIG = MonitorConfig(
    name="Demo traffic: 10-minute windows against the 30 minutes before",
    window_s=600,
    reference=Reference(kind="trailing", windows=3),
    segments=["model", "route"],
    min_samples=30,
    settle_s=20,
)
SHIFT_AT = 0.6
"""The demo's history drifts from this fraction of its span on (and so does the live traffic after it)."""


def install(store: Store, project_id: str) -> None:
    """Add the demo monitor (on the project's first start only, so a user's edits and deletions stay)."""
    StoredMonitors(store).put(project_id, MONITOR_ID, CONFIG)
