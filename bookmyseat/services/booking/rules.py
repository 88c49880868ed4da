"""The booking's life rules, each written once: which bookings hold their seats, when a hold
ends, and until when a customer may cancel.

A booking is HELD → PENDING_PAYMENT → PAID, or ends EXPIRED / CANCELLED / REFUNDED. An unpaid
booking keeps its seats only until its hold expires; a paid one keeps them for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_

from bookmyseat.models import Booking, BookingStatus
from bookmyseat.settings import Settings

# Waiting for payment: the seats are theirs while the hold lasts.
UNPAID_LIVE = (BookingStatus.HELD, BookingStatus.PENDING_PAYMENT)
# Holding seats (subject to the hold's expiry for the unpaid ones).
LIVE_STATUSES = (*UNPAID_LIVE, BookingStatus.PAID)
# How much one account may hold unpaid at once: seats of one show (the booking limit,
# `max_seats_per_booking`, counts all its holds there), and holds across all shows.
MAX_OPEN_HOLDS = 3


def hold_expires_at(now: datetime, settings: Settings) -> datetime:
    """When a hold made `now` ends (the checkout countdown runs to this moment)."""
    return now + timedelta(minutes=settings.hold_minutes)


def hold_lapsed(status: str, expires_at: datetime, now: datetime) -> bool:
    """An unpaid booking whose hold has run out (the sweeper expires it)."""
    return status in UNPAID_LIVE and expires_at <= now


def claim_is_live(status: str, expires_at: datetime, now: datetime) -> bool:
    """Whether a booking still holds its seats: paid, or unpaid within its hold."""
    return status == BookingStatus.PAID or (status in UNPAID_LIVE and expires_at > now)


def claim_is_live_sql(now: datetime):  # -> a SQL condition on Booking
    """`claim_is_live` as a SQL condition, for queries that count or list live claims."""
    return or_(
        Booking.status == BookingStatus.PAID,
        and_(Booking.status.in_(UNPAID_LIVE), Booking.hold_expires_at > now),
    )


def hold_lapsed_sql(now: datetime):  # -> a SQL condition on Booking
    """`hold_lapsed` as a SQL condition (the sweeper's and Stripe housekeeping's query)."""
    return and_(Booking.status.in_(UNPAID_LIVE), Booking.hold_expires_at <= now)


def cancel_deadline(starts_at: datetime, settings: Settings) -> datetime:
    """Customers may cancel a paid booking until this moment (staff may cancel any time)."""
    return starts_at - timedelta(minutes=settings.cancel_cutoff_minutes)


def customer_may_cancel(
    status: str, expires_at: datetime, starts_at: datetime, now: datetime, settings: Settings,
    *, checked_in: bool = False,
) -> bool:  # fmt: skip
    """An unpaid hold before the show, or a paid booking before the cut-off whose party has not
    been let in at the door (a ticket used is a ticket spent)."""
    if starts_at <= now or checked_in:
        return False
    if status in UNPAID_LIVE:
        return expires_at > now
    return status == BookingStatus.PAID and now <= cancel_deadline(starts_at, settings)
