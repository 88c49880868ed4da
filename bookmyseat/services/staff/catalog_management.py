"""Admin changes to the catalog: movies, screens and their layouts, showtimes and prices.

Each change checks the admin role, validates with messages a person can act on, and writes its
audit entry (before and after) in the same transaction as the change.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Cinema, Movie, Screen, SeatCategory, Showtime, utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog import posters
from bookmyseat.services.catalog.layouts import LayoutError, layout_categories, layout_json
from bookmyseat.services.catalog.trailers import youtube_video_id
from bookmyseat.services.catalog.venues import (
    CLEANING_BUFFER_MINUTES,
    get_or_create_screen,
    get_or_create_showtime,
)
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.settings import DEFAULT_TIMEZONE, Settings, get_settings

CERTIFICATES = ("U", "UA", "A", "S")


class ManagementError(CustomerError, ValueError):
    """A catalog change refused, saying what to fix."""

    code = "catalog_change_refused"


@dataclass(frozen=True)
class MovieFields:
    title: str
    synopsis: str = ""
    genres: str = ""
    language: str = ""
    certificate: str = "UA"
    runtime_minutes: int = 120
    cast_members: str = ""
    trailer_url: str = ""


def slug_for(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower().replace("&", "and")).strip("-")[:120]


def _check_movie(fields: MovieFields) -> None:
    if not fields.title.strip():
        raise ManagementError("A movie needs a title.")
    if fields.certificate not in CERTIFICATES:
        raise ManagementError(f"The certificate must be one of {', '.join(CERTIFICATES)}.")
    if not 1 <= fields.runtime_minutes <= 400:
        raise ManagementError("The runtime must be between 1 and 400 minutes.")
    if fields.trailer_url.strip() and youtube_video_id(fields.trailer_url) is None:
        raise ManagementError("The trailer must be a YouTube link (or left empty).")


def save_movie(
    account: Account | None,
    fields: MovieFields,
    movie_id: int | None = None,
    *,
    engine: Engine | None = None,
) -> int:
    """Create a movie, or edit one; its id."""
    admin = require_staff(account, "a movie", write=True, engine=engine)
    _check_movie(fields)
    values = asdict(fields) | {"trailer_url": fields.trailer_url.strip() or None}
    with write_session(engine) as session:
        if movie_id is None:
            slug = slug_for(fields.title)
            if session.execute(select(Movie.id).where(Movie.slug == slug)).first():
                raise ManagementError(f"A movie called {fields.title!r} exists already.")
            movie = Movie(slug=slug, **values)
            session.add(movie)
            session.flush()
            before = None
        else:
            movie = session.get(Movie, movie_id)
            if movie is None:
                raise ManagementError("That movie does not exist.")
            before = {key: getattr(movie, key) for key in values}
            for key, value in values.items():
                setattr(movie, key, value)
        audit.add_entry(
            session,
            actor_of(admin),
            "movie_created" if before is None else "movie_edited",
            entity="movie",
            entity_id=movie.id,
            before=before,
            after=values,
        )
        return movie.id


def retire_movie(account: Account | None, movie_id: int, *, engine: Engine | None = None) -> None:
    """Off the listings; its bookings and history stay."""
    admin = require_staff(account, "a movie (retire)", write=True, engine=engine)
    with write_session(engine) as session:
        movie = session.get(Movie, movie_id)
        if movie is None:
            raise ManagementError("That movie does not exist.")
        movie.is_active = False
        audit.add_entry(
            session,
            actor_of(admin),
            "movie_retired",
            entity="movie",
            entity_id=movie_id,
            before={"is_active": True},
            after={"is_active": False},
        )


def add_screen(
    account: Account | None,
    cinema_id: int,
    name: str,
    rows: list[dict],
    *,
    engine: Engine | None = None,
) -> int:
    """A new screen from the layout editor's rows (validated); its id."""
    admin = require_staff(account, "a screen", write=True, engine=engine)
    if not name.strip():
        raise ManagementError("A screen needs a name.")
    try:
        layout = layout_json(rows)
    except LayoutError as exc:
        raise ManagementError(str(exc)) from exc
    with write_session(engine) as session:
        cinema = session.get(Cinema, cinema_id)
        if cinema is None:
            raise ManagementError("That cinema does not exist.")
        taken = select(Screen.id).where(Screen.cinema_id == cinema_id, Screen.name == name.strip())
        if session.execute(taken).first():
            raise ManagementError(f"{cinema.name} already has a screen called {name.strip()!r}.")
        screen = get_or_create_screen(session, cinema, name.strip(), layout)
        audit.add_entry(
            session,
            actor_of(admin),
            "screen_created",
            entity="screen",
            entity_id=screen.id,
            after={"name": screen.name, "layout": rows},
        )
        return screen.id


