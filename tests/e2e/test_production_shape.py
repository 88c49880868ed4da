"""The shape production runs: `BOOKMYSEAT_ENV=production` (an https public address, Stripe keys
to the stand-in, a strong secret) with two backend workers on PostgreSQL and Redis, behind a
proxy (requests come from a trusted loopback peer with X-Forwarded-For), hit by anonymous and
signed-in customers at once right after start and again right after a restart.

Every answer must match the database (a show's seats are its own screen's, a hold and a page
belong to the customer whose cookie it was), nothing may answer 5xx, no worker may exit, and no
PostgreSQL or Redis connection may be shared by two processes or held by the supervisor that
forks the workers (read from the sockets each process holds). The server imports the app in its
supervisor and forks the workers from it; before bookmyseat.db forgot inherited connections, the
production gate's connection was spoken on by all three processes at once (the probe of
2026-12-08: other screens' seats, admins taken for anonymous, segfaulted workers).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import secrets
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.server import ROOT, AppDidNotStart, BackendProcess, RunningApp, backend_server
from tests.reflex_client import Tab, run_async
from tests.stripe_standin import stripe_standin

PORT = int(os.environ.get("BOOKMYSEAT_E2E_PRODUCTION_PORT", "3211"))
PUBLIC_URL = "https://tickets.example.test"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/7"
DATABASE_PORT, REDIS_PORT = 5432, 6379
CUSTOMERS = 8
THREADS = 24
REQUESTS_A_ROUND = 900
PASSWORD = "Strong-enough-password-42"


@dataclass
class Shop:
    """The database the server runs on, and what the test knows of it."""

    database_url: str
    screen_seats: dict[int, set[int]]  # showtime id → the seat ids of its screen
    held_show: int = 0  # the show the customers hold seats of
    row_ends: list[int] = field(default_factory=list)  # a seat at a row's end there, a row each
    customers: dict[str, str] = field(default_factory=dict)  # username → session token
    user_ids: dict[str, int] = field(default_factory=dict)

    @property
    def app(self) -> RunningApp:
        return RunningApp(PUBLIC_URL, self.database_url, REDIS_URL)


def _manage(command: list[str], database_url: str) -> None:
    env = {**os.environ, "BOOKMYSEAT_DB_URL": database_url}
    subprocess.run([".venv/bin/python", "-m", "bookmyseat.manage", *command], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Iterator[Shop]:
    """A production database: migrated, the demo's cinemas and shows, its accounts renamed (the
    gate refuses published demo accounts) and customers of its own, signed in."""
    name = f"bms_production_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG}/{name}"
    try:
        _manage(["migrate"], url)
        _manage(["demo-data", "--days", "2", "--history-days", "0"], url)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE app_user SET username = 'staff_' || id, "
                              "email = 'staff' || id || '@cinema.example'"))  # fmt: skip
            shows = conn.execute(text(
                "SELECT DISTINCT ON (s.screen_id) s.id, s.screen_id FROM showtime s "
                "WHERE s.starts_at > now() + interval '3 hours' ORDER BY s.screen_id, s.starts_at"
            )).all()  # fmt: skip
            seats = {
                show_id: set(
                    conn.execute(
                        text("SELECT id FROM seat WHERE screen_id = :screen"), {"screen": screen_id}
                    ).scalars()
                )  # fmt: skip
                for show_id, screen_id in shows
            }
            biggest = max(seats, key=lambda show: len(seats[show]))
            row_ends = _row_ends(conn, biggest)
        engine.dispose()
        found = Shop(url, seats, biggest, row_ends)
        assert len(row_ends) >= CUSTOMERS, "a seat for every customer, each in a row of its own"
        from bookmyseat.services.accounts.users import create_user

        engine = create_engine(url)
        for number in range(CUSTOMERS):
            username = f"customer{number}"
            account = create_user(username, f"{username}@mail.example", PASSWORD, engine=engine)
            found.user_ids[username] = account.id
        with engine.begin() as conn:  # signed up and confirmed their addresses long ago
            columns = conn.execute(
                text("SELECT column_name FROM information_schema.columns "
                     "WHERE table_name = 'app_user'")
            ).scalars().all()  # fmt: skip
            if "email_verified_at" in columns:
                conn.execute(text("UPDATE app_user SET email_verified_at = now()"))
        engine.dispose()
        for username in found.user_ids:
            found.customers[username] = found.app.session_for(username)
        assert len(seats) >= 2, "the demo data has shows on several screens"
        yield found
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _row_ends(conn, show: int) -> list[int]:
    """A seat at the start of each row of the show's screen whose first three seats sit side by
    side: holding it leaves no seat on its own."""
    rows: dict[str, list[tuple[int, int, bool]]] = {}
    for seat_id, row, col, special in conn.execute(text(
        "SELECT seat.id, row_label, grid_col, is_wheelchair OR is_blocked FROM seat "
        "JOIN showtime ON showtime.screen_id = seat.screen_id WHERE showtime.id = :show"
    ), {"show": show}):  # fmt: skip
        rows.setdefault(row, []).append((col, seat_id, special))
    ends = []
    for seats in rows.values():
        first = sorted(seats)[:3]
        if len(first) == 3 and first[2][0] - first[0][0] == 2 and not any(s[2] for s in first):
            ends.append(first[0][1])
    return ends


@pytest.fixture(scope="module")
def production_env(shop: Shop) -> Iterator[dict[str, str]]:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with stripe_standin() as stripe:
        yield {
            "BOOKMYSEAT_ENV": "production",
            "BOOKMYSEAT_DB_URL": shop.database_url,
            "REFLEX_REDIS_URL": REDIS_URL,
            "GRANIAN_WORKERS": "2",
            "BOOKMYSEAT_WORKERS": "2",
            "BOOKMYSEAT_PUBLIC_URL": PUBLIC_URL,
            "BOOKMYSEAT_SECRET_KEY": secrets.token_urlsafe(48),
            "BOOKMYSEAT_METRICS_TOKEN": secrets.token_urlsafe(32),
            "STRIPE_SECRET_KEY": "sk_test_production_shape",
            "STRIPE_WEBHOOK_SECRET": "whsec_production_shape",
            "BOOKMYSEAT_STRIPE_API_BASE": stripe.url,
            "BOOKMYSEAT_TRUSTED_PROXIES": "127.0.0.1",
        }


# --- who holds which connection ---------------------------------------------------------------
def processes_of(group: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == group:
                    found.append(int(entry))
            except ProcessLookupError:
                continue
    return sorted(found)


def connections_by_socket(pids: list[int], ports: tuple[int, ...]) -> dict[str, set[int]]:
    """Each established TCP connection to `ports` that any of `pids` holds (by the socket's
    inode), and which of them hold it: one socket in two processes is one connection shared."""
    remote = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            port, state, inode = int(fields[2].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if port in ports and state == "01":  # ESTABLISHED
                remote[inode] = port
    holders: dict[str, set[int]] = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except (FileNotFoundError, PermissionError):
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            found = re.fullmatch(r"socket:\[(\d+)\]", target)
            if found and found.group(1) in remote:
                holders.setdefault(f"{remote[found.group(1)]}:{found.group(1)}", set()).add(pid)
    return holders


def test_the_socket_reader_sees_a_shared_connection() -> None:
    """The negative control of the sharing check: a socket open before a fork is found in both."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    child = os.fork()
    if child == 0:  # the child only waits to be looked at
        threading.Event().wait(5)
        os._exit(0)
    try:
        holders = connections_by_socket([os.getpid(), child], (port,))
        assert {os.getpid(), child} in holders.values()
    finally:
        os.kill(child, 9)
        os.waitpid(child, 0)
        client.close()
        listener.close()


