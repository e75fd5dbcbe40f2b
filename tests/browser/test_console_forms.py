"""Creating and editing from the console in a real headless Chromium: a rule with its preview and a test send to a
loopback webhook, a silence, a drift monitor, a dataset spec's live count, an evaluator policy, the API's field
errors next to their fields, and drift as a heatmap and a timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from telltale_server.services.alerts.channels.signature import verify
from tests.support.alerts import SECRET, Receiver
from tests.support.browser import screenshot, sign_in
from tests.support.server import TelltaleServer
from tests.support.waiting import wait_for


def open_form(page: Page, console: TelltaleServer, path: str) -> None:
    sign_in(page, console.url)
    page.goto(f"{console.url}/#/configure/{path}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def field(page: Page, label: str) -> Locator:
    """The wrapper of the field labelled `label`: its control, hint and error."""
    return page.locator("div.field").filter(has=page.get_by_label(label, exact=True))


def test_create_a_rule_with_a_preview_and_a_test_send_that_arrives(
    page: Page, console: TelltaleServer, receiver: Receiver
) -> None:
    open_form(page, console, "rule")
    page.get_by_label("Name", exact=True).fill("errors, from the console")
    page.get_by_label("Metric", exact=True).select_option("error.rate")
    page.get_by_label("Window", exact=True).fill("1h")
    page.get_by_label("Min samples", exact=True).fill("1")
    page.get_by_label("Threshold", exact=True).fill("0")
    preview = page.locator(".preview-body [data-fired]")
    expect(preview).to_contain_text(re.compile(r"Would have fired \d+ time"))
    assert int(preview.get_attribute("data-fired") or 0) >= 1
    expect(page.locator(".preview-body figure.chart svg path").first).to_be_visible()
    expect(page.locator(".preview-body svg.strip rect.span-firing").first).to_be_attached()
    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("Signing secret", exact=True).fill(SECRET)
    page.get_by_role("button", name="Send test", exact=True).click()
    expect(page.get_by_role("list", name="Test sends")).to_contain_text("delivered (HTTP 200)")
    got = wait_for(lambda: [r for r in receiver.received if r.json().get("reason") == "test"], "the test notification")[
        0
    ]
    assert verify(SECRET, got.body, got.headers["telltale-signature"])
    assert got.json()["status"] == "firing"
    screenshot(page, "rule-form-preview")
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("heading", name="Alert rule: errors, from the console")).to_be_visible()
    with console.client() as client:
        [made] = [r for r in client.get("/v1/alert-rules").json() if r["name"] == "errors, from the console"]
    assert made["window"] == "1h" and made["threshold"] == 0 and made["channels"][0]["url"] == receiver.url
    page.get_by_role("button", name="Send test to the saved channels").click()
    expect(page.get_by_role("list", name="Test sends")).to_contain_text("delivered (HTTP 200)")
    wait_for(lambda: len([r for r in receiver.received if r.json().get("reason") == "test"]) == 2, "a saved-rule test")


def test_an_invalid_rule_shows_each_api_error_next_to_its_field(page: Page, console: TelltaleServer) -> None:
    open_form(page, console, "rule")
    page.get_by_label("Name", exact=True).fill("broken")
    page.get_by_label("Threshold", exact=True).fill("high")
    page.get_by_label("Window", exact=True).fill("5 minutes")
    page.get_by_label("URL", exact=True).fill("https://hooks.example.com/telltale")
    page.get_by_label("Signing secret", exact=True).fill("short")
    page.get_by_role("button", name="Create rule").click()
    expect(field(page, "Threshold").locator(".field-error")).to_contain_text("valid number")
    expect(field(page, "Window").locator(".field-error")).to_contain_text("not a duration")
    expect(field(page, "Signing secret").locator(".field-error")).to_contain_text("at least 16")
    expect(page.get_by_label("Threshold", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Name").locator(".field-error")).to_be_empty()
    screenshot(page, "rule-form-errors")
    with console.client() as client:
        assert not [r for r in client.get("/v1/alert-rules").json() if r["name"] == "broken"]


def test_create_a_silence_and_see_a_router_made_error_at_its_field(page: Page, console: TelltaleServer) -> None:
    open_form(page, console, "silence")
    page.locator("[name='matchers.0.name']").fill("model")
    page.locator("[name='matchers.0.value']").fill("gpt-4o")
    page.get_by_label("Starts (UTC)", exact=True).fill("2030-01-02T00:00")
    page.get_by_label("Ends (UTC)", exact=True).fill("2030-01-01T00:00")
    page.get_by_role("button", name="Create silence").click()
    expect(field(page, "Ends (UTC)").locator(".field-error")).to_contain_text("must be after")
    page.get_by_label("Starts (UTC)", exact=True).fill("")
    page.get_by_label("Ends (UTC)", exact=True).fill("2031-01-01T00:00")
    page.get_by_label("Comment", exact=True).fill("from the console")
    page.get_by_role("button", name="Create silence").click()
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    row = page.get_by_role("table", name="Silences").get_by_role("row").filter(has_text="from the console")
    expect(row).to_contain_text("model=gpt-4o")
    expect(row).to_contain_text("2031-01-01 00:00:00 UTC")


def test_create_a_drift_monitor_and_edit_it(page: Page, console: TelltaleServer) -> None:
    open_form(page, console, "monitor")
    page.get_by_label("Monitor id", exact=True).fill("console-made")
    page.get_by_label("Window (seconds)", exact=True).fill("5")
    page.get_by_label("Segments", exact=True).fill("model, colour")
    page.get_by_role("button", name="Create monitor").click()
    expect(field(page, "Window (seconds)").locator(".field-error")).to_contain_text("greater than or equal to 60")
    expect(field(page, "Segments").locator(".field-error")).to_contain_text("model")
    page.get_by_label("Window (seconds)", exact=True).fill("1800")
    page.get_by_label("Segments", exact=True).fill("model")
    page.get_by_role("button", name="Create monitor").click()
    expect(page.get_by_role("heading", name="Drift monitor: console-made")).to_be_visible()
    page.get_by_label("Drift share", exact=True).fill("1.5")
    page.get_by_role("button", name="Save monitor").click()
    expect(field(page, "Drift share").locator(".field-error")).to_contain_text("less than or equal to 1")
    page.get_by_label("Drift share", exact=True).fill("0.5")
    page.get_by_role("button", name="Save monitor").click()
    expect(page.get_by_role("status").filter(has_text="Saved monitor console-made")).to_be_visible()
    screenshot(page, "monitor-form")
    with console.client() as client:
        [made] = [m for m in client.get("/v1/drift/monitors").json() if m["monitor_id"] == "console-made"]
    assert made["config"]["window_s"] == 1800 and made["config"]["segments"] == ["model"]
    assert made["config"]["drift_share"] == 0.5


def test_a_dataset_spec_shows_its_matching_count_as_it_changes(page: Page, console: TelltaleServer) -> None:
    open_form(page, console, "dataset")
    count = page.get_by_role("status", name="Matching events")
    expect(count).to_contain_text(re.compile(r"[1-9][\d,]* stored event\(s\) match now"))
    page.get_by_label("Models", exact=True).fill("no-such-model")
    expect(count).to_contain_text(re.compile(r"^0 stored event"))
    page.get_by_label("Last", exact=True).fill("forever")
    expect(field(page, "Last").locator(".field-error")).to_contain_text("not a duration")
    page.get_by_label("Last", exact=True).fill("2h")
    page.get_by_label("Models", exact=True).fill("")
    page.get_by_label("Name", exact=True).fill("made in the console")
    page.get_by_role("button", name="Create dataset").click()
    expect(page.get_by_role("heading", name=re.compile("made in the console"))).to_be_visible()


def test_an_evaluator_policy_is_saved_and_checked(page: Page, console: TelltaleServer) -> None:
    open_form(page, console, "evaluator/groundedness")
    page.get_by_label("Sample rate", exact=True).fill("2")
    page.get_by_role("button", name="Save policy").click()
    expect(field(page, "Sample rate").locator(".field-error")).to_contain_text("less than or equal to 1")
    page.get_by_label("Sample rate", exact=True).fill("1")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_role("status").filter(has_text="Saved: on for 100% of events")).to_be_visible()


def test_drift_is_a_heatmap_and_a_timeline_that_open_the_report(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(f"{console.url}/#/drift?monitor=hourly")
    cells = page.locator("svg.heatmap a[data-segment='model=model-b'][data-status='drift']")
    expect(cells.first).to_be_attached()
    drifted = {cells.nth(i).get_attribute("data-signal") for i in range(cells.count())}
    assert "latency_ms" in drifted
    expect(page.locator("svg.timeline a[data-segment='model=model-b']").first).to_be_attached()
    assert page.locator("tr[data-result]").count() == 0, "no long table any more"
    screenshot(page, "drift-heatmap")
    page.locator("svg.heatmap a[data-segment='model=model-b'][data-signal='latency_ms']").first.click()
    report = page.frame_locator("iframe.report")
    expect(report.locator("body")).to_contain_text(re.compile("drift", re.I))


@pytest.mark.parametrize("path", ["rule", "silence", "monitor", "dataset", "evaluator/groundedness"])
def test_every_control_of_every_form_is_labelled(page: Page, console: TelltaleServer, path: str) -> None:
    open_form(page, console, path)
    page.wait_for_load_state("networkidle")
    unlabelled = """() => [...document.querySelectorAll('#view input, #view select, #view textarea, #view button')]
        .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
        .map(c => c.outerHTML)"""
    assert page.evaluate(unlabelled) == []
    assert page.locator("#view svg:not([role])").count() == 0
