"""Waiting lists in the admin area: every line of the shows to come, and taking a name off one
(audited). Staff read with the auditor's role and change with the admin's (services.staff.access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import (
    Booking,
    Cinema,
    Movie,
    Screen,
    Showtime,
    User,
    WaitlistEntry,
    WaitlistStatus,
)
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.offers.waitlist import ACTIVE, EntryNotFound, withdraw
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff

MOST_SHOWS_LISTED = 100  # the admin page's showtimes at most


@dataclass(frozen=True)
class AdminEntry:
    id: int
    position: int  # in line among the waiting; 0 otherwise
    username: str
    email: str
    seats_wanted: int
    status: str
    joined: str  # on the cinema's clock
    reference: str  # the offered booking's, or ""
    offer_expires: str  # when its hold ends, on the cinema's clock, or ""


@dataclass(frozen=True)
class ShowWaitlist:
    showtime_id: int
    movie: str
    place: str  # cinema · screen
    starts: str  # on the cinema's clock
    entries: list[AdminEntry]


def entries_for_admin(
    account: Account | None,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> list[ShowWaitlist]:
    """The lines of the shows to come that someone is still in (waiting or offered), soonest
    show first, each with every entry it has had."""
    require_staff(account, "waiting lists", engine=engine)
    now = resolve_now(now)
    with read_session(engine) as session:
        shows = list(
            session.execute(
                select(WaitlistEntry.showtime_id)
                .join(Showtime, Showtime.id == WaitlistEntry.showtime_id)
                .where(
                    WaitlistEntry.status.in_(ACTIVE),
                    Showtime.starts_at > now,
                    ~Showtime.is_cancelled,
                )
                .group_by(WaitlistEntry.showtime_id, Showtime.starts_at)
                .order_by(Showtime.starts_at, WaitlistEntry.showtime_id)
                .limit(MOST_SHOWS_LISTED)
            ).scalars()
        )
        return [_show_waitlist(session, showtime_id) for showtime_id in shows]


def waitlist_for_showtime(
    account: Account | None, showtime_id: int, *, engine: Engine | None = None
) -> ShowWaitlist | None:
    """One show's line, every entry it has had; None for a show that does not exist."""
    require_staff(account, "waiting lists", engine=engine)
    if not is_row_id(showtime_id):
        return None
    with read_session(engine) as session:
        if session.get(Showtime, showtime_id) is None:
            return None
        return _show_waitlist(session, showtime_id)


def _show_waitlist(session: Session, showtime_id: int) -> ShowWaitlist:
    show = session.execute(
        select(Showtime.starts_at, Movie.title, Screen.name, Cinema.name, Cinema.timezone)
        .join(Movie, Movie.id == Showtime.movie_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
        .where(Showtime.id == showtime_id)
    ).one()
    rows = session.execute(
        select(WaitlistEntry, User.username, User.email, Booking.reference, Booking.hold_expires_at)
        .join(User, User.id == WaitlistEntry.user_id)
        .outerjoin(Booking, Booking.id == WaitlistEntry.booking_id)
        .where(WaitlistEntry.showtime_id == showtime_id)
        .order_by(WaitlistEntry.id)
    ).all()
    zone = show.timezone
    entries, waiting = [], 0
    for entry, username, email, reference, expires in rows:
        waiting += entry.status == WaitlistStatus.WAITING
        entries.append(
            AdminEntry(
                id=entry.id,
                position=waiting if entry.status == WaitlistStatus.WAITING else 0,
                username=username,
                email=email,
                seats_wanted=entry.seats_wanted,
                status=entry.status,
                joined=local_text(entry.created_at, zone, "%d %b %H:%M"),
                reference=reference or "",
                offer_expires=local_text(expires, zone, "%d %b %H:%M") if expires else "",
            )
        )
    return ShowWaitlist(
        showtime_id=showtime_id,
        movie=show.title,
        place=f"{show[3]} · {show[2]}",
        starts=local_text(show.starts_at, zone, "%a %d %b %H:%M"),
        entries=entries,
    )


def remove_entry(
    account: Account | None,
    entry_id: int,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> bool:
    """Staff take a name off a line (an offer's unpaid hold is released), audited; False when
    the entry was no longer in line (nothing changes, nothing is logged)."""
    admin = require_staff(account, "waiting lists", write=True, engine=engine)
    now = resolve_now(now)
    if not is_row_id(entry_id):
        raise EntryNotFound()
    with write_session(engine) as session:
        entry = session.execute(
            select(WaitlistEntry).where(WaitlistEntry.id == entry_id).with_for_update()
        ).scalar_one_or_none()
        if entry is None:
            raise EntryNotFound()
        if entry.status not in ACTIVE:
            return False
        before = {
            "status": entry.status,
            "showtime_id": entry.showtime_id,
            "user_id": entry.user_id,
            "seats_wanted": entry.seats_wanted,
            "booking_id": entry.booking_id,
        }
        withdraw(session, entry, now)
        audit.add_entry(
            session,
            actor_of(admin),
            "waitlist_entry_removed",
            entity="waitlist_entry",
            entity_id=entry.id,
            before=before,
            after={"status": entry.status},
            now=now,
        )
        return True
