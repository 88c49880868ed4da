"""The admin dashboard's figures, every one aggregated by the database (no rows loaded into Python).

Definitions, so that the numbers can be checked by hand:
- a booking counts in the range of its `paid_at` (when the money came);
- bookings, tickets, customers and the average ticket price count bookings still PAID;
- gross revenue is every booking paid in the range, refunds are those of them since cancelled or
  refunded, revenue is gross minus refunds;
- occupancy is sold seats over sellable seats (not blocked) of the showtimes that start in the
  range;
- days and hours are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, extract, func, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    BookingStatus,
    Movie,
    Screen,
    Seat,
    Showtime,
)

PAID = BookingStatus.PAID
GIVEN_BACK = (BookingStatus.CANCELLED, BookingStatus.REFUNDED)


@dataclass(frozen=True)
class Kpis:
    bookings: int
    tickets: int
    gross_paise: int
    refunds_paise: int
    revenue_paise: int
    average_ticket_paise: int
    customers: int
    occupancy_pct: float


@dataclass(frozen=True)
class Dashboard:
    kpis: Kpis
    revenue_by_day: list[tuple[str, int]]
    tickets_by_movie: list[tuple[str, int]]
    occupancy_by_screen: list[tuple[str, float]]
    sales_by_weekday_hour: list[tuple[int, int, int]]  # weekday (0 = Sunday), hour, tickets
    category_mix: list[tuple[str, int]]


def _paid_in_range(start: datetime, end: datetime, cinema_id: int | None):  # noqa: ANN202
    conditions = [Booking.paid_at.is_not(None), Booking.paid_at >= start, Booking.paid_at < end]
    if cinema_id is not None:
        conditions.append(Screen.cinema_id == cinema_id)
    return and_(*conditions)


def _bookings_with_screen():  # noqa: ANN202
    return (
        select()
        .select_from(Booking)
        .join(Showtime, Showtime.id == Booking.showtime_id)
        .join(Screen, Screen.id == Showtime.screen_id)
    )


def _still_paid(value):  # noqa: ANN001, ANN202
    return func.coalesce(func.sum(case((Booking.status == PAID, value), else_=0)), 0)


def kpi_statements(start: datetime, end: datetime, cinema_id: int | None = None) -> list:
    paid = _paid_in_range(start, end, cinema_id)
    money = _bookings_with_screen().add_columns(
        _still_paid(1),
        _still_paid(Booking.seat_count),
        func.coalesce(func.sum(Booking.total_paise), 0),
        func.coalesce(
            func.sum(case((Booking.status.in_(GIVEN_BACK), Booking.total_paise), else_=0)), 0
        ),
        _still_paid(Booking.subtotal_paise),
        func.count(func.distinct(case((Booking.status == PAID, Booking.user_id)))),
    )
    return [money.where(paid), _occupancy_totals(start, end, cinema_id)]


def kpis(
    start: datetime, end: datetime, cinema_id: int | None = None, *, engine: Engine | None = None
) -> Kpis:
    money, occupancy = kpi_statements(start, end, cinema_id)
    with read_session(engine) as session:
        bookings, tickets, gross, refunds, ticket_revenue, customers = session.execute(money).one()
        sold, capacity = session.execute(occupancy).one()
    return Kpis(
        bookings=int(bookings),
        tickets=int(tickets),
        gross_paise=int(gross),
        refunds_paise=int(refunds),
        revenue_paise=int(gross) - int(refunds),
        average_ticket_paise=round(int(ticket_revenue) / int(tickets)) if tickets else 0,
        customers=int(customers),
        occupancy_pct=round(100 * int(sold or 0) / int(capacity), 1) if capacity else 0.0,
    )


def _capacity_per_screen():  # noqa: ANN202
    return (
        select(Seat.screen_id, func.count().label("seats"))
        .where(~Seat.is_blocked)
        .group_by(Seat.screen_id)
        .subquery()
    )


def _sold_per_showtime(start: datetime, end: datetime):  # noqa: ANN202
    """Seats sold per showtime, for the showtimes starting in the range only."""
    return (
        select(BookingSeat.showtime_id, func.count().label("sold"))
        .join(Booking, Booking.id == BookingSeat.booking_id)
        .join(Showtime, Showtime.id == BookingSeat.showtime_id)
        .where(Booking.status == PAID, Showtime.starts_at >= start, Showtime.starts_at < end)
        .group_by(BookingSeat.showtime_id)
        .subquery()
    )


def _showtimes_in_range(start: datetime, end: datetime, cinema_id: int | None):  # noqa: ANN202
    capacity, sold = _capacity_per_screen(), _sold_per_showtime(start, end)
    query = (
        select()
        .select_from(Showtime)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(capacity, capacity.c.screen_id == Showtime.screen_id)
        .outerjoin(sold, sold.c.showtime_id == Showtime.id)
        .where(Showtime.starts_at >= start, Showtime.starts_at < end, ~Showtime.is_cancelled)
    )
    if cinema_id is not None:
        query = query.where(Screen.cinema_id == cinema_id)
    return query, capacity, sold


def _occupancy_totals(start: datetime, end: datetime, cinema_id: int | None):  # noqa: ANN202
    query, capacity, sold = _showtimes_in_range(start, end, cinema_id)
    return query.add_columns(
        func.coalesce(func.sum(sold.c.sold), 0), func.coalesce(func.sum(capacity.c.seats), 0)
    )


def chart_statements(start: datetime, end: datetime, cinema_id: int | None = None) -> dict:
    """The charts' SQL, one aggregate statement each (the bench times them bare as its floor)."""
    paid = _paid_in_range(start, end, cinema_id)
    still_paid = and_(paid, Booking.status == PAID)
    day = func.date(Booking.paid_at)
    by_day = (
        _bookings_with_screen()
        .add_columns(day, _still_paid(Booking.total_paise))
        .where(paid)
        .group_by(day)
        .order_by(day)
    )
    tickets = func.sum(Booking.seat_count)
    by_movie = (
        _bookings_with_screen()
        .join(Movie, Movie.id == Showtime.movie_id)
        .add_columns(Movie.title, tickets)
        .where(still_paid)
        .group_by(Movie.id, Movie.title)
        .order_by(tickets.desc(), Movie.title)
        .limit(10)
    )
    weekday, hour = extract("dow", Booking.paid_at), extract("hour", Booking.paid_at)
    heatmap = (
        _bookings_with_screen()
        .add_columns(weekday, hour, tickets)
        .where(still_paid)
        .group_by(weekday, hour)
    )
    mix = (
        select(BookingSeat.category, func.count())
        .join(Booking, Booking.id == BookingSeat.booking_id)
        .join(Showtime, Showtime.id == Booking.showtime_id)
        .join(Screen, Screen.id == Showtime.screen_id)
        .where(still_paid)
        .group_by(BookingSeat.category)
        .order_by(BookingSeat.category)
    )
    shows, capacity, sold = _showtimes_in_range(start, end, cinema_id)
    by_screen = (
        shows.add_columns(
            Screen.name,
            func.coalesce(func.sum(sold.c.sold), 0),
            func.sum(capacity.c.seats),
        )
        .group_by(Screen.id, Screen.name)
        .order_by(Screen.name)
    )
    return {
        "revenue_by_day": by_day,
        "tickets_by_movie": by_movie,
        "sales_by_weekday_hour": heatmap,
        "category_mix": mix,
        "occupancy_by_screen": by_screen,
    }


