"""Door scanning: a ticket code in at a door, a verdict out, and each ticket checked in once.

A door belongs to a cinema, and is either one screen's or the cinema's front door (any screen).
A ticket gets in only at its own cinema (and screen, at a screen's door) and within the cinema's
door window: from `door_opens_minutes` before the start to `door_closes_minutes` after it. A
refused ticket is not used up, and every verdict names the show's date, time and screen and the
seats, so the person at the door can send the customer the right way.

Checking in is one conditional UPDATE (`checked_in_at IS NULL`), so when two doors scan the same
code at the same moment exactly one of them admits the party; the other is told when it was used.
Staff may undo a check-in (a scan by mistake, a customer sent back out); both are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Booking, BookingSeat, BookingStatus, Cinema, Movie, Screen, Showtime
from bookmyseat.services.booking.records import checked_in_at
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.staff import audit
from bookmyseat.services.tickets.codes import verify_ticket_code
from bookmyseat.settings import Settings, get_settings

VALID, USED, INVALID, UNDONE = "valid", "already_used", "invalid", "undone"
WRONG_CINEMA, WRONG_SCREEN, WRONG_DAY = "wrong_cinema", "wrong_screen", "wrong_day"
TOO_EARLY, TOO_LATE = "too_early", "too_late"
# Verdicts that send the customer elsewhere: the ticket is good, but not here or not now.
NOT_HERE_OR_NOW = (WRONG_CINEMA, WRONG_SCREEN, WRONG_DAY, TOO_EARLY, TOO_LATE)


@dataclass(frozen=True)
class Door:
    """Where the scanner stands: a cinema, and one of its screens (None: any screen)."""

    cinema_id: int
    screen_id: int | None = None


@dataclass(frozen=True)
class DoorChoice:
    """A door a scanner may be set to, as the scanner's picker lists it."""

    cinema_id: int
    screen_id: int | None
    name: str  # "PVR Phoenix — Screen 2", "PVR Phoenix — every screen"


@dataclass(frozen=True)
class ScanResult:
    verdict: str
    message: str
    reference: str = ""
    seats: str = ""
    movie: str = ""
    show: str = ""  # "Tue 9 Dec 2026 · 19:30 · Screen 2 · PVR Phoenix"
    checked_in_at: datetime | None = None
    checked_in_text: str = ""  # the check-in on the cinema's clock: "19:42:05"

    @property
    def admitted(self) -> bool:
        return self.verdict == VALID


@dataclass(frozen=True)
class _Ticket:
    booking: Booking
    movie: str
    starts_at: datetime
    screen_id: int
    screen: str
    cinema_id: int
    cinema: str
    zone: ZoneInfo
    opens_before: timedelta
    closes_after: timedelta
    seats: str

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    @property
    def show_text(self) -> str:
        start = self.local(self.starts_at)
        return f"{start:%a %d %b %Y} · {start:%H:%M} · {self.screen} · {self.cinema}"

    def result(self, verdict: str, message: str, at: datetime | None = None) -> ScanResult:
        at_text = f"{self.local(at):%H:%M:%S}" if at else ""
        return ScanResult(verdict, message, self.booking.reference, self.seats, self.movie,
                          self.show_text, at, at_text)  # fmt: skip


def doors(*, engine: Engine | None = None) -> list[DoorChoice]:
    """Every door a scanner may be set to: each cinema's front door, then each of its screens."""
    with read_session(engine) as session:
        rows = session.execute(
            select(Cinema.id, Cinema.name, Screen.id, Screen.name)
            .outerjoin(Screen, Screen.cinema_id == Cinema.id)
            .order_by(Cinema.name, Screen.name)
        ).all()
    found: list[DoorChoice] = []
    for cinema_id, cinema, screen_id, screen in rows:
        if not any(d.cinema_id == cinema_id for d in found):
            found.append(DoorChoice(cinema_id, None, f"{cinema} — every screen"))
        if screen_id is not None:
            found.append(DoorChoice(cinema_id, screen_id, f"{cinema} — {screen}"))
    return found


