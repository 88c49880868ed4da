"""What staff can do, each action checking the caller's role first (and logging a refusal).

The admin pages' handlers are thin: they pass the signed-in account to these functions, so a
role check cannot be forgotten in a handler, and the role × action matrix is tested here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import (
    Booking,
    Cinema,
    EmailOutbox,
    Movie,
    Payment,
    Screen,
    Showtime,
    User,
)
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.cancellation import cancel_locked
from bookmyseat.services.booking.records import TicketLine, get_booking, locked_booking
from bookmyseat.services.booking.refund_terms import RefundTerms, refund_terms
from bookmyseat.services.catalog.venues import cinema_names
from bookmyseat.services.mail import outbox, resend
from bookmyseat.services.reporting import analytics
from bookmyseat.services.staff import audit, door
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.settings import Settings

# How many rows a staff list shows at once (the pages page through the audit log and activity).
BOOKINGS_SHOWN = 50
OUTBOX_SHOWN = 100


def dashboard(
    account: Account | None,
    first: date,
    after: date,
    cinema_id: int | None = None,
    *,
    engine: Engine | None = None,
) -> analytics.Dashboard:
    """The days [first, after) on the dashboard's clock (the cinema's, or the site's)."""
    require_staff(account, "the dashboard", engine=engine)
    return analytics.dashboard(first, after, cinema_id, engine=engine)


def cinema_choices(account: Account | None, *, engine: Engine | None = None) -> dict[str, int]:
    """The dashboard's cinema filter: every cinema's id by name."""
    require_staff(account, "the dashboard", engine=engine)
    return cinema_names(engine=engine)


def activity(
    account: Account | None, page: int = 0, *, engine: Engine | None = None
) -> tuple[list[analytics.Activity], bool]:
    require_staff(account, "recent activity", engine=engine)
    return analytics.recent_activity(page=page, engine=engine)


@dataclass(frozen=True)
class BookingRow:
    reference: str
    status: str
    customer: str
    email: str
    movie: str
    starts_at: datetime
    timezone: str  # the cinema's: staff read the show's time on its clock
    seats: int
    total_paise: int


