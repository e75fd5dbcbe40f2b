"""Fixtures for the SDK tests: one server for the package, and clients that are always closed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import telltale
from tests.sdk_python.support import MakeClient
from tests.support.server import INGEST_KEY, TelltaleServer


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """One `telltale up` for all SDK tests (overrides the per-module fixture: starting one costs seconds)."""
    srv = TelltaleServer(tmp_path_factory.mktemp("sdk-server") / "data").start()
    yield srv
    srv.stop()


@pytest.fixture
def make_client(request: pytest.FixtureRequest) -> Iterator[MakeClient]:
    """Clients for the module's `server` (unless `url` is given), with a short flush interval."""
    clients: list[telltale.Client] = []

    def make(**options: Any) -> telltale.Client:
        if "url" not in options and "transport" not in options:
            options["url"] = request.getfixturevalue("server").url
        options.setdefault("api_key", INGEST_KEY)
        options.setdefault("flush_interval", 0.05)
        client = telltale.Client(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close(timeout=1)
