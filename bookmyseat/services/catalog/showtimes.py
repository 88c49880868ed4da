"""A movie's page: its details and its showtimes for the coming days, with seats left and the
lowest price, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bookmyseat.db import is_row_id, read_session
from bookmyseat.models import (
    Booking,
    Cinema,
    Movie,
    Screen,
    Seat,
    SeatClaim,
    Showtime,
    ShowtimePrice,
    utcnow,
)
from bookmyseat.services.booking.rules import claim_is_live_sql
from bookmyseat.services.catalog.listings import MovieCard, movie_card, split_list
from bookmyseat.services.catalog.trailers import youtube_video_id


@dataclass(frozen=True)
class MovieDetail:
    card: MovieCard
    synopsis: str
    cast: list[str]
    release_date: date | None
    trailer_id: str | None


@dataclass(frozen=True)
class ShowtimeSlot:
    id: int
    starts_at: datetime  # in the cinema's time zone
    cinema: str
    city: str
    screen: str
    format: str
    language: str
    from_price_paise: int | None
    seats_left: int
    status: str  # bookable | sold_out | started

    @property
    def bookable(self) -> bool:
        return self.status == "bookable"


def movie_detail(slug: str, *, engine: Engine | None = None) -> MovieDetail | None:
    with read_session(engine) as session:
        movie = session.execute(
            select(Movie).where(Movie.slug == slug, Movie.is_active)
        ).scalar_one_or_none()
    if movie is None:
        return None
    return MovieDetail(
        card=movie_card(movie),
        synopsis=movie.synopsis,
        cast=split_list(movie.cast_members),
        release_date=movie.release_date,
        trailer_id=youtube_video_id(movie.trailer_url),
    )


def movie_showtimes(
    movie_id: int,
    *,
    days: int = 7,
    city: str = "",
    now: datetime | None = None,
    engine: Engine | None = None,
) -> list[ShowtimeSlot]:
    """Showtimes from the start of today (past ones included, marked) for `days` days."""
    if not is_row_id(movie_id):
        return []
    now = now or utcnow()
    window_start = now - timedelta(hours=12)
    capacity = (
        select(func.count(Seat.id))
        .where(Seat.screen_id == Showtime.screen_id, ~Seat.is_blocked)
        .scalar_subquery()
    )
    taken = (
        select(func.count(SeatClaim.id))
        .join(Booking, Booking.id == SeatClaim.booking_id)
        .where(
            SeatClaim.showtime_id == Showtime.id,
            claim_is_live_sql(now),
        )
        .scalar_subquery()
    )
    lowest = (
        select(func.min(ShowtimePrice.price_paise))
        .where(ShowtimePrice.showtime_id == Showtime.id)
        .scalar_subquery()
    )
    query = (
        select(
            Showtime.id,
            Showtime.starts_at,
            Showtime.format,
            Showtime.language,
            Screen.name.label("screen"),
            Cinema.name.label("cinema"),
            Cinema.city,
            Cinema.timezone,
            capacity.label("capacity"),
            taken.label("taken"),
            lowest.label("lowest"),
        )
        .join(Screen, Screen.id == Showtime.screen_id)
        .join(Cinema, Cinema.id == Screen.cinema_id)
        .where(
            Showtime.movie_id == movie_id,
            ~Showtime.is_cancelled,
            Showtime.starts_at >= window_start,
            Showtime.starts_at < now + timedelta(days=days),
        )
        .order_by(Showtime.starts_at, Cinema.name)
    )
    if city:
        query = query.where(func.lower(Cinema.city) == city.lower())
    with read_session(engine) as session:
        rows = session.execute(query).all()
    slots = []
    for row in rows:
        local = row.starts_at.astimezone(ZoneInfo(row.timezone))
        if local.date() < now.astimezone(ZoneInfo(row.timezone)).date():
            continue
        seats_left = max(0, row.capacity - row.taken)
        status = "started" if row.starts_at <= now else "sold_out" if not seats_left else "bookable"
        slots.append(
            ShowtimeSlot(
                id=row.id,
                starts_at=local,
                cinema=row.cinema,
                city=row.city,
                screen=row.screen,
                format=row.format,
                language=row.language,
                from_price_paise=row.lowest,
                seats_left=seats_left,
                status=status,
            )
        )
    return slots


@dataclass(frozen=True)
class ShowtimeSummary:
    id: int
    movie_title: str
    movie_slug: str
    certificate: str
    cinema: str
    city: str
    screen: str
    starts_at: datetime  # in the cinema's time zone
    format: str
    language: str
    prices: dict[str, int]  # category -> paise
    on_sale: bool = True  # False once its movie is retired: the show cannot be booked


def showtime_summary(showtime_id: int, *, engine: Engine | None = None) -> ShowtimeSummary | None:
    """What the seat map page shows above the map; None for an unknown or cancelled show."""
    if not is_row_id(showtime_id):
        return None
    with read_session(engine) as session:
        row = session.execute(
            select(Showtime, Movie, Screen.name, Cinema.name, Cinema.city, Cinema.timezone)
            .join(Movie, Movie.id == Showtime.movie_id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .where(Showtime.id == showtime_id, ~Showtime.is_cancelled)
        ).first()
        if row is None:
            return None
        prices = dict(
            session.execute(
                select(ShowtimePrice.category, ShowtimePrice.price_paise)
                .where(ShowtimePrice.showtime_id == showtime_id)
                .order_by(ShowtimePrice.price_paise)
            ).all()
        )
    show, movie, screen, cinema, city, tz = row
    return ShowtimeSummary(
        id=show.id,
        movie_title=movie.title,
        movie_slug=movie.slug,
        certificate=movie.certificate,
        cinema=cinema,
        city=city,
        screen=screen,
        starts_at=show.starts_at.astimezone(ZoneInfo(tz)),
        format=show.format,
        language=show.language,
        prices=prices,
        on_sale=movie.is_active,
    )