def schedule_showtime(
    account: Account | None,
    movie_id: int,
    screen_id: int,
    starts_at: datetime,
    prices: dict[str, int],
    *,
    format: str = "2D",
    language: str = "",
    now: datetime | None = None,
    engine: Engine | None = None,
) -> int:
    """A showtime on a screen, refused if it overlaps another there (with the cleaning buffer
    between shows) or lacks a price for a category of the screen's seats; its id."""
    admin = require_staff(account, "a showtime", write=True, engine=engine)
    now = now or utcnow()
    if starts_at <= now:
        raise ManagementError("A new showtime must start in the future.")
    buffer = timedelta(minutes=CLEANING_BUFFER_MINUTES)
    with write_session(engine) as session:
        # Lock the screen: two admins scheduling on it at once queue here (SQLite's write
        # transactions are IMMEDIATE already), so the overlap check below cannot race.
        screen = session.execute(
            select(Screen).where(Screen.id == screen_id).with_for_update()
        ).scalar_one_or_none()
        movie = session.get(Movie, movie_id)
        if screen is None or movie is None:
            raise ManagementError("Choose a movie and a screen that exist.")
        missing = [c for c in layout_categories(screen.layout) if prices.get(c, 0) <= 0]
        if missing:
            raise ManagementError(f"Give a price for {', '.join(missing)} seats.")
        ends_at = starts_at + timedelta(minutes=movie.runtime_minutes)
        clash = session.execute(
            select(Showtime.starts_at, Movie.title)
            .join(Movie, Movie.id == Showtime.movie_id)
            .where(
                Showtime.screen_id == screen_id,
                ~Showtime.is_cancelled,
                Showtime.starts_at < ends_at + buffer,
                Showtime.ends_at > starts_at - buffer,  # arithmetic in Python: SQLite has none
            )
            .limit(1)
        ).first()
        if clash is not None:
            raise ManagementError(
                f"{screen.name} is busy then: {clash.title} starts at "
                f"{clash.starts_at:%d %b %H:%M} UTC (shows need {CLEANING_BUFFER_MINUTES} "
                "minutes between them for cleaning)."
            )
        priced = {category: paise for category, paise in prices.items() if paise > 0}
        showtime = get_or_create_showtime(
            session, movie, screen, starts_at, priced, format=format, language=language
        )
        audit.add_entry(
            session,
            actor_of(admin),
            "showtime_created",
            entity="showtime",
            entity_id=showtime.id,
            after={
                "movie": movie.title,
                "screen": screen.name,
                "starts_at": starts_at,
                "prices": prices,
            },
        )
        return showtime.id


@dataclass(frozen=True)
class MovieRow:
    id: int
    title: str
    runtime_minutes: int
    is_active: bool


@dataclass(frozen=True)
class ScreenRow:
    id: int
    cinema: str
    name: str


@dataclass(frozen=True)
class CinemaRow:
    id: int
    name: str


@dataclass(frozen=True)
class CatalogView:
    movies: list[MovieRow]
    screens: list[ScreenRow]
    cinemas: list[CinemaRow]
    default_timezone: str


def catalog_overview(
    account: Account | None, *, settings: Settings | None = None, engine: Engine | None = None
) -> CatalogView:
    """Every movie, screen and cinema, for the catalog page's lists and choices."""
    require_staff(account, "the catalog", engine=engine)
    with read_session(engine) as session:
        movies = session.execute(
            select(Movie.id, Movie.title, Movie.runtime_minutes, Movie.is_active).order_by(
                Movie.title
            )
        ).all()
        screens = session.execute(
            select(Screen.id, Cinema.name.label("cinema"), Screen.name)
            .join(Cinema, Cinema.id == Screen.cinema_id)
            .order_by(Cinema.name, Screen.name)
        ).all()
        cinemas = session.execute(select(Cinema.id, Cinema.name).order_by(Cinema.name)).all()
    return CatalogView(
        movies=[MovieRow(**m._mapping) for m in movies],
        screens=[ScreenRow(**s._mapping) for s in screens],
        cinemas=[CinemaRow(**c._mapping) for c in cinemas],
        default_timezone=(settings or get_settings()).default_timezone,
    )


