"""Refunds: a payment marked REFUND_PENDING (a cancelled paid booking, or a payment that arrived
after its seats were resold) is refunded through its provider exactly once.

Each payment is asked for on its own schedule: a sender claims the row (REFUND_PENDING →
REFUND_REQUESTED, compare-and-set) before calling Stripe. A failure puts the row back with a
backoff of its own, so one refund that keeps failing never holds back the others; Stripe refusing
the refund outright (a card or request error) marks it REFUND_FAILED for staff. A row left
REFUND_REQUESTED without Stripe's answer (the sender died between marking and calling) is taken
again after a lease. REFUNDED is set when Stripe's `charge.refunded` confirms it.

Never twice: every try after the first asks Stripe first whether the payment already has a
refund (an answer that timed out may have been carried out), and each try has an idempotency key
of its own, `refund-<payment>-<try>` (Stripe replays a key's first answer for a day, 500s included,
so a retry under the same key could never succeed).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

import stripe
from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Booking, BookingStatus, Payment, PaymentStatus
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.payments.stripe_api import PROVIDER, stripe_client
from bookmyseat.services.retry import backoff
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.stripe")

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # a claim older than this, with no answer recorded, is taken again
# Stripe's answers that retrying cannot change: the refund needs a person.
REFUSALS = (stripe.CardError, stripe.InvalidRequestError, stripe.PermissionError)


def _due(now: datetime):  # -> a SQL condition on Payment
    return and_(
        Payment.provider == PROVIDER,
        or_(
            and_(
                Payment.status == PaymentStatus.REFUND_PENDING,
                or_(Payment.refund_next_at.is_(None), Payment.refund_next_at <= now),
            ),
            and_(
                Payment.status == PaymentStatus.REFUND_REQUESTED,
                Payment.refund_id == "",
                Payment.refund_claimed_at <= now - LEASE,
            ),
        ),
    )


def _claim(payment_id: int, now: datetime, engine: Engine | None) -> int | None:
    """Take one due refund for this sender; the attempt number, or None if another has it."""
    with write_session(engine) as session:
        return session.execute(
            update(Payment)
            .where(Payment.id == payment_id, _due(now))
            .values(
                status=PaymentStatus.REFUND_REQUESTED,
                refund_claimed_at=now,
                refund_attempts=Payment.refund_attempts + 1,
            )
            .returning(Payment.refund_attempts)
        ).scalar_one_or_none()


def _settle(payment_id: int, claimed_at: datetime, engine: Engine | None, **values) -> None:
    """Record the outcome of this sender's claim (a later claim by another sender wins)."""
    with write_session(engine) as session:
        session.execute(
            update(Payment)
            .where(
                Payment.id == payment_id,
                Payment.status == PaymentStatus.REFUND_REQUESTED,
                Payment.refund_claimed_at == claimed_at,
            )
            .values(**values)
        )


def _existing_refund(client: stripe.StripeClient, intent: str) -> stripe.Refund | None:
    """A refund Stripe already holds for this payment (pending or done), if any."""
    found = client.v1.refunds.list(params={"payment_intent": intent, "limit": 10})
    return next((r for r in found.data if r.status not in ("failed", "canceled")), None)


def send_pending_refunds(
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
    rng: random.Random | None = None,
) -> list[int]:
    """Ask Stripe for every due refund, each on its own; the payments Stripe accepted now."""
    settings = settings or get_settings()
    clock, now = now, resolve_now(now)
    with read_session(engine) as session:
        due = session.execute(
            select(Payment.id, Payment.provider_ref).where(_due(now)).order_by(Payment.id)
        ).all()
    client = stripe_client(settings)
    sent = []
    for payment_id, intent in due:
        now = resolve_now(clock)  # each claim stamped when it is made: a slow batch stays leased
        attempt = _claim(payment_id, now, engine)
        if attempt is None:
            continue
        try:
            refund = _existing_refund(client, intent) if attempt > 1 else None
            refund = refund or client.v1.refunds.create(
                params={"payment_intent": intent, "metadata": {"payment_id": str(payment_id)}},
                options={"idempotency_key": f"refund-{payment_id}-{attempt}"},
            )
        except REFUSALS as exc:
            reason = f"Stripe refused the refund: {exc.user_message or exc}"[:480]
            _settle(
                payment_id, now, engine, status=PaymentStatus.REFUND_FAILED, refund_error=reason
            )
            log.error("Refund of payment %s refused, staff must act: %s", payment_id, reason)
            continue
        except stripe.StripeError as exc:
            retry_at = now + backoff(attempt, first=FIRST_RETRY, longest=LONGEST_WAIT, rng=rng)
            _settle(
                payment_id,
                now,
                engine,
                status=PaymentStatus.REFUND_PENDING,
                refund_next_at=retry_at,
                refund_error=f"{type(exc).__name__}: {exc}"[:480],
            )
            log.warning("Refund of payment %s failed (%s), retry at %s", payment_id, exc, retry_at)
            continue
        _settle(payment_id, now, engine, refund_id=refund.id, refund_error="")
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
    """Right after a cancellation: ask Stripe for due refunds at once. A refund Stripe does not
    take now is asked again on its own schedule; the customer's cancellation stands either way."""
    settings = settings or get_settings()
    if settings.demo_payments:
        return
    try:
        send_pending_refunds(settings=settings, engine=engine)
    except Exception:  # the database away: housekeeping asks again
        log.exception("Refunds deferred to housekeeping")
