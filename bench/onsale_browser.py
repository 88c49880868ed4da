"""The benches' real Chromium on a seat map: timing hold → seen for holds made by others
(`observe_live`) and clicks answered in the browser during a sale (`browser_clicks`)."""

from __future__ import annotations

import threading
import time

import aiohttp

from bench.page_client import SEAT_MAP, LightTab, hold
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RunningApp
from tests.reflex_client import run_async, seat_plan

# Notes (in window.__seen) the wall-clock moment a seat is first drawn as held.
OBSERVER_SCRIPT = """
(label) => {
  window.__seen = window.__seen || {};
  const [row, number] = [label.match(/^[A-Z]+/)[0], label.replace(/^[A-Z]+/, "")];
  const seat = document.querySelector(`button[title^="Row ${row}, seat ${number},"]`);
  if (!seat) return false;
  const check = () => {
    const held = seat.className.includes("seat-h");
    if (held && !window.__seen[label]) window.__seen[label] = Date.now();
  };
  new MutationObserver(check).observe(seat, { attributes: true });
  return true;
}
"""
CLICK_SCRIPT = """
() => {
  const seats = [...document.querySelectorAll("button.seat-a")];
  const seat = seats[Math.floor(Math.random() * seats.length)];
  if (!seat) return -1;
  const before = seat.getAttribute("aria-pressed");
  const started = performance.now();
  seat.click();
  return new Promise((resolve) => {
    setTimeout(() => resolve(-1), 2000);  // refused (taken meanwhile): not a click timed
    const done = () => seat.getAttribute("aria-pressed") !== before
      ? resolve(performance.now() - started) : requestAnimationFrame(done);
    done();
  });
}
"""


def observe_live(app: RunningApp, showtime: int, probe_tokens: list[str]) -> list[float]:
    """Chromium on the map; customers hold a seat each, one by one; each hold → shown, in ms."""
    from playwright.sync_api import sync_playwright

    plan = seat_plan(app.url, showtime)
    seen = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{app.url}/showtimes/{showtime}")
        page.wait_for_selector(".seat-grid[aria-busy='false']", timeout=60_000)
        time.sleep(1)
        # Each probe holds the last seat of a row from the back: a row's end seat never leaves
        # a seat on its own (the gap rule), whatever the probes before it held.
        row_ends = list({s["row"]: s for s in plan}.values())[::-1]
        for n, probe_token in enumerate(probe_tokens[: len(row_ends)]):
            seat = row_ends[n]
            if not page.evaluate(OBSERVER_SCRIPT, seat["label"]):
                continue
            held_at = run_async(hold_one(app, probe_token, showtime, seat["id"]))
            page.wait_for_function(
                "label => window.__seen && window.__seen[label]", arg=seat["label"], timeout=10_000
            )
            shown_at = page.evaluate("label => window.__seen[label]", seat["label"])
            seen.append(max(0.0, shown_at - held_at * 1000))
        browser.close()
    return seen


async def hold_one(app: RunningApp, token: str, showtime: int, seat_id: int) -> float:
    async with aiohttp.ClientSession() as http:
        tab = await LightTab(http, app.url, token).open(f"/showtimes/{showtime}")
        await tab.until(lambda: tab.var(SEAT_MAP, "loading") is False, 30)
        status, answer = await hold(http, app.url, token, showtime, [seat_id])
        if status != 201:
            raise RuntimeError(f"the probe hold was refused: {answer}")
        held_at = time.time()
        await tab.close()
    return held_at


def browser_clicks(
    app: RunningApp, showtime: int, stop: threading.Event, out: list[float], token: str = ""
):
    """The observer clicking seats during the sale (a click is answered in the browser),
    signed in with `token` if given."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        if token:
            page.context.add_cookies([{"name": "bms_session", "value": token, "url": app.url}])
        page.goto(f"{app.url}/showtimes/{showtime}")
        page.wait_for_selector(".seat-grid[aria-busy='false']", timeout=60_000)
        while not stop.is_set():
            took = page.evaluate(CLICK_SCRIPT)
            if took >= 0:
                out.append(took)
            time.sleep(0.2)
        browser.close()