def prices_from_rupees(entered: dict[str, str]) -> dict[str, int]:
    """The scheduling form's prices (whole rupees, by seat category; blank for none) in paise."""
    prices = {}
    for category in SeatCategory:
        raw = str(entered.get(category, "")).strip()
        if not raw:
            continue
        if not raw.isdigit() or len(raw) > 6:
            raise ManagementError(f"The {category} price must be whole rupees.")
        prices[str(category)] = int(raw) * 100
    return prices


def rows_from_text(text: str) -> list[dict]:
    """The layout editor's text: one row a line, `A Classic WSS_SSX`; `-` or an empty line is a
    gap between rows."""
    rows: list[dict] = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        parts = line.split()
        if not parts or parts == ["-"]:
            rows.append({"gap": True})
            continue
        if len(parts) != 3:
            raise ManagementError(
                f"Line {number}: write a row as `label category cells`, e.g. `A Classic SSS_SS`."
            )
        rows.append({"label": parts[0].upper(), "category": parts[1].title(), "cells": parts[2]})
    return rows


def store_poster(
    account: Account | None,
    movie_id: int,
    data: bytes,
    folder: Path,
    *,
    engine: Engine | None = None,
) -> str:
    """Save an uploaded poster (checked by `catalog.posters`) and point the movie at it; its URL."""
    admin = require_staff(account, "a movie poster", write=True, engine=engine)
    try:
        kind = posters.check_upload(data)
    except posters.PosterRefused as exc:
        raise ManagementError(exc.message) from exc
    with write_session(engine) as session:
        movie = session.get(Movie, movie_id)
        if movie is None:
            raise ManagementError("That movie does not exist.")
        before = {"poster_path": movie.poster_path}
        movie.poster_path = posters.save_upload(folder, movie.slug, kind, data)
        audit.add_entry(
            session,
            actor_of(admin),
            "poster_uploaded",
            entity="movie",
            entity_id=movie_id,
            before=before,
            after={"poster_path": movie.poster_path},
        )
        return movie.poster_path


def add_cinema(
    account: Account | None,
    name: str,
    city: str,
    address: str,
    timezone: str = "",
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> int:
    """A new cinema (its screens come next, from the layout editor); its id. Without a time
    zone it takes the site's."""
    admin = require_staff(account, "a cinema", write=True, engine=engine)
    timezone = timezone.strip() or (settings or get_settings()).default_timezone
    name, city, address = name.strip(), city.strip(), address.strip()
    if not (name and city and address):
        raise ManagementError("A cinema needs a name, a city and an address.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ManagementError(
            f"{timezone!r} is not a time zone (e.g. {DEFAULT_TIMEZONE})."
        ) from exc
    with write_session(engine) as session:
        if session.execute(select(Cinema.id).where(Cinema.name == name)).first():
            raise ManagementError(f"A cinema called {name!r} exists already.")
        cinema = Cinema(name=name, city=city, address=address, timezone=timezone)
        session.add(cinema)
        session.flush()
        audit.add_entry(
            session,
            actor_of(admin),
            "cinema_created",
            entity="cinema",
            entity_id=cinema.id,
            after={"name": name, "city": city, "address": address, "timezone": timezone},
        )
        return cinema.id


def movie_fields(
    account: Account | None, movie_id: int, *, engine: Engine | None = None
) -> MovieFields:
    """A movie's editable fields, to fill the edit form."""
    require_staff(account, "a movie", engine=engine)
    with read_session(engine) as session:
        movie = session.get(Movie, movie_id)
        if movie is None:
            raise ManagementError("That movie does not exist.")
        return MovieFields(
            title=movie.title,
            synopsis=movie.synopsis,
            genres=movie.genres,
            language=movie.language,
            certificate=movie.certificate,
            runtime_minutes=movie.runtime_minutes,
            cast_members=movie.cast_members,
            trailer_url=movie.trailer_url or "",
        )
