"""Stored XSS, as an attacker with an ingest key would try it: script payloads in every field an event carries.

A real `telltale up` stores them, evaluates them, computes drift over them, fires an alert on them and curates
them into a dataset; a real Chromium opens every console view and the drift report. Each payload, had it run,
would set `window.__pwned` and call a loopback canary. The test asserts that no frame has the global, the
canary got nothing, and no injected element or handler attribute exists in any frame's DOM. Then it proves the
report's isolation on its own: a stored report that does run a script finds an opaque origin and no key.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from playwright.sync_api import BrowserContext, Frame, Page, expect

from telltale_server.streams.drift.windows import floor
from tests.support.alerts import SECRET, Receiver
from tests.support.browser import screenshot, sign_in
from tests.support.server import ADMIN_KEY, INGEST_KEY, ROOT, TelltaleServer
from tests.support.waiting import wait_for

HOUR = timedelta(hours=1)
ROGUE_REPORT = "rogue-report-0001"
OLD_REPORT = "unknown-layout-0001"
"""A stored page that is not Evidently's layout (as a report from before the escaping could be)."""


def payloads(canary: str) -> list[str]:
    """Each breaks out of one context: a script element, HTML, a double- or single-quoted attribute, a URL."""
    run = f"window.__pwned=1;fetch('{canary}/ran')"
    return [
        f"</script><script>{run}</script>",
        f'<img src=x onerror="{run}">',
        f'"><svg onload="{run}">',
        f"' onmouseover='{run}' x='",
        f"javascript:{run}",
        f'<a href="javascript:{run}">link</a>',
        f'<iframe srcdoc="<script>parent.{run}</script>"></iframe>',
        f"\u2028</script><!--<script>{run}</script>",
    ]


def hostile_events(p: list[str], t0: datetime) -> list[dict[str, Any]]:
    """Two hours of calls whose every free-text field is a payload; the second hour shifts model and latency."""
    events = []
    for i in range(240):
        hour = i // 120
        a, b = p[i % len(p)], p[(i + 3) % len(p)]
        model = p[0] if (i % 3 == 0) == (hour == 0) else p[1]
        events.append(
            {
                "event_id": str(uuid.UUID(int=i + 1, version=4)),
                "ts": (t0 + hour * HOUR + timedelta(seconds=25 * (i % 120) + 5)).isoformat(),
                "model": model,
                "route": p[i % 2 + 2],
                "prompt_version": a,
                "environment": b,
                "app": a,
                "provider": b,
                "trace_id": a[:200],
                "user_id": b,
                "session_id": a,
                "input": [{"role": "user", "content": f"{a} How do I reset my password?"}],
                "output": f"Open the settings page. {b} Your card number is 4111 1111 1111 1111.",
                "contexts": [{"id": a, "text": f"Passwords are reset on the settings page. {b}", "source": p[4]}],
                "usage": {"input_tokens": 10 + i % 7, "output_tokens": 20},
                "latency_ms": (300 + 7 * (i % 50)) * (3 if hour else 1),
                "status": "error" if i % 4 == 0 else "ok",
                "error": a if i % 4 == 0 else None,
                "tags": [a, b],
                "attributes": {a[:250]: b, "finish_reason": a, "language": b},
            }
        )
    return events


def hostile_feedback(p: list[str], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "event_id": str(uuid.uuid4()),
            "inference_id": event["event_id"],
            "ts": event["ts"],
            "kind": "correction",
            "value": p[n % len(p)][:250],
            "correction": p[(n + 1) % len(p)],
            "comment": p[(n + 2) % len(p)],
            "tags": [p[n % len(p)]],
        }
        for n, event in enumerate(events[::3])
    ]


