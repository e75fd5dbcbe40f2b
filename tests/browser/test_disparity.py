"""The disparity view in a real headless Chromium against a real `telltale up`: Spanish-speaking users' calls
fail more often than the rest, and the view says so; an attribute the project watches is a choice of groups."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import screenshot, sign_in, view_link
from tests.support.disparity import calls
from tests.support.server import INGEST_KEY, TelltaleServer


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    srv = TelltaleServer(
        tmp_path_factory.mktemp("disparity-console") / "data", env={"TELLTALE_EVALUATORS": '["usage","language"]'}
    )
    srv.create_key("reader", "main", "read")
    srv.start()
    with srv.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", json=calls(40, 160, ("free", "pro", "enterprise"))).status_code == 200
    with srv.client() as admin:
        assert admin.put("/v1/disparity/settings", json={"attributes": ["plan"]}).status_code == 200
    srv.wait_processed()
    yield srv
    srv.stop()


def test_the_group_served_worse_stands_out(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url, console.keys["reader"])
    view_link(page, "Disparity").click()
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
