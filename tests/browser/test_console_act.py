"""Acting from the console, in a real headless Chromium against a real `telltale up`: the overview leads with what
is wrong, an event goes into a dataset with its corrected answer, its trace and session open, a version's diff shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from playwright.sync_api import Page, expect

from tests.support.alerts import LOOPBACK_ALERTS, SECRET, Receiver
from tests.support.browser import api, screenshot, sign_in
from tests.support.events import feedback, inference
from tests.support.server import INGEST_KEY, TelltaleServer
from tests.support.waiting import wait_for

END = datetime.now(UTC)
HOUR = timedelta(hours=1)
SYSTEM = {"role": "system", "content": "You are the help-centre assistant."}
LONG = "https://help.example.com/" + "very-long-path-segment-" * 30
"""An unbroken line far wider than the page: items and examples must wrap or scroll inside their box."""


def calls(start: datetime, n: int, errors: int, latency_ms: float) -> list[dict[str, Any]]:
    """`n` calls over the 45 minutes from `start`, the first `errors` failed: the console's hour, which ends some
    minutes after END, holds them (and the hour before it the earlier ones) for ten minutes."""
    return [
        inference(
            ts=(start + timedelta(seconds=i * 2700 // n)).isoformat(),
            model="m-bad",
            route="support/answer",
            latency_ms=latency_ms,
            status="error" if i < errors else "ok",
            **({"error": "upstream timeout", "output": None} if i < errors else {}),
        )
        for i in range(n)
    ]


def span(at_ms: int, span_id: str, parent: str | None, route: str, latency_ms: float) -> dict[str, Any]:
    ts = END - timedelta(minutes=20) + timedelta(milliseconds=at_ms)
    return inference(
        ts=ts.isoformat(),
        trace_id="trace-checkout",
        span_id=span_id,
        parent_span_id=parent,
        route=route,
        latency_ms=latency_ms,
        input=[SYSTEM, {"role": "user", "content": f"step {route}"}],
    )


TREE = [span(0, "root", None, "agent", 1500), span(100, "plan", "root", "plan", 400)]
TREE += [span(150, "search", "plan", "retrieve", 120), span(700, "answer", "root", "answer", 600)]
QUESTIONS = ["How do refunds work?", f"And for annual plans, as on {LONG}?", "How do I cancel?"]
TURNS = [
    inference(
        ts=(END - timedelta(minutes=10 - i)).isoformat(),
        session_id="sess-42",
        user_id="u-9",
        model="gpt-4o-mini",
        input=[SYSTEM, {"role": "user", "content": question}],
        output=f"Answer: {question}",
    )
    for i, question in enumerate(QUESTIONS)
]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """This module's server, in place of the package's (whose `page` fixture then serves this one). Model m-bad
    fails this hour and not the hour before (an error-rate rule fires on it); a four-call trace; a session of three
    turns; a dataset of the first two turns (v1) and the third picked by hand (v2)."""
    srv = TelltaleServer(
        tmp_path_factory.mktemp("act") / "data",
        env={**LOOPBACK_ALERTS, "TELLTALE_DRIFT_ENABLED": "false"},
    )
    srv.create_key("reader", "main", "read")
    srv.create_key("other", "other", "read")
    srv.start()
    receiver = Receiver()
    events = calls(END - timedelta(minutes=110), 40, 0, 100) + calls(END - timedelta(minutes=50), 40, 20, 400)
    events += TREE + TURNS
    votes = [feedback(TURNS[1]["event_id"], value="down", comment="wrong plan")]
    with srv.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps(events)).json()["accepted"] == len(events)
        assert client.post("/v1/feedback", content=orjson.dumps(votes)).json()["accepted"] == 1
    srv.wait_processed()
    with srv.client() as client:
        rule = {
            "name": "m-bad errors",
            "metric": "error.rate",
            "comparator": ">",
            "threshold": 0.1,
            "window": "1h",
            "group_by": ["model"],
            "min_samples": 1,
            "channels": [{"type": "webhook", "url": receiver.url, "secret": SECRET}],
        }
        assert client.post("/v1/alert-rules", json=rule).status_code == 201
        first_two = {
            "start": (END - timedelta(minutes=11)).isoformat(),
            "end": (END - timedelta(minutes=8.5)).isoformat(),
        }
        query = {**first_two, "model": ["gpt-4o-mini"]}
        made = client.post("/v1/datasets", json={"name": "support answers", "query": query})
        assert made.status_code == 201, made.text
        path = f"/v1/datasets/{made.json()['id']}"
        assert client.post(f"{path}/versions").status_code == 201
        assert client.post(f"{path}/items", json={"event_ids": [events[-1]["event_id"]]}).status_code == 200
        assert client.post(f"{path}/versions").status_code == 201
        wait_for(lambda: client.get("/v1/alerts", params={"state": "firing"}).json(), "a firing alert")
    yield srv
    srv.stop()
    receiver.close()


def no_page_overflow(page: Page) -> None:
    """Nothing is wider than the page: only boxes that scroll their own content may hold wider content."""
    wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the page scrolls sideways by {wide}px"


def fits(page: Page, selector: str) -> None:
    """Each element's content is as wide as the element or narrower: nothing hidden behind a sideways scroll."""
    for element in page.locator(selector).all():
        inner, outer = element.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert inner <= outer, f"{selector} is {inner}px wide in a {outer}px box"