# --- the traffic ------------------------------------------------------------------------------
@dataclass
class Answer:
    kind: str
    status: int
    wrong: str = ""  # what in the answer did not match the database


def _get(url: str, *, cookie: str = "", address: str = "203.0.113.9") -> tuple[int, bytes]:
    headers = {"X-Forwarded-For": address}
    if cookie:
        headers["Cookie"] = f"bms_session={cookie}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def anonymous_reads(server: BackendProcess, shop: Shop, number: int) -> Answer:
    """A seat plan or best-available for a show: every seat in it is that show's screen's."""
    shows = sorted(shop.screen_seats)
    show = shows[number % len(shows)]
    if number % 2:
        status, body = _get(f"{server.url}/api/showtimes/{show}/seat-plan")
        seat_ids = {seat[0] for seat in json.loads(body)["seats"]} if status == 200 else set()
        kind = "seat-plan"
    else:
        status, body = _get(f"{server.url}/api/showtimes/{show}/best-seats?count=2")
        found = json.loads(body).get("suggestions", []) if status == 200 else []
        seat_ids = {seat for suggestion in found for seat in suggestion["seat_ids"]}
        kind = "best-seats"
    wrong = ""
    if status != 200:
        wrong = f"show {show} answered {status}: {body[:200]!r}"
    elif not seat_ids or not seat_ids <= shop.screen_seats[show]:
        wrong = f"show {show} answered seats {sorted(seat_ids - shop.screen_seats[show])[:5]}"
    return Answer(kind, status, wrong)


