"""The demo gateway: pays once, only the owner's booking, and not at all once Stripe is set."""

from __future__ import annotations

import pytest

from bookmyseat.models import EmailOutbox, Payment
from bookmyseat.services.booking import errors
from bookmyseat.services.payments import demo as demo_gateway
from bookmyseat.settings import with_changes
from tests.conftest import World
from tests.test_booking_rules import count


def test_demo_pay_confirms_once(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    pending = demo_gateway.start(
        held.reference, world.alice, settings=settings, engine=world.engine
    )
    assert pending.status == "pending_payment"
    first = demo_gateway.pay(held.reference, world.alice, settings=settings, engine=world.engine)
    second = demo_gateway.pay(held.reference, world.alice, settings=settings, engine=world.engine)
    assert (first.result, second.result) == ("paid", "already_paid")
    assert count(world.engine, Payment) == count(world.engine, EmailOutbox) == 1


def test_demo_pay_refuses_someone_elses_booking(world: World, settings) -> None:
    held = world.hold(world.alice, "A1")
    with pytest.raises(errors.BookingNotFound):
        demo_gateway.pay(held.reference, world.bob, settings=settings, engine=world.engine)
    assert count(world.engine, Payment) == 0


def test_no_demo_payments_when_stripe_is_configured(world: World, settings) -> None:
    stripe = with_changes(settings, stripe_secret_key="sk_test_x", stripe_webhook_secret="whsec_x")
    held = world.hold(world.alice, "A1")
    for action in (demo_gateway.start, demo_gateway.pay):
        with pytest.raises(demo_gateway.DemoPaymentsDisabled):
            action(held.reference, world.alice, settings=stripe, engine=world.engine)
    assert count(world.engine, Payment) == 0
