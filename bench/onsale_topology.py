"""The blockbuster on-sale through the production topology, with one app server then two.

bench/onsale.py's sale, but through nginx in front of ONE app server and then in front of TWO,
in the same run, to see what a second server buys.

For each topology the bench starts it all itself with deploy/prod_local.py's `Topology`: a
fresh PostgreSQL database of its own with the demo data (no past sales), a Redis database of
its own (flushed before and after), the frontend built (`reflex export`, once per topology) and
served by nginx on a loopback port, and the app servers behind it, each with GRANIAN_WORKERS
workers (2 unless set). Then, as onsale.py's sale phase does, N customers (one loopback address
each, 127.x.y.z: nginx passes it on in X-Forwarded-For and the app, trusting one proxy hop,
caps websockets per address; nginx itself caps nothing per address) open the 440-seat Audi 1
IMAX showtime's map over the websocket through nginx, wait for the on-sale moment, pick 1-4
adjacent free seats, Proceed (POST /api/showtimes/<id>/holds through nginx), pick again when
refused, and load the checkout when they win; one real Chromium observer clicks seats
throughout (click_p95_ms). The database is checked for seats sold twice (oversold), and the
topology is stopped (its process groups, nginx) and its database dropped before the next.

Prints per topology
`servers=<n> customers=<N> holds_per_s=<n> sellout_s=<n> click_p95_ms=<n> hold_p95_ms=<n>
checkout_p50_ms=<n> oversold=<n> errors=<n>` (plus won and the lock-expiry errors in the
servers' logs), then `two_vs_one_holds_per_s=<ratio>` (and the sell-out and hold p95 ratios).
`holds_per_s` counts hold attempts answered (won or refused) per second of the sale;
`sellout_s` runs from the on-sale moment to the last seat held. Bounded: setup and sale each
have a deadline, traffic stays on loopback, everything started is stopped. On a 2-core machine
the two servers share the same cores (and the client's, nginx's, PostgreSQL's): the ratio says
what the topology costs or buys here, not on two machines.

Usage: python bench/onsale_topology.py [--customers 400] [--listen 8180] [--first-port 8101]
       [--redis-db 9] [--history-days 0]   (GRANIAN_WORKERS=2: workers per app server)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
from sqlalchemy import create_engine, text

from bench.onsale import (
    SALE_DEADLINE_S,
    Sale,
    customer,
    from_addresses,
    make_customers,
    oversold,
    p,
    seat_plan,
)
from bench.onsale_browser import browser_clicks
from deploy.prod_local import NGINX, Topology, start, stop
from tests.e2e.server import RunningApp

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
SETUP_DEADLINE_S = 1200  # migrate, demo data, the frontend build, the servers healthy


def progress(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", flush=True)


def drop_database(name: str) -> None:
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def lock_expiry_errors(run_dir: Path) -> int:
    return sum(
        log.read_text(errors="replace").count("Lock expired for")
        for log in run_dir.glob("app-*.log")
    )


async def sale_through(app: RunningApp, customers: int) -> dict:
    """onsale.py's sale phase, against the proxy's address."""
    showtime = app.showtimes_on("Audi 1 IMAX")[-1]
    plan = seat_plan(app.url, showtime)
    tokens = make_customers(app.database_url, customers)
    progress(f"{customers} customers open the map of showtime {showtime}; the sale opens soon")
    sale, clicks, stop_clicking = Sale(), [], threading.Event()
    clicker = threading.Thread(target=browser_clicks, args=(app, showtime, stop_clicking, clicks))
    clicker.start()
    sessions = from_addresses(100_000, len(tokens), per_address=1)
    opens_at = time.monotonic() + 20 + customers / 50  # everyone has the page by then
    crowd = [
        asyncio.create_task(customer(http, app, token, showtime, plan, opens_at, sale))
        for http, token in zip(sessions, tokens, strict=True)
    ]
    try:
        await asyncio.wait(crowd, timeout=opens_at - time.monotonic() + SALE_DEADLINE_S + 60)
        sale_end = time.monotonic()
        late = sum(1 for task in crowd if not task.done())
        progress(f"the sale is over: {sale.won} won, {sale.answered} answers, {late} unfinished")
    finally:
        stop_clicking.set()
        for task in crowd:
            task.cancel()
        await asyncio.gather(*crowd, return_exceptions=True)
        for http in sessions:
            await http.close()
        await asyncio.to_thread(clicker.join, 60)
    seconds = max(0.001, (sale.last_win or sale_end) - opens_at)
    if sale.errors:
        progress(f"errors (first 3): {sale.errors[:3]}")
    return {
        "holds_per_s": sale.answered / seconds,
        "sellout_s": seconds,
        "click_p95_ms": p(clicks, 95),
        "hold_p95_ms": p(sale.hold_ms, 95),
        "checkout_p50_ms": p(sale.checkout_ms, 50),
        "oversold": oversold(app.database_url, showtime),
        "errors": len(sale.errors) + late,
        "won": sale.won,
    }


def on_alarm(signum, frame) -> None:
    raise TimeoutError(f"the topology was not up within {SETUP_DEADLINE_S} s")


def bench(servers: int, args, run_root: Path) -> dict:
    """One topology: started, sold out, stopped; its database and Redis emptied."""
    name = f"bench_topology_{uuid.uuid4().hex[:10]}"
    topology = Topology(
        servers=servers,
        listen=args.listen,
        first_port=args.first_port,
        database=f"{PG}/{name}",
        redis=f"redis://127.0.0.1:6379/{args.redis_db}",
        run_dir=run_root / f"servers-{servers}",
        history_days=args.history_days,
    )
    store = redis.Redis.from_url(topology.redis)
    store.flushdb()
    try:
        progress(f"starting nginx on {args.listen} in front of {servers} app server(s)")
        signal.signal(signal.SIGALRM, on_alarm)
        signal.alarm(SETUP_DEADLINE_S)  # a stuck step (subprocess.run) is killed by the raise
        try:
            start(topology)
        finally:
            signal.alarm(0)
        app = RunningApp(topology.url, topology.database, topology.redis)
        deadline = 20 + args.customers / 50 + SALE_DEADLINE_S + 300
        figures = asyncio.run(asyncio.wait_for(sale_through(app, args.customers), deadline))
        figures["lock_expiry_errors"] = lock_expiry_errors(topology.run_dir)
        return figures
    finally:
        stop(topology, quiet=True)
        store.flushdb()
        store.close()
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--listen", type=int, default=8180, help="nginx's port")
    parser.add_argument("--first-port", type=int, default=8101, help="the first app server's")
    parser.add_argument("--redis-db", type=int, default=9, help="not 5 (prod-local), 0/6 (tests)")
    parser.add_argument("--history-days", type=int, default=0, help="days of past demo sales")
    args = parser.parse_args()
    if not os.path.exists(NGINX):
        raise SystemExit(f"nginx is not installed at {NGINX}; `make nginx` installs it.")
    results = {}
    run_root = Path(tempfile.mkdtemp(prefix="onsale-topology-"))  # logs kept for a look after
    run_root.chmod(0o755)  # nginx's workers (nobody) use its temp folders in there
    progress(f"logs under {run_root}")
    for servers in (1, 2):
        figures = results[servers] = bench(servers, args, run_root)
        print(
            f"servers={servers} customers={args.customers} "
            f"holds_per_s={figures['holds_per_s']:.1f} sellout_s={figures['sellout_s']:.1f} "
            f"click_p95_ms={figures['click_p95_ms']:.0f} "
            f"hold_p95_ms={figures['hold_p95_ms']:.0f} "
            f"checkout_p50_ms={figures['checkout_p50_ms']:.0f} "
            f"oversold={figures['oversold']} errors={figures['errors']} "
            f"won={figures['won']} lock_expiry_errors={figures['lock_expiry_errors']}",
            flush=True,
        )
    one, two = results[1], results[2]

    def ratio(key: str) -> float:
        return two[key] / one[key] if one[key] else 0.0

    print(
        f"two_vs_one_holds_per_s={ratio('holds_per_s'):.2f} "
        f"two_vs_one_sellout_s={ratio('sellout_s'):.2f} "
        f"two_vs_one_hold_p95_ms={ratio('hold_p95_ms'):.2f}"
    )


if __name__ == "__main__":
    main()
