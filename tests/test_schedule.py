"""A movie's page data: details, trailer id, showtimes with seats left, lowest price, status."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookmyseat.db import write_session
from bookmyseat.models import Showtime, utcnow
from bookmyseat.services.catalog.showtimes import movie_detail, movie_showtimes
from tests.conftest import World, make_world


def slot(world: World, **kwargs):
    slots = {s.id: s for s in movie_showtimes(_movie_id(world), engine=world.engine, **kwargs)}
    return slots[world.showtime_id]


def _movie_id(world: World) -> int:
    with write_session(world.engine) as session:
        return session.get(Showtime, world.showtime_id).movie_id


def test_detail_of_a_movie(world: World) -> None:
    detail = movie_detail("test-movie", engine=world.engine)
    assert detail is not None and detail.card.title == "Test Movie"
    assert detail.trailer_id is None
    assert movie_detail("no-such-movie", engine=world.engine) is None


def test_seats_left_count_live_holds_and_sales_but_not_blocked_or_lapsed(world: World) -> None:
    first = slot(world)
    assert first.seats_left == 14  # 15 seats, A3 blocked
    assert first.from_price_paise == 20000
    assert first.status == "bookable" and first.cinema == "Test Cinema"
    held = world.hold(world.alice, "A1", "A2")
    assert slot(world).seats_left == 12
    world.pay(held, "p1")
    lapsing = world.hold(world.bob, "C1")
    assert slot(world).seats_left == 11
    later = lapsing.hold_expires_at + timedelta(seconds=1)
    assert slot(world, now=later).seats_left == 12


def test_sold_out_and_started_shows_are_listed_but_not_bookable(engine, settings) -> None:
    # The show starts at noon (cinema time) tomorrow, so "5 minutes after it started" is the same
    # local day whatever the hour the test runs at.
    india = ZoneInfo("Asia/Kolkata")
    noon = datetime.combine(datetime.now(india).date() + timedelta(days=1), time(12), india)
    world = make_world(engine, starts_in=noon - utcnow())
    world.settings = settings
    labels = [label for label in world.seats if label != "A3"]
    world.hold(world.alice, *labels[:10])
    world.hold(world.bob, *labels[10:])
    sold_out = slot(world)
    assert sold_out.seats_left == 0 and sold_out.status == "sold_out" and not sold_out.bookable
    started = slot(world, now=world.starts_at + timedelta(minutes=5))
    assert started.status == "started"


def test_only_the_coming_days_are_listed(world: World) -> None:
    assert movie_showtimes(_movie_id(world), days=0, engine=world.engine) == []
    assert len(movie_showtimes(_movie_id(world), days=2, engine=world.engine)) == 2
    assert movie_showtimes(_movie_id(world), city="Bengaluru", engine=world.engine) == []


def test_showtime_summary(world: World) -> None:
    from bookmyseat.services.catalog.showtimes import showtime_summary

    summary = showtime_summary(world.showtime_id, engine=world.engine)
    assert summary is not None
    assert (summary.movie_title, summary.cinema, summary.screen) == (
        "Test Movie",
        "Test Cinema",
        "Screen 1",
    )
    assert list(summary.prices.items()) == [("Classic", 20000), ("Prime", 30000)]
    assert showtime_summary(987654, engine=world.engine) is None
