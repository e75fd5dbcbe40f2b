"""Cross-cutting request dependencies: the runtime, and the API key that names the project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from telltale_server.services.auth.keys import ApiKey, Scope
from telltale_server.services.metrics.catalog import Filters
from telltale_server.services.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tt_...`")


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def require(scope: Scope, *alternatives: Scope) -> Callable[..., ApiKey]:
    """A dependency that admits a live key with `scope` or one of the `alternatives` (admin implies all)."""

    def check(
        runtime: Annotated[Runtime, Depends(runtime)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise HTTPException(401, "missing API key: send `Authorization: Bearer <key>`", _challenge())
        key = runtime.keys.lookup(credentials.credentials)
        if key is None:
            raise HTTPException(401, "invalid, revoked or expired API key", _challenge())
        if not any(key.allows(wanted) for wanted in (scope, *alternatives)):
            wanted = " or ".join(f"`{name}`" for name in (scope, *alternatives))
            raise HTTPException(403, f"this key lacks the {wanted} scope (it has: {', '.join(key.scopes)})")
        return key

    return check


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}


def label_filters(
    model: Annotated[list[str] | None, Query()] = None,
    route: Annotated[list[str] | None, Query()] = None,
    prompt_version: Annotated[list[str] | None, Query()] = None,
    environment: Annotated[list[str] | None, Query()] = None,
    tags: Annotated[list[str] | None, Query(description="Events must carry all of these tags.")] = None,
) -> Filters:
    """The label filters a metric or event query takes: each label one of the listed values, every tag present."""
    return Filters(
        model=model or [],
        route=route or [],
        prompt_version=prompt_version or [],
        environment=environment or [],
        tags=tags or [],
    )
