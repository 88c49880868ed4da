"""Door scanning (each ticket once, even from two doors at once) and staff access checks."""

from __future__ import annotations

import threading

import pytest

from bookmyseat.db import write_session
from bookmyseat.models import Role, User
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.staff import access as staff
from bookmyseat.services.staff import audit, door
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import Settings
from tests.conftest import World

DOOR = audit.Actor(None, "door-1")


def paid_code(world: World, settings: Settings, *labels: str) -> tuple[str, str]:
    view = world.hold(world.alice, *labels)
    world.pay(view)
    return view.reference, ticket_code(view.reference, settings.secret_key)


def test_a_valid_ticket_is_admitted_once(world: World, settings: Settings) -> None:
    reference, code = paid_code(world, settings, "C1", "C2")
    first = door.scan(
        code, DOOR, showtime_id=world.showtime_id, settings=settings, engine=world.engine
    )
    assert first.verdict == door.VALID and first.seats == "C1, C2" and first.reference == reference
    again = door.scan(
        code, DOOR, showtime_id=world.showtime_id, settings=settings, engine=world.engine
    )
    assert again.verdict == door.USED and again.checked_in_at == first.checked_in_at
    rows, total = audit.entries(action="ticket_checked_in", engine=world.engine)
    assert total == 1 and rows[0].entity_id == reference


def test_wrong_show_invalid_and_unpaid_codes_are_refused(world: World, settings: Settings) -> None:
    _, code = paid_code(world, settings, "C1")
    other = door.scan(
        code, DOOR, showtime_id=world.other_showtime_id, settings=settings, engine=world.engine
    )
    assert other.verdict == door.WRONG_SHOW
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert door.scan(altered, DOOR, settings=settings, engine=world.engine).verdict == door.INVALID
    assert door.scan("", DOOR, settings=settings, engine=world.engine).verdict == door.INVALID
    held = world.hold(world.bob, "C3")  # never paid
    unpaid = door.scan(
        ticket_code(held.reference, settings.secret_key),
        DOOR,
        settings=settings,
        engine=world.engine,
    )
    assert unpaid.verdict == door.INVALID and "held" in unpaid.message
    # The wrong-show scan did not use the ticket up.
    assert (
        door.scan(
            code, DOOR, showtime_id=world.showtime_id, settings=settings, engine=world.engine
        ).verdict
        == door.VALID
    )


def test_two_doors_scanning_at_once_admit_once(world: World, settings: Settings) -> None:
    _, code = paid_code(world, settings, "C4")
    barrier = threading.Barrier(2)
    verdicts = []

    def scan_at_door() -> None:
        barrier.wait()
        verdicts.append(door.scan(code, DOOR, settings=settings, engine=world.engine).verdict)

    threads = [threading.Thread(target=scan_at_door) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(verdicts) == [door.USED, door.VALID]


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
