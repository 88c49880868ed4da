"""Holds: taking seats, giving them up, going to pay, and the sweeper that ends lapsed holds.

One rule above all: a seat of a showtime is claimed by at most one live booking. The database
enforces it with the unique index on seat_claim (showtime_id, seat_id); claims are inserted with
ON CONFLICT DO NOTHING and a hold succeeds only if every one of its rows went in.

What one customer may hold is capped so that seats cannot be hoarded: per account (seats of a
show, open holds), per client address whatever the accounts (`hold_seats_per_address`,
`open_holds_per_address`: throwaway accounts from one client share one allowance), and in
time (after an account's hold of a show ran out unpaid, it waits `hold_cooldown_minutes`
before holding that show again, so holds cannot be renewed at each expiry without end).
While a show's on-sale line runs, an account's seats of it, held and paid, are capped, and
its turn ends at its first purchase. A retired movie's shows are not on sale.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import String, and_, bindparam, case, func, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import is_row_id, write_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    Movie,
    Seat,
    Showtime,
    ShowtimePrice,
    User,
)
from bookmyseat.services.accounts import email_verification
from bookmyseat.services.accounts.login_sessions import lock_signed_in_user
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.bookable import CLAIMED, SHOW_SEATS, places_of
from bookmyseat.services.booking.records import (
    BookingView,
    TicketLine,
    booking_view,
    claim_seats,
    end_booking,
    expire_bookings,
    locked_booking,
    seats_claimed_by_others,
)
from bookmyseat.services.booking.references import new_reference
from bookmyseat.services.booking.rules import (
    MAX_OPEN_HOLDS,
    UNPAID_LIVE,
    claim_is_live_sql,
    hold_expires_at,
    hold_lapsed,
    hold_lapsed_sql,
)
from bookmyseat.services.booking.seat_events import mark_changed
from bookmyseat.services.booking.seat_gaps import stranded_seat
from bookmyseat.services.client_address import address_key
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.offers.promo_codes import refuse_code_for_customer
from bookmyseat.services.onsale import queues
from bookmyseat.settings import Settings, get_settings

# Built once: constructing a statement costs more Python time than running it.
_MOMENT = Booking.__table__.c.hold_expires_at.type
# The customer's holds still waiting for payment (the limits on how much one account may hold).
_USERS_LIVE_HOLDS = select(Booking.id).where(
    Booking.user_id == bindparam("user_id"),
    Booking.status.in_(UNPAID_LIVE),
    Booking.hold_expires_at > bindparam("now", type_=_MOMENT),
)
# The same for the client address the hold comes from (None: no address, nothing counted).
_ADDRESS_LIVE_HOLDS = select(Booking.id).where(
    Booking.client_address == bindparam("address", type_=String()),
    Booking.status.in_(UNPAID_LIVE),
    Booking.hold_expires_at > bindparam("now", type_=_MOMENT),
)
# When the customer's latest hold of the show that ran out unpaid since `cooldown_from` ended
# (expired, or not yet swept, or released or cancelled only after it had run out).
_LAPSED_HERE = (
    select(func.max(Booking.hold_expires_at))
    .where(
        Booking.user_id == bindparam("user_id"),
        Booking.showtime_id == bindparam("showtime_id"),
        or_(
            Booking.status.in_((*UNPAID_LIVE, BookingStatus.EXPIRED)),
            and_(
                Booking.status == BookingStatus.CANCELLED,
                Booking.paid_at.is_(None),
                Booking.cancelled_at >= Booking.hold_expires_at,
            ),
        ),
        Booking.hold_expires_at <= bindparam("now", type_=_MOMENT),
        Booking.hold_expires_at > bindparam("cooldown_from", type_=_MOMENT),
    )
    .scalar_subquery()
)
# Hold requests of one address take turns (PostgreSQL; SQLite's writers already do), so that
# parallel requests from throwaway accounts cannot all slip under the address's caps.
_LOCK_ADDRESS = select(
    func.pg_advisory_xact_lock(0x484F4C44, func.hashtext(bindparam("address", type_=String())))
)
# The customer's row, locked: one customer's holds queue (on PostgreSQL; SQLite's write
# transactions already do), so two tabs cannot both slip under the limits.
_LOCK_USER = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
# The showtime, the user's existence, and each wanted seat of its screen with its price.
_HOLD_CHECK = (
    select(
        Showtime.starts_at,
        Showtime.is_cancelled,
        Movie.is_active.label("movie_on_sale"),
        _LAPSED_HERE.label("lapsed_at"),
        _ADDRESS_LIVE_HOLDS.with_only_columns(func.count(Booking.id))
        .scalar_subquery()
        .label("address_open_holds"),
        _ADDRESS_LIVE_HOLDS.with_only_columns(func.coalesce(func.sum(Booking.seat_count), 0))
        .where(Booking.showtime_id == bindparam("showtime_id"))
        .scalar_subquery()
        .label("address_held_here"),
        _USERS_LIVE_HOLDS.with_only_columns(func.count(Booking.id))
        .scalar_subquery()
        .label("open_holds"),
        _USERS_LIVE_HOLDS.with_only_columns(func.coalesce(func.sum(Booking.seat_count), 0))
        .where(Booking.showtime_id == bindparam("showtime_id"))
        .scalar_subquery()
        .label("held_here"),
        Seat.id,
        Seat.label,
        Seat.category,
        Seat.is_blocked,
        Seat.grid_row,
        Seat.grid_col,
        ShowtimePrice.price_paise,
        CLAIMED.label("claimed"),
    )
    .select_from(Showtime)
    .join(Movie, Movie.id == Showtime.movie_id)
    .outerjoin(
        Seat,
        and_(
            Seat.screen_id == Showtime.screen_id,
            Seat.id.in_(bindparam("seat_ids", expanding=True)),
        ),
    )
    .outerjoin(
        ShowtimePrice,
        and_(ShowtimePrice.showtime_id == Showtime.id, ShowtimePrice.category == Seat.category),
    )
    .where(Showtime.id == bindparam("showtime_id"))
)
# Every seat of the rows of the wanted seats, and whether it can be bought now: what the gap
# rule judges (a seat nobody can buy, taken or blocked or not on sale, bounds a run of free seats).
_ROW_SEATS = SHOW_SEATS.where(Seat.grid_row.in_(bindparam("grid_rows", expanding=True)))
_BOOKINGS = Booking.__table__
_LINES = BookingSeat.__table__
_INSERT_BOOKING = insert(_BOOKINGS).returning(_BOOKINGS.c.id)
# What the account has of the show now, held or paid, and how many of those are paid (the
# on-sale line's limits).
_OWNED_HERE = select(
    func.coalesce(func.sum(Booking.seat_count), 0),
    func.coalesce(func.sum(case((Booking.status == BookingStatus.PAID, 1), else_=0)), 0),
).where(
    Booking.user_id == bindparam("user_id"),
    Booking.showtime_id == bindparam("showtime_id"),
    claim_is_live_sql(bindparam("now", type_=_MOMENT)),
)


def hold_seats(
    user_id: int,
    showtime_id: int,
    seat_ids: list[int],
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
    hold_for: timedelta | None = None,
    address: str | None = None,
) -> BookingView:
    """Hold the seats for the user for `hold_minutes` (or `hold_for`), or refuse with a typed
    error; `address` is the client's (its holds are capped too).

    The hot path of the site: six statements in one short write transaction.
    """
    settings = settings or get_settings()
    now = resolve_now(now)
    wanted = _checked_request(showtime_id, seat_ids, settings)  # before any transaction
    with write_session(engine) as session:
        return _hold_for_user(
            session, user_id, showtime_id, wanted, now, settings, hold_for, address_key(address)
        )


def hold_in_transaction(
    session: Session,
    user_id: int,
    showtime_id: int,
    seat_ids: list[int],
    *,
    now: datetime,
    settings: Settings,
    hold_for: timedelta | None = None,
) -> BookingView:
    """`hold_seats` in the caller's write transaction (a waiting list's offer writes its own
    rows beside the hold). A refusal leaves rows written: the caller must roll back."""
    wanted = _checked_request(showtime_id, seat_ids, settings)
    return _hold_for_user(session, user_id, showtime_id, wanted, now, settings, hold_for)


def _hold_for_user(session, user_id, showtime_id, wanted, now, settings, hold_for, address=None):  # noqa: ANN001, E501
    """The hold with the customer's row locked first (refused if the account is gone)."""
    if session.execute(_LOCK_USER, {"user_id": user_id}).first() is None:
        raise errors.BookingError("Please sign in again to book seats.")
    return _hold_locked(session, user_id, showtime_id, wanted, now, settings, hold_for, address)


