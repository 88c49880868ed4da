"""A booking as callers see it (`BookingView`), and the row-level steps the engine shares:
finding and locking a booking, ending it, expiring lapsed holds, queueing its emails."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import insert_ignoring_conflicts, read_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    EmailOutbox,
    PromoCode,
    Seat,
    SeatClaim,
    User,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.rules import UNPAID_LIVE, hold_lapsed_sql
from bookmyseat.services.booking.seat_events import mark_changed
from bookmyseat.services.reporting import rollups


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
    discount_paise: int = 0  # taken off by `promo_code`
    promo_code: str = ""
    checked_in_at: datetime | None = None  # when the party was let in at the door

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


def expire_bookings(session: Session, booking_ids: list[int], now: datetime) -> None:
    """Expire those of these bookings that are still unpaid, and free their seats only. The ids
    were read before: on PostgreSQL one of them may have been paid (and its seats claimed again)
    since, and its claims must stay."""
    if not booking_ids:
        return
    expired = session.execute(
        update(Booking)
        .where(Booking.id.in_(booking_ids), Booking.status.in_(UNPAID_LIVE))
        .values(status=BookingStatus.EXPIRED, updated_at=now)
        .returning(Booking.id, Booking.showtime_id)
    ).all()
    for showtime_id in {row.showtime_id for row in expired}:
        mark_changed(session, showtime_id)
    if expired:
        ids = [row.id for row in expired]
        session.execute(delete(SeatClaim).where(SeatClaim.booking_id.in_(ids)))


_CLAIMS = SeatClaim.__table__
_LAPSED_ON_SEATS = (
    select(Booking.id)
    .join(SeatClaim, SeatClaim.booking_id == Booking.id)
    .where(
        SeatClaim.showtime_id == bindparam("showtime_id"),
        SeatClaim.seat_id.in_(bindparam("seat_ids", expanding=True)),
        hold_lapsed_sql(bindparam("now", type_=Booking.__table__.c.hold_expires_at.type)),
    )
)  # built once: constructing a statement costs more than running it


def _insert_claims(
    session: Session, showtime_id: int, booking_id: int, seat_ids: list[int], now: datetime
) -> set[int]:
    rows = [
        {"showtime_id": showtime_id, "seat_id": s, "booking_id": booking_id, "claimed_at": now}
        for s in seat_ids
    ]
    return set(insert_ignoring_conflicts(session, _CLAIMS, rows, _CLAIMS.c.seat_id))


def claim_seats(
    session: Session, showtime_id: int, booking_id: int, seat_ids: list[int], now: datetime
) -> set[int]:
    """Claim the seats for the booking; the seats whose claim went in (the rest are someone
    else's). A seat still claimed by a hold that has run out (the sweeper has not come by yet)
    is not someone else's: that booking expires and the seat is claimed after all."""
    claimed = _insert_claims(session, showtime_id, booking_id, seat_ids, now)
    missing = [s for s in seat_ids if s not in claimed]
    if missing:
        params = {"showtime_id": showtime_id, "seat_ids": missing, "now": now}
        lapsed = sorted(set(session.execute(_LAPSED_ON_SEATS, params).scalars()))
        if lapsed:
            expire_bookings(session, lapsed, now)
            claimed |= _insert_claims(session, showtime_id, booking_id, missing, now)
    return claimed


_OTHERS_CLAIMS = select(_CLAIMS.c.seat_id).where(
    _CLAIMS.c.showtime_id == bindparam("showtime_id"),
    _CLAIMS.c.booking_id != bindparam("booking_id"),
)


def seats_claimed_by_others(
    session: Session, showtime_id: int, *, own_booking: int = 0
) -> list[int]:
    """Every seat of the showtime claimed now, but for the claims of `own_booking` (being
    written in this transaction): what a refused customer's map should show taken before its
    next live update arrives."""
    params = {"showtime_id": showtime_id, "booking_id": own_booking}
    return sorted(session.execute(_OTHERS_CLAIMS, params).scalars())


def booking_view(session: Session, booking: Booking) -> BookingView:
    rows = session.execute(
        select(BookingSeat.seat_label, BookingSeat.category, BookingSeat.price_paise,
               BookingSeat.checked_in_at)
        .join(Seat, Seat.id == BookingSeat.seat_id)
        .where(BookingSeat.booking_id == booking.id)
        .order_by(Seat.grid_row, Seat.grid_col)
    ).all()  # fmt: skip
    lines = [
        TicketLine(label=row.seat_label, category=row.category, price_paise=row.price_paise)
        for row in rows
    ]
    checked_in = [row.checked_in_at for row in rows if row.checked_in_at is not None]
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
        discount_paise=booking.discount_paise,
        promo_code=_promo_code(session, booking.promo_code_id),
        checked_in_at=min(checked_in, default=None),
    )


def _promo_code(session: Session, promo_code_id: int | None) -> str:
    if promo_code_id is None:
        return ""
    return session.execute(select(PromoCode.code).where(PromoCode.id == promo_code_id)).scalar_one()


def checked_in_at(session: Session, booking_id: int) -> datetime | None:
    """When the booking's party was let in at the door (None: not yet)."""
    return session.execute(
        select(func.min(BookingSeat.checked_in_at)).where(BookingSeat.booking_id == booking_id)
    ).scalar_one()


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


def get_booking(
    reference: str, *, user_id: int | None = None, engine: Engine | None = None
) -> BookingView:
    """A booking by reference; with `user_id`, only if it is that user's."""
    with read_session(engine) as session:
        return booking_view(session, find_booking(session, reference, user_id))


def end_booking(session: Session, booking: Booking, status: str, now: datetime) -> None:
    """Move a live booking to a final status and free its seats."""
    if booking.status == BookingStatus.PAID:
        rollups.booking_given_back(session, booking)
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
