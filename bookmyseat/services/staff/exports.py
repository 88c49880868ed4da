"""Exports for staff: the bookings of a range as CSV, safe to open in a spreadsheet.

A cell a spreadsheet would read as a formula (text starting with = + - @, a tab or a carriage
return) is written with a leading apostrophe, so a movie title or a name typed by someone cannot
run in the accountant's spreadsheet. Money is an exact decimal of rupees. An export is bounded:
a range with more than MAX_ROWS bookings is refused with a message to choose a shorter one.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import Booking, Movie, User
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.money import as_decimal, format_number
from bookmyseat.services.staff.access import require_staff
from bookmyseat.services.staff.actions import bookings_with

MAX_ROWS = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["reference", "status", "paid_at", "customer", "movie", "seats", "total_inr"]


class ExportTooLarge(CustomerError):
    code = "export_too_large"


def spreadsheet_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula, quoted to stay text; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def bookings_csv(
    account: Account | None, start: datetime, end: datetime, *, engine: Engine | None = None
) -> str:
    """The bookings paid in [start, end) as CSV, one line a booking."""
    require_staff(account, "the bookings export", engine=engine)
    paid_in_range = (Booking.paid_at >= start, Booking.paid_at < end)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    with read_session(engine) as session:
        count = session.execute(select(func.count()).where(*paid_in_range)).scalar_one()
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
                row.username,
                row.title,
                row.seat_count,
                as_decimal(row.total_paise),
            ]
            writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return buffer.getvalue()
