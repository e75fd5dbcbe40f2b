"""The console: a static page at `/` and its assets from dashboards/console/, served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

CONSOLE_DIR = Path(__file__).resolve().parents[3] / "dashboards" / "console"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
}

REPORT_HEADERS = {
    **HEADERS,
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'; "
    "base-uri 'none'",
}
"""The drift report viewer writes Evidently's page, inline scripts and styles included, into itself."""

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
    headers = REPORT_HEADERS if name == "report.html" else HEADERS
    return FileResponse(path, media_type=TYPES[path.suffix], headers=headers)
