"""The waiting list of a sold-out showtime: customers join it, leave it, and see their place;
staff see every list and take names off it (`waitlist_admin`); freed seats are offered to the
first in line by `waitlist_offers`.

The line's order is the entry's id (the index `ix_waitlist_showtime_status` serves "the first
waiting entry of this show" directly). A customer has one row a show (the unique constraint):
joining again while waiting or offered finds that row (and may change the seats wanted while
waiting, keeping the place); joining again after leaving, lapsing or booking deletes the old row
and inserts a new one, whose new id puts them at the end of the line.

A customer holding unpaid seats of a show may not join its list, and the offers pass over an
entry whose customer holds seats of the show (it keeps its place): a hoarder cannot stand in
line for the seats it is itself keeping from others, nor be handed more of them.

An entry is WAITING → OFFERED (seats held for them, the link mailed) → BOOKED (paid) or LAPSED
(the offer ran out unpaid); WAITING or OFFERED → WITHDRAWN (they, or staff, took the name off:
an offer's unpaid hold is released at once, so the next in line gets the seats).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import insert_ignoring_conflicts, is_row_id, read_session, write_session
from bookmyseat.models import (
    Booking,
    BookingStatus,
    Movie,
    SaleQueue,
    SaleQueueStatus,
    Showtime,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.bookable import bookable_places
from bookmyseat.services.booking.records import end_booking
from bookmyseat.services.booking.rules import UNPAID_LIVE
from bookmyseat.services.booking.seat_gaps import Place
from bookmyseat.services.clock import resolve_now
from bookmyseat.settings import Settings, get_settings

OFFER_MINUTES = 15  # how long offered seats are held for the customer
OFFER_HOLD = timedelta(minutes=OFFER_MINUTES)
EMAIL_KIND = "waitlist_offer"  # the outbox row's kind (services.mail.messages builds it)
ACTIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)  # still in line


class WaitlistError(errors.BookingError):
    """A waiting-list request refused."""

    code = "waitlist_refused"


class SeatsAreFree(WaitlistError):
    code = "seats_are_free"

    def __init__(self) -> None:
        super().__init__("Seats are free: choose them on the map.")


class LineStillOpen(WaitlistError):
    code = "waitlist_line_open"

    def __init__(self) -> None:
        super().__init__(
            "This show sells through its on-sale line: seats that free up go to the customers "
            "it lets in. The waiting list opens when the line ends."
        )


class HoldingSeatsHere(WaitlistError):
    code = "waitlist_holding_seats"

    def __init__(self) -> None:
        super().__init__(
            "You are holding seats of this show: pay for them, or release them, before joining "
            "its waiting list."
        )


class SeatsWanted(WaitlistError):
    code = "waitlist_seats_wanted"

    def __init__(self, limit: int) -> None:
        super().__init__(f"Ask for between 1 and {limit} seats.")


class EntryNotFound(WaitlistError):
    code = "waitlist_entry_not_found"

    def __init__(self) -> None:
        super().__init__("That waiting-list entry no longer exists; reload the page.")


@dataclass(frozen=True)
class WaitlistPlace:
    """A customer's entry for one show, as the showtime page shows it."""

    entry_id: int
    status: str
    position: int  # 1 for the first waiting in line; 0 unless WAITING
    seats_wanted: int
    reference: str = ""  # the offered booking's, while OFFERED or BOOKED
    offer_expires_at: datetime | None = None

    @property
    def in_line(self) -> bool:
        return self.status in ACTIVE


# --- the seats, as the hold engine judges them --------------------------------------------------


def seat_places(session: Session, showtime_id: int, now: datetime) -> tuple[list[Place], set[int]]:
    """Every seat of the show and those nobody can buy now, as the hold engine judges them."""
    return bookable_places(session, showtime_id, now)


def _open_show(session: Session, showtime_id: int, now: datetime) -> None:
    """Refuse unless the show exists, is not cancelled, is of a movie still showing and has
    not started."""
    show = session.execute(
        select(Showtime.starts_at, Showtime.is_cancelled, Movie.is_active)
        .join(Movie, Movie.id == Showtime.movie_id)
        .where(Showtime.id == showtime_id)
    ).first()
    if show is None or show.is_cancelled:
        raise errors.ShowtimeNotFound()
    if not show.is_active:
        raise errors.ShowNotOnSale()
    if show.starts_at <= now:
        raise errors.ShowtimeStarted()


def holding_here(user_id, showtime_id, now: datetime):  # noqa: ANN001, ANN201 - columns or ids
    """Whether the customer holds unpaid seats of the show now (a SQL condition)."""
    return (
        select(Booking.id)
        .where(
            Booking.user_id == user_id,
            Booking.showtime_id == showtime_id,
            Booking.status.in_(UNPAID_LIVE),
            Booking.hold_expires_at > now,
        )
        .exists()
    )


def line_running(showtime_id):  # noqa: ANN001, ANN201 - a column or an id
    """The show's on-sale line while it has not ended: freed seats are the line's to give."""
    return select(SaleQueue.showtime_id).where(
        SaleQueue.showtime_id == showtime_id, SaleQueue.status != SaleQueueStatus.ENDED
    )


# --- the customer ---------------------------------------------------------------------------------


