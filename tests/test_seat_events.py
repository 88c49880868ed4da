"""Seat-change notices: sent after commit only, relayed through Redis between workers."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest

from bookmyseat.models import utcnow
from bookmyseat.services.booking import errors, seat_events
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.holds import expire_lapsed_holds, release_hold
from bookmyseat.services.booking.seat_events import SeatChangeHub, hub, parse_notice
from tests.conftest import World
from tests.databases import require_redis


@pytest.fixture
def no_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seat_events, "_redis_url", lambda: "")


def test_a_waiter_wakes_when_another_thread_announces() -> None:
    local = SeatChangeHub()

    async def scenario() -> tuple[int, float]:
        loop = asyncio.get_running_loop()
        seen = local.version(7)
        waiter = asyncio.create_task(local.wait(7, seen, timeout=5))
        await asyncio.sleep(0.05)
        started = loop.time()
        threading.Thread(target=local.notify, args=([7],)).start()
        return await waiter, loop.time() - started

    version, waited = asyncio.run(scenario())
    assert version == 1
    assert waited < 1


def test_waiting_without_news_times_out_with_the_same_version() -> None:
    local = SeatChangeHub()
    local.notify([3])
    assert asyncio.run(local.wait(3, 1, timeout=0.05)) == 1
    # A notice already missed is seen at once.
    assert asyncio.run(local.wait(3, 0, timeout=5)) == 1


def test_every_seat_change_is_announced_after_commit(world: World, no_redis: None) -> None:
    show = world.showtime_id
    before = hub.version(show)
    # The hub is the worker's own: earlier tests in this process may have announced either show.
    other_before = hub.version(world.other_showtime_id)
    first = world.hold(world.alice, "A1", "A2")
    assert hub.version(show) == before + 1
    with pytest.raises(errors.SeatUnavailable):
        world.hold(world.bob, "A2", "C1")
    assert hub.version(show) == before + 1, "a refused (rolled back) hold announced a change"
    release_hold(first.reference, engine=world.engine)
    assert hub.version(show) == before + 2
    second = world.hold(world.bob, "C1")
    world.pay(second)
    assert hub.version(show) == before + 4
    cancel_booking(second.reference, engine=world.engine)
    assert hub.version(show) == before + 5
    world.hold(world.alice, "C3", now=utcnow() - timedelta(hours=1))
    expire_lapsed_holds(engine=world.engine)
    assert hub.version(show) == before + 7
    assert hub.version(world.other_showtime_id) == other_before, "another show was announced"


def test_notices_parse_and_ignore_garbage() -> None:
    assert parse_notice(b"3,17") == [3, 17]
    assert parse_notice("x,5,") == [5]


def test_notices_cross_workers_through_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change published in one process reaches the hub of another through Redis."""
    url = require_redis()
    monkeypatch.setattr(seat_events, "_redis_url", lambda: url)
    listener = SeatChangeHub()
    monkeypatch.setattr(seat_events, "hub", listener)
    showtime_id = 900_000 + threading.get_ident() % 1000

    async def scenario() -> int:
        relay = asyncio.create_task(seat_events.relay_from_redis(url))
        try:
            await asyncio.sleep(0.3)  # subscribed
            # The publisher is another "worker": a plain thread with its own Redis client.
            await asyncio.to_thread(seat_events.publish, [showtime_id])
            return await listener.wait(showtime_id, 0, timeout=5)
        finally:
            relay.cancel()
            with pytest.raises(asyncio.CancelledError):
                await relay

    assert asyncio.run(scenario()) == 1
