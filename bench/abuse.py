"""Abusive clients against the running app, one attack at a time, while another customer clicks.

Starts the production build (Redis and two backend workers when Redis answers) on a spare
loopback port with fresh demo data. A customer (from 127.0.0.1) opens the 440-seat map and
clicks: each round trip of an event is timed (event sent → the server's answer), first alone
(the floor of this run) and then through each attack, every attack from addresses of its own:

- `sockets_and_huge_bodies`: `--sockets` websockets from 127.0.0.2, each joining the app as a
  page would and then answering pings (so it stays open as long as the server lets it), and a
  `--body-mb` MB body streamed to the upload endpoint and to the Stripe webhook from 127.0.0.3
  (no length declared: refused only if the server counts while it reads), plus one that
  declares its length;
- `hydrate_flood` (probe finding 7): `--loopers` clients from 127.0.0.4 making the server load
  pages as fast as it lets them, half by reconnecting (a new socket, its hydrate, close, again),
  half by joining again and again on one socket (socket.io lets a client leave the namespace
  and join it anew, each join carrying a hydrate);
- `concurrent_bodies` (probe finding 6): `--uploads` uploads of 2.4 MB at once from 127.0.0.5,
  without Reflex's headers (as the probe sent them), and `--held-bodies` webhook bodies of
  0.9 MB from 40 addresses (127.0.5.x), each trickled in over ~9 s, so that many are in
  flight at once.

Prints for each attack what the server did with it, and
`<attack>: other_client_click_p95_ms=<n> (<samples> clicks) backend_rss_growth_mb=<n>
(<samples> readings)` (goals: p95 < 50 ms, growth < 50 MB; the floor on the line before); the
RSS growth is the highest reading of the server's processes during the attack less the reading
just before it. Exits 1 if a figure has no samples. Bounded: every phase has a deadline;
loopback only.

Usage: python bench/abuse.py [--sockets 300] [--body-mb 300] [--loopers 18] [--uploads 120]
       [--held-bodies 160] [--seconds 12] [--port 3161]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.server_processes import group_cpu_seconds, group_rss_mb
from bookmyseat.state.checkout import CheckoutState
from bookmyseat.state.seat_map import SeatMapState
from tests.databases import REDIS_TEST_URL, redis_available
from tests.e2e.server import RunningApp, running_app
from tests.reflex_client import HYDRATE, NAMESPACE, Tab, route_of

SOCKET_HOLDER, BODY_SENDER, FLOODER, UPLOADER = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
HOLDERS = [f"127.0.5.{n}" for n in range(1, 41)]
CHUNK = b"x" * 1_000_000
GOALS = "goals: click p95 < 50 ms, RSS growth < 50 MB"


@dataclass
class Attack:
    """What one attack did (its lines) and what it cost the server and the other customer."""

    name: str
    lines: list[str] = field(default_factory=list)
    clicks: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    rss_before: float = 0.0
    cpu_s: float = 0.0

    def figures(self) -> str:
        p95 = f"{p95_of(self.clicks):.0f}" if len(self.clicks) >= 2 else "none"
        growth = f"{max(self.rss) - self.rss_before:.0f}" if self.rss else "none"
        return (
            f"{self.name}: other_client_click_p95_ms={p95} ({len(self.clicks)} clicks) "
            f"backend_rss_growth_mb={growth} ({len(self.rss)} readings) "
            f"server_cpu_s={self.cpu_s:.1f}"
        )

    @property
    def has_samples(self) -> bool:
        return len(self.clicks) >= 2 and bool(self.rss)


def p95_of(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def click_round_trips(tab: Tab, seconds: float) -> list[float]:
    """Seat clicks cost no round trip now (the choice is kept in the browser) and Proceed is a
    plain HTTP request, so the event timed is an anonymous Pay: through the websocket, the
    tab's state and back with the server's answer (to sign in first), changing nothing. One
    every 50 ms after the answer, for `seconds`."""
    times = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = len(tab.events)
        started = time.perf_counter()
        await tab.send(CheckoutState.pay)
        await tab.until(lambda b=before: len(tab.events) > b, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)
    return times


def socket_url(url: str) -> str:
    token = str(uuid.uuid4())
    return url.replace("http", "ws", 1) + f"/_event/?EIO=4&transport=websocket&token={token}"


def join_packet(path: str) -> str:
    """A socket.io CONNECT to the app's namespace carrying a page's hydrate, as state.js sends."""
    pathname, params = route_of(path)
    boot = {
        "name": HYDRATE,
        "payload": {},
        "router_data": {"pathname": pathname, "asPath": path, "query": params},
    }
    return f"40{NAMESPACE}," + json.dumps({"event": boot})


# --- sockets and huge bodies ---------------------------------------------------------------------
async def hold_open_socket(url: str, path: str, deadline: float, results: Counter) -> None:
    """A socket that joins like a page (its first event in the CONNECT) and then only pings."""
    connector = aiohttp.TCPConnector(local_addr=(SOCKET_HOLDER, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            async with session.ws_connect(
                socket_url(url), headers={"Origin": url}, timeout=10
            ) as ws:
                await ws.receive(timeout=10)  # engine.io OPEN
                await ws.send_str(join_packet(path))
                results["accepted"] += 1
                while time.monotonic() < deadline:
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


async def sockets_and_huge_bodies(url: str, args, path: str, deadline: float) -> list[str]:
    results: Counter = Counter()
    sockets = [
        asyncio.create_task(hold_open_socket(url, path, deadline, results))
        for _ in range(args.sockets)
    ]
    bodies = await asyncio.gather(
        stream_body(url, "/_upload", args.body_mb, declare=False),
        stream_body(url, "/api/stripe/webhook", args.body_mb, declare=False),
        stream_body(url, "/_upload", args.body_mb, declare=True),
    )
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))
    still_open = results["accepted"] - results["closed_by_server"]
    await asyncio.gather(*sockets)
    return [
        f"sockets={args.sockets} accepted={results['accepted']} refused={results['refused']} "
        f"closed_by_server={results['closed_by_server']} open_at_end={still_open}",
        *(f"body {line}" for line in bodies),
    ]


# --- hydrate flood -------------------------------------------------------------------------------
async def answered(ws, results: Counter) -> bool:
    """Wait for the server's answer to a hydrate (its first event frame); False if closed."""
    while True:
        message = await ws.receive(timeout=10)
        if message.type != aiohttp.WSMsgType.TEXT:
            return False
        if message.data == "2":
            await ws.send_str("3")
        elif message.data.startswith(f"42{NAMESPACE}"):
            results["page_loads_answered"] += 1
            return True


