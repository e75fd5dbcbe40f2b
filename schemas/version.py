"""The installed server's version, stamped on everything Telltale derives so a reader knows what made it."""

from __future__ import annotations

from functools import cache
from importlib import metadata


@cache
def server_version() -> str:
    """`telltale-server <version>`, or 'unknown' when running from a tree that is not installed."""
    try:
        return f"telltale-server {metadata.version('telltale-server')}"
    except metadata.PackageNotFoundError:
        return "telltale-server unknown"
