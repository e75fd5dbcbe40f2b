"""The console in a real headless Chromium against a real `telltale up` with demo traffic and a firing alert."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.browser import api, screenshot, sign_in, view_link
from tests.support.server import ADMIN_KEY, TelltaleServer

OVERVIEW_CHARTS = 7


def test_a_wrong_key_is_refused_and_a_right_one_signs_in(page: Page, console: TelltaleServer) -> None:
    page.goto(console.url + "/")
    page.get_by_label("API key").fill("tt_not_a_key_0000000000000000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Sign-in failed")
    expect(page.get_by_role("navigation", name="Console views")).to_be_hidden()
    page.get_by_label("API key").fill(ADMIN_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    screenshot(page, "signed-in")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API key")).to_be_visible()


def test_a_read_key_signs_in_too(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url, console.keys["reader"])
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_overview_draws_every_chart_with_data(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.get_by_label("Time range").select_option("6h")
    expect(page).to_have_url(re.compile("range=6h"))
    charts = page.locator("figure.chart[data-points]")
    expect(charts).to_have_count(OVERVIEW_CHARTS)
    for i in range(OVERVIEW_CHARTS):
        chart = charts.nth(i)
        assert int(chart.get_attribute("data-points") or 0) > 0, chart.inner_text()
        assert chart.locator("svg path").count() >= 1
    demo_and_drift_calls = 400 + 800
    expect(page.get_by_role("listitem").filter(has_text="Calls")).to_contain_text(f"{demo_and_drift_calls:,}")
    screenshot(page, "overview")


def test_overview_says_which_scores_are_not_in_yet(page: Page, console: TelltaleServer) -> None:
    """With scoring behind, the page says so and every score chart marks where it stops being complete; the
    status is this server's /v1/scoring answer made to show a backlog (the demo server has none left)."""
    behind = {
        "mode": "local",
        "backlog": 1234,
        "lag_seconds": 45.0,
        "unscored_from": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        "unscored": {"safety.toxicity": 12, "<img src=x onerror=alert(1)>": 3},
        "overload": "sample",
    }
    page.route("**/v1/scoring", lambda route: route.fulfill(json=behind))
    sign_in(page, console.url)
    status = page.get_by_role("status").filter(has_text="Scoring is behind")
    expect(status).to_contain_text("1,234 calls not scored yet")
    expect(status).to_contain_text("<img src=x onerror=alert(1)> 3")  # shown as text, never as markup
    expect(page.locator("figure.chart[data-points]")).to_have_count(OVERVIEW_CHARTS)
    marked = page.locator("figure.chart").filter(has=page.get_by_role("note"))
    expect(marked).to_have_count(3)  # cost, groundedness, safety flags: the charts of scores
    expect(marked.first).to_contain_text("Not scored yet from")
    assert page.locator("img[src=x]").count() == 0
    screenshot(page, "overview-behind")