def hold_seats_signed_in(
    token: str,
    showtime_id: int,
    seat_ids: list[int],
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
    address: str | None = None,
) -> BookingView:
    """`hold_seats` for whoever is signed in with this session token (the seat map's Proceed),
    from the client `address`: the session is checked by the statement that locks the
    customer's row, in the same transaction. Refused with `SignInNeeded` when nobody is signed
    in with it, and with `NotYourTurn` (or a line's limit) when the show sells through an
    on-sale line that has not let them in (or whose limits they reached)."""
    settings = settings or get_settings()
    now = resolve_now(now)
    wanted = _checked_request(showtime_id, seat_ids, settings)
    where = address_key(address)
    line = queues.rules_of(showtime_id, engine=engine, settings=settings)
    try:
        return _hold_through_line(token, showtime_id, wanted, line, now, settings, engine, where)
    except (errors.NotYourTurn, errors.LineSeatLimit, errors.LineTurnUsed):
        # This process may know the line's settings from up to two seconds ago, and staff may
        # have ended the line since (everyone may hold): refuse only on settings read just now.
        fresh = queues.rules_of(
            showtime_id, engine=engine, max_age=queues.RECHECK_SECONDS, settings=settings
        )
        if fresh == line:
            raise
        return _hold_through_line(token, showtime_id, wanted, fresh, now, settings, engine, where)


