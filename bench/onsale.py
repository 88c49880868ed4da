"""A blockbuster on-sale through the real websocket stack, in the production shape.

The bench starts it all itself: a fresh PostgreSQL database with the demo data, Redis, and the
production build with its backend workers on a loopback port. Then
1. V passive viewers (lightweight websocket clients speaking Reflex's protocol) open the 440-seat
   showtime's map and stay; the idle server's CPU and the Redis memory per tab are measured, and
   one real Chromium observer times hold → seen for holds made meanwhile (live_p95_ms);
2. N customers open the map, wait for the on-sale moment, pick 1–4 adjacent free seats like a
   person (a short pause; a block that leaves no seat on its own, the rule the server applies),
   Proceed (posted to the holds route, as the page does), pick again when the seats were taken
   (or a seat would now be left alone: gap_refusals), and load the checkout page when they win;
   the observer clicks seats throughout (click_p95_ms, in the browser);
3. the engine alone holds seats in threads on another showtime of the same database
   (engine_holds_per_s), and the database is checked for seats sold twice (oversold).

Prints
`customers=<N> holds_per_s=<n> sellout_s=<n> click_p95_ms=<n> hold_p95_ms=<n> oversold=<n>
engine_holds_per_s=<n>` (plus checkout_p50_ms, and the lock-expiry errors in the server's log) and
`viewers=<V> live_p95_ms=<n> idle_cpu_pct=<n> redis_kb_per_tab=<n>` (plus
worker_kb_per_client: the workers' memory growth per viewer while the second half connect).
`holds_per_s` counts hold attempts answered (won or refused) per second of the sale;
`sellout_s` runs from the on-sale moment to the last seat held. Bounded: every phase has a
deadline, traffic stays on loopback, everything started is stopped.

With `--arrivals A`, the sale runs through the showtime's fair on-sale line instead
(bench/onsale_line.py).

Usage: python bench/onsale.py [--customers 500] [--viewers 1000] [--workers 2] [--port 3181]
       python bench/onsale.py --arrivals 2000 [--per-minute 600] [--arrival-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import redis
from sqlalchemy import func, select, text

from bench.server_processes import group_cpu_seconds, group_rss_mb
from bookmyseat import db
from bookmyseat.models import LIVE_BOOKING_STATUSES, Booking, BookingSeat, User
from bookmyseat.services.accounts.login_sessions import start_session
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.booking.seat_gaps import Place, stranded_seat
from bookmyseat.settings import get_settings, load_settings, with_changes
from bookmyseat.state.checkout import CheckoutState
from bookmyseat.state.seat_map import SeatMapState
from tests.databases import REDIS_TEST_URL, postgres_database
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, RunningApp, running_app
from tests.reflex_client import HYDRATE, NAMESPACE, SESSION_VAR, route_of, run_async, seat_plan

SALE_DEADLINE_S = 180
REFUSAL_FRESH_S = 5.0  # as the picker's REFUSAL_FRESH_MS
SEAT_MAP = SeatMapState.get_full_name()
INTERNAL = "reflex___state____state.reflex___state____"  # Reflex's own page-load states
CHECKOUT = CheckoutState.get_full_name()


def p(values: list[float], q: int) -> float:
    """The q-th percentile (0 for no values)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1]


