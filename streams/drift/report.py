"""Evidently's HTML report, made safe to store and serve: its data can never become markup, its library is served once.

Evidently 0.7 embeds the report's data as `json.dumps` output in an inline `<script>`, so a value such as a
model named `</script><script>...` would close that script and run as code. `prepare` re-encodes the `<`, `>`,
`&` (and U+2028/U+2029) inside the two data lines as JSON escapes — the same values for the report's code,
no markup for the HTML parser — and refuses a page whose layout it does not recognise. It also replaces
the 3.5 MB script and font Evidently inlines with links to copies the API serves at `ASSET_ROUTE`,
located through the installed package (no import of evidently, no network).
"""

from __future__ import annotations

import base64
import importlib.util
import re
from functools import cache
from pathlib import Path

ASSET_ROUTE = "/v1/drift/assets"
ASSETS = {"evidently.js": "index.js", "material-ui-icons.woff2": "material-ui-icons.woff2"}
"""Served name -> file name inside evidently's nbextension/static folder."""

_DATA_LINE = re.compile(r"^(\s*var (?:additional_graphs_)?metric_[0-9a-f]{32} = )(.*)(;)$", re.MULTILINE)
"""The two lines of Evidently's template that carry data: `var <id> = <json>;` (json.dumps writes no newline)."""
_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_SCRIPTS = 4
"""Script elements in Evidently's page: the data, `var global`, the library and the call that draws."""


class UnsafeReportError(ValueError):
    """The page does not have the layout `prepare` knows how to make safe; it is not stored or served."""


def prepare(html: str) -> str:
    """The report to store: its data escaped, its inlined library and font replaced by the served copies."""
    return escape_data(_slim(html))


def escape_data(html: str) -> str:
    """The page with its embedded JSON unable to close the script (idempotent, so stored pages can pass again)."""
    html, found = _DATA_LINE.subn(lambda m: m[1] + m[2].translate(_JSON_ESCAPES) + m[3], html)
    scripts = len(re.findall(r"<script\b", html, re.IGNORECASE))
    ends = len(re.findall(r"</script\b", html, re.IGNORECASE))
    if found != 2 or scripts != _SCRIPTS or ends != _SCRIPTS:
        raise UnsafeReportError(
            f"unrecognised Evidently report layout ({found} data lines, {scripts} scripts, {ends} script ends)"
        )
    return html


def asset_path(name: str) -> Path | None:
    """The installed file behind a served asset name, or None for a name that is not one."""
    file = ASSETS.get(name)
    spec = importlib.util.find_spec("evidently")
    if file is None or spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "nbextension" / "static" / file


def _slim(html: str) -> str:
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
