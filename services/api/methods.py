"""405 answers that name every method the path takes (Starlette names only the first route's on that path)."""

from __future__ import annotations

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match, Route


async def allow_every_method(request: Request, error: HTTPException) -> Response:
    """FastAPI's answer to an HTTP error, with a 405's `Allow` listing the methods of every route on the path."""
    if error.status_code == 405:
        routes = [route for route in request.app.state.routes if isinstance(route, Route)]
        methods = {
            method
            for route in routes
            if route.matches(request.scope)[0] != Match.NONE
            for method in route.methods or ()
        }
        error.headers = {**(error.headers or {}), "Allow": ", ".join(sorted(methods))}
    return await http_exception_handler(request, error)
