"""The booking engine: holds, release, cancel and the sweeper.

One rule above all: a seat of a showtime is claimed by at most one live booking. The database
enforces it with the unique index on seat_claim (showtime_id, seat_id); claims are inserted with
ON CONFLICT DO NOTHING and a hold succeeds only if every one of its rows went in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    LIVE_BOOKING_STATUSES,
    Booking,
    BookingSeat,
    BookingStatus,
    Payment,
    PaymentStatus,
    Seat,
    SeatClaim,
    Showtime,
    ShowtimePrice,
    User,
)
from bookmyseat.services import errors
from bookmyseat.services.booking_records import (
    UNPAID_LIVE,
    BookingView,
    booking_view,
    expire_bookings,
    insert_ignoring_conflicts,
    locked_booking,
    queue_email,
    resolve_now,
)
from bookmyseat.services.references import new_reference
from bookmyseat.settings import Settings, get_settings


def _release_lapsed_claims(
    session: Session, showtime_id: int, seat_ids: list[int], now: datetime
) -> None:
    """Expire holds on these seats whose time ran out, so they can be claimed again."""
    lapsed = session.execute(
        select(Booking.id)
        .join(SeatClaim, SeatClaim.booking_id == Booking.id)
        .where(
            SeatClaim.showtime_id == showtime_id,
            SeatClaim.seat_id.in_(seat_ids),
            Booking.status.in_(UNPAID_LIVE),
            Booking.hold_expires_at <= now,
        )
    ).scalars()
    expire_bookings(session, sorted(set(lapsed)), now)


def hold_seats(
    user_id: int,
    showtime_id: int,
    seat_ids: list[int],
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """Hold the seats for the user for `hold_minutes`, or refuse with a typed error."""
    settings = settings or get_settings()
    now = resolve_now(now)
    wanted = sorted(set(seat_ids))
    if not wanted:
        raise errors.NoSeatsChosen()
    if len(wanted) > settings.max_seats_per_booking:
        raise errors.TooManySeats(settings.max_seats_per_booking)

    with write_session(engine) as session:
        showtime = session.get(Showtime, showtime_id)
        if showtime is None or showtime.is_cancelled:
            raise errors.ShowtimeNotFound()
        if showtime.starts_at <= now:
            raise errors.ShowtimeStarted()
        if session.get(User, user_id) is None:
            raise errors.BookingError("Please sign in again to book seats.")
        seats = {
            seat.id: seat
            for seat in session.execute(
                select(Seat).where(Seat.id.in_(wanted), Seat.screen_id == showtime.screen_id)
            ).scalars()
        }
        for seat_id in wanted:
            if seat_id not in seats:
                raise errors.SeatNotFound(seat_id)
            if seats[seat_id].is_blocked:
                raise errors.SeatBlocked(seats[seat_id].label)
        prices = dict(
            session.execute(
                select(ShowtimePrice.category, ShowtimePrice.price_paise).where(
                    ShowtimePrice.showtime_id == showtime_id
                )
            ).all()
        )
        for seat in seats.values():
            if seat.category not in prices:
                raise errors.SeatNotOnSale(seat.label)

        _release_lapsed_claims(session, showtime_id, wanted, now)

        subtotal = sum(prices[seats[s].category] for s in wanted)
        fee = settings.convenience_fee_paise_per_seat * len(wanted)
        booking = Booking(
            reference=new_reference(),
            user_id=user_id,
            showtime_id=showtime_id,
            status=BookingStatus.HELD,
            hold_expires_at=now + timedelta(minutes=settings.hold_minutes),
            seat_count=len(wanted),
            subtotal_paise=subtotal,
            fee_paise=fee,
            total_paise=subtotal + fee,
            currency=settings.currency,
            created_at=now,
            updated_at=now,
        )
        session.add(booking)
        session.flush()
        claimed = insert_ignoring_conflicts(
            session,
            SeatClaim.__table__,
            [
                {
                    "showtime_id": showtime_id,
                    "seat_id": s,
                    "booking_id": booking.id,
                    "claimed_at": now,
                }
                for s in wanted
            ],
            SeatClaim.__table__.c.seat_id,
        )
        if len(claimed) != len(wanted):
            taken = sorted(set(wanted) - set(claimed))
            raise errors.SeatUnavailable([seats[s].label for s in taken])
        session.add_all(
            BookingSeat(
                booking_id=booking.id,
                showtime_id=showtime_id,
                seat_id=s,
                seat_label=seats[s].label,
                category=seats[s].category,
                price_paise=prices[seats[s].category],
            )
            for s in wanted
        )
        session.flush()
        return booking_view(session, booking)


def get_booking(
    reference: str, *, user_id: int | None = None, engine: Engine | None = None
) -> BookingView:
    """A booking by reference; with `user_id`, only if it is that user's."""
    with read_session(engine) as session:
        booking = session.execute(
            select(Booking).where(Booking.reference == reference)
        ).scalar_one_or_none()
        if booking is None or (user_id is not None and booking.user_id != user_id):
            raise errors.BookingNotFound()
        return booking_view(session, booking)


# --- release, payment, cancel ----------------------------------------------------------------


def release_hold(
    reference: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """Give up an unpaid hold at once. Releasing twice, or a finished booking, changes nothing."""
    now = resolve_now(now)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if booking.status in UNPAID_LIVE:
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
            booking.updated_at = now
            session.execute(delete(SeatClaim).where(SeatClaim.booking_id == booking.id))
        return booking_view(session, booking)


def mark_pending_payment(
    reference: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """HELD → PENDING_PAYMENT when the customer goes to pay; refused once the hold has lapsed."""
    now = resolve_now(now)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if booking.status in UNPAID_LIVE and booking.hold_expires_at <= now:
            expire_bookings(session, [booking.id], now)
            session.commit()
            raise errors.HoldExpired()
        if booking.status == BookingStatus.HELD:
            booking.status = BookingStatus.PENDING_PAYMENT
            booking.updated_at = now
        elif booking.status != BookingStatus.PENDING_PAYMENT:
            raise errors.BookingError("This booking can no longer be paid.")
        return booking_view(session, booking)


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
    settings = settings or get_settings()
    now = resolve_now(now)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if booking.status not in LIVE_BOOKING_STATUSES:
            return booking_view(session, booking)
        showtime = session.get(Showtime, booking.showtime_id)
        cutoff = showtime.starts_at - timedelta(minutes=settings.cancel_cutoff_minutes)
        if user_id is not None and booking.status == BookingStatus.PAID and now > cutoff:
            raise errors.CancelTooLate(settings.cancel_cutoff_minutes)
        was_paid = booking.status == BookingStatus.PAID
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.updated_at = now
        session.execute(delete(SeatClaim).where(SeatClaim.booking_id == booking.id))
        if was_paid:
            session.execute(
                update(Payment)
                .where(Payment.booking_id == booking.id, Payment.status == PaymentStatus.SUCCEEDED)
                .values(status=PaymentStatus.REFUND_PENDING, detail="cancelled")
            )
            queue_email(session, booking, "cancellation", now)
        return booking_view(session, booking)


def expire_lapsed_holds(*, now: datetime | None = None, engine: Engine | None = None) -> int:
    """The sweeper: expire every lapsed unpaid hold. Running it twice changes nothing."""
    now = resolve_now(now)
    with write_session(engine) as session:
        lapsed = list(
            session.execute(
                select(Booking.id).where(
                    Booking.status.in_(UNPAID_LIVE), Booking.hold_expires_at <= now
                )
            ).scalars()
        )
        expire_bookings(session, lapsed, now)
    return len(lapsed)
