"""Evidently's HTML report, stored without the 3.5 MB script and font it inlines: the API serves those once.

The library's own files are located through the installed package (no import of evidently, no network),
so the report page loads them from Telltale at `ASSET_ROUTE`.
"""

from __future__ import annotations

import base64
import importlib.util
from functools import cache
from pathlib import Path

ASSET_ROUTE = "/v1/drift/assets"
ASSETS = {"evidently.js": "index.js", "material-ui-icons.woff2": "material-ui-icons.woff2"}
"""Served name -> file name inside evidently's nbextension/static folder."""


def asset_path(name: str) -> Path | None:
    """The installed file behind a served asset name, or None for a name that is not one."""
    file = ASSETS.get(name)
    spec = importlib.util.find_spec("evidently")
    if file is None or spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "nbextension" / "static" / file


def slim(html: str) -> str:
    """The report with its inlined library and font replaced by links to the served copies."""
    script, font = _inlined()
    html = html.replace(f"<script>{script}</script>", f'<script src="{ASSET_ROUTE}/evidently.js"></script>', 1)
    return html.replace(
        f"url(data:font/ttf;base64,{font}) format('woff2');",
        f"url({ASSET_ROUTE}/material-ui-icons.woff2) format('woff2');",
        1,
    )


@cache
def _inlined() -> tuple[str, str]:
    """The exact text Evidently inlines: its script, and its font in base64."""
    script, font = asset_path("evidently.js"), asset_path("material-ui-icons.woff2")
    assert script is not None and font is not None, "evidently is not installed"
    return script.read_text(encoding="utf-8"), base64.b64encode(font.read_bytes()).decode()
