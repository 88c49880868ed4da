"""The production build served on spare ports with a fresh demo database, and headless Chromium.

These tests run in a pytest process of their own (`make test` does so), apart from asyncio tests.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.databases import IN_CI, REDIS_TEST_URL, redis_available
from tests.e2e.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    AppDidNotStart,
    RunningApp,
    running_app,
)

ARTIFACTS = ROOT / "test-artifacts"
PORT = int(os.environ.get("BOOKMYSEAT_E2E_PORT", "3137"))  # prod serves both ends on one port


def pytest_collection_modifyitems(items) -> None:
    """Mark the browser tests (this hook sees every collected item, so filter by folder), and run
    last those that start an app of their own: building it rewrites the frontend the shared app
    serves (its address is built in), so the shared app's tests must have finished."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("own_app") is not None)


def e2e_redis_url() -> str:
    if redis_available() is None:
        return REDIS_TEST_URL
    if IN_CI:
        pytest.fail(
            f"Redis is not reachable at {REDIS_TEST_URL}; CI needs it for the browser tests."
        )
    return ""


@pytest.fixture(scope="session")
def app_server(tmp_path_factory) -> Iterator[RunningApp]:
    try:
        with running_app(tmp_path_factory.mktemp("e2e"), PORT, redis_url=e2e_redis_url()) as app:
            yield app
    except AppDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def app_url(app_server: RunningApp) -> str:
    return app_server.url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Records every toast the page shows, across navigations (the binding outlives each document).
TOAST_RECORDER = """
new MutationObserver((changes) => {
  for (const change of changes) for (const node of change.addedNodes) {
    if (node.nodeType !== 1) continue;
    const toasts = node.matches?.("[data-sonner-toast]") ? [node]
      : [...(node.querySelectorAll?.("[data-sonner-toast]") || [])];
    for (const toast of toasts) window.bmsToastShown?.(toast.textContent.trim());
  }
}).observe(document, {childList: true, subtree: true});
"""


@dataclass
class Watched:
    """What a page did that nobody asked for: console errors, failed requests, toasts."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    toasts: list[str] = field(default_factory=list)
    expected_toasts: list[str] = field(default_factory=list)  # patterns the test asked for
    allowed_console: list[str] = field(default_factory=list)  # patterns a test allows
    allowed_requests: list[str] = field(default_factory=list)

    def allow_server_away(self) -> None:
        """For a test that stops the server under the page: the page's failed reconnects."""
        self.allowed_console.append(r"WebSocket connection")
        self.expected_toasts.append(r"Cannot connect to server")

    def surprises(self) -> list[str]:
        def unasked(found: list[str], allowed: list[str]) -> list[str]:
            return [f for f in found if not any(re.search(pattern, f) for pattern in allowed)]

        return (
            [f"console error: {e}" for e in unasked(self.console_errors, self.allowed_console)]
            + [f"failed request: {r}" for r in unasked(self.failed_requests, self.allowed_requests)]
            + [f"unexpected toast: {t}" for t in unasked(self.toasts, self.expected_toasts)]
        )


WATCHED: dict[int, Watched] = {}


def watched(page) -> Watched:  # noqa: ANN001
    return WATCHED[id(page)]


def _local(url: str) -> bool:
    """Requests to this machine count; this machine has no internet, so a trailer from YouTube
    cannot load, which says nothing about the site."""
    return urlsplit(url).hostname in ("localhost", "127.0.0.1")


def _failed(response) -> str | None:
    if response.status >= 400 and _local(response.url):
        return f"{response.status} {response.url}"
    return None


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable[..., object]]:
    """Open pages in contexts of their own (separate cookies: separate customers). Each is
    screenshotted at the end; a JavaScript error, a console error, a failed request or a toast
    the test did not expect (helpers.expect_toast) on any of them fails the test."""
    opened = []
    errors: list[str] = []

    def open_page(width: int = 1280, height: int = 900, color_scheme: str = "light"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=color_scheme
        )
        page = context.new_page()
        seen = WATCHED[id(page)] = Watched()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda message: message.type == "error" and seen.console_errors.append(message.text),
        )
        page.on(
            "requestfailed",
            lambda r: (
                "ERR_ABORTED" not in (r.failure or "")
                and _local(r.url)
                and seen.failed_requests.append(f"{r.failure} {r.url}")
            ),
        )
        page.on("response", lambda r: (bad := _failed(r)) and seen.failed_requests.append(bad))
        page.expose_binding("bmsToastShown", lambda _source, text: seen.toasts.append(text))
        page.add_init_script(TOAST_RECORDER)
        opened.append((context, page))
        return page

    yield open_page
    ARTIFACTS.mkdir(exist_ok=True)
    surprises = []
    for number, (context, page) in enumerate(opened, start=1):
        suffix = "" if number == 1 else f"-{number}"
        if not page.is_closed():
            page.screenshot(
                path=str(ARTIFACTS / f"{request.node.name}{suffix}-final.png"), full_page=True
            )
        surprises += [f"page {number}: {s}" for s in WATCHED.pop(id(page)).surprises()]
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not surprises, "things went wrong that the test did not expect:\n" + "\n".join(surprises)


@pytest.fixture
def page(new_page):
    return new_page()
