"""After the backend is killed and started again, an open seat map is live again without a
reload: the tab reconnects, is hydrated anew, and its live updates start again (they used to
start only on mount, which a reconnect does not repeat)."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import e2e_redis_url, watched
from tests.e2e.helpers import open_seat_map, sign_in
from tests.e2e.server import port_open, running_app

PORT = int(os.environ.get("BOOKMYSEAT_E2E_RECONNECT_PORT", "3141"))
LIVE_WITHIN_MS = 3000
BACK_WITHIN_MS = 90_000  # the restart itself: the app serving again, the tab reconnected


@pytest.mark.own_app
def test_a_seat_map_is_live_again_after_a_backend_restart(tmp_path, new_page) -> None:
    redis_url = e2e_redis_url()
    with running_app(tmp_path, PORT, redis_url=redis_url) as app:
        showtime = app.showtimes_on("Audi 1 IMAX")[3]
        watcher, holder = new_page(), new_page()
        for page in (watcher, holder):  # their reconnecting fails while the server is away
            watched(page).allow_server_away()
        open_seat_map(watcher, app.url, showtime)
        holder.goto(f"{app.url}/login?next=/showtimes/{showtime}")
        sign_in(holder, app.url)
        open_seat_map(holder, app.url, showtime)
        os.killpg(app.pid, signal.SIGKILL)  # no goodbye: every task of every worker is gone
        deadline = time.monotonic() + 20
        while port_open(PORT) and time.monotonic() < deadline:
            time.sleep(0.2)
    with running_app(tmp_path, PORT, redis_url=redis_url, fresh_data=False) as app:
        # The tabs reconnect by themselves: a click counts once the map has loaded again.
        wait_until_clicks_count(watcher, 40).click()  # chosen, and let go again
        chosen = wait_until_clicks_count(holder, 30)
        title = chosen.get_attribute("title")
        holder.get_by_role("button", name="Proceed").click()
        expect(holder).to_have_url(re.compile(r"/checkout/[A-Z0-9]{8}$"))
        on_watcher = watcher.locator(f'button[title="{title}"]')
        expect(on_watcher).to_have_attribute(
            "aria-label", re.compile(r", held by someone else$"), timeout=LIVE_WITHIN_MS
        )
        for page in (watcher, holder):
            page.close()  # before this server stops too


def title_of(page, index: int) -> str:  # noqa: ANN001
    return (
        page.get_by_role("group", name="Seat map")
        .get_by_role("button")
        .nth(index)
        .get_attribute("title")
    )


def wait_until_clicks_count(page, index: int):  # noqa: ANN001, ANN201
    """Click a seat until the app answers (the tab is connected and its map loaded again)."""
    chosen = page.locator(f'button[title="{title_of(page, index)}"]')
    deadline = time.monotonic() + BACK_WITHIN_MS / 1000
    while time.monotonic() < deadline:
        chosen.click()
        try:
            expect(chosen).to_have_attribute("aria-pressed", "true", timeout=2000)
            return chosen
        except AssertionError:
            continue
    raise AssertionError("the tab never came back after the restart")