class LightTab:
    """A browser tab in ~100 lines: engine.io over one aiohttp websocket, Reflex's event frames,
    the deltas merged into `state`; far lighter than python-socketio for a thousand tabs."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str = "") -> None:
        self.http, self.base_url, self.session_token = session, base_url, token
        self.tab = str(uuid.uuid4())
        self.state: dict[str, dict] = {}
        self.events: list[dict] = []
        self.frames = 0
        self.changed = asyncio.Event()
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.path = "/"
        self.taken: set[int] = set()  # seats a refused hold found claimed, for a few seconds
        self.taken_until = 0.0
        self.plan_ids: list[int] = []

    def router_data(self) -> dict:
        pathname, params = route_of(self.path)
        return {"pathname": pathname, "asPath": self.path, "query": params}

    async def open(self, path: str) -> LightTab:
        await self.close()
        self.path, self.state, self.events = path, {}, []
        url = self.base_url.replace("http", "ws", 1)
        self.ws = await self.http.ws_connect(
            f"{url}/_event/?EIO=4&transport=websocket&token={self.tab}",
            headers={"Origin": self.base_url},
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
            max_msg_size=0,
        )
        await self.ws.receive(timeout=30)  # engine.io OPEN
        payload = {"vars": {SESSION_VAR: self.session_token}} if self.session_token else {}
        boot = {"name": HYDRATE, "payload": payload, "router_data": self.router_data()}
        await self.ws.send_str(f"40{NAMESPACE}," + json.dumps({"event": boot}))
        self.reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = message.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith(f"42{NAMESPACE},"):
                name, body = json.loads(data[len(NAMESPACE) + 3 :])[:2]
                if name == "event":
                    self.frames += 1
                    for state, values in body.get("delta", {}).items():
                        self.state.setdefault(state, {}).update(values)

                    self.events.extend(body.get("events", []))
                    self.changed.set()

    async def navigate(self, path: str) -> None:
        """Follow a redirect as the page does: no new connection, the new route's load events
        (with the cookies) over the same socket."""
        self.path = path
        if self.session_token:
            await self.send(f"{INTERNAL}update_vars_internal_state.update_vars_internal",
                            vars={SESSION_VAR: self.session_token})  # fmt: skip
        await self.send(f"{INTERNAL}on_load_internal_state.on_load_internal")

    def refused(self, claimed: list[int]) -> None:
        self.taken, self.taken_until = set(claimed), time.monotonic() + REFUSAL_FRESH_S

    def codes_seen(self) -> str:
        """The map's codes as the picker shows them: for a few seconds after a refusal, the
        seats it found claimed are taken (assets/seat_picker.jsx)."""
        codes = self.var(SEAT_MAP, "codes") or ""
        if not self.taken or not self.plan_ids or time.monotonic() > self.taken_until:
            return codes
        return "".join(
            "h" if c == "a" and seat in self.taken else c
            for c, seat in zip(codes, self.plan_ids, strict=False)
        )

    def var(self, state: str, name: str):
        return self.state.get(state, {}).get(name + "_rx_state_")

    async def until(self, condition, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(self.path)
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), min(left, 1.0))
            except TimeoutError:
                continue

    async def send(self, handler: str, **payload) -> None:
        event = {"name": handler, "payload": payload, "router_data": self.router_data()}
        await self.ws.send_str(f"42{NAMESPACE}," + json.dumps(["event", event]))

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        self.ws = self.reader = None


def adjacent_blocks(plan: list[dict], codes: str, size: int) -> list[list[int]]:
    """Runs of `size` free seats side by side in one row (plan order is row by row), not
    across an aisle, that leave no seat on its own (the gap rule the server applies)."""
    places = [
        Place(s["id"], s["label"], s["grid_row"], s["grid_col"], s["wheelchair"]) for s in plan
    ]
    taken = {s["id"] for s in plan if codes[s["index"]] != "a" or not s["price"]}
    rows: dict[int, list[Place]] = {}
    for place in places:
        rows.setdefault(place.grid_row, []).append(place)
    blocks = []
    for row in rows.values():
        for start in range(len(row) - size + 1):
            run = row[start : start + size]
            side_by_side = run[-1].grid_col - run[0].grid_col == size - 1
            chosen = {p.id for p in run}
            if side_by_side and not chosen & taken and stranded_seat(row, taken, chosen) is None:
                blocks.append(list(chosen))
    return blocks


class Sale:
    """What the customers measured."""

    def __init__(self) -> None:
        self.hold_ms: list[float] = []
        self.checkout_ms: list[float] = []
        self.answered = 0
        self.won = 0
        self.gap_refusals = 0
        self.last_win = 0.0
        self.errors: list[str] = []


async def hold(http, url: str, token: str, showtime: int, seats: list[int]) -> tuple[int, dict]:
    """Proceed as the page's picker does: the choice posted with the session cookie."""
    async with http.post(
        f"{url}/api/showtimes/{showtime}/holds",
        json={"seat_ids": seats},
        headers={"Origin": url, "Cookie": f"bms_session={token}"},
        timeout=aiohttp.ClientTimeout(60),
    ) as answer:
        return answer.status, await answer.json()