def test_the_overview_leads_with_what_is_wrong(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    wrong = page.get_by_role("region", name="What is wrong")
    alerts = wrong.get_by_role("region", name="Firing alerts")
    expect(alerts).to_contain_text("1 firing")
    expect(alerts.get_by_role("link", name="m-bad errors")).to_be_visible()
    worse = wrong.get_by_role("region", name="Got worse")
    expect(worse.locator("li[data-segment='model=m-bad'][data-metric='error.rate']")).to_contain_text("0.0% → 50%")
    expect(worse.locator("li[data-segment='model=m-bad'][data-metric='latency.p95']")).to_be_visible()
    expect(worse).to_contain_text("against the previous hour")
    expect(wrong.get_by_role("region", name="Scoring lag")).to_contain_text("Scoring is caught up")
    box = wrong.bounding_box()
    first_chart = page.locator("figure.chart").first.bounding_box()
    assert box and first_chart and box["y"] < first_chart["y"]
    screenshot(page, "act-overview-what-is-wrong")
    alerts.get_by_role("link", name="m-bad errors").click()
    expect(page.get_by_role("heading", name="Delivery log")).to_be_visible()


def test_a_worse_segment_opens_the_overview_filtered_to_it(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.locator("li[data-segment='model=m-bad'][data-metric='error.rate'] a").click()
    expect(page).to_have_url(re.compile(r"model=m-bad"))
    expect(page.get_by_label("Model")).to_have_value("m-bad")


def test_the_last_bucket_is_partial_and_rate_axes_stop_at_one(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    charts = page.locator("figure.chart[data-points]")
    expect(charts).to_have_count(7)
    for chart in charts.all():
        assert chart.get_attribute("data-partial"), chart.inner_text()
    volume = charts.filter(has=page.get_by_role("heading", name="Volume (calls)"))
    expect(volume.locator("rect.partial-band")).to_have_count(1)
    expect(volume.locator("text.partial-label")).to_have_text("partial")
    expect(volume.get_by_role("img")).to_have_attribute("aria-label", re.compile(r"\(partial bucket\)"))
    errors = charts.filter(has=page.get_by_role("heading", name="Error rate"))
    axis = errors.locator("svg > text").all_text_contents()
    assert "100%" in axis and not any(re.fullmatch(r"1[1-9]\d%", t) for t in axis), axis
    screenshot(page, "act-overview-partial-bucket")


def test_add_an_event_to_a_dataset_with_a_corrected_answer(page: Page, console: TelltaleServer) -> None:
    event_id = TURNS[0]["event_id"]
    sign_in(page, console.url)
    page.goto(f"{console.url}/#/events/{event_id}")
    form = page.get_by_role("form", name="Add to a dataset")
    form.get_by_label("Dataset").select_option(label="support answers")
    form.get_by_label("Label").fill("incomplete")
    form.get_by_label("Note").fill("misses the 14-day rule")
    form.get_by_label("Corrected answer (ground truth)").fill("Refunds within 14 days, to the original card.")
    form.get_by_role("button", name="Add to dataset").click()
    expect(form.get_by_role("status")).to_contain_text("saved")
    screenshot(page, "act-event-added-to-dataset")
    [dataset] = api(console, "/v1/datasets").json()
    items = api(console, f"/v1/datasets/{dataset['id']}/versions/draft/items").json()["items"]
    [item] = [i for i in items if i["event_id"] == event_id]
    assert (item["label"], item["note"]) == ("incomplete", "misses the 14-day rule")
    form.get_by_role("link", name="Open the draft").click()
    items_table = page.get_by_role("table", name=re.compile("First 20 items"))
    expect(items_table).to_contain_text("Refunds within 14 days, to the original card.")


def test_a_read_key_is_told_it_cannot_add(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url, console.keys["reader"])
    page.goto(f"{console.url}/#/events/{TURNS[2]['event_id']}")
    form = page.get_by_role("form", name="Add to a dataset")
    form.get_by_label("Dataset").select_option(label="support answers")
    form.get_by_role("button", name="Add to dataset").click()
    expect(form.get_by_role("status")).to_contain_text("Not added: 403")


def test_annotate_an_event_as_feedback(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(f"{console.url}/#/events/{TURNS[2]['event_id']}")
    form = page.get_by_role("form", name="Annotate as feedback")
    form.get_by_label("Kind").select_option("correction")
    form.get_by_role("button", name="Save feedback").click()
    expect(form.get_by_role("status")).to_contain_text("Not saved: 422: a correction needs the `correction` text")
    form.get_by_label("Correction or comment").fill("Cancel from Settings → Billing.")
    form.get_by_role("button", name="Save feedback").click()
    feedback_card = page.get_by_role("region", name="Feedback")
    expect(feedback_card).to_contain_text("correction: Cancel from Settings → Billing.")
    expect(feedback_card).to_contain_text("annotator")


def test_open_an_events_trace_as_a_span_tree(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(f"{console.url}/#/events/{TREE[2]['event_id']}")
    page.get_by_role("link", name="trace-checkout").click()
    expect(page.get_by_role("heading", name="Trace", exact=True)).to_be_visible()
    rows = page.get_by_role("table", name="Spans of the trace").locator("tbody tr")
    expect(rows).to_have_count(4)
    spans = rows.evaluate_all("rows => rows.map(r => [r.dataset.span, r.dataset.depth])")
    assert spans == [["root", "0"], ["plan", "1"], ["search", "2"], ["answer", "1"]]
    expect(rows.nth(2)).to_have_attribute("aria-current", "true")
    expect(rows.nth(2)).to_contain_text("+150 ms")
    expect(rows.nth(2)).to_contain_text("120 ms")
    assert rows.locator(".span-track .bar").count() == 4
    root_bar = rows.nth(0).locator(".bar").bounding_box()
    search_bar = rows.nth(2).locator(".bar").bounding_box()
    assert root_bar and search_bar and search_bar["x"] > root_bar["x"] and search_bar["width"] < root_bar["width"]
    screenshot(page, "act-trace")


def test_open_an_events_session_as_the_conversation(page: Page, console: TelltaleServer) -> None:
    sign_in(page, console.url)
    page.goto(f"{console.url}/#/events/{TURNS[1]['event_id']}")
    page.get_by_role("link", name="sess-42").click()
    expect(page.get_by_role("heading", name="Session", exact=True)).to_be_visible()
    turns = page.locator("article.turn")
    expect(turns).to_have_count(3)
    assert turns.locator("h3:text-is('User') + p").all_inner_texts() == QUESTIONS
    second = turns.nth(1)
    expect(second).to_have_attribute("aria-current", "true")
    expect(second.get_by_label("Feedback")).to_contain_text("wrong plan")
    expect(second.get_by_label("Scores")).to_contain_text("safety.pii")
    no_page_overflow(page)
    fits(page, "article.turn")
    screenshot(page, "act-session")


def test_a_version_shows_its_diff_and_the_tables_fit(page: Page, console: TelltaleServer) -> None:
    page.set_viewport_size({"width": 900, "height": 900})
    sign_in(page, console.url)
    [dataset] = api(console, "/v1/datasets").json()
    page.goto(f"{console.url}/#/datasets/{dataset['id']}/2")
    diff = page.get_by_role("region", name="Changes in v2")
    expect(diff).to_contain_text("v2 against v1: 1 added, 0 removed, 0 changed.")
    expect(diff).not_to_contain_text("null")
    expect(diff.get_by_role("list", name="Added").get_by_role("link")).to_have_text([TURNS[-1]["event_id"]])
    items = page.get_by_role("table", name=re.compile("First 20 items"))
    expect(items).to_contain_text("very-long-path")
    no_page_overflow(page)
    fits(page, "section.card, .table-scroll")
    cell = items.locator("td.preview").filter(has_text="very-long-path").first
    assert cell.evaluate("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).textOverflow === 'ellipsis'")
    assert "very-long-path" in (cell.get_attribute("title") or "")
    screenshot(page, "act-dataset-diff")
    page.get_by_label("Compare with").wait_for()
    page.goto(f"{console.url}/#/datasets/{dataset['id']}/1")
    expect(page.get_by_role("region", name="Changes in v1")).to_contain_text("the first version")


def test_the_empty_datasets_example_fits_the_page(page: Page, console: TelltaleServer) -> None:
    page.set_viewport_size({"width": 800, "height": 900})
    sign_in(page, console.url, console.keys["other"])
    page.goto(f"{console.url}/#/datasets")
    expect(page.locator("pre.snippet")).to_contain_text("/v1/datasets")
    no_page_overflow(page)
    fits(page, "section.empty, pre.snippet")
    screenshot(page, "act-datasets-empty")
