"""A newcomer's first run: the commands the first-start banner, the console and the README show work as written.

The server starts as `make up` starts it (no TELLTALE_INIT_* keys): the test takes the keys from the banner's
`export` line, as a user pastes it, and runs every command in bash exactly as shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.support import shell
from tests.support.browser import screenshot, sign_in
from tests.support.server import TelltaleServer

NOT_RUN = {
    "make up": "the set-up itself; `make test` is this suite",
    "infra/kafka/broker start": "cluster mode: a broker and servers that run until stopped (tests/integration/kafka)",
}
"""README blocks this test does not run, by a line they contain, and why."""
_EXPORT = re.compile(r"^\s*(export URL=\S+ INGEST_KEY=\S+ ADMIN_KEY=\S+)\s*$", re.M)
_BANNER_CURL = re.compile(r"^\s*(curl .*/v1/inference -d .*)$", re.M)
_EVENT_ID = re.compile(r'"event_id": "([0-9a-f-]{36})"')


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TelltaleServer]:
    """`telltale up` on a fresh data directory, as `make up` starts it (drift off: no command here needs it)."""
    srv = TelltaleServer(
        tmp_path_factory.mktemp("first-run") / "data", headless=False, env={"TELLTALE_DRIFT_ENABLED": "false"}
    )
    srv.start()
    yield srv
    srv.kill()  # the demo command leaves a backlog; how a stop with a backlog behaves is tested elsewhere


def _shown(page: Page, url: str, view: str) -> list[str]:
    """The commands an empty view shows."""
    page.goto(f"{url}/#/{view}")
    snippets = page.locator("pre.snippet")
    snippets.first.wait_for()
    screenshot(page, f"first-run-{view}-empty")
    return snippets.all_inner_texts()


def test_every_command_shown_to_a_newcomer_works_as_written(
    newcomer: TelltaleServer, context: BrowserContext, tmp_path: Path
) -> None:
    banner = newcomer.log_path.read_text()
    exports = _EXPORT.search(banner)
    assert exports, f"no export line in the first-start banner:\n{banner}"
    admin_key = dict(part.split("=", 1) for part in exports.group(1).split()[1:])["ADMIN_KEY"]

    def sh(command: str) -> str:
        return shell.run(f"{exports.group(1)}\n{command}", shell.shell_env({}), tmp_path)

    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, newcomer.url, admin_key)
    send_first, send_demo = _shown(page, newcomer.url, "overview")
    [create_rule] = _shown(page, newcomer.url, "alerts")
    [create_dataset] = _shown(page, newcomer.url, "datasets")
    [create_queue] = _shown(page, newcomer.url, "review")
    [send_banner] = _BANNER_CURL.findall(banner)

    sent = []
    for command in (send_first, send_banner):
        assert '"status":"accepted"' in sh(command), command
        sent += _EVENT_ID.findall(command)
    assert '"metric":"error.rate"' in sh(create_rule)
    assert '"id":"ds_' in sh(create_dataset)
    assert '"id":"rq_' in sh(create_queue)

    blocks = shell.readme_blocks()
    skipped = [b for b in blocks if any(marker in b.text for marker in NOT_RUN)]
    assert len(skipped) == len(NOT_RUN), [b.line for b in skipped]
    for block in blocks:
        if block not in skipped:
            out = sh(block.text)
            if "/v1/inference -d" in block.text:
                assert out.count('"status":"accepted"') == 2, out  # the call and its feedback, new ids
                sent += _EVENT_ID.findall(block.text)[:1]
    assert len(set(sent)) == 3

    now = datetime.now(UTC)
    with httpx.Client(base_url=newcomer.url, headers={"Authorization": f"Bearer {admin_key}"}) as client:
        for event_id in sent:
            event = client.get(f"/v1/inference/{event_id}").json()["event"]
            assert now - timedelta(hours=1) < datetime.fromisoformat(event["ts"]) <= now, event
    page.goto(f"{newcomer.url}/#/overview")
    expect(page.get_by_role("listitem").filter(has_text="Calls")).to_contain_text("3")
    screenshot(page, "first-run-overview")

    newcomer.wait_processed()
    page.goto(f"{newcomer.url}/#/events/{sent[-1]}")  # the README's call: 48 + 14 tokens of gpt-4o-mini
    cost = page.get_by_role("row").filter(has_text="cost_usd")
    expect(cost).to_contain_text(re.compile(r"\$0\.0000[1-9]\d"))  # about $0.000016, never "0"
    screenshot(page, "first-run-event")

    assert "sent 1000 inference" in sh(send_demo)


def test_api_docs_render_offline_under_the_strict_policy(newcomer: TelltaleServer, context: BrowserContext) -> None:
    """/docs draws every operation with nothing fetched from anywhere but the server, and no policy violation."""
    page = context.pages[0] if context.pages else context.new_page()
    elsewhere: list[str] = []
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else 0)

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(newcomer.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_server)
    response = page.goto(f"{newcomer.url}/docs")
    assert response is not None and "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Telltale")).to_be_visible()
    expect(page.get_by_text("/v1/inference", exact=True).first).to_be_visible()
    page.get_by_text("/v1/alert-rules", exact=True).first.click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
    screenshot(page, "api-docs")
    assert not elsewhere and not blocked, (elsewhere, blocked)
