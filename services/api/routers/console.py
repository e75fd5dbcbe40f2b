"""The console: a static page at `/` and its assets from dashboards/console/, served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from telltale_server.services.api import security

CONSOLE_DIR = Path(__file__).resolve().parents[3] / "dashboards" / "console"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
SANDBOXED = {"report-frame.html"}
"""The page a drift report is written into: it gets the report's sandbox, never the console's origin."""
router = APIRouter(include_in_schema=False)


def _assets() -> dict[str, Path]:
    """Every servable file by its path under the console folder, so a request can only name one of them."""
    return {
        path.relative_to(CONSOLE_DIR).as_posix(): path
        for path in CONSOLE_DIR.rglob("*")
        if path.is_file() and path.suffix in TYPES
    }


ASSETS = _assets()


@router.get("/")
async def index() -> FileResponse:
    """The console's single page; the views load their data from the API with the signed-in key."""
    return _file("index.html")


@router.get("/console/{name:path}")
async def asset(name: str) -> FileResponse:
    return _file(name)


def _file(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(404, "no such console file")
    headers = security.SANDBOXED_REPORT if name in SANDBOXED else security.CONSOLE
    return FileResponse(path, media_type=TYPES[path.suffix], headers=headers)
