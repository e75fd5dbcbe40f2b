"""Shared fixtures: a real local-mode server process, and an in-process runtime on the embedded store."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.alerts import Receiver
from tests.support.server import TelltaleServer

if TYPE_CHECKING:
    from telltale_server.services.runtime import Runtime

os.environ.setdefault("TELLTALE_EVALUATOR_NICE", "0")
"""Tests check behaviour, not priorities: evaluator processes below the priority of a busy CI machine's other
jobs would crawl (every server and runtime the tests start inherits this)."""

TESTS = Path(__file__).parent
TIER_OF_FOLDER = {"integration": "process", "sdk_python": "process", "kafka": "broker", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test by what it starts: its folder says which processes, the `runtime` fixture the store."""
    for item in items:
        for folder in item.path.relative_to(TESTS).parts[:-1]:
            if folder in TIER_OF_FOLDER:
                item.add_marker(TIER_OF_FOLDER[folder])
        if "runtime" in getattr(item, "fixturenames", ()):
            item.add_marker("store")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """A `telltale up` process shared by the tests of one module."""
    srv = TelltaleServer(tmp_path_factory.mktemp("server") / "data")
    srv.create_key("reader", "main", "read")
    srv.create_key("other", "other", "ingest,read")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback shared by the tests of one module."""
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """Local mode's parts in this process (chDB allows one data directory per process, so one per session)."""
    from telltale_server.schemas.settings import Settings
    from telltale_server.services.runtime import open_local

    rt = open_local(Settings(data_dir=tmp_path_factory.mktemp("inproc")))
    yield rt
    rt.close()


@pytest.fixture
def project() -> str:
    """A fresh project id, so tests on the shared in-process store never see each other's rows."""
    return f"p-{uuid.uuid4().hex[:12]}"
