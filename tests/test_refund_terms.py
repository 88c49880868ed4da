"""What cancelling gives back, said before the customer (or staff) confirms, and where the
refund stands afterwards: the service's words, and the My bookings and admin states that ask
once before cancelling (the walk's M1: cancelling was one click with no word about money)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools

import pytest

import bookmyseat.bookmyseat  # noqa: F401 - builds the app, registering every state
from bookmyseat.db import write_session
from bookmyseat.models import Booking, Payment, PaymentStatus, PromoCode, Role
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.refund_terms import refund_terms
from bookmyseat.state import payment as payment_state
from bookmyseat.state.admin import AdminBookingsState
from tests.conftest import World
from tests.test_offer_states import signed_in, staff_on, texts  # noqa: F401 - a fixture
from tests.test_waitlist import run


def terms_of(world: World, reference: str, user_id: int | None):
    return refund_terms(reference, user_id=user_id, engine=world.engine)


def test_a_paid_booking_gets_back_its_tickets_and_fee_to_the_card(world: World) -> None:
    view = world.hold(world.alice, "C1", "C2")
    world.pay(view)
    with write_session(world.engine) as session:  # paid by card, as with Stripe
        session.query(Payment).update({Payment.provider: "stripe"})
    terms = terms_of(world, view.reference, world.alice)
    assert terms.before_cancelling == (
        "You get back ₹660: the tickets (₹600) and the booking fee (₹60). It goes back to the "
        "card you paid with; banks usually show it within 5–7 working days."
    )
    assert terms.for_staff == (
        "Refund ₹660 (the tickets (₹600) and the booking fee (₹60)) to the customer's card; "
        "banks usually show it within 5–7 working days."
    )
    assert terms.refund_state == ""  # nothing cancelled yet
    cancel_booking(view.reference, user_id=world.alice, settings=world.settings,
                   engine=world.engine)  # fmt: skip
    after = terms_of(world, view.reference, world.alice)
    assert after.refund_state == "Refund of ₹660: being sent to your card."
    with write_session(world.engine) as session:
        session.query(Payment).update({Payment.status: PaymentStatus.REFUND_REQUESTED})
    assert terms_of(world, view.reference, world.alice).refund_state == (
        "Refund of ₹660: sent to your card; banks usually show it within 5–7 working days."
    )


def test_a_promo_discount_is_named_and_not_paid_back(world: World) -> None:
    view = world.hold(world.alice, "C1")
    with write_session(world.engine) as session:  # SAVE20 took ₹60 off the ₹300 seat
        promo = PromoCode(code="SAVE20", percent_off=20)
        session.add(promo)
        session.flush()
        booking = session.query(Booking).filter_by(reference=view.reference).one()
        booking.promo_code_id, booking.discount_paise = promo.id, 6000
        booking.total_paise -= 6000
        total = booking.total_paise
    world.pay(dataclasses.replace(view, total_paise=total))
    terms = terms_of(world, view.reference, world.alice)
    assert terms.before_cancelling == (
        "You get back ₹270: the tickets (₹300, less SAVE20's ₹60) and the booking fee (₹30). "
        "This was a demo payment: no money moved, so none moves back."
    )


def test_an_unpaid_hold_gets_nothing_back_and_others_see_nothing(world: World) -> None:
    view = world.hold(world.alice, "C1")
    terms = terms_of(world, view.reference, world.alice)
    assert terms.before_cancelling.startswith("Nothing was paid, so nothing is refunded.")
    assert terms.paid_paise == 0 and terms.refund_state == ""
    with pytest.raises(errors.BookingNotFound):
        terms_of(world, view.reference, world.bob)


def test_my_bookings_asks_once_before_cancelling(world: World, monkeypatch) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)
    for name, service in (("refund_terms", refund_terms), ("cancel_booking", cancel_booking),
                          ("my_bookings", payment_state.my_bookings)):  # fmt: skip
        monkeypatch.setattr(payment_state, name, functools.partial(service, engine=world.engine))
    monkeypatch.setattr(payment_state, "refund_now_if_card_paid", lambda: None)

    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    signed_in(monkeypatch, payment_state.MyBookingsState, alice)
    state = payment_state.MyBookingsState(_reflex_internal_init=True)

    asyncio.run(run(state, "ask_cancel", view.reference))
    assert state.asking == view.reference and state.ask_text.startswith("You get back ₹330:")
    with write_session(world.engine) as session:  # asking changed nothing
        assert session.query(Booking.status).filter_by(reference=view.reference).scalar() == "paid"
    payment_state.MyBookingsState.event_handlers["keep"].fn(state, False)
    assert state.asking == ""
    for junk in ("NOSUCH", None, 12, ["x"]):
        events = asyncio.run(run(state, "ask_cancel", junk))
        assert "error" in texts(events) and state.asking == ""

    asyncio.run(run(state, "ask_cancel", view.reference))
    events = asyncio.run(run(state, "cancel", view.reference))
    assert state.asking == "" and "is cancelled" in texts(events)
    assert "Refund of ₹330: a demo payment, so no money moved." in texts(events)


def test_staff_are_told_the_refund_before_cancel_and_refund(world: World, boss, staff_on) -> None:  # noqa: F811
    view = world.hold(world.alice, "C1")
    world.pay(view)
    state = staff_on(AdminBookingsState, boss)
    asyncio.run(run(state, "ask_cancel", view.reference))
    assert state.asking == view.reference
    assert state.ask_text == (
        "Refund ₹330 (the tickets (₹300) and the booking fee (₹30)): a demo payment, so no "
        "money moves."
    )
    AdminBookingsState.event_handlers["keep"].fn(state, False)
    assert state.asking == ""
    for junk in ("NOSUCH", None, 7):
        assert "error" in texts(asyncio.run(run(state, "ask_cancel", junk)))
