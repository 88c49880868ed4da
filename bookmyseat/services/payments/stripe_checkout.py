"""Stripe Checkout: open a session per payment attempt, at most one of them open at a time.

An attempt is written down before Stripe is asked (status "creating", its expiry and number
fixed), so that a crash between Stripe creating the session and us saving it is repaired by the
next try: it repeats the same request under the same idempotency key and gets the same session.
What happens to a session afterwards (paid, expired, refunded) is `stripe_sessions`.
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
    PromoCode,
    Showtime,
    User,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.holds import mark_pending_payment
from bookmyseat.services.booking.records import locked_booking
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.payments.stripe_api import PROVIDER, PaymentServiceDown, stripe_client
from bookmyseat.services.payments.stripe_sessions import fulfil_session, set_session_status
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.stripe")
# Stripe refuses a session that expires sooner than 30 minutes after it is created. Ours are ended
# with the hold anyway (`stripe_sessions.expire_lapsed_sessions`); the margin lets a retry within
# RETRY_WINDOW repeat the very same request.
SESSION_LIFETIME = timedelta(minutes=45)
RETRY_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Attempt:
    row_id: int
    booking_id: int
    number: int
    expires_at: datetime


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


def _coupon(client: stripe.StripeClient, booking: Booking, attempt: int, code: str | None) -> str:
    """The booking's discount as a one-use Stripe coupon, so the session shows it as its own
    line ("Promo code SAVE20 −₹120") and charges exactly the booking's total. Created under the
    attempt's own idempotency key, like the session it goes on."""
    coupon = client.v1.coupons.create(
        params={
            "amount_off": booking.discount_paise,
            "currency": booking.currency,
            "duration": "once",
            "max_redemptions": 1,
            "name": f"Promo code {code}" if code else "Discount",
        },
        options={"idempotency_key": f"coupon-{booking.reference}-{attempt}"},
    )
    return coupon.id


def _attempt(reference: str, user_id: int, now: datetime, engine: Engine | None) -> Attempt:
    """This payment attempt: an unfinished one repeated (same number and expiry, so the same
    request), or a new one written down before Stripe is asked."""
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        unfinished = session.execute(
            select(CheckoutSession).where(
                CheckoutSession.booking_id == booking.id, CheckoutSession.status == "creating"
            )
        ).scalar_one_or_none()
        if unfinished is not None:
            if unfinished.created_at > now - RETRY_WINDOW:
                return Attempt(unfinished.id, booking.id, unfinished.attempt, unfinished.expires_at)
            unfinished.status = "abandoned"  # too old to repeat; a session it made is never shown
        number = (
            1
            + session.execute(
                select(func.count()).where(CheckoutSession.booking_id == booking.id)
            ).scalar_one()
        )
        row = CheckoutSession(
            booking_id=booking.id,
            provider=PROVIDER,
            session_id=f"pending-{booking.id}-{number}",
            status="creating",
            attempt=number,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
        session.add(row)
        session.flush()
        return Attempt(row.id, booking.id, number, row.expires_at)


def _end_attempt(attempt: Attempt, engine: Engine | None) -> None:
    """Stripe answered this attempt with an error: the next try is a new attempt (a new key)."""
    with write_session(engine) as session:
        session.execute(
            update(CheckoutSession)
            .where(CheckoutSession.id == attempt.row_id, CheckoutSession.status == "creating")
            .values(status="abandoned")
        )


def _record_created(attempt: Attempt, checkout: stripe.checkout.Session, engine) -> None:
    with write_session(engine) as session:
        session.execute(
            update(CheckoutSession)
            .where(CheckoutSession.id == attempt.row_id)
            .values(session_id=checkout.id, url=checkout.url or "", status="open")
        )


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
    attempt = _attempt(reference, user_id, now, engine)
    with read_session(engine) as session:
        booking = session.get(Booking, attempt.booking_id)
        email = session.execute(select(User.email).where(User.id == booking.user_id)).scalar_one()
        items = _line_items(session, booking)
        promo = session.execute(
            select(PromoCode.code).where(PromoCode.id == booking.promo_code_id)
        ).scalar_one_or_none()
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
        "expires_at": int(attempt.expires_at.timestamp()),
    }
    client = stripe_client(settings)
    try:
        if booking.discount_paise:
            params["discounts"] = [{"coupon": _coupon(client, booking, attempt.number, promo)}]
        checkout = client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout-{reference}-{attempt.number}"}
        )
    except stripe.APIConnectionError as exc:  # it may have reached Stripe: the retry repeats it
        log.warning("No answer from Stripe for the checkout of %s: %s", reference, exc)
        raise PaymentServiceDown() from exc
    except stripe.StripeError as exc:  # Stripe answered, and replays that answer for this key
        log.warning("Stripe refused the checkout of %s: %s", reference, exc)
        _end_attempt(attempt, engine)
        raise PaymentServiceDown() from exc
    _record_created(attempt, checkout, engine)
    _close_earlier_sessions(attempt, client, settings, engine)
    return checkout.url


def _close_earlier_sessions(
    attempt: Attempt, client: stripe.StripeClient, settings: Settings, engine: Engine | None
) -> None:
    """A customer who came back from Stripe and pays again: the earlier sessions are expired once
    the new one exists (so their expiry never finds the booking without an open session), and
    the booking cannot be paid twice. If one was paid meanwhile, it is fulfilled instead and the
    new session closed."""
    with read_session(engine) as session:
        earlier = (
            session.execute(
                select(CheckoutSession.session_id).where(
                    CheckoutSession.booking_id == attempt.booking_id,
                    CheckoutSession.provider == PROVIDER,
                    CheckoutSession.status == "open",
                    CheckoutSession.attempt < attempt.number,
                )
            )
            .scalars()
            .all()
        )
    for session_id in earlier:
        try:
            client.v1.checkout.sessions.expire(session_id)
            set_session_status(session_id, "expired", engine)
        except stripe.InvalidRequestError:
            try:
                outcome = fulfil_session(session_id, settings=settings, engine=engine)
            except stripe.StripeError as exc:
                raise PaymentServiceDown() from exc
            if outcome is None:
                set_session_status(session_id, "expired", engine)
                continue
            _abandon_new_session(attempt, client, engine)
            raise errors.BookingError("This booking is already paid.") from None
        except stripe.StripeError as exc:
            raise PaymentServiceDown() from exc


def _abandon_new_session(attempt: Attempt, client: stripe.StripeClient, engine) -> None:
    with read_session(engine) as session:
        session_id = session.get(CheckoutSession, attempt.row_id).session_id
    try:
        client.v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as exc:  # it expires on its own; housekeeping tries again
        log.warning("Could not expire superseded session %s: %s", session_id, exc)
    else:
        set_session_status(session_id, "expired", engine)
