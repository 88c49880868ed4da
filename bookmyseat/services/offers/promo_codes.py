"""Promo codes at checkout: one code a booking, taking a percentage or an amount off its seats
(never off the convenience fee), priced on the server.

A code's uses are not a counter that could drift: they are the bookings that carry it and still
hold their seats (paid, or unpaid within the hold). Applying a code counts them under the code's
row lock (PostgreSQL) or the writer lock (SQLite), so 20 customers applying a code with 5 uses
left at the same moment get exactly 5. A hold that runs out or a booking cancelled gives its use
back by no longer counting.

A code may also be limited per customer: `once_per_customer` (one booking of theirs holding
seats with it), `first_booking_only` (only while they have never paid for a booking; it also
goes on one booking only). Both are checked when the code is applied and again when the payment
starts (`refuse_code_for_customer`) and when a late payment arrives (`use_still_free`), each
under the code's row lock: two bookings of one customer never both pay with it.

Guessing codes is slowed: tries are counted per account and per client address, and every code
that cannot be used gets the same answer (`INELIGIBLE`), so a refusal tells no one whether a
code exists, is paused, expired or meant for another movie (`ineligibility` keeps the reason,
for staff and the logs)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import write_session
from bookmyseat.models import Booking, BookingSeat, BookingStatus, PromoCode, Screen, Showtime
from bookmyseat.services.accounts.throttle import Throttle
from bookmyseat.services.booking.errors import BookingError, HoldExpired
from bookmyseat.services.booking.records import BookingView, booking_view, locked_booking
from bookmyseat.services.booking.rules import claim_is_live_sql, hold_lapsed
from bookmyseat.services.client_address import address_key
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.money import format_money

log = logging.getLogger("bookmyseat.promo_codes")

MAX_CODE_LENGTH = 32
INELIGIBLE = "That code cannot be used for this booking."
# A customer types a code or two, perhaps a few with typos: far below what guessing needs.
# An address is shared by many customers (an office, a carrier's NAT), so it allows more.
TRIES_PER_ACCOUNT = Throttle(
    "promo-code:account", "10/10 minutes;30/day", "You have tried many promo codes."
)
TRIES_PER_ADDRESS = Throttle(
    "promo-code:address", "60/10 minutes;300/day", "Many promo codes were tried from your network."
)


# A code's row, locked: its uses (and one customer's uses of it) are counted one at a time.
_LOCK_PROMO = select(PromoCode).where(PromoCode.id == bindparam("promo_id")).with_for_update()
_LOCK_CODE = select(PromoCode).where(PromoCode.code == bindparam("code")).with_for_update()


def _paid_or_paying(now: datetime):  # noqa: ANN202 - a SQL condition on Booking
    """Paid, or with its payment started and its hold not run out."""
    return or_(
        Booking.status == BookingStatus.PAID,
        and_(Booking.status == BookingStatus.PENDING_PAYMENT, Booking.hold_expires_at > now),
    )


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


def customer_refusal(
    session: Session, promo: PromoCode, booking: Booking, now: datetime, *, paying: bool = False
) -> str:
    """Why the code's per-customer limits keep it off this booking of its customer, or "".
    Applying it, another booking of theirs with the code counts while it holds its seats
    (paid, or unpaid within its hold: a hold that ran out gives its use back); `paying` (a
    payment starting or arriving), only one paid or being paid, so that of two bookings
    carrying it the first to pay keeps it. A first booking is one made by a customer with no
    booking ever paid (a cancelled one included: they are not new)."""
    if not (promo.once_per_customer or promo.first_booking_only):
        return ""
    mine = (Booking.user_id == booking.user_id) & (Booking.id != booking.id)
    if promo.first_booking_only:
        paid_before = session.execute(
            select(Booking.id).where(mine, Booking.paid_at.is_not(None)).limit(1)
        ).first()
        if paid_before is not None:
            return "only for a customer's first booking"
    counted = _paid_or_paying(now) if paying else claim_is_live_sql(now)
    with_code = session.execute(
        select(Booking.id).where(mine, Booking.promo_code_id == promo.id, counted).limit(1)
    ).first()
    if with_code is not None:
        return "already on another booking of this customer"
    return ""


def use_still_free(session: Session, booking: Booking, now: datetime) -> bool:
    """For a booking paid after its hold ended (its use was given back meanwhile): whether its
    code still has a use for it, counted under the code's row lock like any other use, and its
    per-customer limits still let this customer have it."""
    if booking.promo_code_id is None:
        return True
    promo = session.execute(_LOCK_PROMO, {"promo_id": booking.promo_code_id}).scalar_one()
    if customer_refusal(session, promo, booking, now, paying=True):
        return False
    others = session.execute(
        select(func.count())
        .select_from(Booking)
        .where(Booking.promo_code_id == promo.id, Booking.id != booking.id, claim_is_live_sql(now))
    ).scalar_one()
    return promo.max_uses is None or others < promo.max_uses


def refuse_code_for_customer(session: Session, booking: Booking, now: datetime) -> None:
    """When a payment starts (services.booking.holds), in its transaction: refuse if the
    booking's code may no longer go to this customer (another booking of theirs was paid, or
    carries it), under the code's row lock, so of two bookings racing to pay with a
    once-per-customer code one goes through and the other is told to remove the code."""
    if booking.promo_code_id is None:
        return
    promo = session.execute(_LOCK_PROMO, {"promo_id": booking.promo_code_id}).scalar_one()
    reason = customer_refusal(session, promo, booking, now, paying=True)
    if reason:
        log.info("Promo code %s refused at payment for %s: %s", promo.code, booking.reference,
                 reason)  # fmt: skip
        raise PromoCodeRefused(f"{INELIGIBLE} Remove it to pay without it.")


def ineligibility(
    session: Session, promo: PromoCode | None, booking: Booking, lines: list[Line], now: datetime
) -> str:
    """Why this code cannot go on this booking now, or "" if it can: for staff and the logs.
    The customer is told only `INELIGIBLE`, whatever the reason."""
    if promo is None or not promo.is_active:
        return "unknown or paused"
    if promo.valid_from is not None and now < promo.valid_from:
        return "not valid yet"
    if promo.valid_until is not None and now >= promo.valid_until:
        return "expired"
    movie_id, cinema_id = session.execute(
        select(Showtime.movie_id, Screen.cinema_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .where(Showtime.id == booking.showtime_id)
    ).one()
    if promo.movie_id is not None and promo.movie_id != movie_id:
        return "for another movie"
    if promo.cinema_id is not None and promo.cinema_id != cinema_id:
        return "for another cinema"
    if promo.category and all(line.category != promo.category for line in lines):
        return f"for {promo.category} seats only"
    if promo.max_uses is not None and live_uses(session, promo.id, now) >= promo.max_uses:
        return "used up"
    return customer_refusal(session, promo, booking, now)


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
    address: str = "",
    now: datetime | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """Put the code on the customer's held booking, or refuse: `INELIGIBLE` for any code that
    cannot go on it, `Throttled` once the account or its client `address` tried too many."""
    now = resolve_now(now)
    wanted = normalised(code) if isinstance(code, str) else ""
    if not wanted:
        raise PromoCodeRefused("Type a promo code first.")
    TRIES_PER_ACCOUNT.hit(str(user_id))
    if network := address_key(address):
        TRIES_PER_ADDRESS.hit(network)
    if len(wanted) > MAX_CODE_LENGTH:
        raise PromoCodeRefused(INELIGIBLE)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        _changeable(booking, now)
        if booking.promo_code_id is not None:
            raise PromoCodeRefused("This booking already has a promo code; remove it first.")
        promo = session.execute(_LOCK_CODE, {"code": wanted}).scalar_one_or_none()
        lines = [
            Line(category, price)
            for category, price in session.execute(
                select(BookingSeat.category, BookingSeat.price_paise).where(
                    BookingSeat.booking_id == booking.id
                )
            )
        ]
        reason = ineligibility(session, promo, booking, lines, now)
        if reason:
            log.info("Promo code refused for %s: %s", reference, reason)
            raise PromoCodeRefused(INELIGIBLE)
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