async def customer(
    http, app: RunningApp, token: str, showtime: int, plan, opens_at: float, sale: Sale
) -> None:
    tab = LightTab(http, app.url, token)
    tab.plan_ids = [s["id"] for s in plan]
    try:
        await tab.open(f"/showtimes/{showtime}")
        await tab.until(lambda: tab.var(SEAT_MAP, "loading") is False, 120)
        await asyncio.sleep(max(0.0, opens_at - time.monotonic()) + random.uniform(0.2, 1.0))
        while time.monotonic() < opens_at + SALE_DEADLINE_S:
            codes = tab.codes_seen()
            blocks = adjacent_blocks(plan, codes, random.randint(1, 4)) or adjacent_blocks(
                plan, codes, 1
            )
            if not blocks:
                return  # sold out, as far as this customer can see
            await asyncio.sleep(random.uniform(0.1, 0.4))  # a person choosing
            seats = random.choice(blocks)
            started = time.monotonic()
            status, answer = await hold(http, app.url, token, showtime, seats)
            sale.hold_ms.append((time.monotonic() - started) * 1000)
            sale.answered += 1
            if status == 201:
                sale.won += 1
                sale.last_win = time.monotonic()
                started = time.monotonic()
                await tab.navigate(answer["checkout"])
                await tab.until(lambda: (tab.var(CHECKOUT, "seconds_left") or 0) > 0, 60)
                sale.checkout_ms.append((time.monotonic() - started) * 1000)
                return
            if status == 422 and answer.get("code") == "leaves_seat_alone":
                sale.gap_refusals += 1  # the row changed since this customer looked: again
                continue
            if status != 409:
                raise RuntimeError(f"hold answered {status}: {answer}")
            tab.refused(answer["taken"] + answer["unavailable"])
    except Exception as exc:  # counted and reported, never hidden
        sale.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await tab.close()


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


def make_customers(url: str, count: int) -> list[str]:
    """Customers with sign-in tokens, made straight in the database."""
    engine = db.make_engine(url, pool_size=5)
    try:
        with db.write_session(engine) as session:
            suffix = uuid.uuid4().hex[:6]
            users = [
                User(username=f"fan{i}_{suffix}", email=f"fan{i}_{suffix}@example.com",
                     password_hash="unusable")
                for i in range(count)
            ]  # fmt: skip
            session.add_all(users)
            session.flush()
            ids = [u.id for u in users]
        return [start_session(user_id, engine=engine) for user_id in ids]
    finally:
        engine.dispose()


def oversold(url: str, showtime: int) -> int:
    engine = db.make_engine(url, pool_size=2)
    try:
        per_seat = (
            select(BookingSeat.seat_id)
            .join(Booking, Booking.id == BookingSeat.booking_id)
            .where(BookingSeat.showtime_id == showtime, Booking.status.in_(LIVE_BOOKING_STATUSES))
            .group_by(BookingSeat.seat_id)
            .having(func.count() > 1)
        )
        with db.read_session(engine) as session:
            return session.execute(select(func.count()).select_from(per_seat.subquery())).scalar()
    finally:
        engine.dispose()


