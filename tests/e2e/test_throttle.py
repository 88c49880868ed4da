"""Password guessing through the real websocket: after five wrong passwords for an account, the
right one is refused too, with how long to wait; another customer signing in meanwhile is not
affected."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine

from bookmyseat.services.accounts.users import create_user
from bookmyseat.state.auth import AuthState, LoginState
from tests.e2e.server import RunningApp
from tests.reflex_client import Tab, run_async

PASSWORD = "tamarind-kite-42"


def test_guessing_is_slowed_down_and_others_are_not(app_server: RunningApp) -> None:
    engine = create_engine(app_server.database_url)
    try:
        target, other = (f"{who}_{uuid.uuid4().hex[:6]}" for who in ("target", "other"))
        for name in (target, other):
            create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    finally:
        engine.dispose()

    async def attempt(tab: Tab, login: str, password: str) -> str:
        tab.state.get(LoginState.get_full_name(), {}).pop("error_rx_state_", None)
        await tab.send(LoginState.submit, form={"login": login, "password": password})
        await tab.until(
            lambda: tab.var(LoginState, "error") or tab.var(AuthState, "username"), timeout=15
        )
        return tab.var(LoginState, "error") or ""

    async def journey() -> tuple[list[str], str, str]:
        attacker = await Tab(app_server.url).open("/login")
        errors = [await attempt(attacker, target, f"guess-{i}-wrong") for i in range(5)]
        refused = await attempt(attacker, target, PASSWORD)
        customer = await Tab(app_server.url).open("/login")
        await attempt(customer, other, PASSWORD)
        signed_in = customer.var(AuthState, "username")
        await attacker.close()
        await customer.close()
        return errors, refused, signed_in

    errors, refused, signed_in = run_async(journey())
    assert all("do not match" in error for error in errors), errors
    assert "Too many failed sign-ins" in refused and "minute" in refused
    assert signed_in == other
    failed = app_server.query(
        "SELECT count(*) FROM audit_log WHERE action = 'sign_in_failed' AND entity_id = :t",
        t=target,
    )
    assert failed == [(5,)]
