"""The API documentation at /docs (Swagger UI), with every asset served from an installed package.

Swagger UI's files come from the `fastapi-offline` distribution (pinned in pyproject.toml; only its files
are used), so the page works without a network; it has no inline script, so it keeps the console's strict
Content-Security-Policy.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

from telltale_server.services.api import security

ASSET_ROUTE = "/docs/assets"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon.png": "image/png",
}
"""Served name (as the file is called in fastapi_offline/static) -> media type."""

SWAGGER_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telltale API</title>
<link rel="icon" href="{ASSET_ROUTE}/favicon.png">
<link rel="stylesheet" href="{ASSET_ROUTE}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSET_ROUTE}/swagger-ui-bundle.js"></script>
<script src="{ASSET_ROUTE}/swagger-init.js"></script>
</body>
</html>
"""

SWAGGER_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""
"""FastAPI's own Swagger UI settings, as a file: the strict CSP allows no inline script."""

router = APIRouter(include_in_schema=False)


def asset_path(name: str) -> Path | None:
    """The installed file behind a served asset name, or None for a name that is not one."""
    spec = importlib.util.find_spec("fastapi_offline")
    if name not in ASSETS or spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static" / name


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    return HTMLResponse(SWAGGER_PAGE, headers=security.CONSOLE)


@router.get(f"{ASSET_ROUTE}/swagger-init.js")
async def swagger_init() -> Response:
    return Response(SWAGGER_INIT, media_type="text/javascript", headers=security.CONSOLE)


@router.get(ASSET_ROUTE + "/{name}")
async def asset(name: str) -> FileResponse:
    """Swagger UI's files, from the installed package."""
    path = asset_path(name)
    if path is None or not path.is_file():
        raise HTTPException(404, "no such documentation asset")
    return FileResponse(
        path, media_type=ASSETS[name], headers={**security.CONSOLE, "Cache-Control": "public, max-age=86400"}
    )