def _ticket(session: Session, reference: str) -> _Ticket | None:
    row = session.execute(
        select(Booking, Movie.title, Showtime.starts_at, Screen.id, Screen.name, Cinema)
        .join(Showtime, Showtime.id == Booking.showtime_id)
        .join(Movie, Movie.id == Showtime.movie_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
        .where(Booking.reference == reference)
    ).first()
    if row is None:
        return None
    booking, title, starts_at, screen_id, screen, cinema = row
    seats = ", ".join(
        session.execute(
            select(BookingSeat.seat_label)
            .where(BookingSeat.booking_id == booking.id)
            .order_by(BookingSeat.id)
        ).scalars()
    )
    return _Ticket(booking, title, starts_at, screen_id, screen, cinema.id, cinema.name,
                   ZoneInfo(cinema.timezone), timedelta(minutes=cinema.door_opens_minutes),
                   timedelta(minutes=cinema.door_closes_minutes), seats)  # fmt: skip


def refusal_here(ticket: _Ticket, door: Door, now: datetime) -> ScanResult | None:
    """Why this ticket may not go in at `door` at `now`, or None: its cinema, its screen, then
    the door window. Outside the window, a show on another day of the cinema's calendar is named
    by its day ("not today"); a midnight show's door that opens the evening before is no
    exception, as the window decides."""
    if ticket.cinema_id != door.cinema_id:
        return ticket.result(WRONG_CINEMA, f"Wrong cinema: this ticket is for {ticket.cinema}.")
    if door.screen_id is not None and ticket.screen_id != door.screen_id:
        return ticket.result(WRONG_SCREEN, f"Wrong screen: this ticket is for {ticket.screen}.")
    opens, closes = ticket.starts_at - ticket.opens_before, ticket.starts_at + ticket.closes_after
    if opens <= now <= closes:
        return None
    start = ticket.local(ticket.starts_at)
    if start.date() != ticket.local(now).date():
        return ticket.result(WRONG_DAY, f"Not today: this ticket is for {start:%a %d %b}.")
    if now < opens:
        return ticket.result(TOO_EARLY, f"Too early: doors open at {ticket.local(opens):%H:%M}.")
    closed = ticket.local(closes)
    return ticket.result(TOO_LATE, f"Too late: the door closed at {closed:%H:%M}.")


def scan(
    code: str,
    actor: audit.Actor,
    door: Door,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> ScanResult:
    """Check a ticket code at `door`: admitted once, or refused saying why and for which show."""
    settings = settings or get_settings()
    now = resolve_now(now)
    reference = verify_ticket_code(code[:80], settings.secret_key)
    if reference is None:
        return ScanResult(INVALID, "Not a BookMySeat ticket, or it was altered.")
    with write_session(engine) as session:
        ticket = _ticket(session, reference)
        if ticket is None:
            return ScanResult(INVALID, f"Booking {reference} does not exist.", reference)
        if ticket.booking.status != BookingStatus.PAID:
            status = str(ticket.booking.status).replace("_", " ")
            return ticket.result(INVALID, f"Not valid: this booking is {status}.")
        refused = refusal_here(ticket, door, now)
        if refused is not None:
            return refused
        admitted = session.execute(
            update(BookingSeat)
            .where(BookingSeat.booking_id == ticket.booking.id, BookingSeat.checked_in_at.is_(None))
            .values(checked_in_at=now)
        ).rowcount
        if not admitted:
            used_at = checked_in_at(session, ticket.booking.id)
            used = ticket.result(USED, "", used_at)
            return ticket.result(USED, f"Already used at {used.checked_in_text}.", used_at)
        audit.add_entry(
            session, actor, "ticket_checked_in", entity="booking", entity_id=reference, now=now
        )
        return ticket.result(VALID, f"Welcome: seats {ticket.seats}.", now)


def undo_check_in(
    reference: str, actor: audit.Actor, *, now: datetime | None = None,
    engine: Engine | None = None,
) -> ScanResult:  # fmt: skip
    """Make a checked-in ticket unused again (audited with when it had been used)."""
    now = resolve_now(now)
    with write_session(engine) as session:
        ticket = _ticket(session, reference[:32])
        if ticket is None:
            return ScanResult(INVALID, "There is no such booking.", reference[:32])
        used_at = checked_in_at(session, ticket.booking.id)
        if used_at is None:
            return ticket.result(INVALID, "This ticket was not checked in.")
        session.execute(
            update(BookingSeat)
            .where(BookingSeat.booking_id == ticket.booking.id)
            .values(checked_in_at=None)
        )
        was = ticket.result(UNDONE, "", used_at).checked_in_text
        audit.add_entry(session, actor, "ticket_check_in_undone", entity="booking",
                        entity_id=ticket.booking.reference, before={"checked_in_at": was},
                        now=now)  # fmt: skip
        return ticket.result(UNDONE, f"Check-in undone: the ticket (used at {was}) may enter.")
