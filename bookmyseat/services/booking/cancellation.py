"""Cancelling a booking: customers before the cut-off, staff any time; a paid one is refunded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import write_session
from bookmyseat.models import Booking, BookingStatus, Payment, PaymentStatus, Showtime
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.records import (
    BookingView,
    booking_view,
    checked_in_at,
    end_booking,
    locked_booking,
    queue_email,
)
from bookmyseat.services.booking.rules import LIVE_STATUSES, cancel_deadline
from bookmyseat.services.clock import resolve_now
from bookmyseat.settings import Settings, get_settings


def cancel_booking(
    reference: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """Cancel a booking and free its seats. Customers (`user_id` given) must respect the cut-off;
    staff (`user_id=None`) may cancel any time. A paid booking's payment becomes REFUND_PENDING."""
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        return cancel_locked(
            session, booking, by_customer=user_id is not None, now=now, settings=settings
        )


def cancel_locked(
    session: Session,
    booking: Booking,
    *,
    by_customer: bool,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> BookingView:
    """`cancel_booking` inside the caller's transaction, on a booking it has locked (staff write
    their audit entry in the same transaction). Cancelling a finished booking changes nothing."""
    settings = settings or get_settings()
    now = resolve_now(now)
    if booking.status not in LIVE_STATUSES:
        return booking_view(session, booking)
    showtime = session.get(Showtime, booking.showtime_id)
    too_late = now > cancel_deadline(showtime.starts_at, settings)
    if by_customer and booking.status == BookingStatus.PAID and too_late:
        raise errors.CancelTooLate(settings.cancel_cutoff_minutes)
    if by_customer and checked_in_at(session, booking.id) is not None:
        raise errors.AlreadyCheckedIn()
    was_paid = booking.status == BookingStatus.PAID
    end_booking(session, booking, BookingStatus.CANCELLED, now)
    if was_paid:
        session.execute(
            update(Payment)
            .where(Payment.booking_id == booking.id, Payment.status == PaymentStatus.SUCCEEDED)
            .values(status=PaymentStatus.REFUND_PENDING, detail="cancelled")
        )
        queue_email(session, booking, "cancellation", now)
    return booking_view(session, booking)
