"""Sales roll-ups: the dashboard's sums kept up to date in the transactions that change them.

A booking enters the roll-ups when it is paid and leaves them (its money moving to refunds) when
a paid booking is cancelled; both happen in the same transaction as the status change, so the
roll-ups always equal the bookings (a property test checks it). `rebuild` recomputes them from
the bookings (migration backfill, bulk-loaded data, a cinema's time zone changed).

Money and tickets are kept by UTC quarter-hour (exact local days and hours in every zone);
tickets by movie and category by the day on the cinema's own clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Integer,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    Cinema,
    SalesMovieDay,
    SalesQuarter,
    SalesShowtime,
    Screen,
    Showtime,
)

QUARTER = timedelta(minutes=15)
_QUARTER = SalesQuarter.__table__
_MOVIE_DAY = SalesMovieDay.__table__
_SHOWTIME = SalesShowtime.__table__


def quarter_of(moment: datetime) -> datetime:
    """The start of the UTC quarter-hour the moment falls in."""
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def local_day(moment: datetime, zone: str) -> str:
    """The day (YYYY-MM-DD) the moment falls on in the zone."""
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


def _add(session: Session, table, keys: dict, amounts: dict) -> None:
    """INSERT … ON CONFLICT DO UPDATE SET column = column + new: one statement, no race."""
    dialect = session.get_bind().dialect.name
    build = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = build(table).values(**keys, **amounts)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + stmt.excluded[name] for name in amounts},
    )
    session.execute(stmt)


def _apply(session: Session, booking: Booking, still: int, gross: int, refunds: int) -> None:
    """Add to the roll-ups at the booking's paid hour: `still` (+1, -1 or 0) times its still-paid
    counts, and these gross and refund amounts."""
    movie_id, cinema_id, zone = session.execute(
        select(Showtime.movie_id, Screen.cinema_id, Cinema.timezone)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
        .where(Showtime.id == booking.showtime_id)
    ).one()
    paid_at = booking.paid_at
    _add(
        session,
        _QUARTER,
        {"quarter_start": quarter_of(paid_at), "cinema_id": cinema_id},
        {
            "paid_bookings": still,
            "tickets": still * booking.seat_count,
            "gross_paise": gross,
            "refunds_paise": refunds,
            "ticket_paise": still * booking.subtotal_paise,
        },
    )
    if not still:
        return
    categories = Counter(
        session.execute(
            select(BookingSeat.category).where(BookingSeat.booking_id == booking.id)
        ).scalars()
    )
    for category, count in categories.items():
        _add(
            session,
            _MOVIE_DAY,
            {
                "day": local_day(paid_at, zone),
                "movie_id": movie_id,
                "cinema_id": cinema_id,
                "category": category,
            },
            {"tickets": still * count},
        )
    _add(
        session,
        _SHOWTIME,
        {"showtime_id": booking.showtime_id},
        {"seats_sold": still * booking.seat_count},
    )


def booking_paid(session: Session, booking: Booking) -> None:
    """In the payment's transaction, after the booking became PAID (paid_at set)."""
    _apply(session, booking, +1, gross=booking.total_paise, refunds=0)


def booking_given_back(session: Session, booking: Booking) -> None:
    """In the cancellation's transaction, for a booking that was PAID."""
    _apply(session, booking, -1, gross=0, refunds=booking.total_paise)


def payment_superseded(session: Session, booking: Booking) -> None:
    """A cancelled booking paid again: its earlier payment (and its refund) leave the figures,
    since a booking counts once, at its latest `paid_at`. Call before paid_at changes."""
    _apply(session, booking, 0, gross=-booking.total_paise, refunds=-booking.total_paise)


def _quarter_sql(dialect: str):
    """`quarter_of(Booking.paid_at)` in SQL, typed as the roll-up's column."""
    if dialect == "postgresql":
        # timezone('UTC', x) is `x AT TIME ZONE 'UTC'`, as a function: no precedence to mind.
        utc = func.timezone("UTC", Booking.paid_at)  # whatever the session's time zone
        minutes = func.floor(func.extract("minute", utc) / 15) * 15
        local = func.date_trunc("hour", utc) + minutes * literal_column("interval '1 minute'")
        quarter = func.timezone("UTC", local)
    else:
        minute = cast(func.strftime("%M", Booking.paid_at), Integer)
        quarter = (
            func.strftime("%Y-%m-%d %H:", Booking.paid_at)
            .op("||")(func.printf("%02d", minute // 15 * 15))
            .op("||")(literal(":00.000000"))
        )
    return type_coerce(quarter, _QUARTER.c.quarter_start.type)


def rebuild(connection: Connection) -> None:
    """Recompute every roll-up from the bookings (a backfill; idempotent)."""
    quarter = _quarter_sql(connection.dialect.name)
    paid = Booking.status == BookingStatus.PAID
    given_back = Booking.status.in_((BookingStatus.CANCELLED, BookingStatus.REFUNDED))

    for table in (_QUARTER, _MOVIE_DAY, _SHOWTIME):
        connection.execute(delete(table))
    ever_paid = (
        select()
        .select_from(Booking)
        .join(Showtime, Showtime.id == Booking.showtime_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .where(Booking.paid_at.is_not(None))
    )

    def when(condition, value):
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    connection.execute(
        insert(_QUARTER).from_select(
            [
                "quarter_start",
                "cinema_id",
                "paid_bookings",
                "tickets",
                "gross_paise",
                "refunds_paise",
                "ticket_paise",
            ],
            ever_paid.add_columns(
                quarter,
                Screen.cinema_id,
                when(paid, 1),
                when(paid, Booking.seat_count),
                func.sum(Booking.total_paise),
                when(given_back, Booking.total_paise),
                when(paid, Booking.subtotal_paise),
            ).group_by(quarter, Screen.cinema_id),
        )
    )
    # Local days need each cinema's zone: the database sums by quarter-hour, Python folds the
    # quarters into the days of their cinema's clock.
    lines = (
        ever_paid.join(BookingSeat, BookingSeat.booking_id == Booking.id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
        .where(paid)
        .add_columns(
            quarter,
            Cinema.timezone,
            Showtime.movie_id,
            Screen.cinema_id,
            BookingSeat.category,
            func.count(),
        )
        .group_by(quarter, Cinema.timezone, Showtime.movie_id, Screen.cinema_id,
                  BookingSeat.category)
    )  # fmt: skip
    days: Counter[tuple] = Counter()
    for start, zone, movie_id, cinema_id, category, count in connection.execute(lines):
        days[(local_day(start, zone), movie_id, cinema_id, category)] += count
    if days:
        connection.execute(
            insert(_MOVIE_DAY),
            [
                {"day": d, "movie_id": m, "cinema_id": c, "category": k, "tickets": n}
                for (d, m, c, k), n in days.items()
            ],
        )
    connection.execute(
        insert(_SHOWTIME).from_select(
            ["showtime_id", "seats_sold"],
            select(Booking.showtime_id, func.sum(Booking.seat_count))
            .where(paid)
            .group_by(Booking.showtime_id),
        )
    )
