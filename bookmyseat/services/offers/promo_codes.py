"""Promo codes at checkout: one code a booking, taking a percentage or an amount off its seats
(never off the convenience fee), priced on the server.

A code's uses are not a counter that could drift: they are the bookings that carry it and still
hold their seats (paid, or unpaid within the hold). Applying a code counts them under the code's
row lock (PostgreSQL) or the writer lock (SQLite), so 20 customers applying a code with 5 uses
left at the same moment get exactly 5. A hold that runs out or a booking cancelled gives its use
back by no longer counting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import write_session
from bookmyseat.models import Booking, BookingSeat, BookingStatus, PromoCode, Screen, Showtime
from bookmyseat.services.booking.errors import BookingError, HoldExpired
from bookmyseat.services.booking.records import BookingView, booking_view, locked_booking
from bookmyseat.services.booking.rules import claim_is_live_sql, hold_lapsed
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.money import format_money

MAX_CODE_LENGTH = 32


class PromoCodeRefused(BookingError):
    code = "promo_code_refused"


@dataclass(frozen=True)
class Line:
    category: str
    price_paise: int


def normalised(code: str) -> str:
    """Codes are matched without regard to case or surrounding spaces."""
    return code.strip().upper()


def discount_paise(promo: PromoCode, lines: list[Line]) -> int:
    """What the code takes off these seats: a percentage of the seats it covers, rounded down to
    the paisa, or its amount up to what those seats cost."""
    covered = sum(
        line.price_paise for line in lines if not promo.category or line.category == promo.category
    )
    if promo.percent_off:
        return covered * promo.percent_off // 100
    return min(promo.amount_off_paise, covered)


def describe(promo: PromoCode) -> str:
    """ "20% off" or "₹100 off", with what it covers."""
    amount = (
        f"{promo.percent_off}% off"
        if promo.percent_off
        else (f"{format_money(promo.amount_off_paise)} off")
    )
    return f"{amount} {promo.category} seats" if promo.category else amount


def live_uses(session: Session, promo_id: int, now: datetime) -> int:
    """Bookings carrying the code that still hold their seats."""
    return session.execute(
        select(func.count())
        .select_from(Booking)
        .where(Booking.promo_code_id == promo_id, claim_is_live_sql(now))
    ).scalar_one()


def use_still_free(session: Session, booking: Booking, now: datetime) -> bool:
    """For a booking paid after its hold ended (its use was given back meanwhile): whether its
    code still has a use for it, counted under the code's row lock like any other use."""
    if booking.promo_code_id is None:
        return True
    promo = session.execute(
        select(PromoCode).where(PromoCode.id == booking.promo_code_id).with_for_update()
    ).scalar_one()
    others = session.execute(
        select(func.count())
        .select_from(Booking)
        .where(Booking.promo_code_id == promo.id, Booking.id != booking.id, claim_is_live_sql(now))
    ).scalar_one()
    return promo.max_uses is None or others < promo.max_uses


def _refusal(
    session: Session, promo: PromoCode | None, booking: Booking, lines: list[Line], now: datetime
) -> str:
    """Why this code cannot go on this booking now, or "" if it can."""
    if promo is None or not promo.is_active:
        return "We don't know that code. Check its spelling."
    if promo.valid_from is not None and now < promo.valid_from:
        return "That code is not valid yet."
    if promo.valid_until is not None and now >= promo.valid_until:
        return "That code has expired."
    movie_id, cinema_id = session.execute(
        select(Showtime.movie_id, Screen.cinema_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .where(Showtime.id == booking.showtime_id)
    ).one()
    if promo.movie_id is not None and promo.movie_id != movie_id:
        return "That code is not valid for this movie."
    if promo.cinema_id is not None and promo.cinema_id != cinema_id:
        return "That code is not valid at this cinema."
    if promo.category and all(line.category != promo.category for line in lines):
        return f"That code is for {promo.category} seats only."
    if promo.max_uses is not None and live_uses(session, promo.id, now) >= promo.max_uses:
        return "That code has been used up."
    return ""


def _changeable(booking: Booking, now: datetime) -> None:
    """A code goes on (or comes off) a hold before its payment starts: a payment page opened
    for the old total must never be paid for a booking that now costs something else."""
    if hold_lapsed(booking.status, booking.hold_expires_at, now):
        raise HoldExpired()
    if booking.status == BookingStatus.PENDING_PAYMENT:
        raise PromoCodeRefused(
            "Your payment has already started, so the price can no longer change. "
            "To use a code, release these seats and choose them again."
        )
    if booking.status != BookingStatus.HELD:
        raise PromoCodeRefused("This booking is no longer waiting for payment.")


def _set_discount(booking: Booking, promo_id: int | None, discount: int, now: datetime) -> None:
    booking.promo_code_id = promo_id
    booking.discount_paise = discount
    booking.total_paise = booking.subtotal_paise + booking.fee_paise - discount
    booking.updated_at = now


def apply_promo_code(
    reference: str,
    user_id: int,
    code: str,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """Put the code on the customer's held booking, or refuse with the reason."""
    now = resolve_now(now)
    wanted = normalised(code)
    if not wanted:
        raise PromoCodeRefused("Type a promo code first.")
    if len(wanted) > MAX_CODE_LENGTH:
        raise PromoCodeRefused("We don't know that code. Check its spelling.")
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        _changeable(booking, now)
        if booking.promo_code_id is not None:
            raise PromoCodeRefused("This booking already has a promo code; remove it first.")
        promo = session.execute(
            select(PromoCode).where(PromoCode.code == wanted).with_for_update()
        ).scalar_one_or_none()
        lines = [
            Line(category, price)
            for category, price in session.execute(
                select(BookingSeat.category, BookingSeat.price_paise).where(
                    BookingSeat.booking_id == booking.id
                )
            )
        ]
        reason = _refusal(session, promo, booking, lines, now)
        if reason:
            raise PromoCodeRefused(reason)
        _set_discount(booking, promo.id, discount_paise(promo, lines), now)
        session.flush()
        return booking_view(session, booking)


def remove_promo_code(
    reference: str, user_id: int, *, now: datetime | None = None, engine: Engine | None = None
) -> BookingView:
    """Take the code off the customer's held booking (its use is free for someone else)."""
    now = resolve_now(now)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if booking.promo_code_id is not None:
            _changeable(booking, now)
            _set_discount(booking, None, 0, now)
            session.flush()
        return booking_view(session, booking)
