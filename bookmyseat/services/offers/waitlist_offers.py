"""Offering freed seats to a waiting list: when seats of a sold-out show come back (a
cancellation, a hold that ran out), the first in line gets them held for `OFFER_MINUTES` and an
email with the checkout link; then the next, while seats are free.

`offer_freed_seats` is one round (the background task runs it every few seconds, in every
worker). First it settles the offers made before: an offer whose booking was paid is BOOKED, one
whose booking no longer holds its seats (expired, released, cancelled) is LAPSED. Then, show by
show, one transaction per offer: the show's row is locked first (`FOR NO KEY UPDATE` on
PostgreSQL, which customers' holds of the show do not wait for; SQLite's write transactions run
one at a time anyway), so the offers of one show are made one after the other, whichever workers
run them: the line is served in order, and no entry can be offered twice. Then the first WAITING
entry is locked (a customer leaving at that moment is waited for), the best block of
min(wanted, free) seats that strands no seat is chosen (services.booking.best_available; smaller
blocks when no block of that size exists; wheelchair spaces are left for those who ask for them
on the map), the seats are held through the hold engine itself, and the entry and the outbox row
are written in the same transaction. The seats are never sold twice: the hold claims them under
the unique index on seat_claim like any other hold, so when a customer's own hold takes them
first the offer is refused, rolled back, and chosen again from the seats left.

An entry whose customer holds unpaid seats of the show is passed over (it keeps its place and
is served once that hold has ended), and a show of a retired movie offers nothing.

A refusal never stops the round: when another hold took the seats first the entry is tried
again with the seats left; when the customer may not hold more now (too many open holds, the
booking limit) the entry keeps its place and the next in line is tried; it is tried again next
round.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Booking,
    BookingStatus,
    Movie,
    Showtime,
    WaitlistEntry,
    WaitlistStatus,
)
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.best_available import best_block
from bookmyseat.services.booking.holds import hold_in_transaction
from bookmyseat.services.booking.records import queue_email
from bookmyseat.services.booking.rules import claim_is_live
from bookmyseat.services.booking.seat_gaps import Place
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.offers.waitlist import (
    EMAIL_KIND,
    OFFER_HOLD,
    holding_here,
    line_running,
    seat_places,
)
from bookmyseat.settings import Settings, get_settings

log = logging.getLogger("bookmyseat.waitlist")

MOST_TRIES_PER_SHOW = 30  # offers, races and passes of one show in one round

# What one try at the head of a line came to.
OFFERED, NOBODY, NO_SEATS, PASSED, RACED = "offered", "nobody", "no_seats", "passed", "raced"


def settled_status(booking_status: str, expires_at: datetime, now: datetime) -> str | None:
    """What an offered entry becomes, given its booking: BOOKED once paid, LAPSED once the
    booking no longer holds its seats, else None (the offer still stands)."""
    if booking_status == BookingStatus.PAID:
        return WaitlistStatus.BOOKED
    if not claim_is_live(booking_status, expires_at, now):
        return WaitlistStatus.LAPSED
    return None


def settle_offers(*, now: datetime | None = None, engine: Engine | None = None) -> int:
    """OFFERED entries whose booking was paid become BOOKED, those whose booking lapsed or was
    released become LAPSED; a LAPSED entry whose booking was paid late after all (its seats
    were still free) becomes BOOKED. The number of entries changed."""
    now = resolve_now(now)
    with write_session(engine) as session:
        rows = session.execute(
            select(WaitlistEntry.id, WaitlistEntry.status, Booking.status, Booking.hold_expires_at)
            .join(Booking, Booking.id == WaitlistEntry.booking_id)
            .where(
                or_(
                    WaitlistEntry.status == WaitlistStatus.OFFERED,
                    (WaitlistEntry.status == WaitlistStatus.LAPSED)
                    & (Booking.status == BookingStatus.PAID),
                )
            )
            .with_for_update(of=WaitlistEntry, skip_locked=True)
        ).all()
        changed = 0
        for entry_id, entry_status, booking_status, expires_at in rows:
            settled = settled_status(booking_status, expires_at, now)
            if settled is None or settled == entry_status:
                continue
            session.execute(
                update(WaitlistEntry)
                .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == entry_status)
                .values(status=settled, updated_at=now)
            )
            changed += 1
    return changed


def offer_freed_seats(
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> int:
    """One round: settle earlier offers, then offer the free seats of every show to come to
    those waiting for them, first in line first. The number of offers made."""
    settings = settings or get_settings()
    now = resolve_now(now)
    settle_offers(now=now, engine=engine)
    made = 0
    for showtime_id in _shows_with_waiting(now, engine):
        made += _offer_show(showtime_id, now, settings, engine)
    return made


def _shows_with_waiting(now: datetime, engine: Engine | None) -> list[int]:
    with read_session(engine) as session:
        return list(
            session.execute(
                select(WaitlistEntry.showtime_id)
                .join(Showtime, Showtime.id == WaitlistEntry.showtime_id)
                .join(Movie, Movie.id == Showtime.movie_id)
                .where(
                    WaitlistEntry.status == WaitlistStatus.WAITING,
                    Showtime.starts_at > now,
                    ~Showtime.is_cancelled,
                    Movie.is_active,
                    ~line_running(WaitlistEntry.showtime_id).exists(),
                )
                .distinct()
            ).scalars()
        )


def _offer_show(showtime_id: int, now: datetime, settings: Settings, engine: Engine | None) -> int:
    """Offer the show's free seats down its line until none are left, nobody waits, or the
    round's tries are spent."""
    made = 0
    passed: set[int] = set()  # entries that may not hold more now: tried again next round
    with read_session(engine) as session:  # most rounds find none: no write transaction then
        if best_offer(*seat_places(session, showtime_id, now), 1) is None:
            return 0
    for _ in range(MOST_TRIES_PER_SHOW):
        try:
            outcome, entry_id = _offer_next(showtime_id, passed, now, settings, engine)
        except Exception:  # the database is away, or a bug: the other shows still get theirs
            log.exception("Offering the freed seats of show %s failed", showtime_id)
            break
        if outcome == OFFERED:
            made += 1
        elif outcome == PASSED:
            passed.add(entry_id)
        elif outcome in (NOBODY, NO_SEATS):
            break
    return made


