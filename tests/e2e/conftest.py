"""The production build served on spare ports with a fresh demo database, and headless Chromium.

These tests run in a pytest process of their own (`make test` does so), apart from asyncio tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("BOOKMYSEAT_CHROMIUM", "/usr/bin/chromium")
PORT = int(os.environ.get("BOOKMYSEAT_E2E_PORT", "3137"))  # prod serves both ends on one port


def pytest_collection_modifyitems(items) -> None:  # noqa: ANN001
    """Mark the browser tests (this hook sees every collected item, so filter by folder)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    if _port_open(PORT):
        pytest.fail(f"Port {PORT} is busy; set BOOKMYSEAT_E2E_PORT to a free one.")
    data = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "BOOKMYSEAT_DB_URL": f"sqlite:///{data / 'e2e.db'}",
        "REFLEX_API_URL": f"http://localhost:{PORT}",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ['PATH']}",
    }
    env.pop("REFLEX_REDIS_URL", None)
    for command in ("migrate", "demo-data"):
        subprocess.run(
            [sys.executable, "-m", "bookmyseat.manage", command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    log = open(data / "reflex.log", "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(PORT),
            "--backend-port",
            str(PORT),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while not _port_open(PORT):
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("The app did not start:\n" + (data / "reflex.log").read_text()[-3000:])
            time.sleep(1)
        yield f"http://localhost:{PORT}"
    finally:
        _stop(server)
        log.close()


def _stop(server: subprocess.Popen) -> None:
    """Stop the server and everything it started (its own process group)."""
    try:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):  # noqa: ANN001, ANN201
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
