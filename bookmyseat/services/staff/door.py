"""Door scanning: a ticket code in, a verdict out, and each ticket checked in once.

Checking in is one conditional UPDATE (`checked_in_at IS NULL`), so when two doors scan the same
code at the same moment exactly one of them admits the party; the other is told when it was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import Booking, BookingSeat, BookingStatus, Movie, Showtime
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.staff import audit
from bookmyseat.services.tickets.codes import verify_ticket_code
from bookmyseat.settings import Settings, get_settings

VALID, USED, WRONG_SHOW, INVALID = "valid", "already_used", "wrong_showtime", "invalid"


@dataclass(frozen=True)
class ScanResult:
    verdict: str
    message: str
    reference: str = ""
    seats: str = ""
    movie: str = ""
    checked_in_at: datetime | None = None


def scan(
    code: str,
    actor: audit.Actor,
    *,
    showtime_id: int | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> ScanResult:
    """Check a ticket code at the door of `showtime_id` (any show when None)."""
    settings = settings or get_settings()
    now = resolve_now(now)
    reference = verify_ticket_code(code[:80], settings.secret_key)
    if reference is None:
        return ScanResult(INVALID, "Not a BookMySeat ticket, or it was altered.")
    with write_session(engine) as session:
        row = session.execute(
            select(Booking, Movie.title)
            .join(Showtime, Showtime.id == Booking.showtime_id)
            .join(Movie, Movie.id == Showtime.movie_id)
            .where(Booking.reference == reference)
        ).first()
        if row is None or row[0].status != BookingStatus.PAID:
            status = row[0].status if row else "unknown"
            return ScanResult(INVALID, f"Booking {reference} is not valid ({status}).", reference)
        booking, title = row
        seats = ", ".join(
            session.execute(
                select(BookingSeat.seat_label)
                .where(BookingSeat.booking_id == booking.id)
                .order_by(BookingSeat.id)
            ).scalars()
        )
        if showtime_id is not None and booking.showtime_id != showtime_id:
            return ScanResult(
                WRONG_SHOW, f"This ticket is for another show ({title}).", reference, seats, title
            )
        admitted = session.execute(
            update(BookingSeat)
            .where(BookingSeat.booking_id == booking.id, BookingSeat.checked_in_at.is_(None))
            .values(checked_in_at=now)
        ).rowcount
        if not admitted:
            used_at = session.execute(
                select(func.min(BookingSeat.checked_in_at)).where(
                    BookingSeat.booking_id == booking.id
                )
            ).scalar_one()
            return ScanResult(USED, "Already used.", reference, seats, title, checked_in_at=used_at)
        audit.add_entry(
            session, actor, "ticket_checked_in", entity="booking", entity_id=reference, now=now
        )
        return ScanResult(VALID, f"Welcome: seats {seats}.", reference, seats, title, now)
