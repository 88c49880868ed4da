"""Stripe Checkout against a local stand-in of Stripe's API, with webhooks signed by the SDK."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import stripe

from bookmyseat.db import write_session
from bookmyseat.models import (
    BookingStatus,
    EmailOutbox,
    Payment,
    PaymentStatus,
    PromoCode,
    ProviderEvent,
    utcnow,
)
from bookmyseat.services.accounts.throttle import Throttled
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.holds import expire_lapsed_holds
from bookmyseat.services.booking.records import get_booking
from bookmyseat.services.offers.promo_codes import apply_promo_code
from bookmyseat.services.payments import refunds, stripe_sessions
from bookmyseat.services.payments import stripe_checkout as stripe_payments
from bookmyseat.services.payments.gateway import begin_payment
from bookmyseat.services.payments.stripe_webhook import handle_webhook
from bookmyseat.settings import Settings, with_changes
from tests.conftest import World
from tests.stripe_payments_helpers import SECRET, checkout, count, deliver, status_of
from tests.stripe_standin import StripeStandIn, event_payload


def test_the_gateway_is_chosen_by_the_settings(world: World, settings, stripe_settings) -> None:
    view = world.hold(world.alice, "C1")
    assert begin_payment(
        view.reference, world.alice, settings=with_changes(settings, stripe_secret_key="")
    ) == (f"/pay/demo/{view.reference}")
    url = begin_payment(view.reference, world.alice, settings=stripe_settings, engine=world.engine)
    assert url.startswith("https://checkout.stripe.test/")


def test_a_checkout_session_asks_stripe_for_the_right_things(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    now = utcnow()
    view, session_id = checkout(world, stripe_settings, "C1", "C2", "A1", now=now)
    [params] = standin.calls("POST", "/v1/checkout/sessions")
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == view.reference
    assert params["metadata[reference]"] == view.reference and params["metadata[booking_id]"]
    assert params["customer_email"] == "alice@example.com"
    assert params["line_items[0][price_data][currency]"] == "inr"
    assert standin.sessions[session_id]["amount_total"] == view.total_paise  # prices from us
    names = {v for k, v in params.items() if k.endswith("[product_data][name]")}
    assert names == {"Test Movie: Classic seat", "Test Movie: Prime seat", "Convenience fee"}
    assert params["success_url"] == (
        "https://tickets.example/payments/stripe/success?session_id={CHECKOUT_SESSION_ID}"
    )
    assert params["cancel_url"] == f"https://tickets.example/checkout/{view.reference}"
    assert int(params["expires_at"]) >= int((now + timedelta(minutes=30)).timestamp())
    assert ("POST", "/v1/checkout/sessions", f"checkout-{view.reference}-1") in standin.idempotent
    assert status_of(world, view.reference) == BookingStatus.PENDING_PAYMENT


def test_three_webhooks_and_the_success_page_at_once_pay_once(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1", "C2")
    session = standin.pay(session_id)
    barrier = threading.Barrier(4)
    answers = []

    def webhook() -> None:
        barrier.wait()
        answers.append(
            deliver(
                world, stripe_settings, "checkout.session.completed", session, event_id="evt_same"
            )
        )

    def success_page() -> None:
        barrier.wait()
        answers.append(
            stripe_sessions.fulfil_session(
                session_id, settings=stripe_settings, engine=world.engine
            ).result
        )

    threads = [threading.Thread(target=webhook) for _ in range(3)] + [
        threading.Thread(target=success_page)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, answers)).count("200") == 3
    assert status_of(world, view.reference) == BookingStatus.PAID
    assert (
        count(world, Payment) == 1
        and count(world, Payment, Payment.status == PaymentStatus.SUCCEEDED) == 1
    )
    assert count(world, EmailOutbox, EmailOutbox.kind == "confirmation") == 1
    assert count(world, ProviderEvent) == 1
    # A later redelivery of the same event changes nothing and asks Stripe nothing.
    before = len(standin.requests)
    assert (
        deliver(world, stripe_settings, "checkout.session.completed", session, event_id="evt_same")
        == 200
    )
    assert len(standin.requests) == before and count(world, Payment) == 1


@pytest.mark.parametrize("forgery", ["tampered", "stale", "unsigned", "wrong secret", "not json"])
def test_a_forged_or_stale_webhook_gets_400_and_changes_nothing(
    world: World, stripe_settings: Settings, standin: StripeStandIn, forgery: str
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    session = standin.pay(session_id)
    payload = event_payload("checkout.session.completed", session)
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    if forgery == "tampered":
        payload = payload.replace('"paid"', '"paid" ')
    elif forgery == "stale":
        header = stripe.WebhookSignature.generate_signature_header(
            payload, SECRET, int(time.time()) - 600
        )
    elif forgery == "unsigned":
        header = None
    elif forgery == "wrong secret":
        header = stripe.WebhookSignature.generate_signature_header(payload, "whsec_other")
    else:
        payload = "{not json"
        header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    before = len(standin.requests)
    answer = handle_webhook(payload.encode(), header, settings=stripe_settings, engine=world.engine)
    assert answer.status == 400
    assert len(standin.requests) == before, "a refused webhook made us call Stripe"
    assert status_of(world, view.reference) == BookingStatus.PENDING_PAYMENT
    assert count(world, Payment) == 0 and count(world, ProviderEvent) == 0


def test_the_webhook_route_answers_over_http(world: World, stripe_settings, monkeypatch) -> None:
    from starlette.testclient import TestClient

    from bookmyseat.api import api, stripe_webhook

    monkeypatch.setattr(
        stripe_webhook,
        "handle_webhook",
        lambda body, sig: handle_webhook(body, sig, settings=stripe_settings, engine=world.engine),
    )
    client = TestClient(api)
    assert client.post("/api/stripe/webhook", content=b"{}").status_code == 400
    payload = event_payload("payment_intent.created", {"id": "pi_1"})
    header = stripe.WebhookSignature.generate_signature_header(payload, SECRET)
    assert (
        client.post(
            "/api/stripe/webhook", content=payload, headers={"Stripe-Signature": header}
        ).status_code
        == 200
    )
    assert client.get("/api/stripe/webhook").status_code == 405


def test_an_expired_session_releases_the_seats(world: World, stripe_settings, standin) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    assert (
        deliver(world, stripe_settings, "checkout.session.expired", standin.expire(session_id))
        == 200
    )
    assert status_of(world, view.reference) == BookingStatus.CANCELLED
    world.hold(world.bob, "C1")  # the seat is free again


def test_a_lapsed_hold_expires_its_session_then_a_late_payment_is_refunded_once(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    start = utcnow() - timedelta(minutes=15)
    view, session_id = checkout(world, stripe_settings, "C1", now=start)
    expire_lapsed_holds(engine=world.engine)
    assert (
        stripe_sessions.expire_lapsed_sessions(settings=stripe_settings, engine=world.engine) == 1
    )
    assert standin.calls("POST", f"/v1/checkout/sessions/{session_id}/expire")
    world.pay(world.hold(world.bob, "C1"), provider_ref="pay_bob")  # resold
    # The customer had already paid on Stripe's page: the payment still arrives.
    session = standin.pay(session_id)
    for event_id in ("evt_late", "evt_late", "evt_late_again"):
        assert (
            deliver(
                world, stripe_settings, "checkout.session.completed", session, event_id=event_id
            )
            == 200
        )
    assert (
        len(standin.refunds) == 1
        and standin.refunds[0]["payment_intent"] == session["payment_intent"]
    )
    assert status_of(world, view.reference) == BookingStatus.EXPIRED
    assert count(world, Payment, Payment.status == PaymentStatus.REFUND_REQUESTED) == 1
    assert count(world, EmailOutbox, EmailOutbox.kind == "late-payment-refund") == 1


def test_a_late_payment_for_seats_still_free_is_accepted(
    world: World, stripe_settings, standin
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1", now=utcnow() - timedelta(minutes=15))
    expire_lapsed_holds(engine=world.engine)
    assert (
        deliver(world, stripe_settings, "checkout.session.completed", standin.pay(session_id))
        == 200
    )
    assert status_of(world, view.reference) == BookingStatus.PAID and standin.refunds == []


def test_a_delayed_payment_waits_then_is_paid(world: World, stripe_settings, standin) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    assert (
        deliver(
            world,
            stripe_settings,
            "checkout.session.completed",
            standin.complete_unpaid(session_id),
        )
        == 200
    )
    assert status_of(world, view.reference) == BookingStatus.PENDING_PAYMENT
    session = standin.pay(session_id)
    assert (
        deliver(world, stripe_settings, "checkout.session.async_payment_succeeded", session) == 200
    )
    assert status_of(world, view.reference) == BookingStatus.PAID


def test_a_failed_delayed_payment_releases_the_seats(
    world: World, stripe_settings, standin
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    deliver(
        world, stripe_settings, "checkout.session.completed", standin.complete_unpaid(session_id)
    )
    session = standin.fail_delayed(session_id)
    assert deliver(world, stripe_settings, "checkout.session.async_payment_failed", session) == 200
    assert status_of(world, view.reference) == BookingStatus.CANCELLED
    world.hold(world.bob, "C1")


def test_a_wrong_amount_is_flagged_and_issues_no_tickets(
    world: World, stripe_settings, standin
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    session = standin.pay(session_id, amount=100)
    assert deliver(world, stripe_settings, "checkout.session.completed", session) == 200
    assert status_of(world, view.reference) != BookingStatus.PAID
    assert count(world, Payment, Payment.status == PaymentStatus.FLAGGED) == 1
    assert count(world, EmailOutbox) == 0


def test_cancelling_a_paid_booking_twice_refunds_once_then_stripe_confirms(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    session = standin.pay(session_id)
    deliver(world, stripe_settings, "checkout.session.completed", session)
    for _ in range(2):
        cancel_booking(view.reference, user_id=world.alice, engine=world.engine)
        threads = [
            threading.Thread(
                target=refunds.send_pending_refunds,
                kwargs={"settings": stripe_settings, "engine": world.engine},
            )
            for _ in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(standin.calls("POST", "/v1/refunds")) == 1
    assert status_of(world, view.reference) == BookingStatus.CANCELLED
    charge = standin.refund_charge(session["payment_intent"])
    assert deliver(world, stripe_settings, "charge.refunded", charge) == 200
    assert status_of(world, view.reference) == BookingStatus.REFUNDED
    assert count(world, Payment, Payment.status == PaymentStatus.REFUNDED) == 1


def test_a_transient_failure_answers_500_and_the_retry_fulfils(
    world: World, stripe_settings, standin
) -> None:
    view, session_id = checkout(world, stripe_settings, "C1")
    session = standin.pay(session_id)
    standin.fail_next = 10  # Stripe down for longer than the SDK's own retries
    assert (
        deliver(world, stripe_settings, "checkout.session.completed", session, event_id="evt_1")
        == 500
    )
    assert (
        count(world, ProviderEvent) == 0 and status_of(world, view.reference) != BookingStatus.PAID
    )
    standin.fail_next = 0
    assert (
        deliver(world, stripe_settings, "checkout.session.completed", session, event_id="evt_1")
        == 200
    )
    assert status_of(world, view.reference) == BookingStatus.PAID


def test_with_stripe_keys_the_demo_payment_page_does_not_exist() -> None:
    from bookmyseat.bookmyseat import routes

    assert "/pay/demo/[reference]" in {route for _, route, _, _ in routes(demo_payments=True)}
    with_stripe = {route for _, route, _, _ in routes(demo_payments=False)}
    assert "/pay/demo/[reference]" not in with_stripe
    assert "/payments/stripe/success" in with_stripe


def test_paying_again_after_coming_back_expires_the_earlier_session(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    view, first = checkout(world, stripe_settings, "C1")
    url = stripe_payments.start_checkout(
        view.reference, world.alice, settings=stripe_settings, engine=world.engine
    )
    second = url.rsplit("/", 1)[-1]
    assert second != first and standin.sessions[first]["status"] == "expired"
    assert ("POST", "/v1/checkout/sessions", f"checkout-{view.reference}-2") in standin.idempotent
    # Had the first been paid meanwhile, paying again is refused and the first one counts.
    standin.sessions[second] = standin.pay(second)
    with pytest.raises(errors.BookingError, match="already paid"):
        stripe_payments.start_checkout(
            view.reference, world.alice, settings=stripe_settings, engine=world.engine
        )
    assert status_of(world, view.reference) == BookingStatus.PAID


def test_the_return_page_asks_stripe_only_about_our_sessions_and_not_without_end(
    world: World, stripe_settings: Settings, standin: StripeStandIn
) -> None:
    """A script loading the success page with made-up or one real session id must not spend
    the site's Stripe quota: unknown ids are answered without asking Stripe, and one session is
    checked at most 10 times a minute from one address."""
    before = len(standin.requests)
    made_up = stripe_sessions.confirm_return(
        "cs_test_made_up", "10.1.1.1", settings=stripe_settings, engine=world.engine
    )
    assert made_up.result == "nothing" and len(standin.requests) == before

    view, session_id = checkout(world, stripe_settings, "C1")
    standin.pay(session_id)
    for _ in range(10):
        outcome = stripe_sessions.confirm_return(
            session_id, "10.1.1.1", world.alice, settings=stripe_settings, engine=world.engine
        )
        assert (outcome.result, outcome.reference) == ("paid", view.reference)
    with pytest.raises(Throttled, match="checked many times"):
        stripe_sessions.confirm_return(
            session_id, "10.1.1.1", world.alice, settings=stripe_settings, engine=world.engine
        )
    other = stripe_sessions.confirm_return(
        session_id, "10.2.2.2", world.alice, settings=stripe_settings, engine=world.engine
    )
    assert other.result == "paid"


def test_a_promo_code_is_a_coupon_line_and_the_discounted_total_is_paid(
    world: World, stripe_settings, standin
) -> None:
    with write_session(world.engine) as session:
        session.add(PromoCode(code="SAVE20", percent_off=20))
    view = world.hold(world.alice, "C1", "C2")  # Prime ₹300 each, fee ₹30 each
    apply_promo_code(view.reference, world.alice, "save20", engine=world.engine)
    url = stripe_payments.start_checkout(
        view.reference, world.alice, settings=stripe_settings, engine=world.engine
    )
    [coupon_call] = standin.calls("POST", "/v1/coupons")
    assert coupon_call["amount_off"] == "12000"
    assert coupon_call["name"] == "Promo code SAVE20"
    session = standin.sessions[url.rsplit("/", 1)[-1]]
    assert session["amount_total"] == 66000 - 12000
    assert session["total_details"] == {"amount_discount": 12000}
    paid = standin.pay(session["id"])
    assert deliver(world, stripe_settings, "checkout.session.completed", paid) == 200
    assert get_booking(view.reference, engine=world.engine).status == "paid"
    assert count(world, Payment, Payment.amount_paise == 54000, Payment.status == "succeeded") == 1
