"""Hostile clients against the production build, over the real websocket: every public event
handler of every state class is called as an anonymous visitor, a customer and an auditor, with
forged arguments and router data naming another customer's booking. Nothing may change in the
database (but the refusals the audit log records), nothing private may come back, and no bad
value of the right type may end in Reflex's generic "An error occurred".

Plus the two defects found over the websocket: sign-out must leave nothing in the tab, and
saving the movie form must keep every column it does not show.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import create_engine

from bookmyseat.models import Role
from bookmyseat.services.accounts.users import create_user
from bookmyseat.services.booking.fulfilment import confirm_payment
from bookmyseat.services.booking.holds import hold_seats
from bookmyseat.services.tickets.codes import ticket_code
from bookmyseat.settings import get_settings
from bookmyseat.state.admin import AdminBookingsState
from bookmyseat.state.admin_catalog import CatalogState
from bookmyseat.state.auth import AuthState
from bookmyseat.state.checkout import CheckoutState
from bookmyseat.state.payment import ConfirmationState, DemoPayState, MyBookingsState
from bookmyseat.state.seat_map import SeatMapState
from tests.e2e.server import RunningApp
from tests.hostile.forgery import Attack, Victim, attacks, page_of
from tests.reflex_client import ROOT_STATE, Tab, hold_over_http, run_async, seat_plan

GENERIC_ERROR = "An error occurred."


# What a database fingerprint compares: every table an attacker could hope to change.
FINGERPRINT = {
    "app_user": "id, username, email, role, is_active, password_hash",
    "login_session": "id, user_id, expires_at",
    "movie": "*",
    "cinema": "*",
    "screen": "*",
    "showtime": "*",
    "showtime_price": "*",
    "booking": "id, status, hold_expires_at, paid_at, cancelled_at",
    "booking_seat": "id, checked_in_at",
    "seat_claim": "showtime_id, seat_id, booking_id",
    "payment": "*",
    "checkout_session": "*",
    "email_outbox": "id, kind, status, attempts, next_attempt_at",
    "audit_log": "*",
}


def fingerprint(app: RunningApp) -> dict[str, list]:
    tables = {
        table: app.query(f"SELECT {columns} FROM {table} ORDER BY 1")
        for table, columns in FINGERPRINT.items()
    }
    # Refusals are recorded, as they should be; anything else in the audit log is a change.
    refusals = ("access_refused", "sign_in_failed")
    tables["audit_log"] = [row for row in tables["audit_log"] if not set(refusals) & set(row)]
    return tables


@pytest.fixture(scope="module")
def victim(app_server: RunningApp) -> Victim:
    """Another customer with a paid booking, made through the services on the app's database."""
    engine = create_engine(app_server.database_url)
    try:
        person = create_user(
            "victim_x7",
            "victim.x7@example.net",
            "a-long-secret-9",
            full_name="Vera Victimova",
            engine=engine,
        )
        showtime = app_server.showtimes_on("Audi 2")[0]
        seats = [
            row[0]
            for row in app_server.query(
                "SELECT seat.id FROM seat JOIN showtime ON seat.screen_id = showtime.screen_id "
                "WHERE showtime.id = :s AND NOT seat.is_blocked ORDER BY seat.id DESC LIMIT 2",
                s=showtime,
            )
        ]
        view = hold_seats(person.id, showtime, seats, engine=engine)
        confirm_payment(
            view.reference,
            amount_paise=view.total_paise,
            currency=view.currency,
            provider="demo",
            provider_ref=f"demo_{view.reference}",
            engine=engine,
        )
    finally:
        engine.dispose()
    other_seat = app_server.query(
        "SELECT seat.id FROM seat JOIN screen ON screen.id = seat.screen_id "
        "WHERE screen.name = 'Audi 1 IMAX' LIMIT 1"
    )[0][0]
    movie = app_server.query("SELECT id FROM movie WHERE slug = 'paper-boats'")[0][0]
    outbox = app_server.query("SELECT max(id) FROM email_outbox")[0][0] or 1
    return Victim(
        username=person.username,
        email=person.email,
        reference=view.reference,
        ticket_code=ticket_code(view.reference, get_settings().secret_key),
        showtime_id=showtime,
        other_screen_seat=other_seat,
        movie_id=movie,
        outbox_id=outbox,
    )


ROLES = {"anonymous": None, Role.CUSTOMER: "mzsp_", Role.AUDITOR: "auditor1"}


def private_text(tab: Tab) -> str:
    """Everything the tab was sent except the router data (which echoes the attacker's path)."""
    kept = []
    for frame in tab.frames:
        update = json.loads(frame)
        for state, values in update.get("delta", {}).items():
            if state == ROOT_STATE:
                continue
            kept.append(json.dumps({k: v for k, v in values.items() if "router" not in k}))
        kept.append(json.dumps(update.get("events", [])))
    return "\n".join(kept)


async def attack_as(app: RunningApp, token: str, victim: Victim) -> list[Tab]:
    """One tab per page, each sent every attack on that page's states."""
    by_page: dict[str, list[Attack]] = {}
    for attack in attacks(victim):
        by_page.setdefault(page_of(attack.state, victim), []).append(attack)
    tabs = []
    for path, page_attacks in sorted(by_page.items()):
        tab = await Tab(app.url, session_token=token).open(path)
        tabs.append(tab)
        for attack in page_attacks:
            for payload in attack.calls:
                await tab.send(attack.event, **payload)
        await tab.settle(quiet=0.5, timeout=60)
        bad = [t for t in tab.toasts() if t == GENERIC_ERROR]
        assert not bad, f"a hostile but well-typed value crashed a handler on {path}"
        for attack in page_attacks:
            for payload in attack.wrong_types:
                await tab.send(attack.event, **payload)
        await tab.settle(quiet=0.5, timeout=60)
        await tab.close()
    return tabs