def dashboard(
    start: datetime, end: datetime, cinema_id: int | None = None, *, engine: Engine | None = None
) -> Dashboard:
    """Everything the dashboard shows for [start, end), optionally for one cinema."""
    charts = chart_statements(start, end, cinema_id)
    with read_session(engine) as session:
        revenue_by_day = [(str(d), int(v)) for d, v in session.execute(charts["revenue_by_day"])]
        tickets_by_movie = [(t, int(n)) for t, n in session.execute(charts["tickets_by_movie"])]
        sales = [
            (int(w), int(h), int(n)) for w, h, n in session.execute(charts["sales_by_weekday_hour"])
        ]
        category_mix = [(c, int(n)) for c, n in session.execute(charts["category_mix"])]
        occupancy = [
            (name, round(100 * int(s) / int(c), 1) if c else 0.0)
            for name, s, c in session.execute(charts["occupancy_by_screen"])
        ]
    return Dashboard(
        kpis=kpis(start, end, cinema_id, engine=engine),
        revenue_by_day=revenue_by_day,
        tickets_by_movie=tickets_by_movie,
        occupancy_by_screen=occupancy,
        sales_by_weekday_hour=sorted(sales),
        category_mix=category_mix,
    )


@dataclass(frozen=True)
class Activity:
    at: datetime
    kind: str  # paid | cancelled | refunded | email_failed
    reference: str
    amount_paise: int
    detail: str


def recent_activity(
    *, page: int = 0, per_page: int = 20, engine: Engine | None = None
) -> tuple[list[Activity], bool]:
    """Newest first: payments, cancellations, refunds and failed emails; and whether there is
    an older page."""
    from sqlalchemy import literal, union_all

    from bookmyseat.models import EmailOutbox, OutboxStatus

    events = union_all(
        select(
            Booking.paid_at.label("at"),
            literal("paid").label("kind"),
            Booking.reference,
            Booking.total_paise.label("amount"),
            literal("").label("detail"),
        ).where(Booking.paid_at.is_not(None)),
        select(
            Booking.cancelled_at,
            literal("cancelled"),
            Booking.reference,
            Booking.total_paise,
            literal(""),
        ).where(Booking.cancelled_at.is_not(None)),
        select(
            Booking.updated_at,
            literal("refunded"),
            Booking.reference,
            Booking.total_paise,
            literal(""),
        ).where(Booking.status == BookingStatus.REFUNDED),
        select(
            EmailOutbox.next_attempt_at,
            literal("email_failed"),
            Booking.reference,
            literal(0),
            EmailOutbox.last_error,
        )
        .join(Booking, Booking.id == EmailOutbox.booking_id)
        .where(EmailOutbox.status == OutboxStatus.FAILED),
    ).subquery()
    query = (
        select(events)
        .order_by(events.c.at.desc(), events.c.reference)
        .offset(max(0, page) * per_page)
        .limit(per_page + 1)
    )
    with read_session(engine) as session:
        rows = session.execute(query).all()
    items = [Activity(r.at, r.kind, r.reference, int(r.amount), r.detail) for r in rows]
    return items[:per_page], len(items) > per_page
