"""A reviewer signs in to the console with a `read,review` key, takes an item from a queue, sees its passages and
the evaluators' verdicts, reviews it, and the review reaches the API as a review and as annotator feedback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import screenshot, sign_in, view_link
from tests.support.events import REFUND_PASSAGE, inference
from tests.support.server import INGEST_KEY, TelltaleServer

KEY = "groundedness.score:ungrounded"


@pytest.fixture(scope="module")
def reviewing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A server with two calls in a queue that asks for a category, a score, a corrected answer and a verdict."""
    srv = TelltaleServer(tmp_path_factory.mktemp("review") / "data")
    srv.create_key("reviewer", "main", "read,review")
    srv.start()
    calls = [
        inference(
            ts=f"2025-05-01T10:0{i}:00Z",
            input="How long do refunds take?",
            output="Refunds take 90 days.",
            contexts=[REFUND_PASSAGE],
        )
        for i in range(2)
    ]
    with srv.client(INGEST_KEY) as client:
        assert client.post("/v1/inference", content=orjson.dumps(calls)).json()["accepted"] == 2
    srv.wait_processed()
    spec = {
        "name": "refund answers",
        "filter": {"start": "2025-05-01T00:00:00Z", "end": "2025-05-02T00:00:00Z"},
        "schema": {
            "categories": ["hallucination", "fine"],
            "score": True,
            "corrected_answer": True,
            "verdicts": [{"evaluator": "groundedness", "metric": "score", "label": "ungrounded"}],
        },
    }
    with srv.client() as admin:
        queue = admin.post("/v1/queues", json=spec).json()
        assert admin.post(f"/v1/queues/{queue['id']}/fill").json() == {"added": 2}
    yield {"server": srv, "queue": queue, "calls": calls}
    srv.stop()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_a_reviewer_reviews_an_item(page: Page, reviewing: dict[str, Any]) -> None:
    srv, queue = reviewing["server"], reviewing["queue"]
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, srv.url, srv.keys["reviewer"])
    view_link(page, "Review").click()
    page.get_by_role("link", name="refund answers").click()
    page.get_by_role("button", name="Take the next item").click()
    form = page.get_by_role("form", name="Review")
    expect(form).to_contain_text(REFUND_PASSAGE)
    expect(form.get_by_role("table", name="Evaluator verdicts")).to_contain_text("groundedness")
    form.get_by_label("hallucination").check()
    form.get_by_label(re.compile("^Score")).select_option("2")
    form.get_by_label("Corrected answer").fill("Refunds take 5 to 10 business days.")
    form.locator(f'fieldset[data-question="{KEY}"]').get_by_label("Yes").check()
    screenshot(page, "review-item")
    unlabelled = """() => [...document.querySelectorAll('#view input, #view select, #view textarea, #view button')]
        .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
        .map(c => c.outerHTML)"""
    assert page.evaluate(unlabelled) == []
    form.get_by_role("button", name="Submit review").click()
    expect(page.get_by_role("status").filter(has_text="Review saved")).to_contain_text("the item is complete")
    expect(page.get_by_role("button", name="Take the next item")).to_be_visible()
    with srv.client() as admin:
        [saved] = admin.get(f"/v1/queues/{queue['id']}/reviews").json()
        assert (saved["categories"], saved["score"], saved["verdicts"]) == (["hallucination"], 2, {KEY: True})
        assert saved["corrected_answer"] == "Refunds take 5 to 10 business days."
        kinds = {
            f["feedback"]["kind"]
            for f in admin.get(f"/v1/inference/{saved['event_id']}").json()["feedback"]
            if f["feedback"]["source"] == "annotator"
        }
        assert kinds == {"rating", "correction"}
    page.get_by_role("button", name="Take the next item").click()
    expect(page.get_by_role("form", name="Review")).to_be_visible()
    other = [c["event_id"] for c in reviewing["calls"] if c["event_id"] != saved["event_id"]]
    expect(page.get_by_role("status").filter(has_text="is yours")).to_contain_text(other[0])
    assert blocked == []