async def flood(url: str, path: str, deadline: float, results: Counter, rejoin: bool):
    """Make the server load pages as fast as it lets this client: reconnect after each page
    load, or (`rejoin`) leave the namespace and join again on the same socket."""
    connector = aiohttp.TCPConnector(local_addr=(FLOODER, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        while time.monotonic() < deadline:
            results["connects_tried"] += 1
            try:
                async with session.ws_connect(
                    socket_url(url), headers={"Origin": url}, timeout=10
                ) as ws:
                    await ws.receive(timeout=10)  # engine.io OPEN
                    results["connects_accepted"] += 1
                    await ws.send_str(join_packet(path))
                    while await answered(ws, results) and rejoin and time.monotonic() < deadline:
                        await ws.send_str(f"41{NAMESPACE},")
                        await ws.send_str(join_packet(path))
                    if rejoin and time.monotonic() < deadline:
                        results["closed_by_server"] += 1
            except aiohttp.WSServerHandshakeError:
                results["connects_refused"] += 1
            except (aiohttp.ClientError, TimeoutError):
                results["connects_failed"] += 1


async def hydrate_flood(url: str, args, path: str, deadline: float) -> list[str]:
    results: Counter = Counter()
    started = time.monotonic()
    await asyncio.gather(
        *(flood(url, path, deadline, results, rejoin=n % 2 == 1) for n in range(args.loopers))
    )
    seconds = time.monotonic() - started
    return [
        f"loopers={args.loopers} connects_tried={results['connects_tried']} "
        f"accepted={results['connects_accepted']} refused={results['connects_refused']} "
        f"failed={results['connects_failed']} closed_by_server={results['closed_by_server']} "
        f"page_loads_answered={results['page_loads_answered']} "
        f"page_loads_per_s={results['page_loads_answered'] / seconds:.1f}"
    ]


# --- concurrent bodies ---------------------------------------------------------------------------
async def post_body(url: str, path: str, address: str, size: int, pause: float) -> str:
    """POST `size` bytes in 64 kB pieces, `pause` seconds apart; the status answered."""
    piece = b"y" * 64_000

    async def pieces():
        left = size
        while left > 0:
            yield piece[: min(left, len(piece))]
            left -= len(piece)
            if pause:
                await asyncio.sleep(pause)

    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            async with session.post(
                url + path, data=pieces(), timeout=aiohttp.ClientTimeout(60)
            ) as answer:
                return str(answer.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"ended ({type(exc).__name__})"


async def concurrent_bodies(url: str, args, path: str, deadline: float) -> list[str]:
    uploads = [post_body(url, "/_upload", UPLOADER, 2_400_000, 0.0) for _ in range(args.uploads)]
    held = [
        post_body(url, "/api/stripe/webhook", HOLDERS[n % len(HOLDERS)], 900_000, 0.6)
        for n in range(args.held_bodies)
    ]
    upload_answers, held_answers = await asyncio.gather(
        asyncio.gather(*uploads), asyncio.gather(*held)
    )
    await asyncio.sleep(max(0.0, deadline - time.monotonic()))

    def counted(answers: list[str]) -> str:
        return " ".join(f"{status}:{n}" for status, n in sorted(Counter(answers).items()))

    return [
        f"uploads={args.uploads} of 2.4 MB, no headers: {counted(upload_answers)}",
        f"held_bodies={args.held_bodies} of 0.9 MB from {len(HOLDERS)} addresses: "
        f"{counted(held_answers)}",
    ]


# --- running them --------------------------------------------------------------------------------
ATTACKS: dict[str, Callable[[str, argparse.Namespace, str, float], Awaitable[list[str]]]] = {
    "sockets_and_huge_bodies": sockets_and_huge_bodies,
    "hydrate_flood": hydrate_flood,
    "concurrent_bodies": concurrent_bodies,
}


def attack_in_this_process(name: str, url: str, args, path: str, deadline: float) -> list[str]:
    """An attack, run in a process of its own: its busy loop must not slow the customer's."""
    return asyncio.run(ATTACKS[name](url, args, path, deadline))


async def measure(app: RunningApp, customer: Tab, args, path: str, name: str, pool) -> Attack:
    """Run an attack while the customer clicks for `args.seconds`, reading the server's RSS."""
    attack = Attack(name, rss_before=group_rss_mb(app.pid))
    cpu_before = group_cpu_seconds(app.pid)
    deadline = time.monotonic() + 1 + args.seconds
    done = False

    async def watch_memory():
        while not done:
            attack.rss.append(group_rss_mb(app.pid))
            await asyncio.sleep(0.2)

    memory = asyncio.create_task(watch_memory())
    loop = asyncio.get_running_loop()
    running = loop.run_in_executor(
        pool, attack_in_this_process, name, app.url, args, path, deadline
    )
    await asyncio.sleep(1)  # the attack gets going
    attack.clicks = await click_round_trips(customer, args.seconds)
    attack.lines = await asyncio.wait_for(running, 180)
    done = True
    await memory
    attack.cpu_s = group_cpu_seconds(app.pid) - cpu_before
    await asyncio.sleep(3)  # the server settles before the next
    return attack


async def run(app: RunningApp, args) -> list[Attack]:
    showtime = app.showtimes_on("Audi 1 IMAX")[0]
    path = f"/showtimes/{showtime}"
    customer = await Tab(app.url).open(path)
    await customer.until(lambda: customer.var(SeatMapState, "loading") is False, timeout=30)
    floor = await click_round_trips(customer, args.seconds / 2)
    print(f"floor: click_p95_ms={p95_of(floor):.0f} ({len(floor)} clicks, alone, same run)")
    attacks = []
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        await asyncio.get_running_loop().run_in_executor(pool, time.sleep, 0)  # started
        for name in ATTACKS:
            attack = await measure(app, customer, args, path, name, pool)
            for line in attack.lines:
                print(f"{name}: {line}")
            print(attack.figures(), flush=True)
            attacks.append(attack)
    await customer.close()
    return attacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--body-mb", type=int, default=300)
    parser.add_argument("--loopers", type=int, default=18)
    parser.add_argument("--uploads", type=int, default=120)
    parser.add_argument("--held-bodies", type=int, default=160)
    parser.add_argument("--seconds", type=float, default=12.0, help="each attack's clicking")
    parser.add_argument("--port", type=int, default=3161)
    args = parser.parse_args()
    redis_url = REDIS_TEST_URL if redis_available() is None else ""  # None: it answers
    workers = 2 if redis_url else 1  # without Redis, Reflex runs one backend worker
    print(f"server: {workers} backend workers, Redis {'on' if redis_url else 'off'}")
    with (
        tempfile.TemporaryDirectory() as data,
        running_app(Path(data), args.port, redis_url=redis_url, workers=workers) as app,
    ):
        attacks = asyncio.run(asyncio.wait_for(run(app, args), 900))
    print(GOALS)
    empty = [attack.name for attack in attacks if not attack.has_samples]
    if empty:
        sys.exit(f"no samples for: {', '.join(empty)}")


if __name__ == "__main__":
    main()
