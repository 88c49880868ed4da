"""Promo codes on the dashboard: the paid bookings of a range that carried a code, and what the
codes took off them (read from the bookings: few carry a code, and the paid-at index finds them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bookmyseat.models import Booking, BookingStatus, Screen, Showtime


@dataclass(frozen=True)
class PromoUsage:
    bookings: int
    discount_paise: int


def promo_usage(
    session: Session, start: datetime, end: datetime, cinema_id: int | None
) -> PromoUsage:
    query = select(func.count(), func.coalesce(func.sum(Booking.discount_paise), 0)).where(
        Booking.paid_at >= start,
        Booking.paid_at < end,
        Booking.status == BookingStatus.PAID,
        Booking.promo_code_id.is_not(None),
    )
    if cinema_id is not None:
        query = (
            query.join(Showtime, Showtime.id == Booking.showtime_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .where(Screen.cinema_id == cinema_id)
        )
    bookings, discount = session.execute(query).one()
    return PromoUsage(int(bookings), int(discount))
