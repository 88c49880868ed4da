"""Admin scheduling: new screens from the layout editor, showtimes with their prices, and the
forms they are entered in. Each change checks the admin role, validates with messages a person
can act on, and writes its audit entry in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import Cinema, Movie, Screen, SeatCategory, Showtime, utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog.layouts import LayoutError, layout_categories, layout_json
from bookmyseat.services.catalog.local_time import NoSuchLocalTime, instant_of, local_text
from bookmyseat.services.catalog.price_templates import priced, screen_rules
from bookmyseat.services.catalog.venues import (
    CLEANING_BUFFER_MINUTES,
    get_or_create_screen,
    get_or_create_showtime,
)
from bookmyseat.services.staff import audit
from bookmyseat.services.staff.access import actor_of, require_staff
from bookmyseat.services.staff.catalog_management import ManagementError, existing_row


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
        cinema = existing_row(session, Cinema, cinema_id, "That cinema does not exist.")
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
    between shows) or lacks a price for a category of the screen's seats; its id. A start
    without a zone is the cinema's wall-clock time (what staff type); messages name times on
    the cinema's clock too."""
    admin = require_staff(account, "a showtime", write=True, engine=engine)
    now = now or utcnow()
    buffer = timedelta(minutes=CLEANING_BUFFER_MINUTES)
    with write_session(engine) as session:
        # Lock the screen: two admins scheduling on it at once queue here (SQLite's write
        # transactions are IMMEDIATE already), so the overlap check below cannot race.
        unknown = "Choose a movie and a screen that exist."
        screen = existing_row(session, Screen, screen_id, unknown, lock=True)
        movie = existing_row(session, Movie, movie_id, unknown)
        zone = session.get(Cinema, screen.cinema_id).timezone
        if starts_at.tzinfo is None:
            try:
                starts_at = instant_of(starts_at, zone)
            except NoSuchLocalTime as exc:
                raise ManagementError(str(exc)) from exc
        if starts_at <= now:
            raise ManagementError("A new showtime must start in the future.")
        local_start = starts_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        categories = layout_categories(screen.layout)
        prices = priced(screen_rules(session, screen.id), local_start, prices, categories)
        missing = [c for c in categories if c not in prices]
        if missing:
            raise ManagementError(
                f"Give a price for {', '.join(missing)} seats, or set them in the screen's "
                "price template."
            )
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
                f"{local_text(clash.starts_at, zone, '%d %b %H:%M')} (shows need "
                f"{CLEANING_BUFFER_MINUTES} minutes between them for cleaning)."
            )
        showtime = get_or_create_showtime(
            session, movie, screen, starts_at, prices, format=format, language=language
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


def prices_from_rupees(entered: dict[str, str]) -> dict[str, int]:
    """The scheduling form's prices (whole rupees, by seat category; blank for none) in paise."""
    prices = {}
    for category in SeatCategory:
        raw = str(entered.get(category, "")).strip()
        if not raw:
            continue
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
            raise ManagementError(f"The {category} price must be whole rupees.")
        prices[str(category)] = int(raw) * 100
    return prices


def rows_to_text(rows: list[dict]) -> str:
    """A layout's rows as the layout editor shows them (what `rows_from_text` reads)."""
    return "\n".join(
        "-" if row.get("gap") else f"{row['label']} {row['category']} {row['cells']}"
        for row in rows
    )


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
