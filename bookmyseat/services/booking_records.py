"""Shared pieces of the booking engine: views returned to callers and row-level helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Column, Table, delete, select, update
from sqlalchemy.orm import Session

from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    EmailOutbox,
    Seat,
    SeatClaim,
    User,
    utcnow,
)
from bookmyseat.services import errors, sales_rollup
from bookmyseat.services.seat_events import mark_changed

UNPAID_LIVE = (BookingStatus.HELD, BookingStatus.PENDING_PAYMENT)


@dataclass(frozen=True)
class TicketLine:
    label: str
    category: str
    price_paise: int


@dataclass(frozen=True)
class BookingView:
    reference: str
    status: str
    user_id: int
    showtime_id: int
    lines: list[TicketLine]
    subtotal_paise: int
    fee_paise: int
    total_paise: int
    currency: str
    hold_expires_at: datetime
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def seat_labels(self) -> list[str]:
        return [line.label for line in self.lines]


@dataclass(frozen=True)
class PaymentOutcome:
    """What confirming a payment did. `booking.status` is PAID unless something needs attention."""

    result: str  # paid | already_paid | reclaimed | refund_needed | flagged | duplicate
    booking: BookingView
    message: str = ""
    outbox_ids: list[int] = field(default_factory=list)

    @property
    def is_paid(self) -> bool:
        return self.result in ("paid", "already_paid", "reclaimed")


def resolve_now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


@lru_cache(maxsize=32)
def _insert_ignoring(dialect: str, table: Table, returning: Column):
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing().returning(returning)


def insert_ignoring_conflicts(session: Session, table: Table, rows: list[dict], returning: Column):
    """INSERT .. ON CONFLICT DO NOTHING RETURNING, on SQLite and PostgreSQL alike: the values of
    `returning` for the rows that went in (sent as one multi-row statement)."""
    stmt = _insert_ignoring(session.get_bind().dialect.name, table, returning)
    return list(session.execute(stmt, rows).scalars())


def expire_bookings(session: Session, booking_ids: list[int], now: datetime) -> None:
    if not booking_ids:
        return
    showtimes = session.execute(
        update(Booking)
        .where(Booking.id.in_(booking_ids), Booking.status.in_(UNPAID_LIVE))
        .values(status=BookingStatus.EXPIRED, updated_at=now)
        .returning(Booking.showtime_id)
    ).scalars()
    for showtime_id in set(showtimes):
        mark_changed(session, showtime_id)
    session.execute(delete(SeatClaim).where(SeatClaim.booking_id.in_(booking_ids)))


def booking_view(session: Session, booking: Booking) -> BookingView:
    lines = [
        TicketLine(*row)
        for row in session.execute(
            select(BookingSeat.seat_label, BookingSeat.category, BookingSeat.price_paise)
            .join(Seat, Seat.id == BookingSeat.seat_id)
            .where(BookingSeat.booking_id == booking.id)
            .order_by(Seat.grid_row, Seat.grid_col)
        )
    ]
    return BookingView(
        reference=booking.reference,
        status=booking.status,
        user_id=booking.user_id,
        showtime_id=booking.showtime_id,
        lines=lines,
        subtotal_paise=booking.subtotal_paise,
        fee_paise=booking.fee_paise,
        total_paise=booking.total_paise,
        currency=booking.currency,
        hold_expires_at=booking.hold_expires_at,
        paid_at=booking.paid_at,
        cancelled_at=booking.cancelled_at,
    )


def find_booking(
    session: Session, reference: str, user_id: int | None, *, lock: bool = False
) -> Booking:
    """The booking by reference (only the owner's when `user_id` is given), optionally locked
    for the transaction (PostgreSQL; a SQLite write transaction is already IMMEDIATE)."""
    query = select(Booking).where(Booking.reference == reference)
    booking = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if booking is None or (user_id is not None and booking.user_id != user_id):
        raise errors.BookingNotFound()
    return booking


def locked_booking(session: Session, reference: str, user_id: int | None) -> Booking:
    return find_booking(session, reference, user_id, lock=True)


def end_booking(session: Session, booking: Booking, status: str, now: datetime) -> None:
    """Move a live booking to a final status and free its seats."""
    if booking.status == BookingStatus.PAID:
        sales_rollup.booking_given_back(session, booking)
    booking.status = status
    booking.updated_at = now
    if status == BookingStatus.CANCELLED:
        booking.cancelled_at = now
    session.execute(delete(SeatClaim).where(SeatClaim.booking_id == booking.id))
    mark_changed(session, booking.showtime_id)


def queue_email(session: Session, booking: Booking, kind: str, now: datetime) -> list[int]:
    """Write the outbox row in the caller's transaction; one per (booking, kind)."""
    email = session.execute(select(User.email).where(User.id == booking.user_id)).scalar_one()
    return insert_ignoring_conflicts(
        session,
        EmailOutbox.__table__,
        [
            {
                "booking_id": booking.id,
                "kind": kind,
                "to_address": email,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
        ],
        EmailOutbox.__table__.c.id,
    )
