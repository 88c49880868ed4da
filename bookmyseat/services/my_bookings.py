"""A customer's bookings, upcoming and past, in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    Cinema,
    Movie,
    Screen,
    Seat,
    Showtime,
    utcnow,
)
from bookmyseat.settings import Settings, get_settings

SHOWN = (
    BookingStatus.HELD,
    BookingStatus.PENDING_PAYMENT,
    BookingStatus.PAID,
    BookingStatus.CANCELLED,
    BookingStatus.REFUNDED,
)


@dataclass(frozen=True)
class MyBooking:
    reference: str
    status: str
    movie: str
    cinema: str
    screen: str
    local_start: str
    starts_at: datetime
    seats: list[str]
    total_paise: int
    upcoming: bool
    cancellable: bool


def my_bookings(
    user_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> list[MyBooking]:
    """Upcoming first (soonest first), then past (latest first). Lapsed holds are left out."""
    now = now or utcnow()
    settings = settings or get_settings()
    cutoff = timedelta(minutes=settings.cancel_cutoff_minutes)
    with read_session(engine) as session:
        rows = session.execute(
            select(
                Booking.id,
                Booking.reference,
                Booking.status,
                Booking.total_paise,
                Booking.hold_expires_at,
                Showtime.starts_at,
                Movie.title,
                Screen.name.label("screen"),
                Cinema.name.label("cinema"),
                Cinema.timezone,
            )
            .join(Showtime, Showtime.id == Booking.showtime_id)
            .join(Movie, Movie.id == Showtime.movie_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .where(Booking.user_id == user_id, Booking.status.in_(SHOWN))
        ).all()
        seats: dict[int, list[str]] = {}
        for booking_id, label in session.execute(
            select(BookingSeat.booking_id, BookingSeat.seat_label)
            .join(Seat, Seat.id == BookingSeat.seat_id)
            .where(BookingSeat.booking_id.in_([r.id for r in rows]))
            .order_by(Seat.grid_row, Seat.grid_col)
        ):
            seats.setdefault(booking_id, []).append(label)
    result = []
    for r in rows:
        unpaid = r.status in (BookingStatus.HELD, BookingStatus.PENDING_PAYMENT)
        if unpaid and r.hold_expires_at <= now:
            continue
        upcoming = r.starts_at > now
        result.append(
            MyBooking(
                reference=r.reference,
                status=r.status,
                movie=r.title,
                cinema=r.cinema,
                screen=r.screen,
                local_start=r.starts_at.astimezone(ZoneInfo(r.timezone)).strftime(
                    "%a %d %b %Y, %H:%M"
                ),
                starts_at=r.starts_at,
                seats=seats.get(r.id, []),
                total_paise=r.total_paise,
                upcoming=upcoming,
                cancellable=upcoming
                and (unpaid or (r.status == BookingStatus.PAID and now <= r.starts_at - cutoff)),
            )
        )
    upcoming_list = sorted((b for b in result if b.upcoming), key=lambda b: b.starts_at)
    past = sorted((b for b in result if not b.upcoming), key=lambda b: b.starts_at, reverse=True)
    return upcoming_list + past
