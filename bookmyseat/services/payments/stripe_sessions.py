"""What happens to a Stripe Checkout Session once it is open: paid (fulfilled once, whoever
reports it), expired or failed (the seats given back, but only by the booking's latest
attempt), or left open past its hold (ended through the API).

Webhook events and the success page are only triggers: the session is always read back from
Stripe before anything changes, and fulfilment is the engine's idempotent `confirm_payment`, so
any number of triggers, in any order, pay a booking once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import stripe
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Booking, CheckoutSession
from bookmyseat.services.accounts.throttle import PAYMENT_CHECKS
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import release_hold
from bookmyseat.services.booking.records import PaymentOutcome
from bookmyseat.services.booking.rules import claim_is_live_sql
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.payments.refunds import send_pending_refunds
from bookmyseat.services.payments.stripe_api import PROVIDER, stripe_client
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.stripe")


def set_session_status(session_id: str, status: str, engine: Engine | None) -> None:
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
    set_session_status(session_id, "complete", engine)
    if outcome.result == "refund_needed":
        send_pending_refunds(settings=settings, engine=engine)
    return outcome


@dataclass(frozen=True)
class ReturnOutcome:
    """What the customer's return from Stripe found: `result` is paid (see the booking), pending
    (a bank still processing), flagged, refund_needed, unconfirmed (Stripe did not answer),
    not_yours (the session is not the signed-in visitor's booking) or nothing (no card payment
    to confirm here)."""

    result: str
    reference: str = ""


NOBODY = object()  # the customer of a session this site did not open


def confirm_return(
    session_id: str,
    address: str = "",
    viewer_id: int | None = None,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> ReturnOutcome:
    """The success page: the session id in the address is only a pointer, so the session is read
    from Stripe and fulfilled (idempotently, as the webhook may do at the same moment). Only a
    session this site opened is looked up, only for the booking's own signed-in customer
    (`viewer_id`: the id is in the success address, so it travels in histories and referrers,
    and whoever holds it must not learn the booking's reference or state), and each page
    reloading it from one address asks Stripe at most so often (a script must not spend the
    site's API quota)."""
    settings = settings or get_settings()
    if settings.demo_payments or not session_id.startswith("cs_"):
        return ReturnOutcome("nothing")
    customer = _customer_of(session_id, engine)
    if customer is NOBODY:
        return ReturnOutcome("nothing")
    if viewer_id is None or customer != viewer_id:
        return ReturnOutcome("not_yours")  # the webhook fulfils it; nothing here to tell
    PAYMENT_CHECKS.hit(f"{session_id}:{address}")
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


def _customer_of(session_id: str, engine: Engine | None) -> object:
    """The user id of the booking a session of ours pays for (None for a booking of nobody's
    account), NOBODY for a session we did not open."""
    with read_session(engine) as session:
        found = session.execute(
            select(Booking.user_id)
            .join(CheckoutSession, CheckoutSession.booking_id == Booking.id)
            .where(CheckoutSession.provider == PROVIDER, CheckoutSession.session_id == session_id)
        ).first()
    return NOBODY if found is None else found.user_id


def _is_latest_attempt(session_id: str, engine: Engine | None) -> bool:
    """Whether this session is its booking's latest checkout attempt (a session we do not know,
    or one a newer attempt replaced, speaks for nothing)."""
    with read_session(engine) as session:
        row = session.execute(
            select(CheckoutSession.booking_id, CheckoutSession.attempt).where(
                CheckoutSession.provider == PROVIDER, CheckoutSession.session_id == session_id
            )
        ).first()
        if row is None:
            return False
        latest = session.execute(
            select(func.max(CheckoutSession.attempt)).where(
                CheckoutSession.booking_id == row.booking_id
            )
        ).scalar_one()
    return row.attempt == latest


def release_session(
    session_id: str, *, settings: Settings | None = None, engine: Engine | None = None
) -> None:
    """An expired session, or a delayed payment that failed: give the seats back, unless the
    customer is paying in a newer session of the same booking."""
    settings = settings or get_settings()
    checkout = stripe_client(settings).v1.checkout.sessions.retrieve(session_id)
    if checkout.payment_status == "paid":
        fulfil_session(session_id, settings=settings, engine=engine)
        return
    latest = _is_latest_attempt(session_id, engine)
    set_session_status(session_id, "expired", engine)
    if latest and checkout.client_reference_id:
        release_hold(checkout.client_reference_id, engine=engine)


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
            try:
                client.v1.checkout.sessions.expire(session_id)
                status = "expired"
            except stripe.InvalidRequestError:
                status = client.v1.checkout.sessions.retrieve(session_id).status or "expired"
        except stripe.StripeError as exc:  # this one next round; the others now
            log.warning("Could not end Stripe session %s: %s", session_id, exc)
            continue
        set_session_status(session_id, status, engine)
    return len(open_sessions)
