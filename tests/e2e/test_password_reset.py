"""A forgotten password, reset through the real websocket: asking for a known and an unknown
address reads the same and only the known one gets an email; the emailed link signs the person
in with the new password, and the old password no longer works."""

from __future__ import annotations

import re
import uuid

import redis
from sqlalchemy import create_engine, select

from bookmyseat.db import read_session
from bookmyseat.models import EmailOutbox
from bookmyseat.services.accounts.users import create_user
from bookmyseat.services.mail.messages import build_message
from bookmyseat.settings import get_settings
from bookmyseat.state.auth import AuthState, LoginState
from bookmyseat.state.password_reset import LINK_SENT, ForgotPasswordState, ResetPasswordState
from tests.e2e.server import RunningApp
from tests.reflex_client import VAR_SUFFIX, Tab, run_async

OLD = "tamarind-kite-42"
NEW = "saffron-lantern-97"


def forget_reset_counts(app: RunningApp) -> None:
    """Reset asks are counted per network in Redis, across runs; earlier runs (and the hostile
    clients' forms) must not use up this test's allowance."""
    if not app.redis_url:
        return
    client = redis.Redis.from_url(app.redis_url)
    try:
        for key in client.scan_iter(match="*bookmyseat:password-reset:*"):
            client.delete(key)
    finally:
        client.close()


def emailed_token(app: RunningApp, to_address: str) -> str:
    """The token in the link of the email the app queued (built as its sender builds it: the
    app and these tests read the same secret key from the environment)."""
    engine = create_engine(app.database_url)
    try:
        with read_session(engine) as session:
            row = session.execute(
                select(EmailOutbox).where(
                    EmailOutbox.to_address == to_address, EmailOutbox.kind == "password_reset"
                )
            ).scalar_one()
            text = build_message(session, row, get_settings()).get_body(("plain",)).get_content()
    finally:
        engine.dispose()
    return re.findall(r"/reset-password\?token=(\S+)", text)[0]


async def ask_for_link(tab: Tab, email: str) -> tuple[str, str]:
    tab.state.get(ForgotPasswordState.get_full_name(), {}).pop("notice" + VAR_SUFFIX, None)
    await tab.send(ForgotPasswordState.submit, form={"email": email})
    await tab.until(
        lambda: tab.var(ForgotPasswordState, "notice") or tab.var(ForgotPasswordState, "error"),
        timeout=15,
    )
    return tab.var(ForgotPasswordState, "notice") or "", tab.var(ForgotPasswordState, "error")


async def sign_in(app: RunningApp, login: str, password: str) -> tuple[str, str]:
    tab = await Tab(app.url).open("/login")
    await tab.send(LoginState.submit, form={"login": login, "password": password})
    await tab.until(
        lambda: tab.var(LoginState, "error") or tab.var(AuthState, "username"), timeout=15
    )
    outcome = tab.var(AuthState, "username") or "", tab.var(LoginState, "error") or ""
    await tab.close()
    return outcome


def test_a_forgotten_password_is_reset_through_the_emailed_link(app_server: RunningApp) -> None:
    forget_reset_counts(app_server)
    name = f"forgot_{uuid.uuid4().hex[:6]}"
    email = f"{name}@example.com"
    unknown = f"nobody_{uuid.uuid4().hex[:6]}@example.com"
    engine = create_engine(app_server.database_url)
    try:
        create_user(name, email, OLD, engine=engine)
    finally:
        engine.dispose()

    async def ask_both() -> tuple[tuple[str, str], tuple[str, str]]:
        tab = await Tab(app_server.url).open("/forgot-password")
        known_answer = await ask_for_link(tab, email.upper())
        unknown_answer = await ask_for_link(tab, unknown)
        await tab.close()
        return known_answer, unknown_answer

    known_answer, unknown_answer = run_async(ask_both())
    assert known_answer == unknown_answer == (LINK_SENT, "")
    queued = "SELECT count(*) FROM email_outbox WHERE kind = 'password_reset' AND to_address = :a"
    assert app_server.query(queued, a=email) == [(1,)]
    assert app_server.query(queued, a=unknown) == [(0,)]
    token = emailed_token(app_server, email)

    async def reset() -> Tab:
        tab = await Tab(app_server.url).open("/reset-password", query={"token": token})
        await tab.send(ResetPasswordState.submit, form={"password": NEW, "confirm": NEW + "?"})
        await tab.until(lambda: tab.var(ResetPasswordState, "error"), timeout=15)
        assert "differ" in tab.var(ResetPasswordState, "error")
        tab.state[ResetPasswordState.get_full_name()].pop("error" + VAR_SUFFIX)
        await tab.send(ResetPasswordState.submit, form={"password": NEW, "confirm": NEW})
        await tab.until(
            lambda: tab.var(AuthState, "username") or tab.var(ResetPasswordState, "error"),
            timeout=20,
        )
        await tab.settle()
        await tab.close()
        return tab

    tab = run_async(reset())
    assert tab.var(ResetPasswordState, "error") == ""
    assert tab.var(AuthState, "username") == name and tab.session_token
    assert "/" in tab.redirects() and "Your password is changed." in tab.toasts()

    assert run_async(sign_in(app_server, name, OLD))[0] == ""
    assert run_async(sign_in(app_server, name, NEW)) == (name, "")

    async def reuse() -> str:  # the link is spent
        again = await Tab(app_server.url).open("/reset-password", query={"token": token})
        await again.send(
            ResetPasswordState.submit,
            form={"password": "juniper-orbit-73", "confirm": "juniper-orbit-73"},
        )
        await again.until(lambda: again.var(ResetPasswordState, "error"), timeout=15)
        await again.close()
        return again.var(ResetPasswordState, "error")

    assert "not valid or has expired" in run_async(reuse())
