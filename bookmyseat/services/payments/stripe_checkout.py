"""Stripe Checkout: open a session per attempt, fulfil from the API's word, expire.

Webhook events and the success page are only triggers: the session (or charge) is always read
back from Stripe before anything changes, and fulfilment is the engine's idempotent
`confirm_payment`, so any number of triggers, in any order, pay a booking once.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import stripe
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    CheckoutSession,
    Movie,
    Showtime,
    User,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import mark_pending_payment, release_hold
from bookmyseat.services.booking.records import PaymentOutcome
from bookmyseat.services.booking.rules import claim_is_live_sql
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.payments.refunds import send_pending_refunds
from bookmyseat.services.payments.stripe_api import PROVIDER, PaymentServiceDown, stripe_client
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.stripe")
# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is created.
SESSION_LIFETIME = timedelta(minutes=31)


def _line_items(session: Session, booking: Booking) -> list[dict]:
    title = session.execute(
        select(Movie.title)
        .join(Showtime, Showtime.movie_id == Movie.id)
        .where(Showtime.id == booking.showtime_id)
    ).scalar_one()
    lines = session.execute(
        select(BookingSeat.category, BookingSeat.price_paise).where(
            BookingSeat.booking_id == booking.id
        )
    ).all()
    items = [
        {
            "price_data": {
                "currency": booking.currency,
                "unit_amount": price,
                "product_data": {"name": f"{title}: {category} seat"},
            },
            "quantity": count,
        }
        for (category, price), count in sorted(Counter(map(tuple, lines)).items())
    ]
    if booking.fee_paise:
        items.append(
            {
                "price_data": {
                    "currency": booking.currency,
                    "unit_amount": booking.fee_paise // booking.seat_count,
                    "product_data": {"name": "Convenience fee"},
                },
                "quantity": booking.seat_count,
            }
        )
    return items


def start_checkout(
    reference: str,
    user_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> str:
    """Open a Checkout Session for the customer's held booking; the URL to send them to."""
    settings = settings or get_settings()
    now = resolve_now(now)
    mark_pending_payment(reference, user_id=user_id, now=now, engine=engine)
    with read_session(engine) as session:
        booking = session.execute(
            select(Booking).where(Booking.reference == reference)
        ).scalar_one()
        email = session.execute(select(User.email).where(User.id == booking.user_id)).scalar_one()
        attempt = (
            1
            + session.execute(
                select(func.count()).where(CheckoutSession.booking_id == booking.id)
            ).scalar_one()
        )
        items = _line_items(session, booking)
    _close_earlier_sessions(booking.id, settings, engine)
    expires_at = now + SESSION_LIFETIME
    params = {
        "mode": "payment",
        "line_items": items,
        "client_reference_id": reference,
        "metadata": {"booking_id": str(booking.id), "reference": reference},
        "payment_intent_data": {
            "metadata": {"booking_id": str(booking.id), "reference": reference}
        },
        "customer_email": email,
        "success_url": f"{settings.public_url}/payments/stripe/success?session_id="
        + "{CHECKOUT_SESSION_ID}",
        "cancel_url": f"{settings.public_url}/checkout/{reference}",
        "expires_at": int(expires_at.timestamp()),
    }
    try:
        checkout = stripe_client(settings).v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout-{reference}-{attempt}"}
        )
    except stripe.StripeError as exc:
        log.warning("Stripe refused or missed a checkout for %s: %s", reference, exc)
        raise PaymentServiceDown() from exc
    with write_session(engine) as session:
        session.add(
            CheckoutSession(
                booking_id=booking.id,
                provider=PROVIDER,
                session_id=checkout.id,
                url=checkout.url or "",
                created_at=now,
                expires_at=expires_at,
            )
        )
    return checkout.url


def _close_earlier_sessions(booking_id: int, settings: Settings, engine: Engine | None) -> None:
    """A customer who came back from Stripe and pays again gets a new session; the earlier one is
    expired first so that the booking cannot be paid twice. If it was paid meanwhile, fulfil it."""
    with read_session(engine) as session:
        earlier = (
            session.execute(
                select(CheckoutSession.session_id).where(
                    CheckoutSession.booking_id == booking_id,
                    CheckoutSession.provider == PROVIDER,
                    CheckoutSession.status == "open",
                )
            )
            .scalars()
            .all()
        )
    client = stripe_client(settings)
    for session_id in earlier:
        try:
            client.v1.checkout.sessions.expire(session_id)
            _set_session_status(session_id, "expired", engine)
        except stripe.InvalidRequestError:
            outcome = fulfil_session(session_id, settings=settings, engine=engine)
            if outcome is not None:
                raise errors.BookingError("This booking is already paid.") from None
            _set_session_status(session_id, "expired", engine)
        except stripe.StripeError as exc:
            raise PaymentServiceDown() from exc