def bookings_with(*columns: ColumnElement) -> Select:
    """Bookings joined to their customer, movie and cinema, selecting `columns`."""
    return (
        select(*columns)
        .select_from(Booking)
        .join(User, User.id == Booking.user_id)
        .join(Showtime, Showtime.id == Booking.showtime_id)
        .join(Movie, Movie.id == Showtime.movie_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
    )


def find_bookings(
    account: Account | None,
    query: str,
    *,
    limit: int = BOOKINGS_SHOWN,
    engine: Engine | None = None,
) -> list[BookingRow]:
    """By reference, email or username (exact or prefix); newest first."""
    require_staff(account, "bookings", engine=engine)
    text = query.strip()
    condition = or_(
        Booking.reference == text.upper(),
        func.lower(User.email).startswith(text.lower()),
        func.lower(User.username).startswith(text.lower()),
    )
    with read_session(engine) as session:
        rows = session.execute(
            bookings_with(
                Booking.reference,
                Booking.status,
                User.username.label("customer"),
                User.email,
                Movie.title.label("movie"),
                Showtime.starts_at,
                Cinema.timezone,
                Booking.seat_count.label("seats"),
                Booking.total_paise,
            )
            .where(condition if text else True)
            .order_by(Booking.created_at.desc(), Booking.id.desc())
            .limit(limit)
        ).all()
    return [BookingRow(**row._mapping) for row in rows]


@dataclass(frozen=True)
class PaymentLine:
    provider: str
    provider_ref: str
    status: str
    amount_paise: int


@dataclass(frozen=True)
class EmailLine:
    kind: str
    to_address: str
    status: str


@dataclass(frozen=True)
class BookingDetail:
    reference: str
    status: str
    seats: list[TicketLine]
    total_paise: int
    currency: str
    payments: list[PaymentLine]
    emails: list[EmailLine]
    checked_in_at: datetime | None = None  # let in at the door (UTC)


def booking_detail(
    account: Account | None, reference: str, *, engine: Engine | None = None
) -> BookingDetail:
    """One booking as staff see it: seats, payments and the emails it sent."""
    require_staff(account, f"booking {audit.client_text(reference)}", engine=engine)
    view = get_booking(reference, engine=engine)
    with read_session(engine) as session:
        booking_id = session.execute(
            select(Booking.id).where(Booking.reference == reference)
        ).scalar_one()
        payments = session.execute(
            select(Payment.provider, Payment.provider_ref, Payment.status, Payment.amount_paise)
            .where(Payment.booking_id == booking_id)
            .order_by(Payment.id)
        ).all()
        emails = session.execute(
            select(EmailOutbox.kind, EmailOutbox.to_address, EmailOutbox.status)
            .where(EmailOutbox.booking_id == booking_id)
            .order_by(EmailOutbox.id)
        ).all()
    return BookingDetail(
        reference=view.reference,
        status=view.status,
        seats=view.lines,
        total_paise=view.total_paise,
        currency=view.currency,
        payments=[PaymentLine(**row._mapping) for row in payments],
        emails=[EmailLine(**row._mapping) for row in emails],
        checked_in_at=view.checked_in_at,
    )


def cancel_as_staff(
    account: Account | None, reference: str, *, engine: Engine | None = None
) -> str:
    """Cancel any booking (no cut-off for staff); a paid one is refunded. Its new status. The
    audit entry commits with the cancellation, or neither does."""
    staff = require_staff(
        account, f"booking {audit.client_text(reference)} (cancel)", write=True, engine=engine
    )
    with write_session(engine) as session:
        booking = locked_booking(session, reference, None)
        before = booking.status
        after = cancel_locked(session, booking, by_customer=False)
        audit.add_entry(
            session,
            actor_of(staff),
            "booking_cancelled",
            entity="booking",
            entity_id=reference,
            before={"status": before},
            after={"status": after.status},
        )
    return after.status


def cancel_terms(
    account: Account | None, reference: str, *, engine: Engine | None = None
) -> RefundTerms:
    """What cancelling a booking would refund (asked before "Cancel and refund")."""
    require_staff(account, f"booking {audit.client_text(reference)} (cancel)", write=True,
                  engine=engine)  # fmt: skip
    return refund_terms(reference, user_id=None, engine=engine)


def resend_as_staff(
    account: Account | None, reference: str, *, engine: Engine | None = None
) -> None:
    staff = require_staff(
        account, f"booking {audit.client_text(reference)} (resend)", write=True, engine=engine
    )
    resend.queue_resend(reference, user_id=None, engine=engine)
    audit.record(
        actor_of(staff), "ticket_resent", entity="booking", entity_id=reference, engine=engine
    )


@dataclass(frozen=True)
class OutboxRow:
    id: int
    reference: str
    kind: str
    to_address: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: datetime


def list_outbox(
    account: Account | None,
    status: str = "",
    *,
    limit: int = OUTBOX_SHOWN,
    engine: Engine | None = None,
) -> list[OutboxRow]:
    require_staff(account, "the email outbox", engine=engine)
    with read_session(engine) as session:
        rows = session.execute(
            select(
                EmailOutbox.id,
                func.coalesce(Booking.reference, "").label("reference"),  # "": an account's email
                EmailOutbox.kind,
                EmailOutbox.to_address,
                EmailOutbox.status,
                EmailOutbox.attempts,
                EmailOutbox.last_error,
                EmailOutbox.next_attempt_at,
            )
            .outerjoin(Booking, Booking.id == EmailOutbox.booking_id)
            .where(EmailOutbox.status == status if status else True)
            .order_by(EmailOutbox.id.desc())
            .limit(limit)
        ).all()
    return [OutboxRow(**row._mapping) for row in rows]


def retry_email(account: Account | None, outbox_id: int, *, engine: Engine | None = None) -> None:
    staff = require_staff(account, f"email {outbox_id} (retry)", write=True, engine=engine)
    outbox.retry_failed(outbox_id, engine=engine)
    audit.record(
        actor_of(staff), "email_retried", entity="email_outbox", entity_id=outbox_id, engine=engine
    )


def door_choices(account: Account | None, *, engine: Engine | None = None) -> list[door.DoorChoice]:
    """The doors a scanner may be set to (auditors see them; only scanning is a change)."""
    require_staff(account, "the door scanner", engine=engine)
    return door.doors(engine=engine)


def scan_ticket(
    account: Account | None,
    code: str,
    at_door: door.Door,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> door.ScanResult:
    """Checking a ticket in changes it, so auditors may not scan."""
    staff = require_staff(account, "the door scanner", write=True, engine=engine)
    return door.scan(code, actor_of(staff), at_door, settings=settings, engine=engine)


def undo_check_in(
    account: Account | None, reference: str, *, engine: Engine | None = None
) -> door.ScanResult:
    """Let a checked-in ticket in again (a mistaken scan); admins only, audited."""
    staff = require_staff(
        account, f"booking {audit.client_text(reference)} (undo check-in)", write=True,
        engine=engine,
    )  # fmt: skip
    return door.undo_check_in(reference, actor_of(staff), engine=engine)


def audit_log(
    account: Account | None,
    *,
    action: str = "",
    page: int = 0,
    engine: Engine | None = None,
) -> tuple[list[audit.AuditRow], int]:
    require_staff(account, "the audit log", engine=engine)
    return audit.entries(action=action, page=page, engine=engine)
