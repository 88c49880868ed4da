"""A closed tab's state answers only to its session cookie (probe finding 10).

A tab's state is kept under its tab token, which travels in the websocket's address. Whoever
reconnects with an old token got the whole state in the hydrate's first frame: the previous
customer's bookings, name, even a two-factor secret being set up. These tests drive Reflex's
own event processor in this process (the app's middleware, hydrate_and_load, on_load chains),
as the websocket would, and read every frame sent back to the tab."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from reflex.istate.manager.token import BaseStateToken
from reflex.state import State, UpdateVarsInternalState
from reflex_base.event import Event
from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor
from reflex_base.utils.format import format_event_handler

import bookmyseat.bookmyseat as app_module
from bookmyseat.models import Role
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.booking.my_bookings import MyBooking
from bookmyseat.state import auth, payment
from bookmyseat.state.payment import MyBookingsState
from bookmyseat.state.two_factor import TwoFactorState

TAB = "a0c1e2f3-tab-token"
VICTIM = Account(7, "victim1", "victim1@example.com", "Vera", Role.CUSTOMER)
MALLORY = Account(8, "mallory", "mallory@example.com", "Mal", Role.CUSTOMER)
SESSIONS = {"victim-session": VICTIM, "mallory-session": MALLORY}
REFERENCE = "PPK3HMTH"
TOTP_SECRET = "JBSWY3DPEHPK3PXPVICTIM"  # being enrolled when the tab was closed
SESSION_VAR = f"{auth.AuthState.get_full_name()}.session_token_rx_state_"
DEVICE_VAR = f"{auth.AuthState.get_full_name()}.device_token_rx_state_"
CONNECT = format_event_handler(State.event_handlers["hydrate_and_load"])
OLD_HYDRATE = format_event_handler(State.event_handlers["hydrate"])
UPDATE_VARS = format_event_handler(UpdateVarsInternalState.event_handlers["update_vars_internal"])
VICTIMS = (REFERENCE, VICTIM.username, TOTP_SECRET, "victim-session")


def a_booking() -> MyBooking:
    return MyBooking(reference=REFERENCE, status="paid", movie="Paper Boats", cinema="C",
                     screen="S", starts_at=datetime(2030, 1, 1, tzinfo=UTC), seats=["A1"],
                     total_paise=33000, upcoming=True, cancellable=True)  # fmt: skip


@pytest.fixture
def tab(monkeypatch):
    """A driver of the app's event processor for the tab TAB: `send(name, payload, socket)`
    returns every frame (delta) the tab was sent for that event and the events it chained."""
    monkeypatch.setattr(auth, "account_for_token", SESSIONS.get)
    monkeypatch.setattr(payment, "my_bookings", lambda user_id: [a_booking()] * (user_id == 7))
    manager = StateManagerMemory()
    processor = BaseStateEventProcessor(middleware=app_module.app, backend_exception_handler=None)

    async def send(name: str, payload: dict, socket: str, path: str = "/bookings") -> list:
        router = {"pathname": path, "asPath": path, "query": {}, "sid": socket, "token": TAB,
                  "headers": {}, "ip": "203.0.113.9"}  # fmt: skip
        event = Event(name=name, payload=payload, router_data=router)
        return [frame async for frame in processor.enqueue_stream_delta(TAB, event)]

    async def state_of(cls):
        root = await manager.get_state(BaseStateToken(ident=TAB, cls=State))
        return await root.get_state(cls)

    async def run(script):
        async with processor.configure(state_manager=manager):
            return await script(send, state_of)

    return lambda script: asyncio.run(run(script))


async def victim_leaves_a_tab(send, state_of) -> list:
    """victim1 opens My bookings, starts enrolling two-factor sign-in, and closes the tab
    without signing out. The frames of their own page load."""
    frames = await send(CONNECT, {"vars": {SESSION_VAR: "victim-session"}}, "socket-1")
    (await state_of(TwoFactorState)).secret = TOTP_SECRET
    return frames


def seen(frames: list) -> str:
    return repr(frames)


def test_a_reconnect_without_the_cookie_is_sent_nothing_of_the_tab(tab) -> None:
    async def script(send, state_of):
        own = await victim_leaves_a_tab(send, state_of)
        again = await send(CONNECT, {"vars": {SESSION_VAR: "victim-session"}}, "socket-2")
        stranger = await send(CONNECT, {}, "socket-3")  # the token from a log, no cookie
        return own, again, stranger, (await state_of(MyBookingsState)).rows

    own, again, stranger, rows_left = tab(script)
    assert REFERENCE in seen(own) and REFERENCE in seen(again[:1])  # the control: it was there
    assert TOTP_SECRET in seen(again[:1])  # and the owner's reconnect keeps the tab as it was
    for secret in VICTIMS:
        assert secret not in seen(stranger), secret
    assert rows_left == []


def test_another_persons_cookie_or_an_old_style_hydrate_gets_nothing_either(tab) -> None:
    async def script(send, state_of):
        await victim_leaves_a_tab(send, state_of)
        other = await send(CONNECT, {"vars": {SESSION_VAR: "mallory-session"}}, "socket-2")
        await victim_leaves_a_tab(send, state_of)
        old = await send(OLD_HYDRATE, {}, "socket-3")
        return other, old

    other, old = tab(script)
    for frames in (other, old):
        for secret in VICTIMS:
            assert secret not in seen(frames), secret
    assert "mallory" in seen(other)  # Mallory's own page, for Mallory


def test_a_connection_that_skips_the_hydrate_is_nobody(tab) -> None:
    """Straight to My bookings' load on a new socket: the stored state names victim1's
    session, but this connection never showed its cookie."""
    load = format_event_handler(MyBookingsState.event_handlers["load"])

    async def script(send, state_of):
        await victim_leaves_a_tab(send, state_of)
        (await state_of(MyBookingsState)).rows = []  # so that a refill would show
        stranger = await send(load, {}, "socket-2")
        owner = await send(load, {}, "socket-1")  # the control: the socket that showed it
        return stranger, owner

    stranger, owner = tab(script)
    assert REFERENCE not in seen(stranger)
    assert REFERENCE in seen(owner)


def test_the_owner_coming_back_after_a_stranger_gets_their_page(tab) -> None:
    async def script(send, state_of):
        await victim_leaves_a_tab(send, state_of)
        await send(CONNECT, {}, "socket-2")
        return await send(CONNECT, {"vars": {SESSION_VAR: "victim-session"}}, "socket-3")

    frames = tab(script)
    assert REFERENCE in seen(frames) and VICTIM.username in seen(frames)
    assert TOTP_SECRET not in seen(frames)  # reset by the stranger's visit: enrol again


def test_a_changed_cookie_resets_the_tab_but_keeps_its_other_cookies(tab) -> None:
    async def script(send, state_of):
        await send(CONNECT, {"vars": {SESSION_VAR: "victim-session", DEVICE_VAR: "dev-1"}},
                   "socket-1")  # fmt: skip
        await send(UPDATE_VARS, {"vars": {SESSION_VAR: "mallory-session"}}, "socket-1")
        signed = await state_of(auth.AuthState)
        return (await state_of(MyBookingsState)).rows, signed.device_token, signed.session_token

    rows, device, session = tab(script)
    assert (rows, device, session) == ([], "dev-1", "mallory-session")
