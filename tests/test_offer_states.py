"""The state classes this round added, driven as Reflex drives them (their handlers called with
what a browser, or a hostile client, can send): the checkout's promo code, the promo codes page,
the price template editor and the waiting-list page. The rules are the services'; these tests
show the handlers reach them, say what went wrong, and never raise on junk arguments."""

from __future__ import annotations

import asyncio
import functools

import pytest
from reflex.istate.data import RouterData
from sqlalchemy import select

import bookmyseat.bookmyseat  # noqa: F401 - builds the app, registering every state
from bookmyseat.db import read_session, write_session
from bookmyseat.models import Booking, PromoCode, Role, WaitlistEntry, WaitlistStatus
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.offers import promo_codes
from bookmyseat.state import admin as admin_state
from bookmyseat.state import checkout as checkout_state
from bookmyseat.state.admin_prices import PricesState
from bookmyseat.state.admin_promos import PromosState
from bookmyseat.state.admin_waitlist import AdminWaitlistState
from tests.conftest import World
from tests.test_waitlist import run


def routed(state, path: str, **params):
    state.router = RouterData.from_router_data({"pathname": path, "asPath": path, "query": params})
    return state


def signed_in(monkeypatch, cls, account: Account | None) -> None:
    async def current(self):
        return account

    monkeypatch.setattr(cls, "_current_account", current)


@pytest.fixture
def staff_on(world: World, monkeypatch):
    """Staff handlers run their services on the test database as `account`."""

    def bind(cls, account: Account | None):
        signed_in(monkeypatch, cls, account)

        async def on_world(self, action, *args, **kwargs):
            return await asyncio.to_thread(action, account, *args, engine=world.engine, **kwargs)

        monkeypatch.setattr(admin_state.AdminState, "_run", on_world)
        state = cls(_reflex_internal_init=True)
        state.is_staff = account is not None and account.role in (Role.ADMIN, Role.AUDITOR)
        state.is_admin = account is not None and account.role == Role.ADMIN
        return state

    return bind


def texts(events) -> str:
    return " ".join(str(e) for e in events)


# --- checkout ---------------------------------------------------------------------------------


def test_the_checkout_applies_and_removes_a_code_and_says_why_not(world, monkeypatch) -> None:
    for name in ("apply_promo_code", "remove_promo_code"):
        service = getattr(promo_codes, name)
        monkeypatch.setattr(checkout_state, name, functools.partial(service, engine=world.engine))
    with write_session(world.engine) as session:
        session.add(PromoCode(code="SAVE20", percent_off=20))
    held = world.hold(world.alice, "C1")
    alice = Account(world.alice, "alice", "alice@example.com", "", Role.CUSTOMER)
    signed_in(monkeypatch, checkout_state.CheckoutState, alice)
    state = routed(checkout_state.CheckoutState(_reflex_internal_init=True),
                   f"/checkout/{held.reference}", reference=held.reference)  # fmt: skip

    for junk in ({"code": "NOPE"}, {"code": ["SAVE20"]}, "SAVE20", None):
        asyncio.run(run(state, "apply_code", junk))
        assert state.promo_error and not state.promo_code
    assert state.promo_error == "Type a promo code first."  # the last: no form at all
    asyncio.run(run(state, "apply_code", {"code": "save20"}))
    assert (state.promo_code, state.discount, state.total, state.promo_error) == (
        "SAVE20", "−₹60", "₹270", "",
    )  # fmt: skip
    asyncio.run(run(state, "remove_code"))
    assert (state.promo_code, state.discount, state.total) == ("", "", "₹330")
    with read_session(world.engine) as session:
        booking = session.execute(select(Booking).where(Booking.reference == held.reference))
        assert booking.scalar_one().promo_code_id is None

    signed_in(monkeypatch, checkout_state.CheckoutState, None)
    (redirect,) = asyncio.run(run(state, "apply_code", {"code": "SAVE20"}))
    assert f"/login?next=/checkout/{held.reference}" in str(redirect)


