"""The admin dashboard's figures, every one aggregated by the database (no rows loaded into Python).

Definitions, so that the numbers can be checked by hand:
- ranges are whole UTC days: the start is taken back to midnight, the end on to the next one;
- a booking counts in the range of its `paid_at` (when the money came);
- bookings, tickets, customers and the average ticket price count bookings still PAID;
- gross revenue is every booking paid in the range, refunds are those of them since cancelled or
  refunded, revenue is gross minus refunds;
- occupancy is sold seats over sellable seats (not blocked) of the showtimes that start in the
  range;
- days and hours are UTC.

The sums come from the sales roll-ups (`sales_rollup`), which the payment and cancellation
transactions keep equal to the bookings; only the distinct customers are counted on bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import String, and_, extract, func, literal, select, union_all
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import (
    Booking,
    BookingStatus,
    EmailOutbox,
    Movie,
    OutboxStatus,
    SalesHour,
    SalesMovieDay,
    SalesShowtime,
    Screen,
    Seat,
    Showtime,
)

PAID = BookingStatus.PAID
ACTIVITY_PAGE_SIZE = 20  # events a page of the recent-activity feed shows
LAST_PAGE = 500  # the feed pages back this far (10,000 events); older ones are in the CSV


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


def whole_days(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The range widened to whole UTC days (the roll-ups' finest common grain)."""
    first = datetime.combine(start.date(), time(0), start.tzinfo)
    last = datetime.combine(end.date(), time(0), end.tzinfo)
    return first, last if last == end else last + timedelta(days=1)


def _hours(start: datetime, end: datetime, cinema_id: int | None):
    conditions = [SalesHour.hour_start >= start, SalesHour.hour_start < end]
    if cinema_id is not None:
        conditions.append(SalesHour.cinema_id == cinema_id)
    return and_(*conditions)


def _days(start: datetime, end: datetime, cinema_id: int | None):
    conditions = [
        SalesMovieDay.day >= start.date().isoformat(),
        SalesMovieDay.day < end.date().isoformat(),
    ]
    if cinema_id is not None:
        conditions.append(SalesMovieDay.cinema_id == cinema_id)
    return and_(*conditions)


def _total(column):
    return func.coalesce(func.sum(column), 0)