def test_overview_filters_by_model(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(console.url + "/#/overview?range=6h")
    page.get_by_label("Model").select_option("gpt-4o")
    expect(page).to_have_url(re.compile(r"model=gpt-4o(&|$)"))
    expect(page.locator("figure.chart[data-points]")).to_have_count(OVERVIEW_CHARTS)
    tile = page.get_by_role("listitem").filter(has_text="Calls").locator(".value")
    expect(tile).to_have_text(re.compile(r"^[\d,]+$"))
    calls = int(tile.inner_text().replace(",", ""))
    [row] = [
        r
        for r in api(console, "/v1/metrics/summary", group_by="model", **{"from": "2000-01-01T00:00:00Z"}).json()[
            "rows"
        ]
        if r["group"] == "gpt-4o"
    ]
    assert 0 < calls == row["count"] < 400


def test_an_ungrounded_event_shows_its_unsupported_sentence(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    view_link(page, "Events").click()
    page.get_by_label("Evaluator label").select_option("groundedness.score:ungrounded")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile("label=groundedness.score%3Aungrounded"))
    rows = page.locator("tr[data-event]")
    expect(rows.first).to_be_visible()
    event_id = rows.first.get_attribute("data-event")
    rows.first.get_by_role("link").click()
    detail = api(console, f"/v1/inference/{event_id}").json()
    [grounded] = [e for e in detail["evaluations"] if (e["evaluator"], e["metric"]) == ("groundedness", "score")]
    sentences = [u["sentence"] for u in grounded["details"]["unsupported"]]
    marked = page.locator("mark.unsupported")
    expect(marked.first).to_be_visible()
    assert marked.all_inner_texts() == [s for s in sentences if s in detail["event"]["output"]]
    expect(page.locator("mark.closest").first).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Retrieved passages"))).to_be_visible()
    screenshot(page, "ungrounded-event")


def test_events_page_through_with_the_cursor(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(console.url + "/#/events")
    first = page.locator("tr[data-event]")
    expect(first).to_have_count(50)
    seen = set(first.evaluate_all("rows => rows.map(r => r.dataset.event)"))
    page.get_by_role("button", name="Older events").click()
    expect(page).to_have_url(re.compile("cursor="))
    expect(page.get_by_role("button", name="Newest")).to_be_visible()
    second = set(page.locator("tr[data-event]").evaluate_all("rows => rows.map(r => r.dataset.event)"))
    assert len(second) == 50 and not seen & second


def test_a_read_key_cannot_acknowledge_and_is_told_why(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url, console.keys["reader"])
    page.goto(console.url + "/#/alerts?state=firing")
    page.locator("tr[data-alert] a").first.click()
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status").filter(has_text="403")).to_be_visible()


def test_acknowledge_a_firing_alert(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    view_link(page, "Alerts").click()
    firing = page.locator("tr[data-alert]").filter(has_text="firing")
    expect(firing.first).to_be_visible()
    fingerprint = firing.first.get_attribute("data-alert")
    firing.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()
    page.get_by_label("Comment").first.fill("looking into it")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status").filter(has_text="Acknowledged")).to_be_visible()
    ack = api(console, f"/v1/alerts/{fingerprint}").json()["acknowledged"]
    assert ack is not None and ack["comment"] == "looking into it"
    screenshot(page, "alert-acknowledged")


def test_silence_an_alert_then_expire_it(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(console.url + "/#/alerts")
    page.locator("tr[data-alert] a").first.click()
    page.get_by_label("Silence for").select_option("1")
    page.get_by_role("button", name="Silence").click()
    expect(page.get_by_role("status").filter(has_text="Silenced until")).to_be_visible()
    [silence] = api(console, "/v1/silences", active="true").json()
    assert {"name": "rule_id", "value": silence["matchers"][0]["value"], "op": "="} in silence["matchers"]
    page.get_by_role("link", name="← All alerts").click()
    page.get_by_role("button", name=re.compile("Expire silence")).click()
    expect(page.get_by_text("(ended)")).to_be_visible()
    assert api(console, "/v1/silences", active="true").json() == []


def test_keyboard_reaches_the_navigation_and_enter_opens_a_view(page: Page, console: TelltaleServer) -> None:
    page.goto(console.url + "/")
    expect(page.get_by_label("API key")).to_be_focused()
    page.keyboard.type(ADMIN_KEY)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(view_link(page, "Overview")).to_be_focused()
    page.keyboard.press("Tab")
    expect(view_link(page, "Events")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    after_events = page.get_by_role("navigation", name="Console views").get_by_role("link").count() - 2
    for _ in range(after_events + 2):  # the rest of the navigation, sign-out, then the search box
        page.keyboard.press("Tab")
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()
    page.keyboard.type("refund")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("q=refund"))
    expect(page.locator("tr[data-event]").first).to_contain_text(re.compile("refund", re.I))


def test_the_skip_link_moves_focus_to_the_view_without_leaving_it(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(console.url + "/#/alerts")
    page.reload()
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    expect(page).to_have_url(re.compile("#/alerts$"))


def test_every_control_of_the_main_views_is_labelled(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    unlabelled = """() => [...document.querySelectorAll('#view input, #view select, #view textarea, #view button')]
        .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
        .map(c => c.outerHTML)"""
    for view in ("overview", "events", "drift", "alerts", "datasets"):
        page.goto(f"{console.url}/#/{view}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert page.evaluate(unlabelled) == [], view
        assert page.locator("#view img:not([alt]), #view svg:not([role])").count() == 0


def test_drift_results_per_segment_open_their_evidently_report(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    view_link(page, "Drift").click()
    page.get_by_label("Status", exact=True).select_option("drift")
    page.get_by_role("button", name="Show").click()
    drifted = page.locator("svg.heatmap a[data-segment='model=model-b'][data-signal='latency_ms']")
    expect(drifted.first).to_have_attribute("data-status", "drift")
    screenshot(page, "drift")
    drifted.first.click()
    report = page.frame_locator("iframe.report")
    expect(report.locator("body")).to_contain_text(re.compile("drift", re.I))
    expect(report.locator("#report-status")).to_have_count(0)
    screenshot(page, "drift-report")


def test_freeze_a_dataset_version_and_export_it(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    view_link(page, "Datasets").click()
    page.locator("tr[data-dataset] a").first.click()
    page.get_by_role("button", name="Freeze a new version").click()
    expect(page).to_have_url(re.compile(r"#/datasets/ds_\w+/\d+$"))
    version = page.locator("tr[data-version][aria-current]")
    expect(version).to_have_count(1)
    count = int(version.locator("td").nth(1).inner_text())
    assert count > 0
    expect(page.get_by_role("table", name=re.compile("First 20 items")).locator("tbody tr")).to_have_count(
        min(count, 20)
    )
    with page.expect_download() as info:
        page.get_by_role("button", name="Export JSONL (prompt flow)").click()
    lines = Path(info.value.path()).read_text().splitlines()
    assert len(lines) == count
    assert all({"question", "answer", "event_id"} <= set(json.loads(line)) for line in lines)
    expect(page.get_by_role("status").filter(has_text="Exported")).to_contain_text(f"{count} item(s)")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    assert info.value.suggested_filename.endswith(".csv")
    screenshot(page, "dataset-exported")
