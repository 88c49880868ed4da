"""My bookings: upcoming and past, what may still be cancelled, lapsed holds left out."""

from __future__ import annotations

from datetime import timedelta

from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.my_bookings import my_bookings
from tests.conftest import World


def test_my_bookings(world: World, settings) -> None:
    paid = world.hold(world.alice, "A1", "A2")
    world.pay(paid, "p1")
    held = world.hold(world.alice, "C1")
    cancelled = world.hold(world.alice, "B3")
    cancel_booking(cancelled.reference, user_id=world.alice, settings=settings, engine=world.engine)
    world.hold(world.bob, "B4")  # someone else's

    mine = {
        b.reference: b for b in my_bookings(world.alice, settings=settings, engine=world.engine)
    }
    assert set(mine) == {paid.reference, held.reference, cancelled.reference}
    assert mine[paid.reference].seats == ["A1", "A2"]
    assert mine[paid.reference].cancellable and mine[held.reference].cancellable
    assert not mine[cancelled.reference].cancellable
    assert all(b.upcoming for b in mine.values())

    near = world.starts_at - timedelta(minutes=60)
    late = {
        b.reference: b
        for b in my_bookings(world.alice, now=near, settings=settings, engine=world.engine)
    }
    assert not late[paid.reference].cancellable  # inside the 2-hour cut-off
    assert held.reference not in late  # its hold lapsed long before

    after = {
        b.reference: b
        for b in my_bookings(
            world.alice,
            now=world.starts_at + timedelta(hours=3),
            settings=settings,
            engine=world.engine,
        )
    }
    assert not after[paid.reference].upcoming and not after[paid.reference].cancellable
