"""Admin catalog changes: overlapping showtimes refused, layouts round-trip, movies checked."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Cinema, Role, Screen, Seat, Showtime
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.catalog import poster_store
from bookmyseat.services.staff import audit, scheduling
from bookmyseat.services.staff import catalog_management as management
from bookmyseat.services.staff.access import AccessDenied
from bookmyseat.services.staff.catalog_management import ManagementError, MovieFields
from tests.conftest import PRICES, World


def screen_and_movie(world: World) -> tuple[int, int]:
    with read_session(world.engine) as session:
        show = session.get(Showtime, world.showtime_id)
        return show.screen_id, show.movie_id


def test_an_overlapping_showtime_is_refused(world: World, boss: Account) -> None:
    screen, movie = screen_and_movie(world)  # the world's show: starts_at, runs 100 minutes
    after = world.starts_at + timedelta(minutes=100 + 20)  # its end plus the cleaning buffer
    with pytest.raises(ManagementError, match="busy then"):
        scheduling.schedule_showtime(
            boss, movie, screen, after - timedelta(minutes=1), PRICES, engine=world.engine
        )
    with pytest.raises(ManagementError, match="busy then"):
        scheduling.schedule_showtime(
            boss,
            movie,
            screen,
            world.starts_at - timedelta(minutes=110),
            PRICES,
            engine=world.engine,
        )
    new_id = scheduling.schedule_showtime(boss, movie, screen, after, PRICES, engine=world.engine)
    assert new_id != world.showtime_id
    before = world.starts_at - timedelta(minutes=100 + 20)
    scheduling.schedule_showtime(boss, movie, screen, before, PRICES, engine=world.engine)
    with pytest.raises(ManagementError, match="price for Prime"):
        scheduling.schedule_showtime(
            boss,
            movie,
            screen,
            world.starts_at + timedelta(days=2),
            {"Classic": 100},
            engine=world.engine,
        )
    entries, _ = audit.entries(action="showtime_created", engine=world.engine)
    assert len(entries) == 2 and entries[0].actor == "boss"


def test_two_admins_scheduling_the_same_slot_get_one_show(world: World, boss: Account) -> None:
    screen, movie = screen_and_movie(world)
    slot = world.starts_at + timedelta(days=3)
    barrier, outcomes = threading.Barrier(2), []

    def schedule() -> None:
        barrier.wait()
        try:
            outcomes.append(
                scheduling.schedule_showtime(boss, movie, screen, slot, PRICES, engine=world.engine)
            )
        except ManagementError:
            outcomes.append("refused")

    threads = [threading.Thread(target=schedule) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes))[-1] == "refused" and outcomes.count("refused") == 1


def test_a_layout_round_trips_through_the_editor(world: World, boss: Account) -> None:
    rows = [
        {"label": "A", "category": "Classic", "cells": "WSS_SSX"},
        {"gap": True},
        {"label": "B", "category": "Prime", "cells": "SSSS_SS"},
    ]
    with read_session(world.engine) as session:
        cinema = session.execute(select(Cinema.id)).scalars().first()
    screen_id = scheduling.add_screen(boss, cinema, "Screen 9", rows, engine=world.engine)
    with read_session(world.engine) as session:
        screen = session.get(Screen, screen_id)
        seats = session.execute(select(Seat).where(Seat.screen_id == screen_id)).scalars().all()
    assert json.loads(screen.layout)["rows"] == rows
    assert len(seats) == 12 and sum(s.is_wheelchair for s in seats) == 1
    assert [s.label for s in seats if s.is_blocked] == ["A6"]
    with pytest.raises(ManagementError, match="unknown category"):
        scheduling.add_screen(
            boss,
            cinema,
            "Screen 10",
            [{"label": "A", "category": "Gold", "cells": "SS"}],
            engine=world.engine,
        )
    with pytest.raises(ManagementError, match="already has a screen"):
        scheduling.add_screen(boss, cinema, "Screen 9", rows, engine=world.engine)


def test_movies_are_checked_and_audited(world: World, boss: Account) -> None:
    fields = MovieFields(
        title="Monsoon Nights", runtime_minutes=130, trailer_url="https://youtu.be/dQw4w9WgXcQ"
    )
    movie_id = management.save_movie(boss, fields, engine=world.engine)
    with pytest.raises(ManagementError, match="YouTube"):
        management.save_movie(
            boss, MovieFields(title="X", trailer_url="https://vimeo.com/1"), engine=world.engine
        )
    with pytest.raises(ManagementError, match="exists already"):
        management.save_movie(boss, fields, engine=world.engine)
    management.save_movie(
        boss,
        MovieFields(title="Monsoon Nights", runtime_minutes=140),
        movie_id,
        engine=world.engine,
    )
    management.retire_movie(boss, movie_id, engine=world.engine)
    actions = [e.action for e in audit.entries(entity="movie", engine=world.engine)[0]]
    assert actions == ["movie_retired", "movie_edited", "movie_created"]
    edited = audit.entries(action="movie_edited", engine=world.engine)[0][0]
    assert '"runtime_minutes": 130' in edited.before and '"runtime_minutes": 140' in edited.after


def test_auditors_cannot_change_the_catalog(world: World) -> None:
    auditor = Account(world.alice, "alice", "alice@example.com", "", Role.AUDITOR)
    screen, movie = screen_and_movie(world)
    with pytest.raises(AccessDenied):
        scheduling.schedule_showtime(
            auditor, movie, screen, world.starts_at + timedelta(days=5), PRICES, engine=world.engine
        )
    with pytest.raises(AccessDenied):
        management.save_movie(auditor, MovieFields(title="Nope"), engine=world.engine)
    assert audit.entries(action="access_refused", engine=world.engine)[1] == 2


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_poster_upload_is_checked_stored_and_served(
    world: World, boss: Account, tmp_path, monkeypatch
) -> None:
    from starlette.testclient import TestClient

    from bookmyseat.api import api

    with read_session(world.engine) as session:
        movie_id = session.execute(select(Showtime.movie_id)).scalars().first()
    url = management.store_poster(boss, movie_id, PNG, tmp_path, engine=world.engine)
    assert url.startswith("/api/posters/test-movie-") and url.endswith(".png")
    with pytest.raises(ManagementError, match="PNG, JPEG or WebP"):
        management.store_poster(
            boss, movie_id, b"<svg onload=alert(1)>", tmp_path, engine=world.engine
        )
    with pytest.raises(ManagementError, match="at most 2 MB"):
        management.store_poster(
            boss, movie_id, PNG + b"\x00" * 2_000_000, tmp_path, engine=world.engine
        )
    auditor = Account(world.alice, "alice", "alice@example.com", "", Role.AUDITOR)
    with pytest.raises(AccessDenied):
        management.store_poster(auditor, movie_id, PNG, tmp_path, engine=world.engine)
    assert len(list(tmp_path.iterdir())) == 1
    assert audit.entries(action="poster_uploaded", engine=world.engine)[1] == 1

    monkeypatch.setattr(poster_store, "UPLOADED_POSTERS", tmp_path)
    client = TestClient(api)
    served = client.get(url)
    assert served.status_code == 200 and served.content == PNG
    assert served.headers["content-type"] == "image/png"
    assert client.get("/api/posters/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert client.get("/api/posters/missing.png").status_code == 404


def test_posters_kept_in_the_database_are_served_by_any_app_server(
    world: World, boss: Account, settings, monkeypatch
) -> None:
    """BOOKMYSEAT_POSTER_STORAGE=database: the upload and the movie's pointer are written in one
    transaction, and the route reads the bytes from the database, not a local folder."""
    from starlette.testclient import TestClient

    from bookmyseat.api import api, posters
    from bookmyseat.settings import with_changes

    with read_session(world.engine) as session:
        movie_id = session.execute(select(Showtime.movie_id)).scalars().first()
    in_database = with_changes(settings, poster_storage="database")
    folder = poster_store.posters_folder(in_database)
    assert folder is None
    url = management.store_poster(boss, movie_id, PNG, folder, engine=world.engine)
    name = url.rsplit("/", 1)[-1]
    assert poster_store.read(None, name, engine=world.engine) == PNG
    monkeypatch.setattr(posters, "get_settings", lambda: in_database)
    real_read = poster_store.read
    monkeypatch.setattr(
        poster_store, "read", lambda folder, name: real_read(folder, name, engine=world.engine)
    )
    served = TestClient(api).get(url)
    assert served.status_code == 200 and served.content == PNG
    assert TestClient(api).get("/api/posters/test-movie-000000000000.png").status_code == 404


def test_cinemas_are_checked_and_audited(world: World, boss: Account) -> None:
    cinema = management.add_cinema(
        boss, "PVR Koramangala", "Bengaluru", "1 Forum Road", engine=world.engine
    )
    with pytest.raises(ManagementError, match="exists already"):
        management.add_cinema(boss, "PVR Koramangala", "Bengaluru", "x", engine=world.engine)
    with pytest.raises(ManagementError, match="not a time zone"):
        management.add_cinema(boss, "New", "Pune", "x", "Mars/Olympus", engine=world.engine)
    with pytest.raises(ManagementError, match="needs a name"):
        management.add_cinema(boss, " ", "Pune", "x", engine=world.engine)
    [entry] = audit.entries(action="cinema_created", engine=world.engine)[0]
    assert entry.entity_id == str(cinema)


def test_the_edit_form_gets_the_movie_as_saved(world: World, boss: Account) -> None:
    fields = MovieFields(
        title="Edit Me", runtime_minutes=101, genres="Drama", trailer_url="dQw4w9WgXcQ"
    )
    movie_id = management.save_movie(boss, fields, engine=world.engine)
    assert management.movie_fields(boss, movie_id, engine=world.engine) == fields


def cinema_in(world: World, zone: str) -> None:
    with write_session(world.engine) as session:
        screen = session.get(Screen, screen_and_movie(world)[0])
        session.get(Cinema, screen.cinema_id).timezone = zone


@pytest.mark.parametrize(
    ("zone", "typed", "utc"),
    [
        # Asia/Kolkata: UTC+5:30 all year; 02:00 local is the evening before in UTC.
        ("Asia/Kolkata", datetime(2031, 3, 15, 2, 0), datetime(2031, 3, 14, 20, 30)),
        ("Asia/Kolkata", datetime(2031, 3, 15, 21, 0), datetime(2031, 3, 15, 15, 30)),
        # Europe/London: GMT in winter, BST (UTC+1) in summer.
        ("Europe/London", datetime(2031, 1, 15, 21, 0), datetime(2031, 1, 15, 21, 0)),
        ("Europe/London", datetime(2031, 7, 15, 21, 0), datetime(2031, 7, 15, 20, 0)),
        # The hour that happens twice when the clocks go back: the first of the two.
        ("Europe/London", datetime(2031, 10, 26, 1, 30), datetime(2031, 10, 26, 0, 30)),
    ],
)
def test_staff_enter_a_showtime_on_the_cinemas_clock(
    world: World, boss: Account, zone: str, typed: datetime, utc: datetime
) -> None:
    cinema_in(world, zone)
    screen, movie = screen_and_movie(world)
    new_id = scheduling.schedule_showtime(boss, movie, screen, typed, PRICES, engine=world.engine)
    with read_session(world.engine) as session:
        assert session.get(Showtime, new_id).starts_at == utc.replace(tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_and_clashes_are_named_on_the_cinemas_clock(
    world: World, boss: Account
) -> None:
    cinema_in(world, "Europe/London")
    screen, movie = screen_and_movie(world)
    with pytest.raises(ManagementError, match=r"01:30 does not happen in Europe/London"):
        scheduling.schedule_showtime(
            boss, movie, screen, datetime(2031, 3, 30, 1, 30), PRICES, engine=world.engine
        )
    scheduling.schedule_showtime(
        boss, movie, screen, datetime(2031, 7, 15, 21, 0), PRICES, engine=world.engine
    )
    with pytest.raises(ManagementError, match=r"starts at 15 Jul 21:00 BST"):
        scheduling.schedule_showtime(
            boss, movie, screen, datetime(2031, 7, 15, 22, 0), PRICES, engine=world.engine
        )
