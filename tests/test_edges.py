"""Edges found by outside testing, at the service layer: ids no row can have, dates no calendar
holds, exports that would run formulas or never end, and a staff cancel whose audit entry fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from bookmyseat.db import MAX_ROW_ID, write_session
from bookmyseat.models import BookingStatus, Movie, Role
from bookmyseat.services.booking import errors
from bookmyseat.services.booking.availability import seat_map
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.booking.records import get_booking
from bookmyseat.services.catalog.showtimes import movie_showtimes, showtime_summary
from bookmyseat.services.mail.outbox import retry_failed
from bookmyseat.services.reporting.ranges import RangeRefused, range_days
from bookmyseat.services.staff import actions, audit, exports, scheduling
from bookmyseat.services.staff import catalog_management as management
from bookmyseat.services.staff.catalog_management import ManagementError
from bookmyseat.settings import Settings
from tests.conftest import PRICES, World
from tests.test_admin_actions import account_with

NO_ROW = [0, -1, MAX_ROW_ID + 1, 10**20, -(10**20)]


@pytest.mark.parametrize("bad", NO_ROW)
def test_ids_no_row_can_have_mean_not_found(world: World, settings: Settings, bad: int) -> None:
    """On PostgreSQL a 10**20 reached the database as an integer out of range: a 500, not 'no'."""
    with pytest.raises(errors.ShowtimeNotFound):
        hold_seats(world.alice, bad, world.ids("C1"), settings=settings, engine=world.engine)
    with pytest.raises(errors.SeatNotFound):
        hold_seats(world.alice, world.showtime_id, [bad], settings=settings, engine=world.engine)
    assert seat_map(bad, engine=world.engine) == []
    assert showtime_summary(bad, engine=world.engine) is None
    assert movie_showtimes(bad, engine=world.engine) == []
    retry_failed(bad, engine=world.engine)  # nothing to retry, and no error
    boss = account_with(world, Role.ADMIN)
    for call in (
        lambda: management.movie_fields(boss, bad, engine=world.engine),
        lambda: management.retire_movie(boss, bad, engine=world.engine),
        lambda: scheduling.add_screen(boss, bad, "Audi 9", [], engine=world.engine),
        lambda: scheduling.schedule_showtime(
            boss, bad, bad, world.starts_at + timedelta(days=3), PRICES, engine=world.engine
        ),
    ):
        with pytest.raises(ManagementError):
            call()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("9999-12-31", "9999-12-31", "at most"),
        ("0001-01-01", "9999-12-31", "at most"),
        ("2026-03-01", "2026-02-01", "ends before it starts"),
        ("0001-01-01", "0001-01-02", "between 2000 and 2100"),  # no UTC instant east of UTC
        ("2101-01-01", "2101-01-02", "between 2000 and 2100"),
    ],
)
def test_custom_ranges_no_dashboard_can_show_are_refused(start, end, message) -> None:
    with pytest.raises(RangeRefused, match=message):
        range_days("Custom", start, end)


def test_a_custom_range_is_whole_days() -> None:
    first, after = range_days("Custom", "2026-02-01", "2026-02-28")
    assert (first, after) == (date(2026, 2, 1), date(2026, 3, 1))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("Chai & Chaos", "Chai & Chaos"),
        (12, 12),
    ],
)
def test_spreadsheet_formulas_are_quoted(cell, written) -> None:
    assert exports.spreadsheet_safe(cell) == written


def test_the_export_quotes_a_formula_in_a_title(world: World) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)
    with write_session(world.engine) as session:
        session.execute(update(Movie).values(title="=cmd|'/C calc'!A0"))
    boss = account_with(world, Role.AUDITOR)
    now = datetime.now(UTC)
    text = exports.bookings_csv(boss, now.date() - timedelta(days=1),
                                now.date() + timedelta(days=2), engine=world.engine)  # fmt: skip
    assert "'=cmd|" in text and ",=cmd" not in text


def test_an_export_larger_than_its_bound_is_refused(world: World, monkeypatch) -> None:
    for label in ("C1", "C2"):
        world.pay(world.hold(world.alice, label), provider_ref=f"pay_{label}")
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    boss = account_with(world, Role.ADMIN)
    now = datetime.now(UTC)
    with pytest.raises(exports.ExportTooLarge, match="2 bookings"):
        exports.bookings_csv(boss, now.date() - timedelta(days=1),
                             now.date() + timedelta(days=2), engine=world.engine)  # fmt: skip


def test_a_staff_cancel_and_its_audit_entry_commit_together(world: World, monkeypatch) -> None:
    view = world.hold(world.alice, "C1")
    world.pay(view)
    boss = account_with(world, Role.ADMIN)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is full")

    monkeypatch.setattr(audit, "add_entry", broken)
    with pytest.raises(RuntimeError):
        actions.cancel_as_staff(boss, view.reference, engine=world.engine)
    assert get_booking(view.reference, engine=world.engine).status == BookingStatus.PAID
    monkeypatch.undo()
    assert actions.cancel_as_staff(boss, view.reference, engine=world.engine) == "cancelled"
    entries, _ = audit.entries(action="booking_cancelled", engine=world.engine)
    assert [e.entity_id for e in entries] == [view.reference]


def test_pages_no_client_should_reach_are_clamped(world: World) -> None:
    boss = account_with(world, Role.AUDITOR)
    assert actions.activity(boss, 10**15, engine=world.engine) == ([], False)
    assert actions.audit_log(boss, page=10**15, engine=world.engine)[0] == []