def hold_one_seat(
    server: BackendProcess, shop: Shop, username: str, show: int, seat: int
) -> Answer:
    """A customer holds a seat through the proxy: the booking made is that customer's."""
    request = urllib.request.Request(
        f"{server.url}/api/showtimes/{show}/holds",
        data=json.dumps({"seat_ids": [seat]}).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": PUBLIC_URL,
            "Cookie": f"bms_session={shop.customers[username]}",
            "X-Forwarded-For": f"198.51.100.{10 + int(username[-1])}",
        },  # fmt: skip
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, body = answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        status, body = error.code, json.loads(error.read() or b"{}")
    if status != 201:
        return Answer("hold", status, f"{username}'s hold answered {status}: {body}")
    owner = shop.app.query("SELECT user_id FROM booking WHERE reference = :r", r=body["reference"])
    if owner != [(shop.user_ids[username],)]:
        return Answer("hold", status, f"{username}'s hold {body['reference']} belongs to {owner}")
    return Answer("hold", status)


def own_ticket(server: BackendProcess, shop: Shop, username: str, reference: str) -> Answer:
    """A customer's calendar entry of a paid booking: theirs, never someone else's."""
    status, body = _get(f"{server.url}/api/bookings/{reference}/ticket.ics",
                        cookie=shop.customers[username])  # fmt: skip
    wrong = "" if status == 200 and reference.encode() in body else f"{status}: {body[:120]!r}"
    return Answer("ticket", status, wrong and f"{username}'s ticket {reference}: {wrong}")


def identities_over_websockets(server: BackendProcess, shop: Shop) -> list[Answer]:
    """Each customer's tab opened at once over the websocket: each is told its own name."""

    async def one(username: str) -> Answer:
        tab = Tab(server.url, shop.customers[username], origin=PUBLIC_URL)
        try:
            await tab.open("/bookings")
            from bookmyseat.state.auth import AuthState

            await tab.until(lambda: tab.var(AuthState, "username") is not None, timeout=15)
            seen = tab.var(AuthState, "username")
            return Answer("websocket", 200, "" if seen == username else f"{username} saw {seen!r}")
        except Exception as exc:  # a refused or broken socket is an answer too
            return Answer("websocket", 0, f"{username}'s tab: {type(exc).__name__}: {exc}")
        finally:
            await tab.close()

    async def everyone() -> list[Answer]:
        import asyncio

        return list(await asyncio.gather(*(one(name) for name in shop.customers)))

    return run_async(everyone())