def _hold_through_line(
    token: str,
    showtime_id: int,
    wanted: list[int],
    line: queues.Rules | None,
    now: datetime,
    settings: Settings,
    engine: Engine | None,
    address: str | None,
) -> BookingView:
    with write_session(engine) as session:
        user_id = lock_signed_in_user(session, token, now)
        if user_id is None:
            raise errors.SignInNeeded()
        if settings.verified_email_required and not email_verification.is_verified(
            session, user_id
        ):
            raise errors.EmailUnverified()
        if not queues.may_hold(line, user_id, now=now, settings=settings):
            raise errors.NotYourTurn()
        if line is not None:
            _refuse_past_line_limits(session, line, user_id, len(wanted), now)
        booking = _hold_locked(
            session, user_id, showtime_id, wanted, now, settings, address=address
        )
    queues.keep_turn_for_hold(line, user_id, booking.hold_expires_at, now=now, settings=settings)
    return booking


def _refuse_past_line_limits(
    session: Session, line: queues.Rules, user_id: int, count: int, now: datetime
) -> None:
    """While a show's on-sale line runs, one turn buys once (`one_purchase`), and an account's
    seats of the show, held and paid, stay within `seats_per_account`: a customer let in
    cannot buy round after round while those behind them wait. The customer's row is locked,
    so their parallel holds are counted one after the other."""
    owned, paid = session.execute(
        _OWNED_HERE, {"user_id": user_id, "showtime_id": line.showtime_id, "now": now}
    ).one()
    if line.one_purchase and paid:
        raise errors.LineTurnUsed()
    if owned + count > line.seats_per_account:
        raise errors.LineSeatLimit(owned, line.seats_per_account)


