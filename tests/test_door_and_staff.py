"""Door scanning (each ticket once, even from two doors at once) and staff access checks."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookmyseat.db import write_session
from bookmyseat.models import Cinema, Role, Screen, Showtime, User, utcnow
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking import errors as booking_errors
from bookmyseat.services.booking.cancellation import cancel_booking
from bookmyseat.services.booking.my_bookings import my_bookings
from bookmyseat.services.staff import access as staff
from bookmyseat.services.staff import audit, door
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import Settings
from tests.conftest import World, make_world

DOOR = audit.Actor(None, "door-1")


@dataclass(frozen=True)
class Place:
    """The world's show as the door sees it: its cinema and screen, and the other screen."""

    cinema: int
    screen: int
    other_screen: int


@pytest.fixture
def place(world: World) -> Place:
    with write_session(world.engine) as session:
        show = session.get(Showtime, world.showtime_id)
        other = session.get(Showtime, world.other_showtime_id)
        screen = session.get(Screen, show.screen_id)
        return Place(screen.cinema_id, screen.id, other.screen_id)


def paid_code(world: World, settings: Settings, *labels: str) -> tuple[str, str]:
    view = world.hold(world.alice, *labels)
    world.pay(view)
    return view.reference, ticket_code(view.reference, settings.secret_key)


def scan_at(world: World, settings: Settings, code: str, at: door.Door, before: timedelta):
    """Scan `code` at door `at`, `before` the world's show starts (negative: after)."""
    return door.scan(code, DOOR, at, now=world.starts_at - before, settings=settings,
                     engine=world.engine)  # fmt: skip


def test_a_valid_ticket_is_admitted_once(world: World, settings: Settings, place: Place) -> None:
    reference, code = paid_code(world, settings, "C1", "C2")
    at_screen = door.Door(place.cinema, place.screen)
    first = scan_at(world, settings, code, at_screen, timedelta(minutes=10))
    assert first.verdict == door.VALID and first.seats == "C1, C2" and first.reference == reference
    local = world.starts_at.astimezone(ZoneInfo("Asia/Kolkata"))
    assert first.show == f"{local:%a %d %b %Y} · {local:%H:%M} · Screen 1 · Test Cinema"
    again = scan_at(world, settings, code, door.Door(place.cinema), timedelta(minutes=9))
    assert again.verdict == door.USED and again.checked_in_at == first.checked_in_at
    assert again.message == f"Already used at {first.checked_in_text}." and again.show == first.show
    rows, total = audit.entries(action="ticket_checked_in", engine=world.engine)
    assert total == 1 and rows[0].entity_id == reference


@pytest.mark.parametrize(
    ("where", "before", "verdict", "says"),
    [
        (
            "other cinema",
            timedelta(minutes=10),
            door.WRONG_CINEMA,
            "this ticket is for Test Cinema",
        ),
        ("other screen", timedelta(minutes=10), door.WRONG_SCREEN, "this ticket is for Screen 1"),
        ("screen", timedelta(days=1), door.WRONG_DAY, "Not today: this ticket is for"),
        ("screen", timedelta(days=-1), door.WRONG_DAY, "Not today: this ticket is for"),
        ("screen", timedelta(minutes=45, seconds=1), door.TOO_EARLY, "Too early: doors open at"),
        ("screen", -timedelta(minutes=30, seconds=1), door.TOO_LATE, "Too late: the door closed"),
    ],
)
def test_a_ticket_for_another_place_or_time_is_refused_and_not_used_up(
    world: World, settings: Settings, place: Place, where: str, before: timedelta, verdict: str,
    says: str,
) -> None:  # fmt: skip
    _, code = paid_code(world, settings, "C1")
    other_cinema = door.Door(place.cinema + 1000)
    doors = {
        "other cinema": other_cinema,
        "other screen": door.Door(place.cinema, place.other_screen),
        "screen": door.Door(place.cinema, place.screen),
    }
    refused = scan_at(world, settings, code, doors[where], before)
    assert refused.verdict == verdict and says in refused.message
    assert refused.seats == "C1" and "Screen 1" in refused.show and not refused.admitted
    assert audit.entries(action="ticket_checked_in", engine=world.engine)[1] == 0
    admitted = scan_at(world, settings, code, doors["screen"], timedelta(minutes=1))
    assert admitted.verdict == door.VALID  # the refusal did not use the ticket up


