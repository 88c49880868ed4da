"""Payment confirmation: fulfil a booking exactly once, whoever reports the payment first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import write_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    Payment,
    PaymentStatus,
    SeatClaim,
    Showtime,
)
from bookmyseat.services.booking.records import (
    PaymentOutcome,
    booking_view,
    claim_seats,
    expire_bookings,
    locked_booking,
    queue_email,
)
from bookmyseat.services.booking.rules import UNPAID_LIVE, claim_is_live
from bookmyseat.services.booking.seat_events import mark_changed
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.offers.promo_codes import use_still_free
from bookmyseat.services.reporting import rollups

_RESULT_OF_EXISTING = {
    PaymentStatus.SUCCEEDED: "already_paid",
    PaymentStatus.FLAGGED: "flagged",
    PaymentStatus.REFUND_PENDING: "refund_needed",
    PaymentStatus.REFUND_REQUESTED: "refund_needed",
    PaymentStatus.REFUNDED: "refund_needed",
}


def confirm_payment(
    reference: str,
    *,
    amount_paise: int,
    currency: str,
    provider: str,
    provider_ref: str,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> PaymentOutcome:
    """Record a payment and fulfil its booking, exactly once per (provider, provider_ref).

    Safe to call from the webhook and the success page at the same time, any number of times.
    A payment for a lapsed hold re-claims the seats if they are still free; otherwise it is kept
    as REFUND_PENDING. A wrong amount or currency is FLAGGED for staff and issues no tickets.
    """
    now = resolve_now(now)
    currency = currency.lower()
    with write_session(engine) as session:
        booking = locked_booking(session, reference, None)
        existing = session.execute(
            select(Payment).where(
                Payment.provider == provider, Payment.provider_ref == provider_ref
            )
        ).scalar_one_or_none()
        if existing is not None:
            return PaymentOutcome(
                _RESULT_OF_EXISTING[existing.status], booking_view(session, booking)
            )

        def record(status: str, detail: str = "") -> None:
            session.add(
                Payment(
                    booking_id=booking.id,
                    provider=provider,
                    provider_ref=provider_ref,
                    amount_paise=amount_paise,
                    currency=currency,
                    status=status,
                    detail=detail,
                    created_at=now,
                )
            )

        if amount_paise != booking.total_paise or currency != booking.currency:
            detail = (
                f"paid {amount_paise} {currency}, booking total {booking.total_paise} "
                f"{booking.currency}"
            )
            record(PaymentStatus.FLAGGED, detail)
            return PaymentOutcome("flagged", booking_view(session, booking), detail)
        if booking.status == BookingStatus.PAID:
            record(PaymentStatus.REFUND_PENDING, "second payment for a paid booking")
            return PaymentOutcome("duplicate", booking_view(session, booking))

        result = "paid"
        if not claim_is_live(booking.status, booking.hold_expires_at, now):
            if booking.status in UNPAID_LIVE:
                expire_bookings(session, [booking.id], now)
            if not _reclaim_seats(session, booking, now):
                record(PaymentStatus.REFUND_PENDING, "paid after the seats were resold")
                queue_email(session, booking, "late-payment-refund", now)
                session.flush()
                return PaymentOutcome(
                    "refund_needed",
                    booking_view(session, booking),
                    "Your payment arrived after your seats were released and someone else "
                    "booked them. The full amount will be refunded.",
                )
            if not use_still_free(session, booking, now):
                session.execute(delete(SeatClaim).where(SeatClaim.booking_id == booking.id))
                record(PaymentStatus.REFUND_PENDING, "paid after the promo code was used up")
                queue_email(session, booking, "late-payment-refund", now)
                session.flush()
                return PaymentOutcome(
                    "refund_needed",
                    booking_view(session, booking),
                    "Your payment arrived after your hold ended, and your promo code's last use "
                    "went to someone else meanwhile. The full amount will be refunded.",
                )
            result = "reclaimed"

        if booking.paid_at is not None:  # paid before, then cancelled: this payment replaces it
            rollups.payment_superseded(session, booking)
        booking.status = BookingStatus.PAID
        mark_changed(session, booking.showtime_id)
        booking.paid_at = now
        booking.updated_at = now
        rollups.booking_paid(session, booking)
        record(PaymentStatus.SUCCEEDED)
        outbox_ids = queue_email(session, booking, "confirmation", now)
        session.flush()
        return PaymentOutcome(result, booking_view(session, booking), outbox_ids=outbox_ids)


def _reclaim_seats(session: Session, booking: Booking, now: datetime) -> bool:
    """Claim a lapsed booking's seats again; all or nothing (a hold that has run out on one of
    them gives way, as it does to a new hold)."""
    showtime = session.get(Showtime, booking.showtime_id)
    if showtime is None or showtime.starts_at <= now:
        return False
    seat_ids = list(
        session.execute(
            select(BookingSeat.seat_id).where(BookingSeat.booking_id == booking.id)
        ).scalars()
    )
    claimed = claim_seats(session, booking.showtime_id, booking.id, seat_ids, now)
    if len(claimed) == len(seat_ids):
        return True
    session.execute(delete(SeatClaim).where(SeatClaim.booking_id == booking.id))
    return False
