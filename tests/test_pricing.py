"""Changing the prices of scheduled shows: future shows only, all or none, audited; a booking
keeps the price it was held at, and the next hold pays the new one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyseat.db import write_session
from bookmyseat.models import Role, Showtime, utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.staff import audit, pricing
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.services.staff.catalog_management import ManagementError


def test_a_new_price_reaches_the_next_hold_and_no_booking_made_before(world, boss) -> None:
    before = world.hold(world.alice, "C1")
    paid = world.hold(world.bob, "A1")
    world.pay(paid)
    changed = pricing.change_prices(
        boss, [world.showtime_id], {"Prime": 45000, "Classic": 25000}, engine=world.engine
    )
    assert changed == 1
    after = world.hold(world.alice, "C4", "C5")
    assert [line.price_paise for line in after.lines] == [45000, 45000]
    world.pay(before)  # held at the old price, paid at the old price
    from bookmyseat.services.booking.records import get_booking

    assert get_booking(before.reference, engine=world.engine).subtotal_paise == 30000
    assert get_booking(paid.reference, engine=world.engine).subtotal_paise == 20000
    entries, total = audit.entries(action="prices_changed", engine=world.engine)
    assert total == 1 and entries[0].actor == "boss"
    shows = {s.id: s for s in pricing.upcoming_prices(boss, engine=world.engine)}
    assert shows[world.showtime_id].prices == "Classic ₹250 · Prime ₹450"


def test_a_started_or_cancelled_show_stops_the_whole_change(world, boss) -> None:
    with write_session(world.engine) as session:
        session.get(Showtime, world.other_showtime_id).is_cancelled = True
    with pytest.raises(ManagementError, match="1 of the chosen shows have started"):
        pricing.change_prices(boss, [world.showtime_id, world.other_showtime_id],
                              {"Prime": 1000}, engine=world.engine)  # fmt: skip
    later = utcnow() + timedelta(days=2)  # the world's show has started by then
    with pytest.raises(ManagementError, match="have started or are cancelled"):
        pricing.change_prices(boss, [world.showtime_id], {"Prime": 1000}, now=later,
                              engine=world.engine)  # fmt: skip
    assert world.hold(world.alice, "C1").lines[0].price_paise == 30000  # nothing changed
    _, total = audit.entries(action="prices_changed", engine=world.engine)
    assert total == 0


@pytest.mark.parametrize(
    ("ids", "prices", "message"),
    [
        ([], {"Prime": 100}, "Choose the shows"),
        ([987654], {"Prime": 100}, "do not exist"),
        (None, {}, "at least one new price"),
        (None, {"Prime": 0}, "at least one new price"),
        (None, {"Gold": 100}, "has seats of those categories"),
    ],
)
def test_requests_that_cannot_be_done_are_refused_with_a_reason(
    world, boss, ids, prices, message
) -> None:
    with pytest.raises(ManagementError, match=message):
        pricing.change_prices(boss, [world.showtime_id] if ids is None else ids, prices,
                              engine=world.engine)  # fmt: skip


def test_only_admins_change_prices(world) -> None:
    auditor = Account(world.bob, "bob", "bob@example.com", "", Role.AUDITOR)
    with pytest.raises(AccessDenied):
        pricing.change_prices(auditor, [world.showtime_id], {"Prime": 100}, engine=world.engine)
