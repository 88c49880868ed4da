"""Refunds: a payment marked REFUND_PENDING (a cancelled paid booking, or a payment that arrived
after its seats were resold) is refunded through its provider exactly once.

Stripe payments are asked of Stripe with an idempotency key per payment; REFUNDED is set when
Stripe's `charge.refunded` confirms it. Demo payments move no money, so nothing is asked.
"""

from __future__ import annotations

import logging

import stripe
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Booking, BookingStatus, Payment, PaymentStatus
from bookmyseat.services.payments.stripe_api import PROVIDER, stripe_client
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.stripe")


def send_pending_refunds(
    *, settings: Settings | None = None, engine: Engine | None = None
) -> list[int]:
    """Ask Stripe to refund every Stripe payment waiting for a refund, each exactly once: the row
    is claimed (REFUND_PENDING → REFUND_REQUESTED) before the call and given back if it fails."""
    settings = settings or get_settings()
    with read_session(engine) as session:
        waiting = session.execute(
            select(Payment.id, Payment.provider_ref).where(
                Payment.provider == PROVIDER, Payment.status == PaymentStatus.REFUND_PENDING
            )
        ).all()
    sent = []
    for payment_id, intent in waiting:
        with write_session(engine) as session:
            claimed = session.execute(
                update(Payment)
                .where(Payment.id == payment_id, Payment.status == PaymentStatus.REFUND_PENDING)
                .values(status=PaymentStatus.REFUND_REQUESTED)
            ).rowcount
        if not claimed:
            continue
        try:
            stripe_client(settings).v1.refunds.create(
                params={"payment_intent": intent, "metadata": {"payment_id": str(payment_id)}},
                options={"idempotency_key": f"refund-{payment_id}"},
            )
        except stripe.StripeError:
            with write_session(engine) as session:
                session.execute(
                    update(Payment)
                    .where(Payment.id == payment_id)
                    .values(status=PaymentStatus.REFUND_PENDING)
                )
            raise
        sent.append(payment_id)
    return sent


def record_refund(
    charge_id: str, *, settings: Settings | None = None, engine: Engine | None = None
) -> None:
    """charge.refunded: once Stripe says the charge is fully refunded, so are we."""
    settings = settings or get_settings()
    charge = stripe_client(settings).v1.charges.retrieve(charge_id)
    if not charge.refunded:
        return
    with write_session(engine) as session:
        booking_ids = session.execute(
            update(Payment)
            .where(Payment.provider == PROVIDER, Payment.provider_ref == str(charge.payment_intent))
            .values(status=PaymentStatus.REFUNDED)
            .returning(Payment.booking_id)
        ).scalars()
        session.execute(
            update(Booking)
            .where(
                Booking.id.in_(list(booking_ids)),
                Booking.status.in_([BookingStatus.CANCELLED, BookingStatus.EXPIRED]),
            )
            .values(status=BookingStatus.REFUNDED)
        )


def refund_now_if_card_paid(
    *, settings: Settings | None = None, engine: Engine | None = None
) -> None:
    """Right after a cancellation: ask Stripe for due refunds at once. If Stripe is away, the
    housekeeping task asks again; the customer's cancellation stands either way."""
    settings = settings or get_settings()
    if settings.demo_payments:
        return
    try:
        send_pending_refunds(settings=settings, engine=engine)
    except stripe.StripeError as exc:
        log.warning("Refund request deferred: %s", exc)