@pytest.mark.parametrize("before", [timedelta(minutes=45), -timedelta(minutes=30)])
def test_the_door_window_includes_its_ends(
    world: World, settings: Settings, place: Place, before: timedelta
) -> None:
    _, code = paid_code(world, settings, "C1")
    at = door.Door(place.cinema, place.screen)
    assert scan_at(world, settings, code, at, before).verdict == door.VALID


def test_each_cinema_sets_its_own_door_window(
    world: World, settings: Settings, place: Place
) -> None:
    _, code = paid_code(world, settings, "C1")
    with write_session(world.engine) as session:
        cinema = session.get(Cinema, place.cinema)
        cinema.door_opens_minutes, cinema.door_closes_minutes = 15, 5
    at = door.Door(place.cinema)
    early = scan_at(world, settings, code, at, timedelta(minutes=20))
    local_opening = (world.starts_at - timedelta(minutes=15)).astimezone(ZoneInfo("Asia/Kolkata"))
    assert early.verdict == door.TOO_EARLY and f"{local_opening:%H:%M}" in early.message
    assert scan_at(world, settings, code, at, -timedelta(minutes=6)).verdict == door.TOO_LATE
    assert scan_at(world, settings, code, at, timedelta(minutes=14)).verdict == door.VALID


def test_a_midnight_show_is_let_in_the_evening_before(engine, settings: Settings) -> None:
    """The day is the cinema's, but the window decides: a 00:20 show's door opens at 23:35."""
    midnight = datetime(2027, 3, 15, 0, 20, tzinfo=ZoneInfo("Asia/Kolkata")).astimezone(UTC)
    world = make_world(engine, starts_in=midnight - utcnow())
    _, code = paid_code(world, settings, "C1")
    with write_session(world.engine) as session:
        cinema = session.get(Screen, session.get(Showtime, world.showtime_id).screen_id).cinema_id
    at = door.Door(cinema)
    assert scan_at(world, settings, code, at, timedelta(minutes=50)).verdict == door.WRONG_DAY
    assert scan_at(world, settings, code, at, timedelta(minutes=40)).verdict == door.VALID


def test_unknown_altered_and_unpaid_codes_are_refused(
    world: World, settings: Settings, place: Place
) -> None:
    _, code = paid_code(world, settings, "C1")
    at = door.Door(place.cinema)
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    minute = timedelta(minutes=1)
    assert scan_at(world, settings, altered, at, minute).verdict == door.INVALID
    assert scan_at(world, settings, "", at, minute).verdict == door.INVALID
    held = world.hold(world.bob, "C3")  # never paid
    unpaid = scan_at(world, settings, ticket_code(held.reference, settings.secret_key), at, minute)
    assert unpaid.verdict == door.INVALID and "held" in unpaid.message and unpaid.seats == "C3"


def test_staff_undo_a_check_in_and_the_ticket_may_enter_again(
    world: World, settings: Settings, place: Place
) -> None:
    reference, code = paid_code(world, settings, "C1")
    at = door.Door(place.cinema, place.screen)
    first = scan_at(world, settings, code, at, timedelta(minutes=5))
    undone = door.undo_check_in(reference, DOOR, now=world.starts_at, engine=world.engine)
    assert undone.verdict == door.UNDONE and first.checked_in_text in undone.message
    [row], total = audit.entries(action="ticket_check_in_undone", engine=world.engine)
    assert total == 1 and row.entity_id == reference
    assert scan_at(world, settings, code, at, timedelta(minutes=1)).verdict == door.VALID
    assert door.undo_check_in("NOSUCHREF", DOOR, engine=world.engine).verdict == door.INVALID
    door.undo_check_in(reference, DOOR, engine=world.engine)
    again = door.undo_check_in(reference, DOOR, engine=world.engine)  # nothing left to undo
    assert again.verdict == door.INVALID and "not checked in" in again.message


