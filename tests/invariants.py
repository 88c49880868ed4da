"""Checks of the booking invariants read straight from the database rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import LIVE_BOOKING_STATUSES, Booking, BookingSeat, BookingStatus, SeatClaim


def double_sold_seats(engine: Engine, showtime_id: int) -> dict[int, int]:
    """Seats of the showtime that more than one live booking contains (seat id → bookings)."""
    query = (
        select(BookingSeat.seat_id, func.count(func.distinct(BookingSeat.booking_id)))
        .join(Booking, Booking.id == BookingSeat.booking_id)
        .where(BookingSeat.showtime_id == showtime_id, Booking.status.in_(LIVE_BOOKING_STATUSES))
        .group_by(BookingSeat.seat_id)
        .having(func.count(func.distinct(BookingSeat.booking_id)) > 1)
    )
    with read_session(engine) as session:
        return dict(session.execute(query).all())


def sold_seats_and_paid_tickets(engine: Engine) -> tuple[set, set]:
    """(showtime, seat) pairs claimed by PAID bookings, and those on PAID bookings' tickets."""
    with read_session(engine) as session:
        sold = set(
            session.execute(
                select(SeatClaim.showtime_id, SeatClaim.seat_id)
                .join(Booking, Booking.id == SeatClaim.booking_id)
                .where(Booking.status == BookingStatus.PAID)
            ).all()
        )
        tickets = list(
            session.execute(
                select(BookingSeat.showtime_id, BookingSeat.seat_id)
                .join(Booking, Booking.id == BookingSeat.booking_id)
                .where(Booking.status == BookingStatus.PAID)
            ).all()
        )
    assert len(tickets) == len(set(tickets)), "a seat appears on two paid tickets"
    return sold, set(tickets)


def claims_match_live_bookings(engine: Engine) -> None:
    """Every live booking claims exactly its seats; no claim belongs to a finished booking."""
    with read_session(engine) as session:
        claims = set(session.execute(select(SeatClaim.booking_id, SeatClaim.seat_id)).all())
        lines = set(
            session.execute(
                select(BookingSeat.booking_id, BookingSeat.seat_id)
                .join(Booking, Booking.id == BookingSeat.booking_id)
                .where(Booking.status.in_(LIVE_BOOKING_STATUSES))
            ).all()
        )
    assert claims == lines


def _rollup_rows(conn) -> dict:  # a Connection
    """The sales roll-ups as plain data (zero rows left out, quarters as 'YYYY-MM-DD HH:MM')."""
    from bookmyseat.models import SalesMovieDay, SalesQuarter, SalesShowtime

    amounts = ("paid_bookings", "tickets", "gross_paise", "refunds_paise", "ticket_paise")
    hours = {}
    for row in conn.execute(select(SalesQuarter.__table__)).mappings():
        values = tuple(row[a] for a in amounts)
        if any(values):
            hours[(str(row["quarter_start"])[:16], row["cinema_id"])] = values
    days = {
        (r.day, r.movie_id, r.cinema_id, r.category): r.tickets
        for r in conn.execute(select(SalesMovieDay.__table__))
        if r.tickets
    }
    shows = {
        r.showtime_id: r.seats_sold
        for r in conn.execute(select(SalesShowtime.__table__))
        if r.seats_sold
    }
    return {"hours": hours, "days": days, "shows": shows}


def rollups_match_bookings(engine: Engine) -> None:
    """The roll-ups kept up to date transaction by transaction equal a rebuild from scratch."""
    from bookmyseat.services.reporting.rollups import rebuild

    with engine.connect() as conn:
        kept = _rollup_rows(conn)
        conn.rollback()
        with conn.begin() as transaction:
            rebuild(conn)
            rebuilt = _rollup_rows(conn)
            transaction.rollback()
    assert kept == rebuilt