def _set_session_status(session_id: str, status: str, engine: Engine | None) -> None:
    with write_session(engine) as session:
        session.execute(
            update(CheckoutSession)
            .where(CheckoutSession.provider == PROVIDER, CheckoutSession.session_id == session_id)
            .values(status=status)
        )


def fulfil_session(
    session_id: str, *, settings: Settings | None = None, engine: Engine | None = None
) -> PaymentOutcome | None:
    """Read the session back from Stripe and, if it is paid, fulfil its booking (idempotent).
    None while a delayed payment method is still pending."""
    settings = settings or get_settings()
    checkout = stripe_client(settings).v1.checkout.sessions.retrieve(session_id)
    reference = checkout.client_reference_id or (checkout.metadata or {}).get("reference")
    if not reference:
        raise errors.BookingNotFound()
    if checkout.payment_status not in ("paid", "no_payment_required"):
        return None
    outcome = confirm_payment(
        reference,
        amount_paise=int(checkout.amount_total or 0),
        currency=str(checkout.currency or ""),
        provider=PROVIDER,
        provider_ref=str(checkout.payment_intent or checkout.id),
        engine=engine,
    )
    _set_session_status(session_id, "complete", engine)
    if outcome.result == "refund_needed":
        send_pending_refunds(settings=settings, engine=engine)
    return outcome


@dataclass(frozen=True)
class ReturnOutcome:
    """What the customer's return from Stripe found: `result` is paid (see the booking), pending
    (a bank still processing), flagged, refund_needed, unconfirmed (Stripe did not answer) or
    nothing (no card payment to confirm here)."""

    result: str
    reference: str = ""


def confirm_return(
    session_id: str, *, settings: Settings | None = None, engine: Engine | None = None
) -> ReturnOutcome:
    """The success page: the session id in the address is only a pointer, so the session is read
    from Stripe and fulfilled (idempotently, as the webhook may do at the same moment)."""
    settings = settings or get_settings()
    if settings.demo_payments or not session_id.startswith("cs_"):
        return ReturnOutcome("nothing")
    try:
        outcome = fulfil_session(session_id, settings=settings, engine=engine)
    except (stripe.StripeError, errors.BookingError) as exc:
        log.warning("Could not confirm Stripe session %s: %s", session_id, exc)
        return ReturnOutcome("unconfirmed")
    if outcome is None:
        return ReturnOutcome("pending")
    if outcome.is_paid or outcome.result == "duplicate":
        return ReturnOutcome("paid", outcome.booking.reference)
    return ReturnOutcome(outcome.result, outcome.booking.reference)


def release_session(
    session_id: str, *, settings: Settings | None = None, engine: Engine | None = None
) -> None:
    """An expired session, or a delayed payment that failed: give the seats back."""
    settings = settings or get_settings()
    checkout = stripe_client(settings).v1.checkout.sessions.retrieve(session_id)
    if checkout.payment_status == "paid":
        fulfil_session(session_id, settings=settings, engine=engine)
        return
    reference = checkout.client_reference_id
    if reference:
        release_hold(reference, engine=engine)
    _set_session_status(session_id, "expired", engine)


def expire_lapsed_sessions(
    *, now: datetime | None = None, settings: Settings | None = None, engine: Engine | None = None
) -> int:
    """Our hold is shorter than Stripe's shortest session: when a hold ends, end its session
    too, so the customer cannot pay for seats that are no longer theirs."""
    settings = settings or get_settings()
    now = resolve_now(now)
    with read_session(engine) as session:
        open_sessions = (
            session.execute(
                select(CheckoutSession.session_id)
                .join(Booking, Booking.id == CheckoutSession.booking_id)
                .where(
                    CheckoutSession.provider == PROVIDER,
                    CheckoutSession.status == "open",
                    ~claim_is_live_sql(now),  # the seats are no longer the customer's
                )
            )
            .scalars()
            .all()
        )
    client = stripe_client(settings)
    for session_id in open_sessions:
        try:
            client.v1.checkout.sessions.expire(session_id)
            status = "expired"
        except stripe.InvalidRequestError:
            status = client.v1.checkout.sessions.retrieve(session_id).status or "expired"
        _set_session_status(session_id, status, engine)
    return len(open_sessions)
