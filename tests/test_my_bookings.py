"""My bookings: upcoming and past, what may still be cancelled, lapsed holds left out."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta
from zoneinfo import ZoneInfo

import bookmyseat.bookmyseat  # noqa: F401 - builds the app, registering every state
from bookmyseat.db import read_session
from bookmyseat.models import Screen, Showtime
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.my_bookings import my_bookings
from bookmyseat.services.staff import audit, door
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import get_settings
from bookmyseat.state import payment as payment_state
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


def test_my_bookings_page_says_when_a_booking_was_checked_in(world: World, monkeypatch) -> None:
    """Through the page's state: a party let in at the door reads "checked in at 19:42", and
    its booking offers no cancelling."""
    view = world.hold(world.alice, "C1")
    world.pay(view)
    monkeypatch.setattr(payment_state, "my_bookings",
                        functools.partial(my_bookings, engine=world.engine))  # fmt: skip
    state = payment_state.MyBookingsState(_reflex_internal_init=True)
    asyncio.run(state._fill(world.alice))
    [row] = state.rows
    assert "checked in" not in row.status_text and row.cancellable

    with read_session(world.engine) as session:
        screen = session.get(Showtime, world.showtime_id).screen_id
        cinema = session.get(Screen, screen).cinema_id
    code, at = ticket_code(view.reference, get_settings().secret_key), door.Door(cinema)
    soon = world.starts_at - timedelta(minutes=5)
    scanned = door.scan(code, audit.Actor(None, "door"), at, now=soon, engine=world.engine)
    asyncio.run(state._fill(world.alice))
    [row] = state.rows
    local = scanned.checked_in_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert row.status_text.endswith(f"checked in at {local:%H:%M}") and not row.cancellable
