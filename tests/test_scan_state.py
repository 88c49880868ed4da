"""The door scanner's page state, driven as Reflex drives it: set once to a door of a cinema
(remembered on the device), never to an internal showtime number; each verdict names the show's
date, time and screen and the seats; a wrong ticket is refused without being used up, and a
check-in can be undone. The rules are services.staff.door's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import BookingSeat, Role, User
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.staff import door
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import get_settings
from bookmyseat.state import admin as admin_state
from bookmyseat.state.admin_tools import ScanState
from tests.conftest import World, make_world
from tests.test_offer_states import signed_in, texts
from tests.test_waitlist import run


@pytest.fixture
def soon(engine, settings) -> World:
    """A show starting in ten minutes: its door is open now."""
    world = make_world(engine, starts_in=timedelta(minutes=10))
    world.settings = settings
    return world


@pytest.fixture
def admin(engine) -> Account:
    """An admin of the test database (who scans)."""
    with write_session(engine) as session:
        user = User(username="doorman", email="door@example.com", password_hash="x",
                    role=Role.ADMIN)  # fmt: skip
        session.add(user)
        session.flush()
        return Account(user.id, "doorman", "door@example.com", "", Role.ADMIN)


def scanner_on(world: World, account: Account, monkeypatch) -> ScanState:
    """The scanner page's state, its staff services run on `world`'s database as `account`."""
    signed_in(monkeypatch, ScanState, account)

    async def on_world(self, action, *args, **kwargs):
        return await asyncio.to_thread(action, account, *args, engine=world.engine, **kwargs)

    monkeypatch.setattr(admin_state.AdminState, "_run", on_world)
    state = ScanState(_reflex_internal_init=True)
    state.is_staff = state.is_admin = True
    return state


def choose(state: ScanState, door_name: object) -> None:
    """The door picker's change, as the page sends it (any value: a hostile client can)."""
    ScanState.event_handlers["choose_door"].fn(state, door_name)


def paid_code(world: World, *labels: str) -> str:
    view = world.hold(world.alice, *labels)
    world.pay(view)
    return ticket_code(view.reference, get_settings().secret_key)


def checked_in(world: World) -> list:
    with read_session(world.engine) as session:
        return list(session.execute(select(BookingSeat.checked_in_at).where(
            BookingSeat.checked_in_at.is_not(None))).scalars())  # fmt: skip


def test_the_scanner_is_set_to_a_door_and_admits_once(soon: World, admin, monkeypatch) -> None:
    code = paid_code(soon, "C1", "C2")
    state = scanner_on(soon, admin, monkeypatch)
    asyncio.run(run(state, "load"))
    assert state.door_names == ["Test Cinema — every screen", "Test Cinema — Screen 1",
                                "Test Cinema — Screen 2"]  # fmt: skip
    events = asyncio.run(run(state, "scan", {"code": code}))
    assert "Choose the door" in texts(events) and checked_in(soon) == []

    choose(state, "Test Cinema — Screen 1")
    asyncio.run(run(state, "scan", {"code": code}))
    assert state.verdict == door.VALID and state.message == "Welcome: seats C1, C2."
    assert "Screen 1 · Test Cinema" in state.show and state.show[:3].isalpha()
    assert "Seats C1, C2" in state.detail and "Test Movie" in state.detail
    asyncio.run(run(state, "scan", {"code": code}))
    assert state.verdict == door.USED and state.message.startswith("Already used at ")

    asyncio.run(run(state, "undo"))
    assert state.verdict == door.UNDONE and checked_in(soon) == []
    asyncio.run(run(state, "undo"))  # nothing shown to undo: nothing happens
    assert state.verdict == door.UNDONE


def test_a_ticket_for_another_screen_or_day_is_refused_in_words(
    soon: World,
    admin,
    monkeypatch,
) -> None:
    code = paid_code(soon, "C1")
    state = scanner_on(soon, admin, monkeypatch)
    asyncio.run(run(state, "load"))
    choose(state, "Test Cinema — Screen 2")
    asyncio.run(run(state, "scan", {"code": code}))
    assert state.verdict == door.WRONG_SCREEN and "Screen 1" in state.message
    assert "Screen 1 · Test Cinema" in state.show and "Seats C1" in state.detail
    assert checked_in(soon) == []  # not used up


def test_tomorrows_ticket_is_refused_today(world: World, admin, monkeypatch) -> None:
    """The walk's blocker: the door let a ticket for tomorrow in."""
    code = paid_code(world, "C1")  # the world's show starts in a day
    state = scanner_on(world, admin, monkeypatch)
    asyncio.run(run(state, "load"))
    choose(state, "Test Cinema — every screen")
    asyncio.run(run(state, "scan", {"code": code}))
    assert state.verdict == door.WRONG_DAY and state.message.startswith("Not today")
    assert checked_in(world) == []


def test_the_remembered_door_is_kept_only_while_it_exists(
    soon: World,
    admin,
    monkeypatch,
) -> None:
    state = scanner_on(soon, admin, monkeypatch)
    state.door = "Test Cinema — Screen 2"  # what this device remembered
    asyncio.run(run(state, "load"))
    assert state.door == "Test Cinema — Screen 2"
    state.door = "A cinema that closed — Screen 9"
    asyncio.run(run(state, "load"))
    assert state.door == ""
    for junk in ("nowhere", None, 7, ["Test Cinema — Screen 1"]):
        choose(state, junk)
        assert state.door == ""