def rush(server: BackendProcess, shop: Shop, extra: list) -> list[Answer]:
    """REQUESTS_A_ROUND anonymous reads from THREADS threads, with `extra` (callables giving an
    Answer) mixed in among them, and the customers' tabs opened meanwhile."""
    jobs = [lambda n=n: anonymous_reads(server, shop, n) for n in range(REQUESTS_A_ROUND)]
    step = max(1, len(jobs) // (len(extra) + 1))
    for index, job in enumerate(extra):
        jobs.insert((index + 1) * step, job)
    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        tabs = pool.submit(identities_over_websockets, server, shop)
        answers = list(pool.map(lambda job: job(), jobs))
        answers += tabs.result()
    return answers


def problems_of(answers: list[Answer]) -> list[str]:
    found = [f"{a.kind}: {a.wrong}" for a in answers if a.wrong]
    found += [f"{a.kind} answered {a.status}" for a in answers if a.status >= 500 and not a.wrong]
    return found


def shared_or_supervisors(server: BackendProcess) -> tuple[list[int], dict[str, set[int]], list]:
    """The server's processes, its connections to PostgreSQL and Redis, and the problems: a
    connection held by several processes, or by the supervisor at all."""
    pids = processes_of(server.pid)
    holders = connections_by_socket(pids, (DATABASE_PORT, REDIS_PORT))
    found = [f"connection {key} shared by {sorted(p)}" for key, p in holders.items() if len(p) > 1]
    found += [f"the supervisor holds connection {key}" for key, p in holders.items()
              if server.pid in p]  # fmt: skip
    return pids, holders, found


def worker_exits(server: BackendProcess) -> list[str]:
    """What the server logged of a worker dying or failing."""
    gone = re.compile(r"Unexpected exit|Killing worker|Traceback|Segmentation")
    return [line for line in server.log().splitlines() if gone.search(line)]


def test_two_workers_in_production_answer_each_customer_from_the_database(
    shop: Shop, production_env: dict[str, str], tmp_path: Path
) -> None:
    customers = sorted(shop.customers)
    try:
        with backend_server(PORT, production_env, tmp_path / "first.log") as server:
            holds = [lambda u=u, s=seat: hold_one_seat(server, shop, u, shop.held_show, s)
                     for u, seat in zip(customers, shop.row_ends, strict=False)]  # fmt: skip
            answers = rush(server, shop, holds)
            pids, holders, sharing = shared_or_supervisors(server)
            exits = worker_exits(server)
    except AppDidNotStart as exc:
        pytest.fail(str(exc))
    kinds = Counter(a.kind for a in answers)
    wrong = problems_of(answers)
    assert not wrong, f"{len(wrong)} of {len(answers)} answers ({kinds}):\n" + "\n".join(wrong[:20])
    assert sharing == [], f"processes {pids}; connections {holders}"
    assert len(pids) == 3 and exits == [], f"a worker went away: {exits}"
    assert kinds["hold"] == CUSTOMERS and kinds["websocket"] == CUSTOMERS
    assert {p for held in holders.values() for p in held} == set(pids) - {server.pid}, (
        "both workers should be talking to the database and Redis on their own connections"
    )

    # The holds are paid (as the webhook would), and the server restarted: customers fetch
    # their tickets at once, while the crowd reads seat plans.
    shop.app.execute("UPDATE booking SET status = 'paid', paid_at = now() WHERE status = 'held'")
    references = dict(shop.app.query("SELECT u.username, b.reference FROM booking b "
                                     "JOIN app_user u ON u.id = b.user_id"))  # fmt: skip
    assert sorted(references) == customers
    try:
        with backend_server(PORT, production_env, tmp_path / "restarted.log") as server:
            tickets = [lambda u=u: own_ticket(server, shop, u, references[u]) for u in customers]
            neighbours = zip(customers, customers[1:] + customers[:1], strict=True)
            others = [lambda u=u, v=v: _not_theirs(server, shop, u, references[v])
                      for u, v in neighbours]  # fmt: skip
            answers = rush(server, shop, tickets * 3 + others)
            pids, holders, sharing = shared_or_supervisors(server)
            exits = worker_exits(server)
    except AppDidNotStart as exc:
        pytest.fail(str(exc))
    wrong = problems_of(answers)
    listed = "\n".join(wrong[:20])
    assert not wrong, f"after the restart, {len(wrong)} of {len(answers)} answers:\n{listed}"
    assert sharing == [], f"after the restart: processes {pids}; connections {holders}"
    assert len(pids) == 3 and exits == [], f"a worker went away after the restart: {exits}"
    assert Counter(a.kind for a in answers)["ticket"] == 4 * CUSTOMERS


def _not_theirs(server: BackendProcess, shop: Shop, username: str, reference: str) -> Answer:
    """Another customer's ticket: not found for this one."""
    status, body = _get(f"{server.url}/api/bookings/{reference}/ticket.ics",
                        cookie=shop.customers[username])  # fmt: skip
    wrong = "" if status == 404 else f"{username} got someone else's ticket: {status}"
    return Answer("ticket", status, wrong)