def _offer_next(
    showtime_id: int, passed: set[int], now: datetime, settings: Settings, engine: Engine | None
) -> tuple[str, int | None]:
    """One try at the head of the line, in one transaction: (what came of it, the entry)."""
    entry_id = None
    try:
        with write_session(engine) as session:
            # One offer of this show at a time (see the module); customers' holds never wait.
            session.execute(
                select(Showtime.id)
                .where(Showtime.id == showtime_id)
                .with_for_update(key_share=True)
            )
            entry = session.execute(
                select(WaitlistEntry)
                .where(
                    WaitlistEntry.showtime_id == showtime_id,
                    WaitlistEntry.status == WaitlistStatus.WAITING,
                    WaitlistEntry.id.not_in(passed),
                    ~holding_here(WaitlistEntry.user_id, showtime_id, now),
                )
                .order_by(WaitlistEntry.id)
                .limit(1)
                .with_for_update()
            ).scalar_one_or_none()
            if entry is None:
                return NOBODY, None
            entry_id = entry.id
            wanted = min(entry.seats_wanted, settings.max_seats_per_booking)
            block = best_offer(*seat_places(session, showtime_id, now), wanted)
            if block is None:
                return NO_SEATS, entry_id
            view = hold_in_transaction(
                session,
                entry.user_id,
                showtime_id,
                [p.id for p in block],
                now=now,
                settings=settings,
                hold_for=OFFER_HOLD,
            )
            booking = session.execute(
                select(Booking).where(Booking.reference == view.reference)
            ).scalar_one()
            entry.status = WaitlistStatus.OFFERED
            entry.booking_id = booking.id
            entry.offered_at = now
            entry.updated_at = now
            queue_email(session, booking, EMAIL_KIND, now)
    except (errors.SeatUnavailable, errors.LeavesSeatAlone):
        return RACED, entry_id  # another hold was quicker: choose again from what is left
    except errors.BookingError as refusal:  # the hold's transaction is rolled back
        log.info("Waiting-list entry %s passed over this round: %s", entry_id, refusal.message)
        return PASSED, entry_id
    log.info("Offered %s to waiting-list entry %s", ", ".join(view.seat_labels), entry_id)
    return OFFERED, entry_id


def best_offer(places: list[Place], taken: set[int], wanted: int) -> list[Place] | None:
    """The best block of min(wanted, free) seats side by side that strands no seat, or of fewer
    seats when no such block exists; None when no free seat can be offered. Wheelchair spaces
    are not offered (customers who need one choose it on the map)."""
    free = sum(1 for p in places if p.id not in taken and not p.wheelchair)
    for count in range(min(wanted, free), 0, -1):
        block = best_block(places, taken, count)
        if block is not None:
            return block
    return None
