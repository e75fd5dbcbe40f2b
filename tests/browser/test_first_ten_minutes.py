"""A new user's first ten minutes, in a real headless Chromium against a first `telltale up --demo`: sign in, see the
demo's firing alerts, open an ungrounded answer, keep it in a dataset with a corrected answer, create a rule and get
its test notification on a loopback webhook, create a drift monitor, open the answer's trace and session.
Screenshots of every step are kept in test-artifacts/browser/ (CI keeps them)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from telltale_server.services.alerts.channels.signature import verify
from tests.support.alerts import LOOPBACK_ALERTS, SECRET, Receiver
from tests.support.browser import screenshot, sign_in
from tests.support.demo_server import start_demo
from tests.support.server import TelltaleServer
from tests.support.waiting import wait_for

UNGROUNDED = "groundedness.score:ungrounded"
CORRECTED = "Backups stay in the workspace's region; see Data residency."


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """A first start with the demo's hour of traffic scored and its alerts firing (this module's server)."""
    env = {**LOOPBACK_ALERTS, "TELLTALE_DRIFT_ENABLED": "false"}
    server = start_demo(tmp_path_factory.mktemp("first") / "data", 1500, env)
    try:
        with server.client() as admin:

            def firing() -> list[dict]:
                return admin.get("/v1/alerts", params={"state": "firing"}).json()

            def evaluated() -> str | None:
                return max((a["evaluated_at"] for a in admin.get("/v1/alerts").json()), default=None)

            wait_for(firing, "a firing demo alert", progress=evaluated, stall_s=120)
        yield server
    finally:
        server.stop()


def test_a_new_users_first_ten_minutes(page: Page, console: TelltaleServer, receiver: Receiver) -> None:
    sign_in(page, console.url)
    wrong = page.get_by_role("region", name="What is wrong")
    expect(wrong.get_by_role("region", name="Firing alerts")).to_contain_text(re.compile(r"[1-9]\d* firing"))
    screenshot(page, "first-1-overview")

    page.goto(f"{console.url}/#/configure/dataset")
    page.get_by_label("Name", exact=True).fill("answers to check")
    page.get_by_label("Last", exact=True).fill("2h")
    page.get_by_role("button", name="Create dataset").click()
    expect(page.get_by_role("heading", name=re.compile("answers to check"))).to_be_visible()

    page.goto(f"{console.url}/#/events?label={UNGROUNDED}")
    page.locator("a[aria-label^='Event ']").first.click()
    expect(page.get_by_text(UNGROUNDED).first).to_be_visible()
    screenshot(page, "first-2-ungrounded-event")
    event_url = page.url
    form = page.get_by_role("form", name="Add to a dataset")
    form.get_by_label("Dataset").select_option(label="answers to check")
    form.get_by_label("Label").fill("ungrounded")
    form.get_by_label("Corrected answer (ground truth)").fill(CORRECTED)
    form.get_by_role("button", name="Add to dataset").click()
    expect(form.get_by_role("status")).to_contain_text("saved")
    form.get_by_role("link", name="Open the draft").click()
    expect(page.get_by_role("table", name=re.compile("First 20 items"))).to_contain_text(CORRECTED)
    screenshot(page, "first-3-dataset-draft")

    page.goto(f"{console.url}/#/configure/rule")
    page.get_by_label("Name", exact=True).fill("ungrounded answers, all models")
    page.get_by_label("Metric", exact=True).select_option("groundedness.ungrounded_rate")
    page.get_by_label("Window", exact=True).fill("30m")
    page.get_by_label("Threshold", exact=True).fill("0.1")
    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("Signing secret", exact=True).fill(SECRET)
    expect(page.locator(".preview-body [data-fired]")).to_be_attached()
    page.get_by_role("button", name="Send test", exact=True).click()
    expect(page.get_by_role("list", name="Test sends")).to_contain_text("delivered (HTTP 200)")
    [got] = wait_for(lambda: [r for r in receiver.received if r.json().get("reason") == "test"], "the test send")
    assert verify(SECRET, got.body, got.headers["telltale-signature"])
    screenshot(page, "first-4-rule-preview")
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("heading", name="Alert rule: ungrounded answers, all models")).to_be_visible()

    page.goto(f"{console.url}/#/configure/monitor")
    page.get_by_label("Monitor id", exact=True).fill("per-route")
    page.get_by_label("Window (seconds)", exact=True).fill("900")
    page.get_by_label("Segments", exact=True).fill("route")
    page.get_by_role("button", name="Create monitor").click()
    expect(page.get_by_role("heading", name="Drift monitor: per-route")).to_be_visible()
    screenshot(page, "first-5-monitor")

    page.goto(event_url)
    page.locator("a[href^='#/traces/']").first.click()
    expect(page.get_by_role("heading", name="Trace", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name="Spans of the trace").locator("tbody tr")).not_to_have_count(0)
    screenshot(page, "first-6-trace")
    page.goto(event_url)
    page.locator("a[href^='#/sessions/']").first.click()
    expect(page.get_by_role("heading", name="Session", exact=True)).to_be_visible()
    expect(page.locator("article.turn[aria-current='true']")).to_have_count(1)
    screenshot(page, "first-7-session")
