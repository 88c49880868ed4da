"""What is showing: movie cards with search and filters that combine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import Cinema, Movie, Screen, Showtime, utcnow
from bookmyseat.settings import get_settings


@dataclass(frozen=True)
class MovieCard:
    id: int
    slug: str
    title: str
    certificate: str
    runtime_minutes: int
    genres: list[str]
    language: str
    poster_path: str
    trailer_url: str | None


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def movie_card(movie: Movie) -> MovieCard:
    return MovieCard(
        id=movie.id,
        slug=movie.slug,
        title=movie.title,
        certificate=movie.certificate,
        runtime_minutes=movie.runtime_minutes,
        genres=split_list(movie.genres),
        language=movie.language,
        poster_path=movie.poster_path,
        trailer_url=movie.trailer_url,
    )


def local_day_bounds(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """The UTC [start, end) of a calendar day in a time zone."""
    start = datetime.combine(day, time.min, tzinfo=ZoneInfo(tz_name)).astimezone(UTC)
    return start, start + timedelta(days=1)


def list_movies(
    *,
    search: str = "",
    city: str = "",
    on_date: date | None = None,
    genre: str = "",
    language: str = "",
    now: datetime | None = None,
    engine: Engine | None = None,
) -> list[MovieCard]:
    """Active movies matching every filter given; city and date mean 'has a show there then'."""
    query = select(Movie).where(Movie.is_active)
    if search.strip():
        like = f"%{search.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Movie.title).like(like),
                func.lower(Movie.cast_members).like(like),
                func.lower(Movie.genres).like(like),
            )
        )
    if genre:
        query = query.where(func.lower(Movie.genres).like(f"%{genre.lower()}%"))
    if language:
        query = query.where(func.lower(Movie.language) == language.lower())
    if city or on_date:
        shows = (
            select(Showtime.id)
            .join(Screen, Screen.id == Showtime.screen_id)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .where(Showtime.movie_id == Movie.id, ~Showtime.is_cancelled)
        )
        if city:
            shows = shows.where(func.lower(Cinema.city) == city.lower())
        if on_date:
            start, end = local_day_bounds(on_date, get_settings().default_timezone)
            shows = shows.where(Showtime.starts_at >= start, Showtime.starts_at < end)
        else:
            shows = shows.where(Showtime.starts_at > (now or utcnow()))
        query = query.where(exists(shows))
    with read_session(engine) as session:
        movies = session.execute(query.order_by(Movie.release_date.desc(), Movie.title)).scalars()
        return [movie_card(m) for m in movies]


@dataclass(frozen=True)
class FilterOptions:
    cities: list[str]
    genres: list[str]
    languages: list[str]


def filter_options(*, engine: Engine | None = None) -> FilterOptions:
    with read_session(engine) as session:
        cities = list(
            session.execute(select(Cinema.city).distinct().order_by(Cinema.city)).scalars()
        )
        rows = session.execute(select(Movie.genres, Movie.language).where(Movie.is_active)).all()
    genres = sorted({g for row in rows for g in split_list(row.genres)})
    languages = sorted({row.language for row in rows if row.language})
    return FilterOptions(cities, genres, languages)
