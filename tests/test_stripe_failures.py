"""Stripe's bad days, and ours: paying again while an old session expires, a session Stripe made
that we never saved, refunds that fail, time out, are declined, or are stranded by a crash."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bookmyseat.db import read_session, write_session
from bookmyseat.models import BookingStatus, CheckoutSession, Payment, PaymentStatus, utcnow
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.payments import refunds, stripe_checkout
from bookmyseat.services.payments.stripe_api import PaymentServiceDown
from bookmyseat.settings import Settings, with_changes
from tests.conftest import World
from tests.stripe_payments_helpers import checkout, count, deliver, status_of
from tests.stripe_standin import StripeStandIn


def sessions_of(world: World) -> list[tuple[str, str, int]]:
    with read_session(world.engine) as session:
        rows = session.execute(
            select(
                CheckoutSession.session_id, CheckoutSession.status, CheckoutSession.attempt
            ).order_by(CheckoutSession.attempt)
        ).all()
    return [tuple(row) for row in rows]


def pay_again(world: World, settings: Settings, reference: str) -> str:
    url = stripe_checkout.start_checkout(
        reference, world.alice, settings=settings, engine=world.engine
    )
    return url.rsplit("/", 1)[-1]


# --- paying again ------------------------------------------------------------------------------


def test_the_expiry_of_a_replaced_session_keeps_the_seats_held(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    view, first = checkout(world, stripe_settings, "C1", "C2")
    second = pay_again(world, stripe_settings, view.reference)
    assert standin.sessions[first]["status"] == "expired" and second != first
    # Stripe tells us the first session expired, while the customer pays in the second.
    assert (
        deliver(world, stripe_settings, "checkout.session.expired", standin.sessions[first]) == 200
    )
    assert status_of(world, view.reference) == BookingStatus.PENDING_PAYMENT
    with pytest.raises(Exception, match="taken"):
        world.hold(world.bob, "C1")  # still Alice's
    paid = standin.pay(second)
    assert deliver(world, stripe_settings, "checkout.session.completed", paid) == 200
    assert status_of(world, view.reference) == BookingStatus.PAID


def test_the_expiry_of_the_latest_session_releases_the_seats(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    """The negative control: the rule above must not keep seats that nobody is paying for."""
    view, first = checkout(world, stripe_settings, "C1")
    second = pay_again(world, stripe_settings, view.reference)
    standin.expire(second)
    assert (
        deliver(world, stripe_settings, "checkout.session.expired", standin.sessions[second]) == 200
    )
    assert status_of(world, view.reference) == BookingStatus.CANCELLED
    world.hold(world.bob, "C1")


# --- a session Stripe made that we did not save ------------------------------------------------


def test_a_session_made_but_not_saved_is_found_again_by_the_retry(
    world: World, stripe_settings: Settings, standin: StripeStandIn, monkeypatch
) -> None:
    view = world.hold(world.alice, "C1")
    saved = stripe_checkout._record_created

    def crash_once(*args, **kwargs):
        monkeypatch.setattr(stripe_checkout, "_record_created", saved)
        raise RuntimeError("the app died here")

    monkeypatch.setattr(stripe_checkout, "_record_created", crash_once)
    with pytest.raises(RuntimeError):
        stripe_checkout.start_checkout(
            view.reference, world.alice, settings=stripe_settings, engine=world.engine
        )
    assert len(standin.sessions) == 1 and sessions_of(world)[0][1] == "creating"
    [made] = standin.sessions
    # The customer presses Pay again: the same request, under the same key, finds that session.
    assert pay_again(world, stripe_settings, view.reference) == made
    assert len(standin.sessions) == 1
    assert sessions_of(world) == [(made, "open", 1)]


def test_a_checkout_that_timed_out_is_repeated_not_duplicated(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    view = world.hold(world.alice, "C1")
    standin.slow_next, standin.slow_seconds = 3, 1.5  # the SDK's three tries all time out
    with pytest.raises(PaymentServiceDown):
        pay_again(world, stripe_settings, view.reference)
    assert len(standin.sessions) == 1  # Stripe did make it
    made = pay_again(world, stripe_settings, view.reference)
    assert list(standin.sessions) == [made] and sessions_of(world) == [(made, "open", 1)]


def test_a_checkout_stripe_answered_with_500_is_tried_afresh(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    """Stripe replays a key's 500 for a day: the next try must use a new attempt (a new key)."""
    view = world.hold(world.alice, "C1")
    standin.fail_next = 1  # replayed for the SDK's own retries, as Stripe does
    with pytest.raises(PaymentServiceDown):
        pay_again(world, stripe_settings, view.reference)
    made = pay_again(world, stripe_settings, view.reference)
    first, second = sessions_of(world)
    assert first[1:] == ("abandoned", 1) and second == (made, "open", 2)


# --- refunds -----------------------------------------------------------------------------------


def paid_and_cancelled(world: World, settings: Settings, standin: StripeStandIn, *labels) -> str:
    view, session_id = checkout(world, settings, *labels)
    deliver(world, settings, "checkout.session.completed", standin.pay(session_id))
    cancel_booking(view.reference, user_id=world.alice, engine=world.engine)
    return standin.sessions[session_id]["payment_intent"]


