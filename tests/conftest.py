"""Fixtures: each test gets an empty database on SQLite and on PostgreSQL, and a small venue."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.models import Movie, Role, User, utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.booking.records import BookingView
from bookmyseat.services.catalog.layouts import layout_json
from bookmyseat.services.catalog.venues import (
    get_or_create_cinema,
    get_or_create_screen,
    get_or_create_showtime,
)
from bookmyseat.settings import Settings, load_settings, with_changes
from tests.databases import empty_tables, postgres_database, sqlite_database

# Fixtures shared by the Stripe tests (the stand-in server and settings pointing at it).
pytest_plugins = ["tests.stripe_payments_helpers"]

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")


@pytest.fixture(autouse=True)
def fresh_throttles() -> Iterator[None]:
    """Each test starts with no throttle counts (the limiter keeps them in memory here)."""
    from bookmyseat.services.accounts import throttle
    from bookmyseat.services.staff import access

    throttle._limiter.cache_clear()
    access._not_logged.clear()
    yield


@pytest.fixture(autouse=True)
def fresh_onsale_lines() -> Iterator[None]:
    """Each test starts with no on-sale line settings remembered and, without Redis, no line
    in this process (the showtime ids of one test's database are another's)."""
    from bookmyseat.services.onsale import line, queues

    queues.forget_rules()
    line._lines.clear()
    yield


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory) -> Iterator[Engine]:
    with sqlite_database(tmp_path_factory.mktemp("sqlite")) as engine:
        yield engine


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    with postgres_database() as engine:
        yield engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request) -> Iterator[Engine]:
    """An empty, migrated database; every test using it runs on both databases."""
    engine = request.getfixturevalue(f"{request.param}_engine")
    empty_tables(engine)
    yield engine


@pytest.fixture
def settings() -> Settings:
    return with_changes(
        load_settings(),
        hold_minutes=10,
        max_seats_per_booking=10,
        cancel_cutoff_minutes=120,
        convenience_fee_paise_per_seat=3000,
        currency="inr",
        environment="test",
    )


# Two rows of Classic, an aisle, a row of Prime; A3 blocked, B1 a wheelchair space.
SMALL_LAYOUT = [
    {"label": "A", "category": "Classic", "cells": "SSX_SS"},
    {"label": "B", "category": "Classic", "cells": "WSS_SS"},
    {"gap": True},
    {"label": "C", "category": "Prime", "cells": "SSS_SS"},
]
PRICES = {"Classic": 20000, "Prime": 30000}


@dataclass
class World:
    engine: Engine
    showtime_id: int
    other_showtime_id: int
    starts_at: datetime
    seats: dict[str, int]  # label -> seat id
    other_screen_seat: int
    alice: int
    bob: int

    settings: Settings | None = None

    def ids(self, *labels: str) -> list[int]:
        return [self.seats[label] for label in labels]

    def pay(self, view: BookingView, provider_ref: str = "pay_1") -> None:
        """Pay a held booking's exact total through the engine."""
        confirm_payment(
            view.reference,
            amount_paise=view.total_paise,
            currency=view.currency,
            provider="demo",
            provider_ref=provider_ref,
            engine=self.engine,
        )

    def hold(self, user: int, *labels: str, now: datetime | None = None) -> BookingView:
        """Hold seats by label with the test settings."""
        return hold_seats(
            user,
            self.showtime_id,
            self.ids(*labels),
            now=now,
            settings=self.settings,
            engine=self.engine,
        )


def make_world(engine: Engine, *, starts_in: timedelta = timedelta(days=1)) -> World:
    starts_at = utcnow().replace(microsecond=0) + starts_in
    with write_session(engine) as session:
        cinema = get_or_create_cinema(session, "Test Cinema", "Mumbai", "1 Test Road")
        screen = get_or_create_screen(session, cinema, "Screen 1", layout_json(SMALL_LAYOUT))
        other = get_or_create_screen(session, cinema, "Screen 2", layout_json([SMALL_LAYOUT[0]]))
        movie = Movie(slug="test-movie", title="Test Movie", runtime_minutes=100)
        session.add(movie)
        session.flush()
        showtime = get_or_create_showtime(session, movie, screen, starts_at, PRICES)
        other_show = get_or_create_showtime(session, movie, other, starts_at, PRICES)
        users = []
        for name in ("alice", "bob"):
            user = User(
                username=name,
                email=f"{name}@example.com",
                password_hash="unusable",  # these users never log in
                role=Role.CUSTOMER,
            )
            session.add(user)
            users.append(user)
        session.flush()
        from sqlalchemy import select

        from bookmyseat.models import Seat

        seats = {
            s.label: s.id
            for s in session.execute(select(Seat).where(Seat.screen_id == screen.id)).scalars()
        }
        other_seat = session.execute(
            select(Seat.id).where(Seat.screen_id == other.id).limit(1)
        ).scalar_one()
        return World(
            engine,
            showtime.id,
            other_show.id,
            starts_at,
            seats,
            other_seat,
            users[0].id,
            users[1].id,
        )


@pytest.fixture
def world(engine: Engine, settings: Settings) -> World:
    world = make_world(engine)
    world.settings = settings
    return world


@pytest.fixture
def boss(world: World) -> Account:
    """An admin of the world's database (staff actions need one)."""
    with write_session(world.engine) as session:
        user = User(username="boss", email="boss@example.com", password_hash="x", role=Role.ADMIN)
        session.add(user)
        session.flush()
        return Account(user.id, "boss", "boss@example.com", "", Role.ADMIN)
