"""A customer's bookings, upcoming and past, in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
)
from bookmyseat.services.booking.rules import customer_may_cancel, hold_lapsed
from bookmyseat.services.clock import resolve_now
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
    starts_at: datetime  # in the cinema's time zone
    seats: list[str]
    total_paise: int
    upcoming: bool
    cancellable: bool
    checked_in_at: datetime | None = None  # let in at the door, in the cinema's time zone


def my_bookings(
    user_id: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> list[MyBooking]:
    """Upcoming first (soonest first), then past (latest first). Lapsed holds are left out."""
    now = resolve_now(now)
    settings = settings or get_settings()
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
        checked_in: dict[int, datetime] = {}
        for booking_id, label, at in session.execute(
            select(BookingSeat.booking_id, BookingSeat.seat_label, BookingSeat.checked_in_at)
            .join(Seat, Seat.id == BookingSeat.seat_id)
            .where(BookingSeat.booking_id.in_([r.id for r in rows]))
            .order_by(Seat.grid_row, Seat.grid_col)
        ):
            seats.setdefault(booking_id, []).append(label)
            if at is not None:
                checked_in[booking_id] = min(at, checked_in.get(booking_id, at))
    result = []
    for r in rows:
        if hold_lapsed(r.status, r.hold_expires_at, now):
            continue
        upcoming = r.starts_at > now
        zone = ZoneInfo(r.timezone)
        entered = checked_in.get(r.id)
        result.append(
            MyBooking(
                reference=r.reference,
                status=r.status,
                movie=r.title,
                cinema=r.cinema,
                screen=r.screen,
                starts_at=r.starts_at.astimezone(zone),
                seats=seats.get(r.id, []),
                total_paise=r.total_paise,
                upcoming=upcoming,
                cancellable=customer_may_cancel(
                    r.status,
                    r.hold_expires_at,
                    r.starts_at,
                    now,
                    settings,
                    checked_in=entered is not None,
                ),  # fmt: skip
                checked_in_at=entered.astimezone(zone) if entered else None,
            )
        )
    upcoming_list = sorted((b for b in result if b.upcoming), key=lambda b: b.starts_at)
    past = sorted((b for b in result if not b.upcoming), key=lambda b: b.starts_at, reverse=True)
    return upcoming_list + past
