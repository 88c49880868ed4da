"""Demo data: what make run shows, loaded twice without change, never in production."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from bookmyseat.db import read_session
from bookmyseat.models import Cinema, Movie, Screen, Seat, Showtime, ShowtimePrice, User
from bookmyseat.services.accounts.users import authenticate
from bookmyseat.services.catalog.listings import list_movies
from bookmyseat.services.demo.data import POSTER_DIR, load_demo_data
from bookmyseat.settings import with_changes


def table_counts(engine) -> dict[str, int]:
    with read_session(engine) as session:
        return {
            model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (User, Movie, Cinema, Screen, Seat, Showtime, ShowtimePrice)
        }


def test_demo_data_is_complete_and_idempotent(engine, settings) -> None:
    today = date(2030, 1, 1)  # a fixed day in the future: every show is still to come
    load_demo_data(today=today, settings=settings, engine=engine)
    first = table_counts(engine)
    load_demo_data(today=today, settings=settings, engine=engine)
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