def _checked_request(showtime_id: int, seat_ids: list[int], settings: Settings) -> list[int]:
    """The wanted seat ids, sorted and once each; what needs no database is refused here."""
    if not is_row_id(showtime_id):
        raise errors.ShowtimeNotFound()
    wanted = sorted(set(seat_ids))
    if not wanted:
        raise errors.NoSeatsChosen()
    if len(wanted) > settings.max_seats_per_booking:
        raise errors.TooManySeats(settings.max_seats_per_booking)
    if not all(is_row_id(s) for s in wanted):
        raise errors.SeatNotFound(next(s for s in wanted if not is_row_id(s)))
    return wanted


def _hold_locked(
    session: Session,
    user_id: int,
    showtime_id: int,
    wanted: list[int],
    now: datetime,
    settings: Settings,
    hold_for: timedelta | None = None,
    address: str | None = None,
) -> BookingView:
    """The hold itself, in the caller's transaction with the customer's row locked; it lasts
    `hold_for` when given (a waiting list's offer), else the site's `hold_minutes`. `address`
    (an `address_key`) is the client's: its holds are capped and take turns."""
    if address is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_ADDRESS, {"address": address})
    cooldown = timedelta(minutes=settings.hold_cooldown_minutes)
    rows = session.execute(
        _HOLD_CHECK,
        {"showtime_id": showtime_id, "seat_ids": wanted, "user_id": user_id, "now": now,
         "address": address, "cooldown_from": now - cooldown},
    ).all()  # fmt: skip
    if not rows or rows[0].is_cancelled:
        raise errors.ShowtimeNotFound()
    if not rows[0].movie_on_sale:
        raise errors.ShowNotOnSale()
    if rows[0].starts_at <= now:
        raise errors.ShowtimeStarted()
    if rows[0].lapsed_at is not None:
        left = (rows[0].lapsed_at + cooldown - now).total_seconds()
        raise errors.HoldCooldown(max(1, math.ceil(left / 60)))
    if rows[0].held_here + len(wanted) > settings.max_seats_per_booking:
        raise errors.HoldingTooMany(rows[0].held_here, settings.max_seats_per_booking)
    if rows[0].open_holds >= MAX_OPEN_HOLDS:
        raise errors.TooManyOpenHolds(MAX_OPEN_HOLDS)
    if rows[0].address_held_here + len(wanted) > settings.hold_seats_per_address:
        raise errors.AddressHoldingTooMany(settings.hold_seats_per_address)
    if rows[0].address_open_holds >= settings.open_holds_per_address:
        raise errors.AddressTooManyOpenHolds(settings.open_holds_per_address)
    seats = {row.id: row for row in rows if row.id is not None}
    for seat_id in wanted:
        seat = seats.get(seat_id)
        if seat is None:
            raise errors.SeatNotFound(seat_id)
        if seat.is_blocked:
            raise errors.SeatBlocked(seat.label)
        if seat.price_paise is None:
            raise errors.SeatNotOnSale(seat.label)
    taken = [s for s in wanted if seats[s].claimed]
    if taken:
        raise errors.SeatUnavailable(
            [seats[s].label for s in taken],
            taken,
            unavailable=seats_claimed_by_others(session, showtime_id),
        )
    _refuse_stranding(session, showtime_id, {seats[s].grid_row for s in wanted}, wanted, now)

    subtotal = sum(seats[s].price_paise for s in wanted)
    fee = settings.convenience_fee_paise_per_seat * len(wanted)
    booking = {
        "reference": new_reference(),
        "user_id": user_id,
        "showtime_id": showtime_id,
        "status": BookingStatus.HELD,
        "hold_expires_at": now + hold_for if hold_for else hold_expires_at(now, settings),
        "seat_count": len(wanted),
        "subtotal_paise": subtotal,
        "fee_paise": fee,
        "total_paise": subtotal + fee,
        "currency": settings.currency,
        "created_at": now,
        "updated_at": now,
        "client_address": address,
    }
    booking_id = session.execute(_INSERT_BOOKING, booking).scalar_one()
    claimed = claim_seats(session, showtime_id, booking_id, wanted, now)
    if len(claimed) != len(wanted):
        taken = [s for s in wanted if s not in claimed]
        raise errors.SeatUnavailable(
            [seats[s].label for s in taken],
            taken,
            unavailable=seats_claimed_by_others(session, showtime_id, own_booking=booking_id),
        )
    mark_changed(session, showtime_id)
    session.execute(
        insert(_LINES),
        [
            {
                "booking_id": booking_id,
                "showtime_id": showtime_id,
                "seat_id": s,
                "seat_label": seats[s].label,
                "category": seats[s].category,
                "price_paise": seats[s].price_paise,
                "checked_in_at": None,
            }
            for s in wanted
        ],
    )
    in_map_order = sorted(wanted, key=lambda s: (seats[s].grid_row, seats[s].grid_col))
    return BookingView(
        reference=booking["reference"],
        status=BookingStatus.HELD,
        user_id=user_id,
        showtime_id=showtime_id,
        lines=[
            TicketLine(seats[s].label, seats[s].category, seats[s].price_paise)
            for s in in_map_order
        ],
        subtotal_paise=subtotal,
        fee_paise=fee,
        total_paise=subtotal + fee,
        currency=settings.currency,
        hold_expires_at=booking["hold_expires_at"],
    )


