"""Cinemas, screens with their seats, and showtimes with prices: the write side of the catalog."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session
from bookmyseat.models import Cinema, Movie, Screen, Seat, Showtime, ShowtimePrice
from bookmyseat.services.catalog.layouts import parse_layout

CLEANING_BUFFER_MINUTES = 20


def get_or_create_cinema(session: Session, name: str, city: str, address: str) -> Cinema:
    cinema = session.execute(select(Cinema).where(Cinema.name == name)).scalar_one_or_none()
    if cinema is None:
        cinema = Cinema(name=name, city=city, address=address)
        session.add(cinema)
        session.flush()
    return cinema


def get_or_create_screen(session: Session, cinema: Cinema, name: str, layout: str) -> Screen:
    """A screen and one Seat row per seat of its layout (created once, never renumbered)."""
    screen = session.execute(
        select(Screen).where(Screen.cinema_id == cinema.id, Screen.name == name)
    ).scalar_one_or_none()
    if screen is not None:
        return screen
    specs = parse_layout(layout)
    screen = Screen(cinema_id=cinema.id, name=name, layout=layout)
    session.add(screen)
    session.flush()
    session.add_all(
        Seat(
            screen_id=screen.id,
            label=s.label,
            row_label=s.row_label,
            number=s.number,
            grid_row=s.grid_row,
            grid_col=s.grid_col,
            category=s.category,
            is_wheelchair=s.is_wheelchair,
            is_blocked=s.is_blocked,
        )
        for s in specs
    )
    session.flush()
    return screen


def get_or_create_showtime(
    session: Session,
    movie: Movie,
    screen: Screen,
    starts_at: datetime,
    prices: dict[str, int],
    *,
    format: str = "2D",
    language: str = "",
) -> Showtime:
    """A showtime keyed by (screen, start), with a price for each seat category."""
    showtime = session.execute(
        select(Showtime).where(Showtime.screen_id == screen.id, Showtime.starts_at == starts_at)
    ).scalar_one_or_none()
    if showtime is not None:
        return showtime
    showtime = Showtime(
        movie_id=movie.id,
        screen_id=screen.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=movie.runtime_minutes),
        format=format,
        language=language or movie.language,
    )
    session.add(showtime)
    session.flush()
    session.add_all(
        ShowtimePrice(showtime_id=showtime.id, category=category, price_paise=price)
        for category, price in prices.items()
    )
    session.flush()
    return showtime


def cinema_names(*, engine: Engine | None = None) -> dict[str, int]:
    """Every cinema's name and id, by name (for filters)."""
    with read_session(engine) as session:
        return dict(session.execute(select(Cinema.name, Cinema.id).order_by(Cinema.name)).all())