# --- staff pages ------------------------------------------------------------------------------


def test_the_promo_page_creates_pauses_and_refuses_junk(world, boss, staff_on) -> None:
    state = staff_on(PromosState, boss)
    asyncio.run(run(state, "load"))
    assert state.movie_titles[0] == "Every" and "Test Movie" in state.movie_titles
    events = asyncio.run(run(state, "create", {"code": "x", "value": "10"}))
    assert "3 to 32" in texts(events)
    for junk in (None, "code", {"code": ["A"], "value": 5}):
        assert "error" in texts(asyncio.run(run(state, "create", junk)))
    form = {"code": "five", "kind": "amount", "value": "50", "movie": "Test Movie",
            "category": "Prime"}  # fmt: skip
    events = asyncio.run(run(state, "create", form))
    assert "Code FIVE created." in texts(events)
    asyncio.run(run(state, "load"))
    [row] = state.rows
    assert row.code == "FIVE" and "Test Movie" in row.terms and "Prime seats" in row.terms
    asyncio.run(run(state, "set_active", row.id, False))
    asyncio.run(run(state, "load"))
    assert state.rows[0].is_active is False
    for junk in (10**20, -1, "1", None):
        assert "does not exist" in texts(asyncio.run(run(state, "set_active", junk, True)))
    auditor = Account(world.bob, "bob", "bob@example.com", "", Role.AUDITOR)
    watcher = staff_on(PromosState, auditor)
    assert "error" in texts(asyncio.run(run(watcher, "set_active", row.id, True)))


def test_the_template_editor_opens_saves_and_refuses_junk(world, boss, staff_on) -> None:
    state = staff_on(PricesState, boss)
    asyncio.run(run(state, "load"))
    screen = "Test Cinema · Screen 1"
    assert screen in state.template_screens
    for junk in ("No such screen", None, 7):
        assert "Choose a screen" in texts(asyncio.run(run(state, "open_template", junk)))
    assert "Choose a screen" in texts(asyncio.run(run(state, "save_template", {"template": ""})))
    asyncio.run(run(state, "open_template", screen))
    assert state.template_screen == screen and state.template_text == ""
    events = asyncio.run(run(state, "save_template", {"template": "every 25:00 Classic 1"}))
    assert "not a time of day" in texts(events)
    events = asyncio.run(run(state, "save_template", {"template": "every 18:00 Classic 250"}))
    assert "saved" in texts(events) and "Classic 250" in state.template_text
    for junk in ("text", None, {"template": 5}):  # never read as "clear the template"
        assert "Type the template" in texts(asyncio.run(run(state, "save_template", junk)))
    assert "Classic 250" in state.template_text


def test_the_waiting_list_page_removes_an_entry_and_refuses_junk(world, boss, staff_on) -> None:
    with write_session(world.engine) as session:
        entry = WaitlistEntry(showtime_id=world.showtime_id, user_id=world.alice, seats_wanted=2)
        session.add(entry)
        session.flush()
        entry_id = entry.id
    state = staff_on(AdminWaitlistState, boss)
    asyncio.run(run(state, "load"))
    [show] = state.shows
    assert [(line.customer, line.removable) for line in show.lines] == [("alice", True)]
    assert "Taken off the waiting list." in texts(asyncio.run(run(state, "remove", entry_id)))
    assert "already left" in texts(asyncio.run(run(state, "remove", entry_id)))
    with read_session(world.engine) as session:
        assert session.get(WaitlistEntry, entry_id).status == WaitlistStatus.WITHDRAWN
    for junk in (10**20, -5, "1", None):
        events = asyncio.run(run(state, "remove", junk))
        assert "error" in texts(events) or "already left" in texts(events)
    auditor = Account(world.bob, "bob", "bob@example.com", "", Role.AUDITOR)
    watcher = staff_on(AdminWaitlistState, auditor)
    assert "error" in texts(asyncio.run(run(watcher, "remove", entry_id)))