def _customers(start: datetime, end: datetime, cinema_id: int | None):
    query = select(func.count(func.distinct(Booking.user_id))).where(
        Booking.status == PAID, Booking.paid_at >= start, Booking.paid_at < end
    )
    if cinema_id is not None:
        query = (
            query.join(Showtime, Showtime.id == Booking.showtime_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .where(Screen.cinema_id == cinema_id)
        )
    return query


def kpi_statements(start: datetime, end: datetime, cinema_id: int | None = None) -> list:
    start, end = whole_days(start, end)
    money = select(
        _total(SalesHour.paid_bookings),
        _total(SalesHour.tickets),
        _total(SalesHour.gross_paise),
        _total(SalesHour.refunds_paise),
        _total(SalesHour.ticket_paise),
    ).where(_hours(start, end, cinema_id))
    return [
        money,
        _customers(start, end, cinema_id),
        _occupancy_totals(start, end, cinema_id),
    ]


def kpis(
    start: datetime, end: datetime, cinema_id: int | None = None, *, engine: Engine | None = None
) -> Kpis:
    money, customers, occupancy = kpi_statements(start, end, cinema_id)
    with read_session(engine) as session:
        bookings, tickets, gross, refunds, ticket_revenue = session.execute(money).one()
        customer_count = session.execute(customers).scalar_one()
        sold, capacity = session.execute(occupancy).one()
    return Kpis(
        bookings=int(bookings),
        tickets=int(tickets),
        gross_paise=int(gross),
        refunds_paise=int(refunds),
        revenue_paise=int(gross) - int(refunds),
        average_ticket_paise=round(int(ticket_revenue) / int(tickets)) if tickets else 0,
        customers=int(customer_count),
        occupancy_pct=round(100 * int(sold or 0) / int(capacity), 1) if capacity else 0.0,
    )


def _capacity_per_screen():
    return (
        select(Seat.screen_id, func.count().label("seats"))
        .where(~Seat.is_blocked)
        .group_by(Seat.screen_id)
        .subquery()
    )


def _showtimes_in_range(start: datetime, end: datetime, cinema_id: int | None):
    capacity = _capacity_per_screen()
    query = (
        select()
        .select_from(Showtime)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(capacity, capacity.c.screen_id == Showtime.screen_id)
        .outerjoin(SalesShowtime, SalesShowtime.showtime_id == Showtime.id)
        .where(Showtime.starts_at >= start, Showtime.starts_at < end, ~Showtime.is_cancelled)
    )
    if cinema_id is not None:
        query = query.where(Screen.cinema_id == cinema_id)
    return query, capacity


def _occupancy_totals(start: datetime, end: datetime, cinema_id: int | None):
    query, capacity = _showtimes_in_range(start, end, cinema_id)
    return query.add_columns(_total(SalesShowtime.seats_sold), _total(capacity.c.seats))


def chart_statements(
    start: datetime, end: datetime, cinema_id: int | None = None, *, dialect: str = "sqlite"
) -> dict:
    """The charts' SQL, one aggregate statement each (the bench times them bare as its floor)."""
    start, end = whole_days(start, end)
    hours = _hours(start, end, cinema_id)
    if dialect == "postgresql":
        utc = SalesHour.hour_start.op("AT TIME ZONE")(literal("UTC", String))
        day = func.to_char(utc, "YYYY-MM-DD")
        weekday, hour = extract("dow", utc), extract("hour", utc)
    else:
        day = func.date(SalesHour.hour_start)
        weekday, hour = extract("dow", SalesHour.hour_start), extract("hour", SalesHour.hour_start)
    by_day = (
        select(day, _total(SalesHour.gross_paise) - _total(SalesHour.refunds_paise))
        .where(hours)
        .group_by(day)
        .order_by(day)
    )
    heatmap = (
        select(weekday, hour, _total(SalesHour.tickets))
        .where(hours)
        .group_by(weekday, hour)
        .having(func.sum(SalesHour.tickets) > 0)
    )
    tickets = func.sum(SalesMovieDay.tickets)
    by_movie = (
        select(Movie.title, tickets)
        .join(Movie, Movie.id == SalesMovieDay.movie_id)
        .where(_days(start, end, cinema_id))
        .group_by(Movie.id, Movie.title)
        .having(tickets > 0)
        .order_by(tickets.desc(), Movie.title)
        .limit(10)
    )
    mix = (
        select(SalesMovieDay.category, tickets)
        .where(_days(start, end, cinema_id))
        .group_by(SalesMovieDay.category)
        .having(tickets > 0)
        .order_by(SalesMovieDay.category)
    )
    shows, capacity = _showtimes_in_range(start, end, cinema_id)
    by_screen = (
        shows.add_columns(Screen.name, _total(SalesShowtime.seats_sold), func.sum(capacity.c.seats))
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
    """Everything the dashboard shows for the days of [start, end), optionally for one cinema."""
    with read_session(engine) as session:
        dialect = session.get_bind().dialect.name
        charts = chart_statements(start, end, cinema_id, dialect=dialect)
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
    *, page: int = 0, per_page: int = ACTIVITY_PAGE_SIZE, engine: Engine | None = None
) -> tuple[list[Activity], bool]:
    """Newest first: payments, cancellations, refunds and failed emails; and whether there is
    an older page."""
    page = min(max(0, page), LAST_PAGE)
    newest = (page + 1) * per_page + 1  # each kind needs at most this many rows

    def latest(query, at):  # each branch uses its own index, newest first
        return query.order_by(at.desc()).limit(newest).subquery().select()

    events = union_all(
        latest(
            select(
                Booking.paid_at.label("at"),
                literal("paid").label("kind"),
                Booking.reference,
                Booking.total_paise.label("amount"),
                literal("").label("detail"),
            ).where(Booking.paid_at.is_not(None)),
            Booking.paid_at,
        ),
        latest(
            select(
                Booking.cancelled_at,
                literal("cancelled"),
                Booking.reference,
                Booking.total_paise,
                literal(""),
            ).where(Booking.cancelled_at.is_not(None)),
            Booking.cancelled_at,
        ),
        latest(
            select(
                Booking.updated_at,
                literal("refunded"),
                Booking.reference,
                Booking.total_paise,
                literal(""),
            ).where(Booking.status == BookingStatus.REFUNDED),
            Booking.updated_at,
        ),
        latest(
            select(
                EmailOutbox.next_attempt_at,
                literal("email_failed"),
                func.coalesce(Booking.reference, ""),  # "": an account's email (password reset)
                literal(0),
                EmailOutbox.last_error,
            )
            .outerjoin(Booking, Booking.id == EmailOutbox.booking_id)
            .where(EmailOutbox.status == OutboxStatus.FAILED),
            EmailOutbox.next_attempt_at,
        ),
    ).subquery()
    query = (
        select(events)
        .order_by(events.c.at.desc(), events.c.reference)
        .offset(page * per_page)
        .limit(per_page + 1)
    )
    with read_session(engine) as session:
        rows = session.execute(query).all()
    items = [
        Activity(
            at=r.at, kind=r.kind, reference=r.reference, amount_paise=int(r.amount), detail=r.detail
        )
        for r in rows
    ]
    return items[:per_page], len(items) > per_page
