"""Two-factor sign-in through the real websocket: a customer turns it on by scanning (here: by
reading the key the page shows) and confirming a code; signing in afterwards takes the password
and then a code, and the browser holds no session until the code is right; a recovery code
works once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import create_engine

from bookmyseat.services.accounts.users import create_user
from bookmyseat.state.auth import AuthState, LoginState
from bookmyseat.state.two_factor import TwoFactorState
from tests.e2e.server import RunningApp
from tests.reflex_client import Tab, run_async

PASSWORD = "tamarind-kite-42"


def test_turning_on_two_factor_and_signing_in_with_it(app_server: RunningApp) -> None:
    name = f"twofa_{uuid.uuid4().hex[:6]}"
    engine = create_engine(app_server.database_url)
    try:
        create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    finally:
        engine.dispose()

    async def sign_in_with_password(tab: Tab) -> None:
        await tab.send(LoginState.submit, form={"login": name, "password": PASSWORD})
        await tab.until(lambda: tab.var(LoginState, "needs_code") is True, timeout=15)

    async def send_code(tab: Tab, code: str) -> str:
        tab.state.get(LoginState.get_full_name(), {}).pop("error_rx_state_", None)
        await tab.send(LoginState.submit_code, form={"code": code})
        await tab.until(
            lambda: tab.var(LoginState, "error") or tab.var(AuthState, "username"), timeout=15
        )
        return tab.var(LoginState, "error") or ""

    async def journey() -> dict:
        seen = {}
        settings_tab = await Tab(app_server.url, app_server.session_for(name)).open(
            "/account/two-factor"
        )
        await settings_tab.send(TwoFactorState.start)
        await settings_tab.until(lambda: settings_tab.var(TwoFactorState, "secret"), timeout=15)
        secret = settings_tab.var(TwoFactorState, "secret")
        seen["qr"] = settings_tab.var(TwoFactorState, "qr")
        await settings_tab.send(
            TwoFactorState.confirm, form={"password": PASSWORD, "code": "123456"}
        )
        await settings_tab.until(lambda: settings_tab.var(TwoFactorState, "error"), timeout=15)
        seen["wrong_enrolment"] = settings_tab.var(TwoFactorState, "error")
        await settings_tab.send(
            TwoFactorState.confirm, form={"password": PASSWORD, "code": pyotp.TOTP(secret).now()}
        )
        await settings_tab.until(
            lambda: settings_tab.var(TwoFactorState, "recovery_codes"), timeout=15
        )
        codes = settings_tab.var(TwoFactorState, "recovery_codes")
        seen["enabled_since"] = settings_tab.var(TwoFactorState, "enabled_since")
        await settings_tab.close()

        login = await Tab(app_server.url).open("/login")
        await sign_in_with_password(login)
        seen["session_before_code"] = login.session_token
        seen["wrong_code"] = await send_code(login, "000000")
        later = datetime.now(UTC) + timedelta(seconds=30)  # the next step: not the one used
        seen["right_code"] = await send_code(login, pyotp.TOTP(secret).at(later))
        seen["signed_in_as"] = login.var(AuthState, "username")
        await login.close()

        spare = await Tab(app_server.url).open("/login")
        await sign_in_with_password(spare)
        seen["recovery"] = await send_code(spare, codes[0])
        seen["recovery_signed_in"] = spare.var(AuthState, "username")
        await spare.close()
        again = await Tab(app_server.url).open("/login")
        await sign_in_with_password(again)
        seen["recovery_again"] = await send_code(again, codes[0])
        await again.close()

        forged = await Tab(app_server.url).open("/login")  # a code without a password first
        seen["code_alone"] = await send_code(forged, pyotp.TOTP(secret).now())
        seen["code_alone_session"] = forged.session_token
        await forged.close()
        return seen

    seen = run_async(journey())
    assert seen["qr"].startswith("data:image/svg+xml")
    assert "does not match" in seen["wrong_enrolment"]
    assert seen["enabled_since"]
    assert seen["session_before_code"] == ""  # the password alone signs nobody in
    assert "does not match" in seen["wrong_code"]
    assert seen["right_code"] == "" and seen["signed_in_as"] == name
    assert seen["recovery"] == "" and seen["recovery_signed_in"] == name
    assert "does not match" in seen["recovery_again"]
    assert "password first" in seen["code_alone"] and seen["code_alone_session"] == ""
    actions = app_server.query("SELECT action FROM audit_log WHERE actor = :n ORDER BY id", n=name)
    assert [a for (a,) in actions] == [
        "two_factor_enabled",
        "two_factor_failed",
        "recovery_code_used",
        "two_factor_failed",
    ]
