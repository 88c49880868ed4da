"""The admin dashboard's figures, aggregated by the database from the roll-ups.

Definitions, so that the numbers can be checked by hand:
- a range is whole days on one clock, the dashboard's zone: the cinema's when one is chosen,
  the site's (`default_timezone`) for all cinemas; [local midnight of the first day, local
  midnight after the last);
- a booking counts in the range of its `paid_at` (when the money came);
- bookings, tickets, customers and the average ticket price count bookings still PAID;
- gross revenue is every booking paid in the range, refunds are those of them since cancelled or
  refunded, revenue is gross minus refunds;
- occupancy is sold seats over sellable seats (not blocked) of the showtimes that start in the
  range;
- revenue by day and the weekday × hour heatmap are on the dashboard's clock, exact in any zone
  (the money roll-up is kept by UTC quarter-hour, folded into local hours by the database:
  `local_clock`);
- tickets by movie and by category count each cinema's own days (the same as the dashboard's
  clock for one cinema, and for all cinemas whenever they share the site's zone).

The sums come from the sales roll-ups (`rollups`), which the payment and cancellation
transactions keep equal to the bookings; only the distinct customers are counted on bookings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session
from bookmyseat.models import (
    Booking,
    BookingStatus,
    Cinema,
    EmailOutbox,
    Movie,
    OutboxStatus,
    SalesMovieDay,
    SalesQuarter,
    SalesShowtime,
    Screen,
    Seat,
    Showtime,
)
from bookmyseat.services.reporting.local_clock import fold_hours, local_hour_statements
from bookmyseat.services.reporting.promo_usage import PromoUsage, promo_usage
from bookmyseat.settings import get_settings

PAID = BookingStatus.PAID
ACTIVITY_PAGE_SIZE = 20  # events a page of the recent-activity feed shows
LAST_PAGE = 500  # the feed pages back this far (10,000 events); older ones are in the CSV


@dataclass(frozen=True)
class Window:
    """Whole days on one clock: [first, after) in `zone`."""

    first: date
    after: date
    zone: str

    def _instant(self, day: date) -> datetime:
        return datetime.combine(day, time(0), ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def start(self) -> datetime:
        return self._instant(self.first)

    @property
    def end(self) -> datetime:
        return self._instant(self.after)


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
    promos: PromoUsage = PromoUsage(0, 0)
    zone: str = "UTC"  # the clock of its days and hours


def dashboard_zone(session: Session, cinema_id: int | None) -> str:
    """The chosen cinema's zone, or the site's for all cinemas."""
    if cinema_id is not None:
        zone = session.execute(
            select(Cinema.timezone).where(Cinema.id == cinema_id)
        ).scalar_one_or_none()
        if zone:
            return zone
    return get_settings().default_timezone


def window(
    first: date, after: date, cinema_id: int | None = None, *, engine: Engine | None = None
) -> Window:
    with read_session(engine) as session:
        return Window(first, after, dashboard_zone(session, cinema_id))


def _quarters(w: Window, cinema_id: int | None):
    conditions = [SalesQuarter.quarter_start >= w.start, SalesQuarter.quarter_start < w.end]
    if cinema_id is not None:
        conditions.append(SalesQuarter.cinema_id == cinema_id)
    return and_(*conditions)


def _days(w: Window, cinema_id: int | None):
    conditions = [
        SalesMovieDay.day >= w.first.isoformat(),
        SalesMovieDay.day < w.after.isoformat(),
    ]
    if cinema_id is not None:
        conditions.append(SalesMovieDay.cinema_id == cinema_id)
    return and_(*conditions)


def _total(column):
    return func.coalesce(func.sum(column), 0)


def _customers(w: Window, cinema_id: int | None):
    query = select(func.count(func.distinct(Booking.user_id))).where(
        Booking.status == PAID, Booking.paid_at >= w.start, Booking.paid_at < w.end
    )
    if cinema_id is not None:
        query = (
            query.join(Showtime, Showtime.id == Booking.showtime_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .where(Screen.cinema_id == cinema_id)
        )
    return query


def kpi_statements(w: Window, cinema_id: int | None = None) -> list:
    money = select(
        _total(SalesQuarter.paid_bookings),
        _total(SalesQuarter.tickets),
        _total(SalesQuarter.gross_paise),
        _total(SalesQuarter.refunds_paise),
        _total(SalesQuarter.ticket_paise),
    ).where(_quarters(w, cinema_id))
    return [money, _customers(w, cinema_id), _occupancy_totals(w, cinema_id)]


def kpis(w: Window, cinema_id: int | None = None, *, engine: Engine | None = None) -> Kpis:
    money, customers, occupancy = kpi_statements(w, cinema_id)
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


def _showtimes_in_range(w: Window, cinema_id: int | None):
    capacity = _capacity_per_screen()
    query = (
        select()
        .select_from(Showtime)
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(capacity, capacity.c.screen_id == Showtime.screen_id)
        .outerjoin(SalesShowtime, SalesShowtime.showtime_id == Showtime.id)
        .where(Showtime.starts_at >= w.start, Showtime.starts_at < w.end, ~Showtime.is_cancelled)
    )
    if cinema_id is not None:
        query = query.where(Screen.cinema_id == cinema_id)
    return query, capacity


def _occupancy_totals(w: Window, cinema_id: int | None):
    query, capacity = _showtimes_in_range(w, cinema_id)
    return query.add_columns(_total(SalesShowtime.seats_sold), _total(capacity.c.seats))


def chart_statements(w: Window, cinema_id: int | None = None, *, dialect: str = "sqlite") -> dict:
    """The charts' SQL, aggregate statements (the bench times them bare as its floor); money by
    local hour is one statement for each span of one UTC offset (`local_clock`)."""
    by_local_hour = local_hour_statements(w.start, w.end, w.zone, cinema_id, dialect)
    tickets = func.sum(SalesMovieDay.tickets)
    by_movie = (
        select(Movie.title, tickets)
        .join(Movie, Movie.id == SalesMovieDay.movie_id)
        .where(_days(w, cinema_id))
        .group_by(Movie.id, Movie.title)
        .having(tickets > 0)
        .order_by(tickets.desc(), Movie.title)
        .limit(10)
    )
    mix = (
        select(SalesMovieDay.category, tickets)
        .where(_days(w, cinema_id))
        .group_by(SalesMovieDay.category)
        .having(tickets > 0)
        .order_by(SalesMovieDay.category)
    )
    shows, capacity = _showtimes_in_range(w, cinema_id)
    by_screen = (
        shows.add_columns(Screen.name, _total(SalesShowtime.seats_sold), func.sum(capacity.c.seats))
        .group_by(Screen.id, Screen.name)
        .order_by(Screen.name)
    )
    return {
        "sales_by_local_hour": by_local_hour,
        "tickets_by_movie": by_movie,
        "category_mix": mix,
        "occupancy_by_screen": by_screen,
    }


def dashboard(
    first: date, after: date, cinema_id: int | None = None, *, engine: Engine | None = None
) -> Dashboard:
    """Everything the dashboard shows for the days [first, after) on the dashboard's clock,
    optionally for one cinema."""
    with read_session(engine) as session:
        w = Window(first, after, dashboard_zone(session, cinema_id))
        charts = chart_statements(w, cinema_id, dialect=session.get_bind().dialect.name)
        hours = [row for q in charts["sales_by_local_hour"] for row in session.execute(q).all()]
        revenue_by_day, sales = fold_hours(hours)
        tickets_by_movie = [(t, int(n)) for t, n in session.execute(charts["tickets_by_movie"])]
        category_mix = [(c, int(n)) for c, n in session.execute(charts["category_mix"])]
        occupancy = [
            (name, round(100 * int(s) / int(c), 1) if c else 0.0)
            for name, s, c in session.execute(charts["occupancy_by_screen"])
        ]
        promos = promo_usage(session, w.start, w.end, cinema_id)
    return Dashboard(
        kpis=kpis(w, cinema_id, engine=engine),
        revenue_by_day=revenue_by_day,
        tickets_by_movie=tickets_by_movie,
        occupancy_by_screen=occupancy,
        sales_by_weekday_hour=sales,
        category_mix=category_mix,
        promos=promos,
        zone=w.zone,
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
