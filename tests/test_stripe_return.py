"""The success page Stripe sends the customer back to: its Checkout session id is in the address
(histories, referrers, shared links), so only the booking's own signed-in customer is sent on to
the booking; anyone else holding the id gets a neutral page and learns no reference."""

from __future__ import annotations

import asyncio
import functools

import pytest

from bookmyseat.models import BookingStatus, Role
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.payments import stripe_sessions
from bookmyseat.state import stripe_return
from bookmyseat.state.stripe_return import MESSAGES, StripeReturnState
from tests.conftest import World
from tests.stripe_payments_helpers import checkout, status_of
from tests.test_offer_states import routed, signed_in
from tests.test_waitlist import run


@pytest.fixture
def return_page(world: World, stripe_settings, monkeypatch):
    """The page's state for `session_id`, as seen by `account` (None: signed out)."""
    confirm = functools.partial(
        stripe_sessions.confirm_return, settings=stripe_settings, engine=world.engine
    )
    monkeypatch.setattr(stripe_return, "confirm_return", confirm)

    def page(session_id: str, account: Account | None) -> tuple[StripeReturnState, str]:
        signed_in(monkeypatch, StripeReturnState, account)
        state = routed(StripeReturnState(_reflex_internal_init=True),
                       "/payments/stripe/success", session_id=session_id)  # fmt: skip
        sent = " ".join(str(e) for e in asyncio.run(run(state, "load")))
        return state, sent

    return page


def test_only_the_bookings_customer_is_sent_to_the_booking(
    world: World, stripe_settings, standin, return_page
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    standin.pay(session_id)
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    bob = Account(world.bob, "bob", "bob@example.com", "", Role.CUSTOMER)
    asked_before = len(standin.requests)

    for stranger in (None, bob):
        state, sent = return_page(session_id, stranger)
        assert view.reference not in sent + state.message and "/bookings/" not in sent
        assert (state.checking, state.message) == (False, MESSAGES["not_yours"])
    assert len(standin.requests) == asked_before  # a stranger's visit does not ask Stripe
    assert status_of(world, view.reference) != BookingStatus.PAID

    state, sent = return_page(session_id, alice)
    assert f"/bookings/{view.reference}" in sent
    assert status_of(world, view.reference) == BookingStatus.PAID


def test_a_session_we_did_not_open_is_nothing_to_anyone(world: World, return_page) -> None:
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    for viewer in (None, alice):
        state, sent = return_page("cs_test_made_up", viewer)
        assert state.message == MESSAGES["nothing"] and "/bookings/" not in sent
