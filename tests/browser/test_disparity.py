"""The disparity view in a real headless Chromium against a real `telltale up`: Spanish-speaking users' calls
fail more often than the rest, and the view says so; an attribute the project watches is a choice of groups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import screenshot, sign_in
from tests.support.events import inference
from tests.support.server import INGEST_KEY, TelltaleServer

SPANISH = "¿Cuánto tiempo tardan los reembolsos en llegar a mi tarjeta?"
ENGLISH = "How long do refunds take to reach my card?"


def _calls() -> list[dict[str, Any]]:
    """40 Spanish calls, half failed; 160 English calls, 1 in 20 failed; each with a plan."""
    now = datetime.now(UTC)
    calls = []
    mix = [(SPANISH, i % 2 == 0) for i in range(40)] + [(ENGLISH, i % 20 == 0) for i in range(160)]
    for i, (question, failed) in enumerate(mix):
        event = inference(
            ts=(now - timedelta(minutes=20, seconds=i)).isoformat(),
            input=[{"role": "user", "content": question}],
            attributes={"plan": ("free", "pro", "enterprise")[i % 3]},
        )
        if failed:
            event.update(status="error", error="RateLimitError", output=None)
        calls.append(event)
    return calls


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    srv = TelltaleServer(
        tmp_path_factory.mktemp("disparity-console") / "data", env={"TELLTALE_EVALUATORS": '["usage","language"]'}
    )
    srv.create_key("reader", "main", "read")
    srv.start()
    with srv.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", json=_calls()).status_code == 200
    with srv.client() as admin:
        assert admin.put("/v1/disparity/settings", json={"attributes": ["plan"]}).status_code == 200
    srv.wait_processed()
    yield srv
    srv.stop()


def test_the_group_served_worse_stands_out(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url, console.keys["reader"])
    page.get_by_role("navigation", name="Console views").get_by_role("link", name="Disparity").click()
    expect(page.get_by_role("heading", name="Disparity")).to_be_visible()
    page.get_by_label("Metric").select_option("error.rate")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"metric=error\.rate"))
    spanish = page.locator("tr[data-segment=es]")
    expect(spanish.locator("[data-verdict]")).to_have_text("higher")
    expect(spanish).to_contain_text("50%")
    expect(spanish).to_contain_text("40 / 160")
    expect(spanish).to_contain_text("10.00\u00d7")
    expect(page.locator("tr[data-segment=en] [data-verdict]")).to_have_text("lower")
    screenshot(page, "disparity")


def test_a_watched_attribute_and_too_few_calls_for_a_verdict(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(console.url + "/#/disparity?metric=error.rate&by=plan&min_samples=100")
    expect(page.get_by_label("Groups by")).to_have_value("plan")
    expect(page.locator("tr[data-segment]")).to_have_count(3)
    for plan in ("free", "pro", "enterprise"):
        expect(page.locator(f"tr[data-segment={plan}] [data-verdict]")).to_have_text("insufficient data")


def test_an_empty_range_says_why(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(console.url + "/#/disparity?metric=safety.pii.rate")
    expect(page.get_by_role("status").filter(has_text="No groups in this range")).to_be_visible()