def store_rogue_report(data_dir: Any, project: str) -> None:
    """A stored report in Evidently's layout whose last script probes what it can reach, as if a payload had got
    past the escaping, and a page of another layout (written before the server starts: the store has one owner)."""
    probe = f"""<html><head><script>
    var metric_{"0" * 32} = {{}};
    var additional_graphs_metric_{"0" * 32} = {{}};
</script></head><body><p>rogue report</p><script>var global = globalThis</script>
<script src="/v1/drift/assets/evidently.js"></script>
<script>
  const probe = {{ origin: self.origin }};
  try {{ probe.key = sessionStorage.getItem("telltale.key"); probe.storage = "readable"; }}
  catch (error) {{ probe.storage = error.name; }}
  try {{ probe.parent = String(parent.document.title); }} catch (error) {{ probe.parent = error.name; }}
  fetch("/v1/drift/monitors").then((r) => {{ probe.api = r.status; }}, (e) => {{ probe.api = e.name; }});
  window.__probe = probe;
</script></body></html>"""
    script = (
        "import sys, datetime; from telltale_server.schemas.store import Store; "
        "from telltale_server.schemas.migrate import migrate; "
        f"s = Store('chdb://{data_dir / 'clickhouse'}'); migrate(s); "
        "now = datetime.datetime.now(); rows = [[sys.argv[1], sys.argv[2], sys.argv[3], now], "
        "[sys.argv[1], sys.argv[4], sys.argv[5], now]]; "
        "s.client().insert('drift_reports', rows, column_names=['project_id', 'run_id', 'html', 'computed_at'])"
    )
    old = "<script>window.__pwned=1</script>"
    subprocess.run([sys.executable, "-c", script, project, ROGUE_REPORT, probe, OLD_REPORT, old], cwd=ROOT, check=True)


@pytest.fixture(scope="module")
def canary() -> Iterator[Receiver]:
    """A loopback HTTP server that records every request: a payload that ran would call it."""
    c = Receiver()
    yield c
    c.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, canary: Receiver) -> Iterator[dict[str, Any]]:
    """A server holding the payloads everywhere: events, feedback, evaluations, drift, an alert, a dataset."""
    data_dir = tmp_path_factory.mktemp("xss") / "data"
    srv = TelltaleServer(
        data_dir,
        env={
            "TELLTALE_ALERTS_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
            "TELLTALE_ALERTS_INTERVAL_S": "0.5",
            "TELLTALE_DRIFT_INTERVAL_S": "1",
        },
    )
    store_rogue_report(data_dir, srv.project)
    srv.start()
    receiver = Receiver()
    p = payloads(canary.origin)
    t0 = floor(datetime.now(UTC), 3600) - 3 * HOUR
    events = hostile_events(p, t0)
    monitor = {
        "window_s": 3600,
        "reference": {"windows": 1},
        "segments": ["model"],
        "top_k": 2,
        "min_samples": 10,
        "settle_s": 0,
        "signals": ["model", "route", "status", "finish_reason", "language", "latency_ms"],
    }
    with srv.client() as admin, srv.client(INGEST_KEY) as ingest:
        assert admin.post("/v1/drift/monitors", json={"monitor_id": "hostile", "config": monitor}).status_code == 201
        assert ingest.post("/v1/inference", content=orjson.dumps(events)).status_code == 200
        sent = ingest.post("/v1/feedback", content=orjson.dumps(hostile_feedback(p, events)))
        assert sent.status_code == 200, sent.text
        srv.wait_processed()
        rule = {
            "name": p[0],
            "metric": "error.rate",
            "group_by": ["model", "route"],
            "comparator": ">",
            "threshold": 0.0,
            "window": "6h",
            "min_samples": 1,
            "annotations": {"summary": f"{{{{model}}}} on {{{{route}}}} {p[1]}", "description": p[2]},
            "channels": [{"type": "webhook", "url": receiver.url, "secret": SECRET}],
        }
        made = admin.post("/v1/alert-rules", json=rule)
        assert made.status_code == 201, made.text
        firing = wait_for(lambda: admin.get("/v1/alerts", params={"state": "firing"}).json(), "a firing alert")
        dataset = admin.post(
            "/v1/datasets", json={"name": p[1], "description": p[2], "query": {"last": "6h", "model": [p[0]]}}
        )
        assert dataset.status_code == 201, dataset.text
        refreshed = admin.post(f"/v1/datasets/{dataset.json()['id']}/draft/refresh")
        assert refreshed.status_code == 200, refreshed.text
        window = {"monitor": "hostile", "from": (t0 - HOUR).isoformat()}

        def report_of_a_hostile_segment() -> list[dict[str, Any]]:
            found = admin.get("/v1/drift", params=window).json()
            return [r for r in found if r["report_url"] and r["segment"].startswith("model=</script>")]

        [result, *_] = wait_for(report_of_a_hostile_segment, "a drift report over the payloads", stall_s=300)
    yield {
        "server": srv,
        "event": events[0]["event_id"],
        "alert": firing[0]["fingerprint"],
        "rule": made.json()["id"],
        "dataset": dataset.json()["id"],
        "result": result["result_id"],
    }
    srv.stop()
    receiver.close()


