"""Exports for staff: the bookings of a range as CSV, safe to open in a spreadsheet.

A cell a spreadsheet would read as a formula (text starting with = + - @, a tab or a carriage
return) is written with a leading apostrophe, so a movie title or a name typed by someone cannot
run in the accountant's spreadsheet. Money is an exact decimal of rupees. An export is bounded:
a range with more than MAX_ROWS bookings is refused with a message to choose a shorter one.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import func
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import Booking, Cinema, Movie, User
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog.local_time import local_text
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.money import as_decimal, format_number
from bookmyseat.services.reporting.analytics import window
from bookmyseat.services.staff.access import require_staff
from bookmyseat.services.staff.actions import bookings_with

MAX_ROWS = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "reference",
    "status",
    "paid_at_utc",
    "paid_at_cinema_time",  # on the clock of the booking's cinema, with its zone
    "cinema",
    "customer",
    "movie",
    "seats",
    "total_inr",
]


class ExportTooLarge(CustomerError):
    code = "export_too_large"


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula, quoted to stay text; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def bookings_csv(
    account: Account | None,
    first: date,
    after: date,
    cinema_id: int | None = None,
    *,
    engine: Engine | None = None,
) -> str:
    """The bookings paid in the days [first, after) on the dashboard's clock (the cinema's, or
    the site's for all cinemas) as CSV, one line a booking."""
    require_staff(account, "the bookings export", engine=engine)
    days = window(first, after, cinema_id, engine=engine)
    paid_in_range = [Booking.paid_at >= days.start, Booking.paid_at < days.end]
    if cinema_id is not None:
        paid_in_range.append(Cinema.id == cinema_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    with read_session(engine) as session:
        count = session.execute(bookings_with(func.count()).where(*paid_in_range)).scalar_one()
        if count > MAX_ROWS:
            raise ExportTooLarge(
                f"That range has {format_number(count)} bookings; an export holds at most "
                f"{format_number(MAX_ROWS)}. Please choose a shorter range."
            )
        rows = session.execute(
            bookings_with(
                Booking.reference,
                Booking.status,
                Booking.paid_at,
                Cinema.name,
                Cinema.timezone,
                User.username,
                Movie.title,
                Booking.seat_count,
                Booking.total_paise,
            )
            .where(*paid_in_range)
            .order_by(Booking.paid_at)
        )
        for row in rows:
            cells = [
                row.reference,
                row.status,
                row.paid_at.isoformat(),
                local_text(row.paid_at, row.timezone, "%Y-%m-%d %H:%M:%S"),
                row.name,
                row.username,
                row.title,
                row.seat_count,
                as_decimal(row.total_paise),
            ]
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return buffer.getvalue()
