"""After the backend is killed and started again, an open seat map is live again without a
reload: the tab reconnects, is hydrated anew, and its live updates start again (they used to
start only on mount, which a reconnect does not repeat). The other customer is a websocket
client: `reflex run` rebuilds the frontend on start, and a browser navigating to a page it had not
loaded would reload itself onto the new build."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time

import pytest
from playwright.sync_api import expect

from bookmyseat.state.seat_map import SeatMapState
from tests.e2e.conftest import e2e_redis_url, watched
from tests.e2e.helpers import open_seat_map
from tests.e2e.server import RunningApp, port_open, running_app
from tests.reflex_client import Tab, hold_over_http, run_async, seat_plan

PORT = int(os.environ.get("BOOKMYSEAT_E2E_RECONNECT_PORT", "3141"))
LIVE_WITHIN_MS = 3000
BACK_WITHIN_MS = 90_000  # the restart itself: the app serving again, the tab reconnected


@pytest.mark.own_app
def test_a_seat_map_is_live_again_after_a_backend_restart(tmp_path, new_page) -> None:
    redis_url = e2e_redis_url()
    with running_app(tmp_path, PORT, redis_url=redis_url) as app:
        showtime = app.showtimes_on("Audi 1 IMAX")[3]
        watcher = new_page()
        watched(watcher).allow_server_away()  # its reconnecting fails while the server is away
        open_seat_map(watcher, app.url, showtime)
        os.killpg(app.pid, signal.SIGKILL)  # no goodbye: every task of every worker is gone
        deadline = time.monotonic() + 20
        while port_open(PORT) and time.monotonic() < deadline:
            time.sleep(0.2)
    with running_app(tmp_path, PORT, redis_url=redis_url, fresh_data=False) as app:
        # The tab reconnects by itself; from then on, each seat another customer holds shows
        # within seconds. Until it is back, a hold goes unseen: hold another, until one shows.
        deadline = time.monotonic() + BACK_WITHIN_MS / 1000
        while True:
            label = run_async(hold_a_seat(app, showtime))
            on_watcher = watcher.get_by_role("group", name="Seat map").locator(
                f'button[aria-label^="Row {label[0]}, seat {label[1:]},"]'
            )
            try:
                expect(on_watcher).to_have_attribute(
                    "aria-label", re.compile(r", held by someone else$"), timeout=LIVE_WITHIN_MS
                )
                break
            except AssertionError as unseen:
                if time.monotonic() > deadline:
                    raise AssertionError("the map never came alive after the restart") from unseen
        watcher.close()  # before this server stops too


async def hold_a_seat(app: RunningApp, showtime: int) -> str:
    """A customer holds the last free seat of the map; its label ("V22")."""
    token = app.session_for("mzsp_")
    tab = await Tab(app.url, session_token=token).open(f"/showtimes/{showtime}")
    await tab.until(lambda: tab.var(SeatMapState, "loading") is False)
    codes = tab.var(SeatMapState, "codes")
    free = [s for s in seat_plan(app.url, showtime) if codes[s["index"]] == "a"][-1]
    await tab.close()
    held = await asyncio.to_thread(hold_over_http, app.url, token, showtime, [free["id"]])
    assert held["status"] == 201, held
    return free["label"]
