"""One abusive client against the running app, while another customer picks seats.

Starts the production build (Redis and two backend workers when Redis answers) on a spare
loopback port with fresh demo data. A customer (from 127.0.0.1) opens the 440-seat map and clicks
seats; each round trip of an event is timed (event sent → the server's answer), first alone
(the floor of this run) and then while an attacker
- opens `--sockets` websockets from 127.0.0.2, each joining the app as a page would and then
  answering pings (so it stays open as long as the server lets it), and
- streams a `--body-mb` MB body to the upload endpoint and to the Stripe webhook from
  127.0.0.3 (no length declared: refused only if the server counts while it reads), plus one
  that declares its length.

Prints the sockets the server kept, what happened to the bodies, and
`other_client_click_p95_ms=<n> backend_rss_growth_mb=<n>` (goal: p95 < 200 ms, growth < 50 MB),
the floor on the line before. Bounded: every phase has a deadline; loopback only.

Usage: python bench/abuse.py [--sockets 300] [--body-mb 300] [--clicks 60] [--port 3161]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.server_processes import group_rss_mb
from bookmyseat.state.checkout import CheckoutState
from bookmyseat.state.seat_map import SeatMapState
from tests.databases import REDIS_TEST_URL, redis_available
from tests.e2e.server import RunningApp, running_app
from tests.reflex_client import HYDRATE, NAMESPACE, Tab, route_of

ATTACKER, BODY_SENDER = "127.0.0.2", "127.0.0.3"
CHUNK = b"x" * 1_000_000


async def click_round_trips(tab: Tab, clicks: int) -> list[float]:
    """Seat clicks cost no round trip now (the choice is kept in the browser) and Proceed is a
    plain HTTP request, so the event timed is an anonymous Pay: through the websocket, the
    tab's state and back with the server's answer (to sign in first), changing nothing."""
    times = []
    for _ in range(clicks):
        before = len(tab.events)
        started = time.perf_counter()
        await tab.send(CheckoutState.pay)
        await tab.until(lambda b=before: len(tab.events) > b, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)
    return times


async def hold_open_socket(url: str, path: str, stop: asyncio.Event, results: dict) -> None:
    """A socket that joins like a page (its first event in the CONNECT) and then only pings."""
    connector = aiohttp.TCPConnector(local_addr=(ATTACKER, 0))
    token = str(uuid.uuid4())
    ws_url = url.replace("http", "ws", 1) + f"/_event/?EIO=4&transport=websocket&token={token}"
    pathname, params = route_of(path)
    boot = {
        "name": HYDRATE,
        "payload": {},
        "router_data": {"pathname": pathname, "asPath": path, "query": params},
    }
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            async with session.ws_connect(ws_url, headers={"Origin": url}, timeout=10) as ws:
                await ws.receive(timeout=10)  # engine.io OPEN
                await ws.send_str(f"40{NAMESPACE}," + json.dumps({"event": boot}))
                results["accepted"] += 1
                while not stop.is_set():
                    try:
                        message = await ws.receive(timeout=0.5)
                    except TimeoutError:
                        continue
                    if message.type != aiohttp.WSMsgType.TEXT:
                        results["closed_by_server"] += 1
                        return
                    if message.data == "2":
                        await ws.send_str("3")  # pong: stay open
        except (aiohttp.ClientError, TimeoutError):
            results["refused"] += 1


async def stream_body(url: str, path: str, megabytes: int, declare: bool) -> str:
    """Stream a huge body; what the server answered and how much it took before answering."""
    sent = 0

    async def chunks():
        nonlocal sent
        for _ in range(megabytes):
            sent += len(CHUNK)
            yield CHUNK

    connector = aiohttp.TCPConnector(local_addr=(BODY_SENDER, 0))
    headers = {"Content-Length": str(megabytes * len(CHUNK))} if declare else {}
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            async with session.post(
                url + path, data=chunks(), headers=headers, timeout=aiohttp.ClientTimeout(60)
            ) as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            status = f"connection ended ({type(exc).__name__})"
    return f"{path} {'declared' if declare else 'chunked'}: {status} after {sent // 1_000_000} MB"


async def run(app: RunningApp, args) -> None:
    showtime = app.showtimes_on("Audi 1 IMAX")[0]
    customer = await Tab(app.url).open(f"/showtimes/{showtime}")
    await customer.until(lambda: customer.var(SeatMapState, "loading") is False, timeout=30)
    floor = await click_round_trips(customer, args.clicks // 2)
    rss_before = group_rss_mb(app.pid)

    stop = asyncio.Event()
    results = {"accepted": 0, "refused": 0, "closed_by_server": 0}
    sockets = [
        asyncio.create_task(hold_open_socket(app.url, f"/showtimes/{showtime}", stop, results))
        for _ in range(args.sockets)
    ]
    bodies = asyncio.gather(
        stream_body(app.url, "/_upload", args.body_mb, declare=False),
        stream_body(app.url, "/api/stripe/webhook", args.body_mb, declare=False),
        stream_body(app.url, "/_upload", args.body_mb, declare=True),
    )
    peak = rss_before

    async def watch_memory():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, group_rss_mb(app.pid))
            await asyncio.sleep(0.2)

    memory = asyncio.create_task(watch_memory())
    await asyncio.sleep(1)  # the sockets arrive
    under_attack = await click_round_trips(customer, args.clicks)
    body_results = await asyncio.wait_for(bodies, 120)
    still_open = results["accepted"] - results["closed_by_server"]
    stop.set()
    await asyncio.gather(*sockets, memory)
    await customer.close()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    print(
        f"sockets={args.sockets} accepted={results['accepted']} refused={results['refused']} "
        f"closed_by_server={results['closed_by_server']} open_at_end={still_open}"
    )
    for line in body_results:
        print(f"body {line}")
    print(f"floor: click_p95_ms={p95(floor):.0f} (alone, same run)")
    print(
        f"other_client_click_p95_ms={p95(under_attack):.0f} "
        f"backend_rss_growth_mb={peak - rss_before:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--body-mb", type=int, default=300)
    parser.add_argument("--clicks", type=int, default=60)
    parser.add_argument("--port", type=int, default=3161)
    args = parser.parse_args()
    redis_url = REDIS_TEST_URL if redis_available() else ""
    with (
        tempfile.TemporaryDirectory() as data,
        running_app(Path(data), args.port, redis_url=redis_url, workers=2) as app,
    ):
        asyncio.run(asyncio.wait_for(run(app, args), 600))


if __name__ == "__main__":
    main()