UNSAFE_DOM = """() => {
  const found = [];
  for (const node of document.querySelectorAll("*")) {
    for (const attr of node.attributes) {
      const link = /href|src|action/.test(attr.name) && /^\\s*javascript:/i.test(attr.value);
      if (attr.name.startsWith("on") || link) found.push(`${node.tagName} ${attr.name}`);
    }
    if (node.matches("img[src=x], iframe[srcdoc], svg[onload]")) found.push(node.outerHTML.slice(0, 80));
    const data = /^\\s*var metric_[0-9a-f]{32} = /.test(node.textContent);  // Evidently's data, payloads as JSON
    if (node.tagName === "SCRIPT" && /__pwned/.test(node.textContent) && !data) found.push("a payload's script");
  }
  return found;
}"""


def assert_nothing_ran(page: Page, canary: Receiver, where: str) -> None:
    """No frame ran a payload, none holds injected markup, the canary heard nothing."""
    page.wait_for_load_state("networkidle")
    for frame in frames(page):
        assert frame.evaluate("typeof window.__pwned") == "undefined", f"{where}: a payload ran in {frame.url}"
        assert frame.evaluate(UNSAFE_DOM) == [], f"{where}: injected markup in {frame.url}"
    assert canary.attempts == 0, f"{where}: the canary was called: {canary.received}"


REPORT_DATA = "JSON.stringify(Object.keys(window).filter((k) => k.includes('metric_')).map((k) => window[k]))"
"""The data Evidently's report was drawn from: its `var metric_...` globals."""


def report_frame(page: Page) -> Frame:
    frame = page.locator("iframe.report").element_handle().content_frame()
    assert frame is not None
    return frame


def frames(page: Page) -> list[Frame]:
    """Every frame, reached through its iframe element (Playwright lists a sandboxed frame once it is resolved)."""
    found, todo = [], [page.main_frame]
    while todo:
        frame = todo.pop()
        found.append(frame)
        todo += [child for handle in frame.query_selector_all("iframe") if (child := handle.content_frame())]
    return found


@pytest.fixture
def page(context: BrowserContext, hostile: dict[str, Any]) -> Page:
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(30_000)
    return page


def test_no_payload_runs_in_any_console_view(page: Page, hostile: dict[str, Any], canary: Receiver) -> None:
    url = hostile["server"].url
    sign_in(page, url)
    views = [
        ("overview", "overview?range=24h", "figure.chart[data-points]"),
        ("events", "events?range=24h", "tr[data-event]"),
        ("event", f"events/{hostile['event']}", "mark, .meta"),
        ("drift", "drift?range=24h&monitor=hostile", "svg.heatmap a[data-segment]"),
        ("alerts", "alerts", "tr[data-alert]"),
        ("alert", f"alerts/{hostile['alert']}", ".meta"),
        ("configure", "configure", "section[aria-label='Alert rules'] td a"),
        ("rule form", f"configure/rule/{hostile['rule']}", ".preview-body [data-fired]"),
        ("dataset form", f"configure/dataset/{hostile['dataset']}", "form.edit"),
        ("monitor form", "configure/monitor/hostile", "form.edit"),
        ("datasets", "datasets", "tr[data-dataset]"),
        ("dataset", f"datasets/{hostile['dataset']}", "table tbody tr"),
    ]
    for name, path, ready in views:
        page.goto(f"{url}/#/{path}")
        expect(page.locator(ready).first).to_be_visible()
        assert_nothing_ran(page, canary, name)
        screenshot(page, f"xss-{name}")
    expect(page.locator("td", has_text="</script><script>").first).to_be_visible()  # the payloads, as text


