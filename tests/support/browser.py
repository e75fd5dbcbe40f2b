"""Browser-test helpers: the Chromium to drive, signing in, screenshots into the test artefacts, polling."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page

from tests.support.server import ADMIN_KEY, ROOT, TelltaleServer

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium package: the tests never download a browser of their own."""
ARTIFACTS = ROOT / "test-artifacts" / "browser"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page: Page, url: str, key: str = ADMIN_KEY) -> None:
    page.goto(url + "/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Console views").wait_for()


def view_link(page: Page, name: str) -> Locator:
    """The navigation's link to a view: an overview card may link to the same view under a longer name."""
    return page.get_by_role("navigation", name="Console views").get_by_role("link", name=name, exact=True)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def api(server: TelltaleServer, path: str, **params: str) -> httpx.Response:
    with server.client() as client:
        return client.get(path, params=params)