@pytest.mark.parametrize("role", list(ROLES))
def test_hostile_clients_change_nothing_and_learn_nothing(
    app_server: RunningApp, victim: Victim, role: str
) -> None:
    username = ROLES[role]
    token = app_server.session_for(username) if username else ""
    before = fingerprint(app_server)
    tabs = run_async(attack_as(app_server, token, victim))
    assert len(tabs) >= 15
    after = fingerprint(app_server)
    changed = {table for table in before if before[table] != after[table]}
    assert changed == set(), f"a hostile {role} changed {changed}"
    seen = "\n".join(private_text(tab) for tab in tabs)
    assert "$argon2" not in seen, "a password hash was sent"
    if role != Role.AUDITOR:  # staff may read bookings; nobody else may read another's
        for secret in (victim.email, victim.username, "Vera Victimova", victim.ticket_code):
            assert secret not in seen, f"a hostile {role} was sent {secret!r}"
        for tab in tabs:
            for state in (ConfirmationState, DemoPayState):
                assert (tab.var(state, "booking") or {}).get("reference") != victim.reference
            assert tab.var(CheckoutState, "reference") != victim.reference
            rows = tab.var(MyBookingsState, "rows") or []
            assert not [row for row in rows if victim.reference in str(row)]


def test_sign_out_leaves_nothing_in_the_tab(app_server: RunningApp) -> None:
    token = app_server.session_for("admin1")

    async def journey() -> tuple[Tab, Tab]:
        tab = await Tab(app_server.url, session_token=token).open("/admin/bookings")
        await tab.until(lambda: len(tab.var(AdminBookingsState, "rows") or []) > 0)
        assert "@" in str(tab.var(AdminBookingsState, "rows"))
        await tab.send(AuthState.logout)
        await tab.until(lambda: any(e["name"] == "_call_script" for e in tab.events))
        await tab.settle()
        assert tab.var(AdminBookingsState, "rows") == []
        assert tab.var(AuthState, "username") == "" and tab.session_token == ""
        script = next(e for e in tab.events if e["name"] == "_call_script")
        assert "sessionStorage.removeItem('token')" in script["payload"]["javascript_code"]
        # The same tab token, hydrated again (a client that ignores the script): still nothing.
        again = Tab(app_server.url, token=tab.token)
        await again.open("/admin/bookings")
        await again.settle()
        return tab, again

    _, again = run_async(journey())
    assert again.var(AdminBookingsState, "rows") in (None, [])
    assert "@" not in private_text(again)
    assert app_server.query("SELECT count(*) FROM login_session WHERE token_hash = ''") == [(0,)]


def test_saving_the_movie_form_keeps_every_column(app_server: RunningApp, victim: Victim) -> None:
    token = app_server.session_for("admin1")
    columns = "title, synopsis, genres, language, certificate, cast_members, trailer_url"
    before = app_server.query(f"SELECT {columns} FROM movie WHERE id = :m", m=victim.movie_id)

    async def journey() -> dict:
        tab = await Tab(app_server.url, session_token=token).open("/admin/catalog")
        await tab.send(CatalogState.open_edit, movie_id=victim.movie_id)
        await tab.until(lambda: (tab.var(CatalogState, "edit") or {}).get("cast_members"))
        opened = dict(tab.var(CatalogState, "edit"))
        # A browser that sends only what changed (or an old page without the cast field).
        await tab.send(CatalogState.save_edit, form={"runtime_minutes": "97"})
        await tab.until(lambda: "saved." in " ".join(tab.toasts()))
        await tab.close()
        return opened

    opened = run_async(journey())
    assert opened["cast_members"] == before[0][5]
    assert app_server.query(f"SELECT {columns} FROM movie WHERE id = :m", m=victim.movie_id) == (
        before
    )
    assert app_server.query(
        "SELECT runtime_minutes FROM movie WHERE id = :m", m=victim.movie_id
    ) == [(97,)]


def test_the_checkout_countdown_costs_the_server_nothing(app_server: RunningApp) -> None:
    """The countdown runs in the browser: an open checkout page gets no frame a second (it used
    to, even for closed tabs), only the hold's seconds once."""
    token = app_server.session_for("mzsp_")
    showtime = app_server.showtimes_on("Audi 2")[1]

    async def journey() -> tuple[int, int]:
        tab = await Tab(app_server.url, session_token=token).open(f"/showtimes/{showtime}")
        await tab.until(lambda: tab.var(SeatMapState, "loading") is False)
        codes = tab.var(SeatMapState, "codes")
        plan = seat_plan(app_server.url, showtime)
        free = next(s["id"] for s in plan if codes[s["index"]] == "a")
        held = await asyncio.to_thread(hold_over_http, app_server.url, token, showtime, [free])
        await tab.open(held["checkout"])
        await tab.until(lambda: (tab.var(CheckoutState, "seconds_left") or 0) > 0)
        left = tab.var(CheckoutState, "seconds_left")
        assert tab.var(AuthState, "username") == "mzsp_"  # shown by the page's own load
        await tab.settle(quiet=0.5)
        before = len(tab.frames)
        await asyncio.sleep(3)
        quiet_frames = len(tab.frames) - before
        await tab.send(CheckoutState.release)
        await tab.settle()
        await tab.close()
        return left, quiet_frames

    left, quiet_frames = run_async(journey())
    assert 590 <= left <= 600 and quiet_frames == 0
