"""The seat map in a real browser: click latency, live-update latency, and the same run's floor.

Starts the production build (with Redis and several backend workers when a Redis server answers,
the production shape) on a spare port with fresh demo data, opens headless Chromium on the
440-seat IMAX screen and measures, inside the page:
- click: a seat clicked → the seat shown as selected (or unselected), over `--clicks` clicks;
- live: Proceed clicked in browser A → the seat shown as held in browser B (and Release → shown as
  available), over `--holds` holds;
- floor: a Proceed the server refuses at once (nobody signed in) → its answer: the round trip
  of a request through the app's whole HTTP stack that changes nothing (clicks cost no round
  trip since the choice is kept in the browser);
- render: navigation → all 440 seats on screen.

Usage: python bench/seatmap.py [--clicks 60] [--holds 15] [--port 3157] [--no-redis]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, expect, sync_playwright

from tests.databases import REDIS_TEST_URL, redis_available
from tests.e2e.helpers import open_seat_map, sign_in
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, running_app

CLICK_TO_PRESSED = """
async (title) => {
  const seat = document.querySelector(`button[title="${title}"]`);
  const before = seat.getAttribute("aria-pressed");
  return await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`seat ${title} did not change in 10 s`)), 10000);
    const observer = new MutationObserver(() => {
      if (seat.getAttribute("aria-pressed") !== before) {
        observer.disconnect();
        resolve(performance.now() - started);
      }
    });
    observer.observe(seat, { attributes: true });
    const started = performance.now();
    seat.click();
  });
}
"""

# A Proceed the server refuses without doing anything (nobody signed in): the page's own request,
# answered through the whole HTTP stack of the app.
REFUSED_PROCEED = """
async (url) => {
  const started = performance.now();
  const answer = await fetch(url, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ seat_ids: [1] }),
  });
  if (answer.status !== 401) throw new Error(`expected 401, got ${answer.status}`);
  return performance.now() - started;
}
"""

# Resolves with the wall-clock time (ms) at which the seat's label ends with `suffix`.
WATCH_LABEL = """
([title, suffix]) => {
  const seat = document.querySelector(`button[title="${title}"]`);
  window.__bmsSeen = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`seat ${title} never ended with ${suffix}`)), 10000);
    const observer = new MutationObserver(() => {
      if (seat.getAttribute("aria-label").endsWith(suffix)) {
        observer.disconnect();
        resolve(Date.now());
      }
    });
    observer.observe(seat, { attributes: true });
  });
}
"""

CLICK_BUTTON_AT = """
(name) => {
  const button = [...document.querySelectorAll("button")].find(
    (b) => b.textContent.trim() === name
  );
  const at = Date.now();
  button.click();
  return at;
}
"""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name}: n={len(values)} p50={statistics.median(values):.1f} ms "
        f"p95={percentile(values, 95):.1f} ms max={max(values):.1f} ms"
    )


def available_titles(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "button[aria-label$=', available']", "(seats) => seats.map((s) => s.title)"
    )


def measure_render(page: Page, url: str, showtime: int) -> float:
    started = time.perf_counter()
    page.goto(f"{url}/showtimes/{showtime}")
    page.wait_for_function(
        "document.querySelectorAll('.seat-grid button').length >= 400 && "
        "document.querySelector('.seat-grid').getAttribute('aria-busy') === 'false'",
        timeout=30000,
    )
    return (time.perf_counter() - started) * 1000


def measure_clicks(page: Page, titles: list[str], clicks: int) -> list[float]:
    samples = []
    for i in range(clicks):
        title = titles[(i // 2) % len(titles)]  # select, then unselect the same seat
        samples.append(page.evaluate(CLICK_TO_PRESSED, title))
    return samples


def measure_live(holder: Page, viewer: Page, url: str, titles: list[str], holds: int) -> list:
    samples = []
    for title in titles[:holds]:
        viewer.evaluate(WATCH_LABEL, [title, ", held by someone else"])
        holder.evaluate(CLICK_TO_PRESSED, title)
        sent = holder.evaluate(CLICK_BUTTON_AT, "Proceed")
        samples.append(viewer.evaluate("() => window.__bmsSeen") - sent)
        expect(holder).to_have_url(re.compile(r"/checkout/"))
        expect(holder.get_by_test_id("countdown")).to_be_visible()

        viewer.evaluate(WATCH_LABEL, [title, ", available"])
        sent = holder.evaluate(CLICK_BUTTON_AT, "Release seats")
        samples.append(viewer.evaluate("() => window.__bmsSeen") - sent)
        expect(holder).to_have_url(re.compile(r"/showtimes/"))
        expect(holder.get_by_role("group", name="Seat map")).to_have_attribute("aria-busy", "false")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=60)
    parser.add_argument("--holds", type=int, default=15)
    parser.add_argument("--port", type=int, default=3157)
    parser.add_argument("--no-redis", action="store_true", help="one backend worker, no Redis")
    args = parser.parse_args()
    redis_url = "" if args.no_redis or redis_available() else REDIS_TEST_URL

    with tempfile.TemporaryDirectory() as data:
        print(f"starting the production build on port {args.port} (Redis: {redis_url or 'no'})")
        with running_app(Path(data), args.port, redis_url=redis_url) as app:
            showtime = app.showtimes_on("Audi 1 IMAX")[0]
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=CHROMIUM, args=CHROMIUM_ARGS
                    )
                    viewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    holder = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                    holder.goto(f"{app.url}/login?next=/showtimes/{showtime}")
                    sign_in(holder, app.url)
                    open_seat_map(holder, app.url, showtime)

                    progress("render")
                    render = []
                    for _ in range(3):
                        render.append(measure_render(viewer, app.url, showtime))
                        # Let the reloaded tab's old socket close before the next reload: Reflex
                        # 0.10 with Redis can stall a tab whose reloads race (see README).
                        time.sleep(1)
                    seats = viewer.locator(".seat-grid button").count()
                    titles = available_titles(viewer)
                    middle = titles[len(titles) // 3 :]
                    progress("clicks")
                    measure_clicks(viewer, middle, 6)  # warm-up
                    clicks = measure_clicks(viewer, middle, args.clicks)

                    progress("live")
                    live = measure_live(holder, viewer, app.url, titles[-args.holds :], args.holds)

                    progress("floor")
                    holds = f"{app.url}/api/showtimes/{showtime}/holds"
                    floor = [viewer.evaluate(REFUSED_PROCEED, holds) for _ in range(args.clicks)]
                    browser.close()
            except Exception:
                # What the server said, for a run that failed part-way.
                print((Path(data) / "reflex.log").read_text()[-20000:], file=sys.stderr)
                raise

    workers = "several backend workers sharing Redis" if redis_url else "one backend worker"
    print(f"showtime {showtime}: {seats} seats; {workers}")
    print(summary("render (navigation → map with every seat)", render))
    print(summary("click → seat shown selected", clicks))
    print(summary("hold/release in A → shown in B", live))
    print(summary("floor (refused Proceed round trip)", floor))
    print(
        f"click_p50_ms={statistics.median(clicks):.1f} click_p95_ms={percentile(clicks, 95):.1f} "
        f"live_p95_ms={percentile(live, 95):.1f} floor_p50_ms={statistics.median(floor):.1f}"
    )


if __name__ == "__main__":
    main()
