"""Scheduling a week at once: the preview lists every show and every clash (overlap with the
cleaning buffer, in the plan itself, outside opening hours, in the past, a skipped clock time);
creating makes all the shows in one transaction or none."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Cinema, Screen, Showtime
from bookmyseat.services.staff import audit
from bookmyseat.services.staff import week_scheduling as week
from bookmyseat.services.staff.catalog_management import ManagementError
from tests.conftest import PRICES, World

MONDAY = date(2031, 3, 3)


def ids(world: World) -> tuple[int, int]:
    with read_session(world.engine) as session:
        show = session.get(Showtime, world.showtime_id)
        return show.movie_id, show.screen_id  # the movie runs 100 minutes


def shows_on(world: World, screen: int) -> int:
    with read_session(world.engine) as session:
        return len(session.execute(select(Showtime.id).where(Showtime.screen_id == screen)).all())


def test_a_clear_week_is_previewed_then_created_in_one_go(world: World, boss) -> None:
    movie, screen = ids(world)
    days = [MONDAY + timedelta(days=i) for i in range(7)]
    proposals = week.grid(movie, [screen], days, [time(10), time(13, 30), time(21)], PRICES)
    preview = week.plan(boss, proposals, engine=world.engine)
    assert len(preview.shows) == 21 and preview.clashes == 0
    assert preview.shows[0].starts == "Mon 03 Mar 10:00"
    before = shows_on(world, screen)
    week.plan(boss, proposals, create=True, engine=world.engine)
    assert shows_on(world, screen) == before + 21
    _, created = audit.entries(action="showtime_created", engine=world.engine)
    assert created == 21
    # Copying that week proposes the same 21 shows a week later, which do not clash.
    again = week.next_week_of(boss, [screen], MONDAY, engine=world.engine)
    assert len(again) == 21 and again[0].local_start == datetime(2031, 3, 10, 10, 0)
    assert week.plan(boss, again, create=True, engine=world.engine).clashes == 0
    assert week.plan(boss, again, engine=world.engine).clashes == 21  # now they exist


def test_every_kind_of_clash_is_named_and_nothing_is_made(world: World, boss) -> None:
    movie, screen = ids(world)
    thursday = MONDAY + timedelta(days=3)
    week.plan(boss, week.grid(movie, [screen], [thursday], [time(18)], PRICES), create=True,
              engine=world.engine)  # fmt: skip
    proposals = [
        *week.grid(movie, [screen], [MONDAY], [time(10), time(11, 30)], PRICES),
        *week.grid(movie, [screen], [MONDAY + timedelta(days=1)], [time(10), time(12)], PRICES),
        *week.grid(movie, [screen], [MONDAY], [time(8, 0), time(23, 30)], PRICES),
        *week.grid(movie, [screen], [date(2020, 1, 1)], [time(10)], PRICES),
        *week.grid(movie, [screen], [thursday], [time(19)], PRICES),
    ]
    preview = week.plan(boss, proposals, engine=world.engine)
    problems = {s.starts: s.problem for s in preview.shows}
    assert problems["Mon 03 Mar 10:00"] == ""
    assert problems["Mon 03 Mar 11:30"] == "clashes with Test Movie at 10:00 IST (this plan)"
    # 10:00 runs to 11:40; with 20 minutes' cleaning the next may start at 12:00.
    assert problems["Tue 04 Mar 10:00"] == problems["Tue 04 Mar 12:00"] == ""
    assert problems["Mon 03 Mar 08:00"].startswith("outside opening hours (09:00–01:00)")
    assert problems["Mon 03 Mar 23:30"].startswith("outside opening hours")  # ends 01:10
    assert problems["Wed 01 Jan 10:00"] == "starts in the past"
    assert problems["Thu 06 Mar 19:00"] == "clashes with Test Movie at 18:00 IST"  # scheduled
    before = shows_on(world, screen)
    with pytest.raises(ManagementError, match="5 of the 8 shows clash; nothing was scheduled"):
        week.plan(boss, proposals, create=True, engine=world.engine)
    assert shows_on(world, screen) == before


def test_a_time_the_clocks_skip_is_a_clash_and_prices_are_needed(world: World, boss) -> None:
    movie, screen = ids(world)
    with write_session(world.engine) as session:
        session.get(Cinema, session.get(Screen, screen).cinema_id).timezone = "Europe/London"
    skipped = week.grid(movie, [screen], [date(2031, 3, 30)], [time(1, 30), time(10)], PRICES)
    problems = [s.problem for s in week.plan(boss, skipped, engine=world.engine).shows]
    assert problems[0].startswith("30 Mar 2031 01:30 does not happen in Europe/London")
    assert problems[1] == ""
    with pytest.raises(ManagementError, match="Give a price for Prime"):
        week.plan(boss, week.grid(movie, [screen], [MONDAY], [time(10)], {"Classic": 100}),
                  engine=world.engine)  # fmt: skip
    with pytest.raises(ManagementError, match="at least one screen"):
        week.plan(boss, [], engine=world.engine)


def test_the_forms_days_and_start_times_are_read_or_refused_with_a_reason() -> None:
    assert week.days_between("2031-03-03", "2031-03-05") == [
        date(2031, 3, 3), date(2031, 3, 4), date(2031, 3, 5)
    ]  # fmt: skip
    assert week.days_between("2031-03-03", "") == [date(2031, 3, 3)]
    assert week.start_times("10:00, 13:30 21") == [time(10), time(13, 30), time(21)]
    for first, last in (("", ""), ("2031-03-05", "2031-03-03"), ("2031-03-01", "2031-03-20")):
        with pytest.raises(ManagementError):
            week.days_between(first, last)
    for typed in ("", "25:00", "noon"):
        with pytest.raises(ManagementError):
            week.start_times(typed)
