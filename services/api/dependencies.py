"""Cross-cutting request dependencies: the runtime, and the API key that names the project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.auth.keys import ApiKey, Scope
from services.runtime import Runtime

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tt_...`")


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def require(scope: Scope) -> Callable[..., ApiKey]:
    """A dependency that admits a live key with `scope` (admin implies all) and yields it."""

    def check(
        runtime: Annotated[Runtime, Depends(runtime)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
            raise HTTPException(401, "missing API key: send `Authorization: Bearer <key>`", _challenge())
        key = runtime.keys.lookup(credentials.credentials)
        if key is None:
            raise HTTPException(401, "invalid, revoked or expired API key", _challenge())
        if not key.allows(scope):
            raise HTTPException(403, f"this key lacks the `{scope}` scope (it has: {', '.join(key.scopes)})")
        return key

    return check


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}
