"""Many customers released together by a barrier race for overlapping seats.

The same harness runs with the guard (the unique index on seat_claim) dropped: it must then see a
double sale, which shows that it can catch one.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import hold_seats
from tests.conftest import World
from tests.invariants import claims_match_live_bookings, double_sold_seats

THREADS = 24


def race(world: World, settings, choices: list[list[int]]) -> list[tuple[list[int], str]]:
    """Run one hold per choice, all threads released at once; returns (seats, outcome)."""
    barrier = threading.Barrier(len(choices))
    results: list[tuple[list[int], str]] = [([], "")] * len(choices)

    def customer(i: int) -> None:
        user = world.alice if i % 2 else world.bob
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
    seats = world.ids("A1", "A2", "B2", "C3")
    return [[seats[i % len(seats)]] for i in range(THREADS)]


def test_exactly_one_winner_per_seat(world: World, settings) -> None:
    results = race(world, settings, single_seat_choices(world))
    assert not [r for r in results if r[1].startswith("error")], results
    winners = Counter(seats[0] for seats, outcome in results if outcome == "won")
    assert sorted(winners.values()) == [1, 1, 1, 1]
    assert double_sold_seats(world.engine, world.showtime_id) == {}
    claims_match_live_bookings(world.engine)


def test_overlapping_multi_seat_holds_never_share_a_seat(world: World, settings) -> None:
    pool = world.ids("A1", "A2", "A4", "B2", "B3", "C1", "C2")
    rng = random.Random(7)
    choices = [rng.sample(pool, rng.randint(1, 3)) for _ in range(THREADS)]
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
    results = race(unguarded, settings, single_seat_choices(unguarded))
    winners = Counter(seats[0] for seats, outcome in results if outcome == "won")
    assert max(winners.values()) > 1
    assert double_sold_seats(unguarded.engine, unguarded.showtime_id) != {}
