"""The production build served on spare ports with a fresh demo database, and headless Chromium.

These tests run in a pytest process of their own (`make test` does so), apart from asyncio tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

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
    """Mark the browser tests (this hook sees every collected item, so filter by folder)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


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


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable[..., object]]:
    """Open pages in contexts of their own (separate cookies: separate customers). Each is
    screenshotted at the end, and a JavaScript error on any of them fails the test."""
    opened = []
    errors: list[str] = []

    def open_page(width: int = 1280, height: int = 900, color_scheme: str = "light"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=color_scheme
        )
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append((context, page))
        return page

    yield open_page
    ARTIFACTS.mkdir(exist_ok=True)
    for number, (context, page) in enumerate(opened, start=1):
        suffix = "" if number == 1 else f"-{number}"
        page.screenshot(
            path=str(ARTIFACTS / f"{request.node.name}{suffix}-final.png"), full_page=True
        )
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()
