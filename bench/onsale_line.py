"""The on-sale through its fair line (`bench/onsale.py --arrivals 2000`): the showtime gets a
line (services.onsale) opening shortly, with `--per-minute` admissions a minute; A customers
arrive over `--arrival-seconds` (half before the opening, half after), each opening the page
(its websocket stays open, as a tab's does) and, queued, polling the line's route as the
page's script does; let in, the page is opened again and the customer picks and holds seats
like bench/onsale.py's crowd. A real Chromium observer, let in by the bench, clicks seats
throughout (click_p95_ms). Prints

`arrivals=<A> positioned=<n> admitted=<n> starved=<n> wait_p50_s=<x> wait_max_s=<x>
admitted_per_min=<x> per_minute=<n> won=<n> click_p95_ms=<n> hold_p95_ms=<n> poll_p95_ms=<n>
oversold=<n>` and `floor: everyone positioned, none starved, click_p95_ms < 100`.

`positioned` counts arrivals told a number (or let in at once); `starved` those never let in by
the deadline (the time the whole crowd needs at the capacity rate, plus a minute)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from datetime import UTC, timedelta

from bench.onsale import (
    Sale,
    customer,
    from_addresses,
    make_customers,
    oversold,
    p,
)
from bench.onsale_browser import browser_clicks
from bench.page_client import SEAT_MAP, LightTab
from bookmyseat import db
from bookmyseat.models import utcnow
from bookmyseat.services.accounts.login_sessions import account_for_token
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.onsale import queue_admin
from bookmyseat.services.onsale.line import line_for
from tests.e2e.server import RunningApp
from tests.reflex_client import seat_plan

POLL_S = 4.0  # as assets/queue_line.jsx: the first ask within this, then as the server says
LEAD_S = 30  # the line opens this long after the bench sets it up


class Crowd:
    def __init__(self) -> None:
        self.positioned = 0
        self.admitted_after: list[float] = []  # seconds from the opening (or arrival, if later)
        self.poll_ms: list[float] = []
        self.errors: list[str] = []


async def arrive(http, app: RunningApp, token: str, showtime: int, plan, opens_at: float,
                 arrive_at: float, deadline: float, crowd: Crowd, sale: Sale) -> None:  # fmt: skip
    await asyncio.sleep(max(0.0, arrive_at - time.monotonic()))
    tab = LightTab(http, app.url, token)
    try:
        await tab.open(f"/showtimes/{showtime}")
        await tab.until(lambda: tab.var(SEAT_MAP, "loading") is False, 120)
        queued, poll = tab.var(SEAT_MAP, "queued"), tab.var(SEAT_MAP, "queue_poll_url")
        told = bool(queued and "number" in (tab.var(SEAT_MAP, "queue_text") or ""))
        positioned = not queued or told
        wait = POLL_S * random.random()  # the page's first ask, then as the server says
        while queued and time.monotonic() < deadline:
            await asyncio.sleep(wait)
            started = time.monotonic()
            # With the session's cookie, as the page's fetch sends it: the pass needs it.
            cookie = {"Cookie": f"bms_session={token}"}
            async with http.get(f"{app.url}{poll}", headers=cookie) as answer:
                body = await answer.json()
            crowd.poll_ms.append((time.monotonic() - started) * 1000)
            if answer.status != 200:
                raise RuntimeError(f"the line answered {answer.status}: {body}")
            positioned = positioned or body["admitted"] or body.get("position", 0) > 0
            queued = not body["admitted"]
            wait = body.get("poll_seconds", POLL_S) * random.uniform(0.75, 1.25)
        crowd.positioned += positioned
        if queued:
            return  # starved: counted by the caller
        crowd.admitted_after.append(time.monotonic() - max(opens_at, arrive_at))
        await tab.close()
        await customer(http, app, token, showtime, plan, time.monotonic(), sale)
    except Exception as exc:  # counted and reported, never hidden
        crowd.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        await tab.close()


def set_up_line(url: str, redis_url: str, showtime: int, per_minute: int, observer: int) -> None:
    """The line, as staff set it up (through the service, as the admin page does), and the
    observer let in by the bench (its clicks are what is timed, not its wait)."""
    engine = db.make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            admin = conn.exec_driver_sql("SELECT id FROM app_user WHERE role = 'admin' LIMIT 1")
            boss = Account(admin.scalar_one(), "bench", "", "", "admin")
            zone = conn.exec_driver_sql(
                "SELECT c.timezone FROM showtime s JOIN screen sc ON sc.id = s.screen_id "
                f"JOIN cinema c ON c.id = sc.cinema_id WHERE s.id = {int(showtime)}"
            ).scalar_one()
        from zoneinfo import ZoneInfo

        opens = (utcnow() + timedelta(seconds=LEAD_S + 60)).astimezone(ZoneInfo(zone))
        form = {"showtime_id": str(showtime), "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
                "per_minute": str(per_minute), "admission_minutes": "10"}  # fmt: skip
        queue_admin.set_up_line(boss, form, engine=engine)
    finally:
        engine.dispose()
    line = line_for(redis_url)
    line.client.zadd(line.keys(showtime)[1], {str(observer): time.time() + 3600})


async def run_line(app: RunningApp, url: str, args) -> None:
    showtime = app.showtimes_on("Audi 1 IMAX")[-4]  # not one bench/onsale.py's sale used
    plan = seat_plan(app.url, showtime)
    tokens = make_customers(url, args.arrivals + 1)
    observer_token, tokens = tokens[0], tokens[1:]
    engine = db.make_engine(url, pool_size=1)
    observer = account_for_token(observer_token, engine=engine).id
    engine.dispose()
    set_up_line(url, app.redis_url, showtime, args.per_minute, observer)
    [(opens_at_wall,)] = app.query("SELECT opens_at FROM sale_queue WHERE showtime_id = :s",
                                   s=showtime)  # fmt: skip
    if opens_at_wall.tzinfo is None:  # SQLite gives it naive: UTC
        opens_at_wall = opens_at_wall.replace(tzinfo=UTC)
    opens_at = time.monotonic() + (opens_at_wall - utcnow()).total_seconds()
    wait = opens_at - time.monotonic()
    spread = args.arrival_seconds
    print(f"[{time.strftime('%H:%M:%S')}] line opens in {wait:.0f} s; {args.arrivals} arrive "
          f"over {spread} s around it", flush=True)  # fmt: skip
    sale, crowd = Sale(), Crowd()
    clicks: list[float] = []
    stop = threading.Event()
    clicker = threading.Thread(
        target=browser_clicks, args=(app, showtime, stop, clicks), kwargs={"token": observer_token}
    )
    clicker.start()
    sessions = from_addresses(200_000, len(tokens), per_address=1)
    first = opens_at - args.arrival_seconds / 2
    deadline = opens_at + args.arrivals / args.per_minute * 60 + 60
    tasks = [
        asyncio.create_task(
            arrive(
                http,
                app,
                token,
                showtime,
                plan,
                opens_at,
                first + args.arrival_seconds * n / len(tokens),
                deadline,
                crowd,
                sale,
            )
        )  # fmt: skip
        for n, (http, token) in enumerate(zip(sessions, tokens, strict=True))
    ]
    await asyncio.wait(tasks, timeout=deadline - time.monotonic() + 240)
    stop.set()
    for http in sessions:
        await http.close()
    clicker.join()
    admitted = len(crowd.admitted_after)
    span = max(crowd.admitted_after, default=0.0)
    print(f"errors={len(crowd.errors) + len(sale.errors)} {(crowd.errors + sale.errors)[:3]}")
    click_p95 = p(clicks, 95)
    print(
        f"arrivals={args.arrivals} positioned={crowd.positioned} admitted={admitted} "
        f"starved={args.arrivals - admitted} wait_p50_s={p(crowd.admitted_after, 50):.1f} "
        f"wait_max_s={span:.1f} admitted_per_min={admitted / max(span, 1) * 60:.0f} "
        f"per_minute={args.per_minute} won={sale.won} click_p95_ms={click_p95:.0f} "
        f"hold_p50_ms={p(sale.hold_ms, 50):.0f} hold_p95_ms={p(sale.hold_ms, 95):.0f} "
        f"poll_p95_ms={p(crowd.poll_ms, 95):.0f} "
        f"oversold={oversold(url, showtime)}"
    )
    ok = crowd.positioned == args.arrivals == admitted and click_p95 < 100
    print(
        f"floor: everyone positioned, none starved, click_p95_ms < 100: {'met' if ok else 'MISSED'}"
    )