def test_a_checked_in_booking_cannot_be_cancelled_by_its_customer(
    world: World, settings: Settings, place: Place
) -> None:
    reference, code = paid_code(world, settings, "C1")
    scan_at(world, settings, code, door.Door(place.cinema), timedelta(minutes=5))
    now = world.starts_at - timedelta(days=1)  # long before any cut-off: only the door counts
    with pytest.raises(booking_errors.AlreadyCheckedIn):
        cancel_booking(reference, user_id=world.alice, now=now, settings=settings,
                       engine=world.engine)  # fmt: skip
    [shown] = my_bookings(world.alice, now=now, settings=settings, engine=world.engine)
    assert shown.checked_in_at is not None and not shown.cancellable
    staff_cancel = cancel_booking(reference, now=now, settings=settings, engine=world.engine)
    assert staff_cancel.status == "cancelled"  # staff still may, and the payment is refunded


def test_a_booking_not_yet_let_in_may_still_be_cancelled(world: World, settings: Settings) -> None:
    """The negative control of the rule above: the same booking before its scan."""
    reference, _ = paid_code(world, settings, "C1")
    now = world.starts_at - timedelta(days=1)
    [shown] = my_bookings(world.alice, now=now, settings=settings, engine=world.engine)
    assert shown.checked_in_at is None and shown.cancellable
    cancelled = cancel_booking(reference, user_id=world.alice, now=now, settings=settings,
                               engine=world.engine)  # fmt: skip
    assert cancelled.status == "cancelled"


def test_two_doors_scanning_at_once_admit_once(
    world: World, settings: Settings, place: Place
) -> None:
    _, code = paid_code(world, settings, "C4")
    barrier = threading.Barrier(2)
    verdicts = []

    def scan_at_door() -> None:
        barrier.wait()
        at = door.Door(place.cinema)
        verdicts.append(scan_at(world, settings, code, at, timedelta(minutes=3)).verdict)

    threads = [threading.Thread(target=scan_at_door) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(verdicts) == [door.USED, door.VALID]


def test_the_doors_are_each_cinema_and_each_of_its_screens(world: World) -> None:
    names = [(d.name, d.screen_id is None) for d in door.doors(engine=world.engine)]
    assert names == [("Test Cinema — every screen", True), ("Test Cinema — Screen 1", False),
                     ("Test Cinema — Screen 2", False)]  # fmt: skip


def staff_account(world: World, who: str) -> Account | None:
    """A real user with the role (the audit log points at users), or None for anonymous."""
    if who == "anonymous":
        return None
    with write_session(world.engine) as session:
        user = User(username=f"{who}1", email=f"{who}1@example.com", password_hash="x", role=who)
        session.add(user)
        session.flush()
        return Account(user.id, user.username, user.email, "", who)


@pytest.mark.parametrize("who", ["anonymous", Role.CUSTOMER, Role.AUDITOR, Role.ADMIN])
@pytest.mark.parametrize("write", [False, True])
def test_only_staff_read_and_only_admins_change(world: World, who: str, write: bool) -> None:
    account = staff_account(world, who)
    allowed = who == "admin" or (who == "auditor" and not write)
    if allowed:
        assert (
            staff.require_staff(account, "the dashboard", write=write, engine=world.engine)
            is account
        )
        assert audit.entries(engine=world.engine)[1] == 0
        return
    with pytest.raises(staff.AccessDenied):
        staff.require_staff(account, "the dashboard", write=write, engine=world.engine)
    rows, total = audit.entries(action="access_refused", engine=world.engine)
    assert total == 1 and rows[0].actor == (account.username if account else "anonymous")
    assert ("change" if write else "open") in rows[0].detail
