"""A real `telltale up` with demo traffic and a firing alert, and a real headless Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

from telltale_server.services.demo.generator import DemoTraffic
from telltale_server.services.demo.sender import DemoSender
from telltale_server.streams.drift.windows import floor
from tests.support import drift
from tests.support.alerts import LOOPBACK_ALERTS, SECRET, Receiver
from tests.support.browser import CHROMIUM, FLAGS
from tests.support.server import INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

HOUR = timedelta(hours=1)
MONITOR = {"reference": {"windows": 1}, "segments": ["model"], "settle_s": 0, "window_s": 3600}
DATASET = {
    "name": "negative feedback or ungrounded, last 2 hours",
    "query": {
        "last": "2h",
        "match": "any",
        "feedback": {"negative": True},
        "evaluators": [{"evaluator": "groundedness", "labels": ["ungrounded"]}],
    },
}


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """Local mode with an hour of demo traffic evaluated, and an error-rate rule that fires on it."""
    srv = TelltaleServer(
        tmp_path_factory.mktemp("console") / "data",
        env={**LOOPBACK_ALERTS, "TELLTALE_DRIFT_INTERVAL_S": "1"},
    )
    srv.create_key("reader", "main", "read")
    srv.start()
    receiver = Receiver()
    end = datetime.now(UTC)
    drifting(srv, floor(end, 3600) - 3 * HOUR)
    sender = DemoSender(srv.url, INGEST_KEY)
    report = sender.send(DemoTraffic(seed=11).calls(400, end - timedelta(hours=1), end))
    sender.close()
    assert report.inference == 400 and report.rejected == 0
    srv.wait_processed()
    with srv.client() as client:
        rule = {
            "name": "errors in demo traffic",
            "metric": "error.rate",
            "comparator": ">",
            "threshold": 0.0,
            "window": "2h",
            "min_samples": 1,
            "channels": [{"type": "webhook", "url": receiver.url, "secret": SECRET}],
        }
        assert client.post("/v1/alert-rules", json=rule).status_code == 201
        wait_for(lambda: client.get("/v1/alerts", params={"state": "firing"}).json(), "a firing alert")
        made = client.post("/v1/datasets", json=DATASET)
        assert made.status_code == 201, made.text
        results = {"monitor": "hourly", "status": "drift", "from": (end - 4 * HOUR).isoformat()}
        wait_for(lambda: client.get("/v1/drift", params=results).json(), "a drift result", stall_s=240)
    yield srv
    srv.stop()
    receiver.close()


def drifting(srv: TelltaleServer, t0: datetime) -> None:
    """An hourly monitor per model, and two past hours of traffic where model-b's latency and answers shift."""
    with srv.client() as client:
        assert client.delete("/v1/drift/monitors/default").status_code == 204
        assert client.post("/v1/drift/monitors", json={"monitor_id": "hourly", "config": MONITOR}).status_code == 201
    calls = drift.events(400, t0, t0 + HOUR, seed=1)
    calls += drift.events(400, t0 + HOUR, t0 + 2 * HOUR, seed=2, shift=drift.Shift(latency=True, longer_answers=True))
    with srv.client(INGEST_KEY) as client:
        body = orjson.dumps([c.model_dump(mode="json", exclude_none=True) for c in calls])
        assert client.post("/v1/inference", content=body).status_code == 200


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API keeps an event loop running until it stops: it stops with this package, so later
    tests can use asyncio.run again."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/test does it)")
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        yield p


@pytest.fixture
def context(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: nothing signed in, nothing cached."""
    ctx = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=FLAGS,
        viewport={"width": 1280, "height": 900},
    )
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, console: TelltaleServer) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(20_000)
    return page