def join_waitlist(
    user_id: int,
    showtime_id: int,
    seats_wanted: int,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> WaitlistPlace:
    """Put the customer in the show's line for `seats_wanted` seats: only for a show to come that
    is sold out now. Joining again keeps the place (and, while waiting, takes the new number)."""
    settings = settings or get_settings()
    now = resolve_now(now)
    if not is_row_id(showtime_id) or not is_row_id(user_id):
        raise errors.ShowtimeNotFound()
    limit = settings.max_seats_per_booking
    if type(seats_wanted) is not int or not 1 <= seats_wanted <= limit:
        raise SeatsWanted(limit)
    with write_session(engine) as session:
        _open_show(session, showtime_id, now)
        if session.execute(line_running(showtime_id)).first() is not None:
            raise LineStillOpen()
        if session.execute(select(User.id).where(User.id == user_id)).first() is None:
            raise errors.SignInNeeded()
        entry = _entry_of(session, user_id, showtime_id, lock=True)
        if entry is not None and entry.status in ACTIVE:
            if entry.status == WaitlistStatus.WAITING and entry.seats_wanted != seats_wanted:
                entry.seats_wanted = seats_wanted
                entry.updated_at = now
            return _place(session, entry)
        if session.execute(select(holding_here(user_id, showtime_id, now))).scalar():
            raise HoldingSeatsHere()
        places, taken = seat_places(session, showtime_id, now)
        if any(p.id not in taken for p in places):
            raise SeatsAreFree()
        if entry is not None:  # rejoining: a new row, at the end of the line
            session.delete(entry)
            session.flush()
        row = {
            "showtime_id": showtime_id,
            "user_id": user_id,
            "seats_wanted": seats_wanted,
            "status": WaitlistStatus.WAITING,
            "created_at": now,
            "offered_at": None,
            "booking_id": None,
            "updated_at": now,
        }
        table = WaitlistEntry.__table__
        insert_ignoring_conflicts(session, table, [row], table.c.id)
        # Inserted, or (two tabs joining at once) the other tab's row: the same place either way.
        return _place(session, _entry_of(session, user_id, showtime_id))


def leave_waitlist(
    user_id: int,
    showtime_id: int,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> bool:
    """Take the customer's name off the show's line (an offer's unpaid hold is released); False
    when they were not in it."""
    now = resolve_now(now)
    if not is_row_id(showtime_id) or not is_row_id(user_id):
        return False
    with write_session(engine) as session:
        entry = _entry_of(session, user_id, showtime_id, lock=True)
        if entry is None or entry.status not in ACTIVE:
            return False
        withdraw(session, entry, now)
        return True


def my_place(
    user_id: int, showtime_id: int, *, engine: Engine | None = None
) -> WaitlistPlace | None:
    """The customer's entry for the show (any status), or None."""
    if not is_row_id(showtime_id) or not is_row_id(user_id):
        return None
    with read_session(engine) as session:
        entry = _entry_of(session, user_id, showtime_id)
        return _place(session, entry) if entry is not None else None


def _entry_of(
    session: Session, user_id: int, showtime_id: int, *, lock: bool = False
) -> WaitlistEntry | None:
    query = select(WaitlistEntry).where(
        WaitlistEntry.showtime_id == showtime_id, WaitlistEntry.user_id == user_id
    )
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def _place(session: Session, entry: WaitlistEntry) -> WaitlistPlace:
    position = 0
    if entry.status == WaitlistStatus.WAITING:
        position = session.execute(
            select(func.count(WaitlistEntry.id)).where(
                WaitlistEntry.showtime_id == entry.showtime_id,
                WaitlistEntry.status == WaitlistStatus.WAITING,
                WaitlistEntry.id <= entry.id,
            )
        ).scalar_one()
    offer = None
    if entry.booking_id is not None:
        offer = session.execute(
            select(Booking.reference, Booking.hold_expires_at).where(Booking.id == entry.booking_id)
        ).first()
    return WaitlistPlace(
        entry_id=entry.id,
        status=entry.status,
        position=position,
        seats_wanted=entry.seats_wanted,
        reference=offer.reference if offer else "",
        offer_expires_at=offer.hold_expires_at if offer else None,
    )


def withdraw(session: Session, entry: WaitlistEntry, now: datetime) -> None:
    """WITHDRAWN, and an offer's hold, if still unpaid, released for the next in line."""
    if entry.status == WaitlistStatus.OFFERED and entry.booking_id is not None:
        booking = session.execute(
            select(Booking).where(Booking.id == entry.booking_id).with_for_update()
        ).scalar_one()
        if booking.status == BookingStatus.PAID:  # nothing to leave: they have their seats
            entry.status, entry.updated_at = WaitlistStatus.BOOKED, now
            return
        if booking.status == BookingStatus.PENDING_PAYMENT:
            # A payment page is open for these seats: ending the hold under it would take a
            # payment for nothing. The customer finishes or releases it at checkout.
            raise errors.BookingError(
                "A payment for the offered seats has started: finish it, or release the seats "
                "on the checkout page first."
            )
        if booking.status in UNPAID_LIVE:
            end_booking(session, booking, BookingStatus.CANCELLED, now)
    entry.status = WaitlistStatus.WITHDRAWN
    entry.updated_at = now
