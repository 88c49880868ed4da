"""Admin changes to the catalog: movies, cinemas and posters (screens and showtimes are
`scheduling`).

Each change checks the admin role, validates with messages a person can act on, and writes its
audit entry (before and after) in the same transaction as the change.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import Cinema, Movie, Screen
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog import poster_store, posters
from bookmyseat.services.catalog.trailers import youtube_video_id
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


def existing_row(
    session: Session, model: type, row_id: object, missing: str, *, lock: bool = False
):
    """The row of `model` with this id (locked for the transaction if asked), or a refusal that
    says `missing`: an id from a form may be anything."""
    if not is_row_id(row_id):
        raise ManagementError(missing)
    found = session.get(model, row_id, with_for_update=lock)
    if found is None:
        raise ManagementError(missing)
    return found


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
            movie = existing_row(session, Movie, movie_id, "That movie does not exist.")
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
        movie = existing_row(session, Movie, movie_id, "That movie does not exist.")
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


def store_poster(
    account: Account | None,
    movie_id: int,
    data: bytes,
    folder: Path | None,
    *,
    engine: Engine | None = None,
) -> str:
    """Save an uploaded poster (checked by `catalog.posters`) in `folder`, or in the database
    (None), and point the movie at it, in one transaction; its URL."""
    admin = require_staff(account, "a movie poster", write=True, engine=engine)
    try:
        kind = posters.check_upload(data)
    except posters.PosterRefused as exc:
        raise ManagementError(exc.message) from exc
    with write_session(engine) as session:
        movie = existing_row(session, Movie, movie_id, "That movie does not exist.")
        before = {"poster_path": movie.poster_path}
        name = posters.upload_name(movie.slug, kind)
        poster_store.keep(session, folder, name, data)
        movie.poster_path = posters.UPLOAD_URL + name
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
        movie = existing_row(session, Movie, movie_id, "That movie does not exist.")
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