def _refuse_stranding(
    session: Session, showtime_id: int, grid_rows: set[int], wanted: list[int], now: datetime
) -> None:
    """The gap rule at hold time, so that no client can skip it. Two customers holding at the
    same moment may still leave a gap between them: the rule guides choices, while the unique
    index alone guards the one invariant that must never break."""
    rows = session.execute(
        _ROW_SEATS, {"showtime_id": showtime_id, "grid_rows": sorted(grid_rows), "now": now}
    ).all()
    places, taken = places_of(rows)
    alone = stranded_seat(places, taken, set(wanted))
    if alone is not None:
        raise errors.LeavesSeatAlone(alone.label, alone.id)


# --- release and payment ---------------------------------------------------------------------


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
            end_booking(session, booking, BookingStatus.CANCELLED, now)
        return booking_view(session, booking)


def end_hold_if_lapsed(
    reference: str,
    user_id: int | None = None,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """The customer's countdown reached zero: expire the hold now if it has lapsed (the sweeper
    would, a few seconds later), so other maps show the seats at once."""
    now = resolve_now(now)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if hold_lapsed(booking.status, booking.hold_expires_at, now):
            expire_bookings(session, [booking.id], now)
        return booking_view(session, booking)


def mark_pending_payment(
    reference: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> BookingView:
    """HELD → PENDING_PAYMENT when the customer goes to pay; refused once the hold has lapsed,
    or when its promo code's per-customer limits no longer let this customer use it (checked
    again here, under the code's row lock: another booking of theirs may have used it)."""
    now = resolve_now(now)
    with write_session(engine) as session:
        booking = locked_booking(session, reference, user_id)
        if hold_lapsed(booking.status, booking.hold_expires_at, now):
            expire_bookings(session, [booking.id], now)
            session.commit()
            raise errors.HoldExpired()
        if booking.status in UNPAID_LIVE:
            refuse_code_for_customer(session, booking, now)
        if booking.status == BookingStatus.HELD:
            booking.status = BookingStatus.PENDING_PAYMENT
            booking.updated_at = now
        elif booking.status != BookingStatus.PENDING_PAYMENT:
            raise errors.BookingError("This booking can no longer be paid.")
        return booking_view(session, booking)


def expire_lapsed_holds(*, now: datetime | None = None, engine: Engine | None = None) -> int:
    """The sweeper: expire every lapsed unpaid hold. Running it twice changes nothing."""
    now = resolve_now(now)
    with write_session(engine) as session:
        lapsed = list(session.execute(select(Booking.id).where(hold_lapsed_sql(now))).scalars())
        expire_bookings(session, lapsed, now)
    return len(lapsed)