def test_no_payload_runs_in_the_drift_report(page: Page, hostile: dict[str, Any], canary: Receiver) -> None:
    url = hostile["server"].url
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if re.search("Content Security Policy|CORS", m.text) else None)
    sign_in(page, url)
    page.goto(f"{url}/#/drift/{hostile['result']}")
    written = wait_for(lambda: report_frame(page).evaluate("!document.getElementById('report-status')"), "the report")
    assert written
    assert_nothing_ran(page, canary, "drift report")
    expect(page.frame_locator("iframe.report").locator("body")).to_contain_text("Data Drift Summary", timeout=60_000)
    assert "</script><script>" in report_frame(page).evaluate(REPORT_DATA), "the payloads reached the report as data"
    assert_nothing_ran(page, canary, "drift report, drawn")
    font = "document.fonts.load(\"24px 'Material Icons'\").then((faces) => faces.map((f) => f.status))"
    assert report_frame(page).evaluate(font) == ["loaded"], "the font loads into the opaque origin (CORS)"
    assert blocked == [], "Evidently's script, styles and font load under the sandbox's policy"
    screenshot(page, "xss-drift-report")
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open in a new tab").click()
    tab = opened.value
    expect(tab.frame_locator("iframe.report").locator("body")).to_contain_text("Data Drift Summary", timeout=60_000)
    assert_nothing_ran(tab, canary, "drift report in its own tab")


def test_a_report_that_runs_a_script_cannot_reach_the_key(page: Page, hostile: dict[str, Any]) -> None:
    url = hostile["server"].url
    sign_in(page, url)
    assert page.evaluate("sessionStorage.getItem('telltale.key')") == ADMIN_KEY
    page.goto(f"{url}/#/drift/{ROGUE_REPORT}")
    frame = report_frame(page)
    probe = wait_for(lambda: frame.evaluate("window.__probe && window.__probe.api && window.__probe"), "the probe")
    assert probe["origin"] == "null", "the report's origin is opaque"
    assert probe["storage"] == "SecurityError" and "key" not in probe, "session storage is out of reach"
    assert probe["parent"] == "SecurityError", "the console's document is out of reach"
    assert probe["api"] == "TypeError", "the report cannot call the API (connect-src 'none')"
    assert ADMIN_KEY not in frame.content()


def test_a_report_opened_directly_gets_an_opaque_origin(context: BrowserContext, hostile: dict[str, Any]) -> None:
    """Even without the console's frame: the report response's own CSP sandboxes it."""
    page = context.new_page()
    page.set_extra_http_headers({"Authorization": f"Bearer {ADMIN_KEY}"})
    page.goto(f"{hostile['server'].url}/v1/drift/{ROGUE_REPORT}/report")
    probe = wait_for(lambda: page.evaluate("window.__probe && window.__probe.api && window.__probe"), "the probe")
    assert probe["origin"] == "null" and probe["storage"] == "SecurityError" and probe["api"] == "TypeError"


def test_a_stored_page_of_another_layout_is_not_served(hostile: dict[str, Any]) -> None:
    with hostile["server"].client() as admin:
        refused = admin.get(f"/v1/drift/{OLD_REPORT}/report")
    assert refused.status_code == 410 and "telltale replay --drift" in refused.text and "__pwned" not in refused.text
