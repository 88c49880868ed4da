"""Each rule of the booking engine and each refusal, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    EmailOutbox,
    Payment,
    SeatClaim,
    Showtime,
    utcnow,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.booking.holds import hold_seats, mark_pending_payment, release_hold
from bookmyseat.services.booking.records import get_booking
from bookmyseat.settings import with_changes
from tests.conftest import World


def statuses(world: World, viewer: int | None = None) -> dict[str, str]:
    return {
        s.label: s.status
        for s in seat_map(world.showtime_id, viewer_user_id=viewer, engine=world.engine)
    }


def count(engine, model, *where) -> int:
    with read_session(engine) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_seat_map_lists_every_seat_with_status_and_price(world: World) -> None:
    seats = seat_map(world.showtime_id, engine=world.engine)
    assert [s.label for s in seats][:5] == ["A1", "A2", "A3", "A4", "A5"]
    assert len(seats) == 15
    by_label = {s.label: s for s in seats}
    assert by_label["A3"].status == "blocked"
    assert by_label["B1"].is_wheelchair and by_label["B1"].status == "available"
    assert by_label["A1"].price_paise == 20000 and by_label["C1"].price_paise == 30000
    assert by_label["A4"].grid_col == 4  # the aisle column is kept on the map


def test_hold_claims_seats_and_prices_them_on_the_server(world: World, settings) -> None:
    now = utcnow()
    view = world.hold(world.alice, "A1", "C1", now=now)
    assert view.status == "held"
    assert view.seat_labels == ["A1", "C1"]
    assert view.subtotal_paise == 20000 + 30000
    assert view.fee_paise == 2 * 3000
    assert view.total_paise == 56000
    assert view.hold_expires_at == now + timedelta(minutes=10)
    assert len(view.reference) == 8 and view.reference.isalnum()
    assert statuses(world)["A1"] == "held"
    mine = {
        s.label: s.mine
        for s in seat_map(world.showtime_id, viewer_user_id=world.alice, engine=world.engine)
    }
    assert mine["A1"] and not mine["A2"]
    assert count(world.engine, SeatClaim) == 2


def test_taken_seat_is_refused_with_its_label(world: World, settings) -> None:
    world.hold(world.alice, "A1", "A2")
    with pytest.raises(errors.SeatUnavailable) as caught:
        world.hold(world.bob, "A2", "A4")
    assert str(caught.value) == "Seat A2 was just taken. Please choose another seat."
    assert caught.value.labels == ["A2"]
    # Nothing of the refused hold remains: A4 is still free and bob has no booking.
    assert statuses(world)["A4"] == "available"
    assert count(world.engine, Booking, Booking.user_id == world.bob) == 0


def test_several_taken_seats_are_all_named(world: World, settings) -> None:
    world.hold(world.alice, "B2", "B3")
    with pytest.raises(errors.SeatUnavailable, match="Seats B2, B3 were just taken"):
        world.hold(world.bob, "B2", "B3", "B4")


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        ((), errors.NoSeatsChosen, "Choose at least one seat."),
        (("A3",), errors.SeatBlocked, "Seat A3 is not available for booking."),
    ],
)
def test_bad_seat_choices_are_refused(world: World, settings, labels, error, message) -> None:
    with pytest.raises(error, match=message):
        world.hold(world.alice, *labels)
    assert count(world.engine, Booking) == 0


def test_at_most_ten_seats(world: World, settings) -> None:
    eleven = [s for label, s in world.seats.items() if label != "A3"][:11]
    with pytest.raises(errors.TooManySeats, match="at most 10 seats"):
        hold_seats(world.alice, world.showtime_id, eleven, settings=settings, engine=world.engine)
    ten = hold_seats(
        world.alice, world.showtime_id, eleven[:10], settings=settings, engine=world.engine
    )
    assert len(ten.seat_labels) == 10


def test_seat_of_another_screen_or_unknown_seat_is_refused(world: World, settings) -> None:
    with pytest.raises(errors.SeatNotFound):
        hold_seats(
            world.alice,
            world.showtime_id,
            [world.other_screen_seat],
            settings=settings,
            engine=world.engine,
        )
    with pytest.raises(errors.SeatNotFound, match="Seat 999999 does not exist"):
        hold_seats(world.alice, world.showtime_id, [999999], settings=settings, engine=world.engine)


def test_started_cancelled_or_unknown_showtime_is_refused(world: World, settings) -> None:
    late = world.starts_at + timedelta(seconds=1)
    with pytest.raises(errors.ShowtimeStarted):
        world.hold(world.alice, "A1", now=late)
    with pytest.raises(errors.ShowtimeNotFound):
        hold_seats(world.alice, 424242, world.ids("A1"), settings=settings, engine=world.engine)
    with write_session(world.engine) as session:
        session.execute(update(Showtime).values(is_cancelled=True))
    with pytest.raises(errors.ShowtimeNotFound):
        world.hold(world.alice, "A1")


def test_seat_without_a_price_is_not_on_sale(world: World, settings) -> None:
    from bookmyseat.models import ShowtimePrice

    with write_session(world.engine) as session:
        session.execute(ShowtimePrice.__table__.delete().where(ShowtimePrice.category == "Prime"))
    assert statuses(world)["C1"] == "blocked"
    with pytest.raises(errors.SeatNotOnSale, match="Seat C1 is not on sale"):
        world.hold(world.alice, "C1")


def test_release_frees_seats_and_is_idempotent(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    with pytest.raises(errors.BookingNotFound):
        release_hold(held.reference, user_id=world.bob, engine=world.engine)
    first = release_hold(held.reference, user_id=world.alice, engine=world.engine)
    second = release_hold(held.reference, user_id=world.alice, engine=world.engine)
    assert first.status == second.status == "cancelled"
    assert first.cancelled_at == second.cancelled_at
    assert statuses(world)["A1"] == "available"
    assert count(world.engine, SeatClaim) == 0
    again = world.hold(world.bob, "A1")
    assert again.status == "held"


def test_booking_is_private_to_its_owner(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    assert get_booking(held.reference, user_id=world.alice, engine=world.engine).seat_labels == [
        "A1"
    ]
    with pytest.raises(errors.BookingNotFound):
        get_booking(held.reference, user_id=world.bob, engine=world.engine)


def test_lapsed_hold_is_released_on_demand_when_someone_else_wants_the_seat(
    world: World,
    settings,
) -> None:
    now = utcnow()
    lapsed = world.hold(world.alice, "A1", "A2", now=now)
    later = now + timedelta(minutes=10, seconds=1)
    assert {s.label: s.status for s in seat_map(world.showtime_id, now=later, engine=world.engine)}[
        "A1"
    ] == "available"
    bob = world.hold(world.bob, "A2", now=later)
    assert bob.status == "held"
    assert get_booking(lapsed.reference, engine=world.engine).status == "expired"
    # The whole lapsed booking was expired, so A1 is free again too.
    assert count(world.engine, SeatClaim) == 1


def test_pending_payment_and_its_expiry(world: World, settings) -> None:
    now = utcnow()
    held = world.hold(world.alice, "A1", now=now)
    pending = mark_pending_payment(
        held.reference, user_id=world.alice, now=now, engine=world.engine
    )
    assert pending.status == "pending_payment"
    assert statuses(world)["A1"] == "held"
    other = world.hold(world.alice, "A2", now=now)
    with pytest.raises(errors.HoldExpired):
        mark_pending_payment(other.reference, now=now + timedelta(minutes=11), engine=world.engine)
    assert get_booking(other.reference, engine=world.engine).status == "expired"


def test_booking_seat_lines_keep_the_price_charged(world: World, settings) -> None:
    world.settings = with_changes(settings, convenience_fee_paise_per_seat=0)
    view = world.hold(world.alice, "C1")
    assert view.total_paise == 30000
    with read_session(world.engine) as session:
        line = session.execute(select(BookingSeat)).scalar_one()
    assert (line.seat_label, line.category, line.price_paise) == ("C1", "Prime", 30000)
    assert count(world.engine, Payment) == count(world.engine, EmailOutbox) == 0


def test_unknown_user_cannot_hold(world: World, settings) -> None:
    with pytest.raises(errors.BookingError, match="sign in again"):
        hold_seats(
            424242, world.showtime_id, world.ids("A1"), settings=settings, engine=world.engine
        )
    assert count(world.engine, Booking) == 0


def test_one_account_holds_at_most_ten_seats_of_a_show(world: World, settings) -> None:
    """The probe held 50 seats of one show with one account, 10 at a time."""
    world.hold(world.alice, "A1", "A2", "A4", "B1", "B2")
    world.hold(world.alice, "B3", "B4", "C1", "C2")
    with pytest.raises(errors.HoldingTooMany, match="already hold 9 seats"):
        world.hold(world.alice, "C3", "C4")
    world.hold(world.alice, "C3")  # the tenth still fits
    world.hold(world.bob, "C4")  # and another customer is not affected


def test_one_account_has_at_most_three_bookings_waiting_for_payment(world: World, settings) -> None:
    for label in ("A1", "A2", "A4"):
        world.hold(world.alice, label)
    with pytest.raises(errors.TooManyOpenHolds, match="3 bookings waiting for payment"):
        world.hold(world.alice, "B1")
    # The holds ran out (they no longer count), and the cooldown after them has passed.
    later = utcnow() + timedelta(minutes=10 + settings.hold_cooldown_minutes + 1)
    world.hold(world.alice, "B1", now=later)
