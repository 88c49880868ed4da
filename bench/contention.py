"""200 simulated customers race for the seats of one 400-seat showtime, on SQLite and PostgreSQL.

Each customer wants 1 to 4 adjacent seats around a popular centre, so choices overlap. All are
released together to a pool of worker threads; every hold is a full engine transaction. The floor
is the same claim rows inserted directly, one transaction per customer, in one connection.

Usage: python bench/contention.py [--customers 200] [--workers 32] [--pg URL] [--skip-pg]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from bookmyseat import db, migrations
from bookmyseat.models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingSeat,
    Movie,
    Seat,
    User,
    utcnow,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.catalog.venues import (
    get_or_create_cinema,
    get_or_create_screen,
    get_or_create_showtime,
)
from bookmyseat.services.demo.data import PRICES, _big_layout
from bookmyseat.settings import load_settings, with_changes

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def setup(engine: Engine, customers: int) -> tuple[int, int, list[int], list[list[int]], list[int]]:
    """Two showtimes on the 440-seat screen (one for the floor), users and their seat choices."""
    starts = utcnow() + timedelta(days=1)
    with db.write_session(engine) as session:
        cinema = get_or_create_cinema(session, "Bench Cinema", "Mumbai", "")
        screen = get_or_create_screen(session, cinema, "Big", _big_layout())
        movie = Movie(slug="bench", title="Bench", runtime_minutes=120)
        session.add(movie)
        session.flush()
        show = get_or_create_showtime(session, movie, screen, starts, PRICES)
        floor_show = get_or_create_showtime(
            session, movie, screen, starts + timedelta(hours=4), PRICES
        )
        users = [
            User(username=f"c{i}", email=f"c{i}@example.com", password_hash="-")
            for i in range(customers)
        ]
        session.add_all(users)
        session.flush()
        rows = session.execute(
            select(Seat.id, Seat.grid_row)
            .where(Seat.screen_id == screen.id, ~Seat.is_blocked)
            .order_by(Seat.grid_row, Seat.grid_col)
        ).all()
        by_row: dict[int, list[int]] = {}
        for seat_id, grid_row in rows:
            by_row.setdefault(grid_row, []).append(seat_id)
        rng = random.Random(42)
        row_keys = sorted(by_row)
        choices = []
        for _ in range(customers):
            # Crowd the middle rows and centre seats, as real audiences do.
            row = by_row[
                row_keys[min(len(row_keys) - 1, max(0, int(rng.gauss(len(row_keys) / 2, 4))))]
            ]
            count = rng.randint(1, 4)
            start = min(len(row) - count, max(0, int(rng.gauss(len(row) / 2 - count / 2, 4))))
            choices.append(row[start : start + count])
        return show.id, floor_show.id, [u.id for u in users], choices, [r[0] for r in rows]


def run_race(
    engine: Engine, show_id: int, users: list[int], choices: list[list[int]], workers: int
) -> tuple[float, list[float], int, int]:
    settings = with_changes(load_settings(), hold_minutes=10, max_seats_per_booking=10)
    latencies: list[float] = [0.0] * len(choices)
    outcomes: list[str] = [""] * len(choices)
    gate = threading.Event()

    def customer(i: int) -> None:
        gate.wait()
        t0 = time.perf_counter()
        try:
            hold_seats(users[i], show_id, choices[i], settings=settings, engine=engine)
            outcomes[i] = "won"
        except errors.SeatUnavailable:
            outcomes[i] = "lost"
        except errors.LeavesSeatAlone:  # a fair refusal too: the row changed meanwhile
            outcomes[i] = "gap"
        latencies[i] = (time.perf_counter() - t0) * 1000

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(customer, i) for i in range(len(choices))]
        time.sleep(0.2)
        start = time.perf_counter()
        gate.set()
        for f in futures:
            f.result()
        elapsed = time.perf_counter() - start
    lost = outcomes.count("lost") + outcomes.count("gap")
    return elapsed, latencies, outcomes.count("won"), lost


def oversold(engine: Engine, show_id: int) -> int:
    """Seats that more than one live booking contains (must be 0)."""
    per_seat = (
        select(BookingSeat.seat_id)
        .join(Booking, Booking.id == BookingSeat.booking_id)
        .where(BookingSeat.showtime_id == show_id, Booking.status.in_(LIVE_BOOKING_STATUSES))
        .group_by(BookingSeat.seat_id)
        .having(func.count() > 1)
    )
    with db.read_session(engine) as session:
        return session.execute(select(func.count()).select_from(per_seat.subquery())).scalar_one()


def floor(engine: Engine, floor_show: int, users: list[int], choices: list[list[int]]) -> float:
    """Seconds to insert the same claim rows directly: one connection, one transaction each."""
    with db.write_session(engine) as session:
        booking = Booking(
            reference=uuid.uuid4().hex[:16],
            user_id=users[0],
            showtime_id=floor_show,
            hold_expires_at=utcnow(),
            seat_count=0,
            subtotal_paise=0,
            fee_paise=0,
            total_paise=0,
        )
        session.add(booking)
        session.flush()
        booking_id = booking.id
    conflict = "ON CONFLICT DO NOTHING"
    stmt = text(
        "INSERT INTO seat_claim (showtime_id, seat_id, booking_id, claimed_at) "
        f"VALUES (:s, :seat, :b, :t) {conflict}"
    )
    bound = engine.execution_options(bookmyseat_write=True)
    with bound.connect() as conn:
        start = time.perf_counter()
        for seats in choices:
            with conn.begin():
                conn.execute(
                    stmt,
                    [{"s": floor_show, "seat": s, "b": booking_id, "t": utcnow()} for s in seats],
                )
        return time.perf_counter() - start


def bench(name: str, engine: Engine, customers: int, workers: int) -> str:
    migrations.migrate(engine)
    show, floor_show, users, choices, _ = setup(engine, customers)
    elapsed, latencies, won, lost = run_race(engine, show, users, choices, workers)
    floor_s = floor(engine, floor_show, users, choices)
    sold = oversold(engine, show)
    holds_per_s = customers / elapsed
    floor_per_s = customers / floor_s
    q = statistics.quantiles(latencies, n=100)
    print(
        f"[{name}] {customers} customers, {workers} workers, "
        f"{sum(len(c) for c in choices)} seats wanted: {won} holds won, {lost} refused "
        f"(seat taken, or a seat left alone), wall {elapsed * 1000:.0f} ms"
    )
    print(
        f"[{name}] hold attempts/s={holds_per_s:.0f} p50={q[49]:.1f} ms p95={q[94]:.1f} ms; "
        f"floor (direct inserts, one connection) {floor_per_s:.0f}/s "
        f"= {floor_s * 1000 / customers:.2f} ms per customer"
    )
    ratio = holds_per_s / floor_per_s
    return (
        f"db={name} holds_per_s={holds_per_s:.0f} p95_ms={q[94]:.1f} oversold={sold} "
        f"ratio_to_floor={ratio:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument(
        "--pg",
        default=PG_DEFAULT,
        help="PostgreSQL server URL (a scratch database is created there and dropped afterwards)",
    )
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/bench.db", pool_size=args.workers)
        lines.append(bench("sqlite", engine, args.customers, args.workers))
        engine.dispose()
    if not args.skip_pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"bms_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = admin.url.set(database=name).render_as_string(hide_password=False)
            engine = db.make_engine(url, pool_size=args.workers)
            lines.append(bench("postgresql", engine, args.customers, args.workers))
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print("ratio_to_floor = engine hold attempts per second / direct claim inserts per second")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