def engine_holds_per_s(url: str, showtime: int, plan: list[dict], customers: int = 200) -> float:
    """The booking engine alone on another showtime of the same database: 32 threads."""
    engine = db.make_engine(url, pool_size=32)
    settings = with_changes(load_settings(), max_seats_per_booking=10)
    try:
        with engine.connect() as conn:
            users = [row[0] for row in conn.execute(text("SELECT id FROM app_user LIMIT 2000"))]
        choices = [
            random.choice(adjacent_blocks(plan, "a" * len(plan), random.randint(1, 4)))
            for _ in range(customers)
        ]
        gate = threading.Event()

        def attempt(i: int) -> None:
            gate.wait()
            with contextlib.suppress(errors.BookingError):
                hold_seats(users[i % len(users)], showtime, choices[i], settings=settings,
                           engine=engine)  # fmt: skip

        with ThreadPoolExecutor(max_workers=32) as pool:
            futures = [pool.submit(attempt, i) for i in range(customers)]
            time.sleep(0.2)
            started = time.perf_counter()
            gate.set()
            for future in futures:
                future.result()
        return customers / (time.perf_counter() - started)
    finally:
        engine.dispose()


def from_addresses(first: int, count: int, per_address: int = 5) -> list[aiohttp.ClientSession]:
    """Client sessions, each from a loopback address of its own (127.x.y.z): the crowd is many
    people, and the server caps sockets per address."""
    sessions = []
    for n in range(first, first + (count + per_address - 1) // per_address):
        address = f"127.{1 + n // 62500}.{(n // 250) % 250}.{1 + n % 250}"
        connector = aiohttp.TCPConnector(limit=0, local_addr=(address, 0))
        sessions.append(aiohttp.ClientSession(connector=connector))
    return sessions


async def open_viewers(
    app: RunningApp, showtime: int, count: int, first_address: int = 0
) -> tuple[list, list]:
    sessions, tabs = from_addresses(first_address, count), []
    for start in range(0, count, 100):
        batch = [LightTab(sessions[n // 5], app.url) for n in range(start, min(count, start + 100))]
        await asyncio.gather(*(t.open(f"/showtimes/{showtime}") for t in batch))
        tabs.extend(batch)
    await asyncio.gather(
        *(t.until(lambda t=t: t.var(SEAT_MAP, "loading") is False, 180) for t in tabs)
    )
    return sessions, tabs


def redis_used_kb(url: str) -> float:
    return redis.Redis.from_url(url).info("memory")["used_memory"] / 1024


async def run(app: RunningApp, url: str, args, server_log: Path) -> None:
    shows = app.showtimes_on("Audi 1 IMAX")
    showtime, probe_show, engine_show = shows[-1], shows[-2], shows[-3]
    plan = seat_plan(app.url, showtime)
    tokens = make_customers(url, args.customers + args.probes)
    probe_tokens = tokens[args.customers :]
    tokens = tokens[: args.customers]

    def progress(what: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)

    progress(f"{args.viewers} viewers open the map")
    redis_before = redis_used_kb(app.redis_url) if app.redis_url else 0.0
    # Memory a connected client keeps: the growth while the second half connects. The first
    # half also grows the workers' heaps to their working size (the transient peak of loading
    # pages in bursts of a hundred), which Python keeps and later tabs reuse.
    half = args.viewers // 2
    viewer_sessions, viewers = await open_viewers(app, probe_show, half)
    await asyncio.sleep(2)
    rss_half = group_rss_mb(app.pid)
    more_sessions, more = await open_viewers(app, probe_show, args.viewers - half, 50_000)
    await asyncio.sleep(2)
    worker_kb = (group_rss_mb(app.pid) - rss_half) * 1024 / max(1, args.viewers - half)
    viewer_sessions, viewers = viewer_sessions + more_sessions, viewers + more
    await asyncio.sleep(3)
    cpu_before, wall_before = group_cpu_seconds(app.pid), time.monotonic()
    await asyncio.sleep(10)
    idle_cpu = (group_cpu_seconds(app.pid) - cpu_before) / (time.monotonic() - wall_before) * 100
    redis_per_tab = (redis_used_kb(app.redis_url) - redis_before) / max(1, args.viewers)
    progress(f"idle: {idle_cpu:.1f} % CPU; the observer times {args.probes} holds")
    live = await asyncio.to_thread(observe_live, app, probe_show, probe_tokens)
    progress(f"{args.customers} customers open the map; the sale opens soon")

    sale = Sale()
    clicks: list[float] = []
    stop_clicking = threading.Event()
    clicker = threading.Thread(target=browser_clicks, args=(app, showtime, stop_clicking, clicks))
    clicker.start()
    crowd_sessions = from_addresses(100_000, len(tokens), per_address=1)
    opens_at = time.monotonic() + 20 + args.customers / 50  # everyone has the page by then
    crowd = [
        asyncio.create_task(customer(http, app, token, showtime, plan, opens_at, sale))
        for http, token in zip(crowd_sessions, tokens, strict=True)
    ]
    await asyncio.wait(crowd, timeout=opens_at - time.monotonic() + SALE_DEADLINE_S + 60)
    sale_end = time.monotonic()
    progress(f"the sale is over: {sale.won} won, {sale.answered} answers")
    stop_clicking.set()
    for http in crowd_sessions:
        await http.close()
    for tab in viewers:
        await tab.close()
    for session in viewer_sessions:
        await session.close()
    clicker.join()

    sale_seconds = max(0.001, (sale.last_win or sale_end) - opens_at)
    codes_now = seat_codes_now(url, showtime)
    free_left = [s for s in plan if codes_now[s["index"]] == "a" and s["price"]]
    engine_rate = await asyncio.to_thread(engine_holds_per_s, url, engine_show, plan)
    print(
        f"won={sale.won} answered={sale.answered} free_left={len(free_left)} "
        f"gap_refusals={sale.gap_refusals} "
        f"errors={len(sale.errors)} {sale.errors[:3]}"
    )
    print(
        f"customers={args.customers} holds_per_s={sale.answered / sale_seconds:.1f} "
        f"sellout_s={sale_seconds:.1f} click_p95_ms={p(clicks, 95):.0f} "
        f"hold_p95_ms={p(sale.hold_ms, 95):.0f} oversold={oversold(url, showtime)} "
        f"engine_holds_per_s={engine_rate:.0f} checkout_p50_ms={p(sale.checkout_ms, 50):.0f} "
        f"lock_expiry_errors={server_log.read_text(errors='replace').count('Lock expired for')}"
    )
    print(
        f"viewers={args.viewers} live_p95_ms={p(live, 95):.0f} idle_cpu_pct={idle_cpu:.1f} "
        f"redis_kb_per_tab={redis_per_tab:.1f} worker_kb_per_client={worker_kb:.0f}"
    )


def seat_codes_now(url: str, showtime: int) -> str:
    from bookmyseat.services.booking.availability import seat_codes

    engine = db.make_engine(url, pool_size=1)
    try:
        return seat_codes(showtime, engine=engine)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=15, help="holds the observer times")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--port", type=int, default=3181)
    parser.add_argument(
        "--arrivals",
        type=int,
        default=0,
        help="instead: this many arrive at an on-sale line (bench/onsale_line.py)",
    )
    parser.add_argument(
        "--per-minute",
        type=int,
        default=get_settings().queue_per_minute,
        help="the line's admissions a minute",
    )
    parser.add_argument(
        "--arrival-seconds",
        type=int,
        default=60,
        help="the arrivals spread over this long around the opening",
    )
    args = parser.parse_args()
    with (
        postgres_database() as engine,
        tempfile.TemporaryDirectory() as data,
    ):
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        with running_app(
            Path(data), args.port, redis_url=REDIS_TEST_URL, workers=args.workers,
            database_url=url, extra_env={"BOOKMYSEAT_MAX_SEATS": "10"},
        ) as app:  # fmt: skip
            try:
                if args.arrivals:
                    from bench.onsale_line import run_line

                    asyncio.run(asyncio.wait_for(run_line(app, url, args), 1500))
                else:
                    log = Path(data) / "reflex.log"
                    asyncio.run(asyncio.wait_for(run(app, url, args, log), 1500))
            finally:  # the server's log outlives the run, for a look afterwards
                shutil.copy(Path(data) / "reflex.log", Path(tempfile.gettempdir()) / "onsale.log")


if __name__ == "__main__":
    main()
