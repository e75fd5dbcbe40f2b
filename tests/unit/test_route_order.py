"""Which endpoint answers a path must not depend on the order routes were added in."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from starlette.routing import Match

from telltale_server.services.api.routers import metrics, timeseries, worsened


def _endpoint(app: FastAPI, path: str) -> str:
    """The name of the first route that fully matches a GET of `path`, as Starlette picks it."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
    for route in app.router.routes:
        if route.matches(scope)[0] is Match.FULL:
            return route.endpoint.__name__  # type: ignore[attr-defined]
    return "none"


@pytest.mark.parametrize("order", [list, reversed])
def test_the_summary_is_never_taken_for_a_metric(order: type) -> None:
    app = FastAPI()
    app.router.routes.extend(order([*metrics.router.routes, *timeseries.router.routes, *worsened.router.routes]))
    assert _endpoint(app, "/v1/metrics/summary") == "summary"
    assert _endpoint(app, "/v1/metrics/worsened") == "worse_segments"
    assert _endpoint(app, "/v1/metrics/error.rate") == "query"
    assert _endpoint(app, "/v1/metrics/drift.model.score") == "query"
