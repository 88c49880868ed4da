"""Many customers released together by a barrier race for overlapping seats.

Threads in one process share SQLite's in-process writer lock, so there the race shows the unique
index at work but never two transactions at once. So the race also runs across processes (each
its own engine, meeting only in the database file), and on PostgreSQL the test records when each
transaction began and ended and shows that they overlapped. The same harness runs with the
guard (the unique index on seat_claim) dropped: on PostgreSQL it must then see a double sale,
which shows that it can catch one (on SQLite, holds check for live claims under the writer lock
before writing, so even without the index none can happen there).
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import User
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import hold_seats
from tests.conftest import World, make_world
from tests.databases import empty_tables
from tests.invariants import claims_match_live_bookings, double_sold_seats

THREADS = 24
PROCESSES = 8


@contextmanager
def transaction_spans(engine: Engine) -> Iterator[list[tuple[float, float]]]:
    """(begin, end) of every transaction on `engine` while the block runs, by the clock."""
    spans: list[tuple[float, float]] = []
    began: dict[int, float] = {}

    def on_begin(conn) -> None:
        began[id(conn)] = time.monotonic()

    def on_end(conn) -> None:
        if id(conn) in began:
            spans.append((began.pop(id(conn)), time.monotonic()))

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "commit", on_end)
    event.listen(engine, "rollback", on_end)
    try:
        yield spans
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "commit", on_end)
        event.remove(engine, "rollback", on_end)


def most_at_once(spans: list[tuple[float, float]]) -> int:
    """The largest number of transactions open at the same moment."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    open_now = most = 0
    for _, step in edges:
        open_now += step
        most = max(most, open_now)
    return most


def customers(world: World, count: int) -> list[int]:
    """A customer of their own for each racer (one account may hold only a few bookings)."""
    with write_session(world.engine) as session:
        users = [
            User(username=f"racer{i}", email=f"racer{i}@example.com", password_hash="x")
            for i in range(count)
        ]
        session.add_all(users)
        session.flush()
        return [user.id for user in users]


def race(world: World, settings, choices: list[list[int]]) -> list[tuple[list[int], str]]:
    """Run one hold per choice, all threads released at once; returns (seats, outcome)."""
    racers = customers(world, len(choices))
    barrier = threading.Barrier(len(choices))
    results: list[tuple[list[int], str]] = [([], "")] * len(choices)

    def customer(i: int) -> None:
        user = racers[i]
        barrier.wait()
        try:
            hold_seats(user, world.showtime_id, choices[i], settings=settings, engine=world.engine)
            results[i] = (choices[i], "won")
        except errors.SeatUnavailable:
            results[i] = (choices[i], "lost")
        except Exception as exc:  # reported in the assertion below
            results[i] = (choices[i], f"error: {exc!r}")

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(len(choices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def single_seat_choices(world: World) -> list[list[int]]:
    seats = world.ids("A1", "A2", "B3", "C3")
    return [[seats[i % len(seats)]] for i in range(THREADS)]


def test_exactly_one_winner_per_seat(world: World, settings) -> None:
    with transaction_spans(world.engine) as spans:
        results = race(world, settings, single_seat_choices(world))
    assert not [r for r in results if r[1].startswith("error")], results
    if world.engine.dialect.name == "postgresql":  # SQLite's writers queue, one at a time
        assert most_at_once(spans) >= 2, "the transactions never overlapped: no race was run"
    winners = Counter(seats[0] for seats, outcome in results if outcome == "won")
    assert sorted(winners.values()) == [1, 1, 1, 1]
    assert double_sold_seats(world.engine, world.showtime_id) == {}
    claims_match_live_bookings(world.engine)


def test_overlapping_multi_seat_holds_never_share_a_seat(world: World, settings) -> None:
    # Choices that never leave a seat alone, whatever the others hold (the gap rule has tests of
    # its own): overlapping blocks of one to three seats.
    blocks = [
        ("A1", "A2"), ("A1",), ("A2",), ("A4", "A5"), ("A4",), ("B2", "B3"), ("B3",),
        ("C1", "C2"), ("C2", "C3"), ("C1", "C2", "C3"), ("C3",), ("C4", "C5"),
    ]  # fmt: skip
    rng = random.Random(7)
    choices = [world.ids(*rng.choice(blocks)) for _ in range(THREADS)]
    results = race(world, settings, choices)
    assert not [r for r in results if r[1].startswith("error")], results
    won = [set(seats) for seats, outcome in results if outcome == "won"]
    assert won, "somebody must win"
    taken = [seat for seats in won for seat in seats]
    assert len(taken) == len(set(taken)), "two winners share a seat"
    assert double_sold_seats(world.engine, world.showtime_id) == {}
    claims_match_live_bookings(world.engine)


@pytest.fixture
def unguarded(world: World):
    """The same database with the unique index on seat claims dropped, restored afterwards."""
    engine: Engine = world.engine
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX uq_seat_claim_showtime_seat"))
    yield world
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM seat_claim"))
        conn.execute(
            text(
                "CREATE UNIQUE INDEX uq_seat_claim_showtime_seat ON seat_claim "
                "(showtime_id, seat_id)"
            )
        )


def test_negative_control_without_the_guard_the_harness_sees_a_double_sale(
    unguarded: World,
    settings,
) -> None:
    if unguarded.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite's writers take turns, and each hold checks for live claims under that lock "
            "before it writes: without the index a double sale still cannot happen there"
        )
    results = race(unguarded, settings, single_seat_choices(unguarded))
    winners = Counter(seats[0] for seats, outcome in results if outcome == "won")
    assert max(winners.values()) > 1
    assert double_sold_seats(unguarded.engine, unguarded.showtime_id) != {}


def hold_in_own_process(url: str, user: int, showtime: int, seats: list[int], barrier, out) -> None:
    """One customer in a process of its own: its own engine and connection pool."""
    from bookmyseat.db import make_engine

    engine = make_engine(url, pool_size=1)
    barrier.wait()
    try:
        hold_seats(user, showtime, seats, engine=engine)
        out.put((seats, "won"))
    except errors.SeatUnavailable:
        out.put((seats, "lost"))
    except Exception as exc:  # reported in the assertion below
        out.put((seats, f"error: {exc!r}"))
    finally:
        engine.dispose()


def test_processes_racing_on_one_sqlite_file_get_one_winner_per_seat(
    sqlite_engine: Engine, settings
) -> None:
    """Across processes only the database keeps order: BEGIN IMMEDIATE, the busy timeout and the
    unique index (no in-process lock is shared)."""
    empty_tables(sqlite_engine)
    world = make_world(sqlite_engine)
    context = multiprocessing.get_context("spawn")
    choices = single_seat_choices(world)[:PROCESSES]
    barrier, out = context.Barrier(len(choices)), context.Queue()
    racers = customers(world, len(choices))
    workers = [
        context.Process(
            target=hold_in_own_process,
            args=(
                str(sqlite_engine.url),
                racers[i],
                world.showtime_id,
                seats,
                barrier,
                out,
            ),
        )  # fmt: skip
        for i, seats in enumerate(choices)
    ]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert not [r for r in results if r[1].startswith("error")], results
    winners = Counter(seats[0] for seats, outcome in results if outcome == "won")
    assert sorted(winners.values()) == [1] * len({s[0] for s in choices})
    assert double_sold_seats(sqlite_engine, world.showtime_id) == {}
    claims_match_live_bookings(sqlite_engine)
