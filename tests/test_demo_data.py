"""Demo data: what make run shows, loaded twice without change, never in production."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from bookmyseat.db import read_session
from bookmyseat.models import (
    Booking,
    BookingSeat,
    Cinema,
    EmailOutbox,
    Movie,
    OutboxStatus,
    Screen,
    Seat,
    Showtime,
    ShowtimePrice,
    User,
)
from bookmyseat.services.accounts.users import authenticate
from bookmyseat.services.catalog.listings import list_movies
from bookmyseat.services.demo.data import POSTER_DIR, load_demo_data
from bookmyseat.services.reporting.analytics import dashboard
from bookmyseat.settings import with_changes
from tests.invariants import rollups_match_bookings


def table_counts(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (User, Movie, Cinema, Screen, Seat, Showtime, ShowtimePrice)
        }


def test_demo_data_is_complete_and_idempotent(engine, settings) -> None:
    today = date(2030, 1, 1)  # a fixed day in the future: every show is still to come
    load_demo_data(today=today, history_days=0, settings=settings, engine=engine)
    first = table_counts(engine)
    load_demo_data(today=today, history_days=0, settings=settings, engine=engine)
    assert table_counts(engine) == first

    assert first["Movie"] >= 8
    with read_session(engine) as session:
        movies = list(session.execute(select(Movie)).scalars())
        cities = set(session.execute(select(Cinema.city)).scalars())
        seats_per_screen = dict(
            session.execute(select(Seat.screen_id, func.count()).group_by(Seat.screen_id)).all()
        )
        days = {s.date() for s in session.execute(select(Showtime.starts_at)).scalars()}
        roles = dict(session.execute(select(User.username, User.role)).all())
    assert first["Cinema"] == 3 and len(cities) == 2
    assert first["Screen"] >= 6 and max(seats_per_screen.values()) >= 400
    assert len(set(seats_per_screen.values())) == len(seats_per_screen)  # all layouts differ
    assert len(days) >= 7
    with_trailer = [m for m in movies if m.trailer_url]
    assert len(with_trailer) > len(movies) / 2 and len(with_trailer) < len(movies)
    forms = {re.sub(r"[?&].*", "", m.trailer_url).split("/")[-2:][0] for m in with_trailer}
    assert len(forms) >= 4  # watch, youtu.be, embed, shorts ...
    for movie in movies:
        assert (POSTER_DIR / f"{movie.slug}.svg").read_text().startswith("<svg")
    assert roles == {"mzsp_": "customer", "admin1": "admin", "auditor1": "auditor"}
    assert authenticate("mzsp_", "pass@123", engine=engine) is not None
    assert authenticate("admin1", "admin@123", engine=engine) is not None
    assert authenticate("auditor1", "audit@123", engine=engine) is not None
    assert len(list_movies(engine=engine)) == first["Movie"]


def test_demo_data_refuses_production(engine, settings) -> None:
    with pytest.raises(RuntimeError, match="production"):
        load_demo_data(settings=with_changes(settings, environment="production"), engine=engine)
    assert table_counts(engine)["User"] == 0


def test_the_history_fills_the_dashboard_through_the_real_services_once(engine, settings) -> None:
    """Past sales made by holding, paying, cancelling and scanning: the roll-ups equal a rebuild
    from the bookings, no e-mail about the past waits to be sent, the dashboard has figures and
    a second load adds nothing."""
    today = date(2030, 1, 1)
    counts = load_demo_data(today=today, days=1, history_days=10, settings=settings,
                            engine=engine)  # fmt: skip
    assert counts["past bookings made"] > 50
    again = load_demo_data(today=today, days=1, history_days=10, settings=settings, engine=engine)
    assert again["past bookings made"] == 0
    rollups_match_bookings(engine)
    with read_session(engine) as session:
        statuses = dict(
            session.execute(select(Booking.status, func.count()).group_by(Booking.status)).all()
        )
        scanned = session.execute(
            select(func.count()).where(BookingSeat.checked_in_at.is_not(None))
        ).scalar_one()
        waiting = session.execute(
            select(func.count()).where(EmailOutbox.status == OutboxStatus.PENDING)
        ).scalar_one()
    assert set(statuses) == {"paid", "cancelled"} and statuses["cancelled"] >= 1
    assert scanned > statuses["paid"]  # most tickets were scanned (a booking has 1-4 seats)
    assert waiting == 0
    figures = dashboard(date(2029, 12, 22), date(2030, 1, 1), engine=engine)
    assert figures.kpis.bookings > 50 and figures.kpis.refunds_paise > 0
    hours = {hour for _, hour, tickets in figures.sales_by_weekday_hour if tickets}
    assert len(hours) >= 3, hours  # sold at several hours of the day, not one