def payment(world: World, intent: str) -> Payment:
    with read_session(world.engine) as session:
        return session.execute(select(Payment).where(Payment.provider_ref == intent)).scalar_one()


def refunds_at_stripe(standin: StripeStandIn, intent: str) -> int:
    return sum(1 for r in standin.refunds if r["payment_intent"] == intent)


def test_one_failing_refund_does_not_hold_back_the_others(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    failing = paid_and_cancelled(world, stripe_settings, standin, "C1")
    fine = paid_and_cancelled(world, stripe_settings, standin, "C3")
    standin.refund_failures = ["500"]  # the first refund asked for (the older payment) fails
    now = utcnow()
    sent = refunds.send_pending_refunds(
        now=now, settings=stripe_settings, engine=world.engine, rng=random.Random(1)
    )
    assert sent == [payment(world, fine).id] and refunds_at_stripe(standin, fine) == 1
    stuck = payment(world, failing)
    assert stuck.status == PaymentStatus.REFUND_PENDING and "APIError" in stuck.refund_error
    # Its own schedule: not again at once, then again after its backoff (about a minute).
    wait = stuck.refund_next_at - now
    assert timedelta(seconds=48) <= wait <= timedelta(seconds=72)
    assert (
        refunds.send_pending_refunds(now=now, settings=stripe_settings, engine=world.engine) == []
    )
    later = now + timedelta(minutes=2)
    assert refunds.send_pending_refunds(
        now=later, settings=stripe_settings, engine=world.engine
    ) == [stuck.id]
    assert refunds_at_stripe(standin, failing) == 1 and refunds_at_stripe(standin, fine) == 1
    assert payment(world, failing).refund_id.startswith("re_")


def test_a_refund_whose_answer_timed_out_is_not_made_twice(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    intent = paid_and_cancelled(world, stripe_settings, standin, "C1")
    standin.refund_failures, standin.slow_seconds = ["timeout"], 1.5
    now = utcnow()
    assert (
        refunds.send_pending_refunds(now=now, settings=stripe_settings, engine=world.engine) == []
    )
    assert refunds_at_stripe(standin, intent) == 1  # made at Stripe; we did not hear
    assert payment(world, intent).status == PaymentStatus.REFUND_PENDING
    asked = len(standin.calls("POST", "/v1/refunds"))  # the SDK's three tries
    later = now + timedelta(minutes=5)
    [sent] = refunds.send_pending_refunds(now=later, settings=stripe_settings, engine=world.engine)
    assert refunds_at_stripe(standin, intent) == 1, "the retry asked first and found it"
    assert len(standin.calls("POST", "/v1/refunds")) == asked
    assert payment(world, intent).refund_id == standin.refunds[0]["id"]


def test_a_declined_refund_is_left_for_staff(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    intent = paid_and_cancelled(world, stripe_settings, standin, "C1")
    standin.refund_failures = ["card_declined"]
    now = utcnow()
    assert (
        refunds.send_pending_refunds(now=now, settings=stripe_settings, engine=world.engine) == []
    )
    failed = payment(world, intent)
    assert failed.status == PaymentStatus.REFUND_FAILED and "declined" in failed.refund_error
    assert (
        refunds.send_pending_refunds(
            now=now + timedelta(days=1), settings=stripe_settings, engine=world.engine
        )
        == []
    )
    assert refunds_at_stripe(standin, intent) == 0


def test_a_refund_stranded_by_a_crash_is_sent_after_its_lease(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    intent = paid_and_cancelled(world, stripe_settings, standin, "C1")
    now = utcnow()
    with write_session(world.engine) as session:  # marked, then the sender died before Stripe
        session.execute(
            update(Payment)
            .where(Payment.provider_ref == intent)
            .values(status=PaymentStatus.REFUND_REQUESTED, refund_claimed_at=now, refund_attempts=1)
        )
    soon = now + refunds.LEASE - timedelta(seconds=1)
    assert (
        refunds.send_pending_refunds(now=soon, settings=stripe_settings, engine=world.engine) == []
    )
    after = now + refunds.LEASE + timedelta(seconds=1)
    assert (
        len(refunds.send_pending_refunds(now=after, settings=stripe_settings, engine=world.engine))
        == 1
    )
    assert refunds_at_stripe(standin, intent) == 1
    # Asked and answered: no lease ever makes it ask again.
    assert (
        refunds.send_pending_refunds(
            now=after + timedelta(hours=1), settings=stripe_settings, engine=world.engine
        )
        == []
    )
    assert len(standin.calls("POST", "/v1/refunds")) == 1
    assert count(world, Payment, Payment.status == PaymentStatus.REFUND_REQUESTED) == 1


def test_the_stand_in_refuses_a_reused_key_with_other_parameters(
    stripe_settings: Settings, standin: StripeStandIn
) -> None:
    """Our stand-in holds us to Stripe's rule, so a retry that changed its request would fail."""
    import stripe

    client = stripe_checkout.stripe_client(with_changes(stripe_settings))
    client.v1.refunds.create(params={"payment_intent": "pi_1"}, options={"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.refunds.create(
            params={"payment_intent": "pi_2"}, options={"idempotency_key": "k"}
        )
