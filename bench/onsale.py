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

from bench.onsale_browser import browser_clicks, observe_live
from bench.page_client import SEAT_MAP, LightTab, hold
from bench.server_processes import group_cpu_seconds, group_rss_mb
from bookmyseat import db
from bookmyseat.models import LIVE_BOOKING_STATUSES, Booking, BookingSeat, User
from bookmyseat.services.accounts.login_sessions import start_session
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.booking.seat_gaps import Place, stranded_seat
from bookmyseat.settings import get_settings, load_settings, with_changes
from bookmyseat.state.checkout import CheckoutState
from tests.databases import REDIS_TEST_URL, postgres_database
from tests.e2e.server import RunningApp, running_app
from tests.reflex_client import seat_plan

SALE_DEADLINE_S = 180
CHECKOUT = CheckoutState.get_full_name()


def p(values: list[float], q: int) -> float:
    """The q-th percentile (0 for no values)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1]


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
