"""The dashboard's days and hours are on the cinema's clock: a sale just after midnight in India
belongs to the new Indian day, and a day in New York that loses an hour to daylight saving has
23 hours, both exactly (the roll-ups are kept by UTC quarter-hour); the roll-ups still equal a
rebuild, and the CSV gives each payment on its cinema's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from bookmyseat.db import write_session
from bookmyseat.models import Cinema, Role
from bookmyseat.services.reporting.analytics import dashboard
from bookmyseat.services.reporting.local_clock import offset_spans
from bookmyseat.services.staff import exports
from tests.conftest import World
from tests.invariants import rollups_match_bookings
from tests.test_admin_actions import account_with
from tests.test_analytics import pay_at


def in_zone(world: World, zone: str) -> int:
    with write_session(world.engine) as session:
        session.execute(update(Cinema).values(timezone=zone))
        return session.execute(select(Cinema.id)).scalar_one()


def test_a_sale_after_midnight_in_india_is_on_the_new_indian_day(world: World) -> None:
    cinema = in_zone(world, "Asia/Kolkata")
    pay_at(world, world.alice, ("C1",), datetime(2026, 3, 14, 18, 29, tzinfo=UTC))  # 23:59 IST
    pay_at(world, world.bob, ("A1",), datetime(2026, 3, 14, 18, 45, tzinfo=UTC))  # 00:15 IST
    saturday = dashboard(date(2026, 3, 14), date(2026, 3, 15), cinema, engine=world.engine)
    sunday = dashboard(date(2026, 3, 15), date(2026, 3, 16), cinema, engine=world.engine)
    assert (saturday.kpis.bookings, sunday.kpis.bookings) == (1, 1)
    assert saturday.revenue_by_day == [("2026-03-14", 33_000)]
    assert sunday.revenue_by_day == [("2026-03-15", 23_000)]
    assert saturday.sales_by_weekday_hour == [(6, 23, 1)]  # Saturday, 23:00
    assert sunday.sales_by_weekday_hour == [(0, 0, 1)]  # Sunday, 00:00
    assert saturday.category_mix == [("Prime", 1)] and sunday.category_mix == [("Classic", 1)]
    assert sunday.zone == "Asia/Kolkata"
    rollups_match_bookings(world.engine)
    # In UTC both were sold on the 14th: the whole-UTC-day grain could not have told them apart.


def test_a_daylight_saving_day_in_new_york_has_23_hours_and_loses_no_sale(world: World) -> None:
    cinema = in_zone(world, "America/New_York")  # clocks go 02:00 → 03:00 on 8 March 2026
    sales = [
        (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), ("A1",)),  # 00:00 EST: the day's first minute
        (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), ("A4",)),  # 01:30 EST
        (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), ("C1",)),  # 03:30 EDT
        (datetime(2026, 3, 9, 3, 59, tzinfo=UTC), ("C4",)),  # 23:59 EDT: the day's last minute
        (datetime(2026, 3, 9, 4, 0, tzinfo=UTC), ("B4",)),  # 00:00 EDT on the 9th
    ]
    for i, (when, seats) in enumerate(sales):
        pay_at(world, world.alice if i % 2 else world.bob, seats, when)
    day = dashboard(date(2026, 3, 8), date(2026, 3, 9), cinema, engine=world.engine)
    assert day.kpis.bookings == 4
    assert [d for d, _ in day.revenue_by_day] == ["2026-03-08"]
    assert day.sales_by_weekday_hour == [(0, 0, 1), (0, 1, 1), (0, 3, 1), (0, 23, 1)]
    assert sum(n for _, n in day.category_mix) == 4
    after = dashboard(date(2026, 3, 9), date(2026, 3, 10), cinema, engine=world.engine)
    assert after.kpis.bookings == 1 and after.sales_by_weekday_hour == [(1, 0, 1)]
    # All cinemas read the site's clock (India): the same five sales fall on other days there.
    site = dashboard(date(2026, 3, 8), date(2026, 3, 9), None, engine=world.engine)
    assert site.zone == "Asia/Kolkata" and site.kpis.bookings == 3  # 10:30, 12:00, 13:00 IST
    rollups_match_bookings(world.engine)

    auditor = account_with(world, Role.AUDITOR)
    csv = exports.bookings_csv(auditor, date(2026, 3, 8), date(2026, 3, 9), cinema,
                               engine=world.engine)  # fmt: skip
    lines = csv.splitlines()
    assert lines[0].split(",")[2:5] == ["paid_at_utc", "paid_at_cinema_time", "cinema"]
    assert len(lines) == 1 + 4
    assert "2026-03-08 01:30:00 EST" in csv and "2026-03-08 03:30:00 EDT" in csv
    assert "2026-03-08 23:59:00 EDT" in csv and "2026-03-09 00:00:00" not in csv


def test_a_sale_on_the_last_minute_before_a_quarter_counts_in_that_quarter(world: World) -> None:
    cinema = in_zone(world, "Asia/Kathmandu")  # UTC+05:45: days start at 18:15 UTC
    pay_at(world, world.alice, ("C1",), datetime(2026, 5, 1, 18, 14, 59, tzinfo=UTC))  # 23:59:59
    pay_at(world, world.bob, ("A1",), datetime(2026, 5, 1, 18, 15, tzinfo=UTC))  # 00:00 on the 2nd
    first = dashboard(date(2026, 5, 1), date(2026, 5, 2), cinema, engine=world.engine)
    second = dashboard(date(2026, 5, 2), date(2026, 5, 2) + timedelta(days=1), cinema,
                       engine=world.engine)  # fmt: skip
    assert (first.kpis.bookings, second.kpis.bookings) == (1, 1)
    assert first.sales_by_weekday_hour == [(5, 23, 1)] and second.sales_by_weekday_hour == [
        (6, 0, 1)
    ]
    rollups_match_bookings(world.engine)


def test_a_window_splits_where_the_zones_offset_changes_to_the_quarter_hour() -> None:
    def spans(zone: str, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
        return [(f"{a:%d %H:%M}", f"{b:%d %H:%M}", o // 60)
                for a, b, o in offset_spans(start, end, zone)]  # fmt: skip

    march = (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))
    assert spans("America/New_York", *march) == [
        ("08 05:00", "08 07:00", -300),  # EST until 02:00 local, 07:00 UTC
        ("08 07:00", "09 04:00", -240),
    ]
    assert spans("Asia/Kolkata", *march) == [("08 05:00", "09 04:00", 330)]
    # Lord Howe Island moves half an hour, at 02:00 local = 15:30 UTC: found to the quarter.
    october = (datetime(2026, 10, 3, 13, tzinfo=UTC), datetime(2026, 10, 4, 13, tzinfo=UTC))
    assert spans("Australia/Lord_Howe", *october) == [
        ("03 13:00", "03 15:30", 630),
        ("03 15:30", "04 13:00", 660),
    ]
