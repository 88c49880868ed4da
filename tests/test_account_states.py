"""The account forms' state handlers, driven as Reflex drives them: the sign-up form answers
alike for a new address and one that has an account, and signs nobody in; the sign-in form
keeps the browser's known-device cookie and sends it back; `/verify-email` confirms through the
link's button and sends the link again. The rules are the services'; these show the handlers
reach them and say what went wrong."""

from __future__ import annotations

import asyncio
import functools
import uuid

import pytest
from reflex.istate.data import RouterData
from sqlalchemy import func, select

import bookmyseat.bookmyseat  # noqa: F401 - builds the app, registering every state
from bookmyseat.db import read_session
from bookmyseat.models import EmailOutbox, LoginSession, User
from bookmyseat.services.accounts import email_verification, sign_up, signing_in, throttle
from bookmyseat.services.accounts.users import AccountError, create_user, get_account
from bookmyseat.state.auth import LoginState, SignupState
from bookmyseat.state.verify_email import VerifyEmailState
from tests.test_email_verification import SITE, emailed_link, new_account
from tests.test_waitlist import run

PASSWORD = "tamarind-kite-42"


def page(cls, path: str, **params):
    state = cls(_reflex_internal_init=True)
    state.router = RouterData.from_router_data({"pathname": path, "asPath": path, "query": params})
    return state


def on(engine, monkeypatch, module, *names: str) -> None:
    """The services the handlers call, run on the test's database."""
    for name in names:
        monkeypatch.setattr(module, name, functools.partial(getattr(module, name), engine=engine))


def count(engine, table, *where) -> int:
    with read_session(engine) as session:
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def visible(state) -> dict:
    return {
        "sent": state.sent,
        "error": state.error,
        "busy": state.busy,
        "token": state.session_token,
        "user": state.username,
    }


def test_the_sign_up_form_answers_alike_whether_or_not_the_address_has_an_account(
    engine, monkeypatch
) -> None:
    on(engine, monkeypatch, sign_up, "sign_up")
    create_user("owner_two", "owner2@example.com", PASSWORD, engine=engine)
    answers = []
    for email in ("brand-new@example.com", "owner2@example.com"):
        state = page(SignupState, "/signup")
        form = {"username": f"u_{uuid.uuid4().hex[:6]}", "email": email, "password": PASSWORD,
                "confirm": PASSWORD}  # fmt: skip
        events = asyncio.run(run(state, "submit", form))
        answers.append((visible(state), [str(e) for e in events if e is not None]))
    assert answers[0] == answers[1]
    assert answers[0][0] == {"sent": True, "error": "", "busy": False, "token": "", "user": ""}
    assert count(engine, LoginSession) == 0
    assert count(engine, EmailOutbox, EmailOutbox.kind == email_verification.EMAIL_KIND) == 1
    assert count(engine, EmailOutbox, EmailOutbox.kind == email_verification.NOTICE_KIND) == 1

    state = page(SignupState, "/signup")
    weak = {"username": "weakling", "email": "w@example.com", "password": "password1",
            "confirm": "password1"}  # fmt: skip
    asyncio.run(run(state, "submit", weak))
    assert not state.sent and "at least 10 characters" in state.error
    SignupState.event_handlers["remember_next"].fn(state)  # a fresh visit: a fresh form
    assert (state.sent, state.error) == (False, "")


def test_the_sign_in_form_keeps_and_sends_back_its_known_device_cookie(engine, monkeypatch) -> None:
    on(engine, monkeypatch, signing_in, "with_password")
    name = f"dev_{uuid.uuid4().hex[:6]}"
    create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    state = page(LoginState, "/login")
    asyncio.run(run(state, "submit", {"login": name, "password": PASSWORD}))
    assert state.session_token and state.device_token.startswith(f"{get_account_id(engine, name)}.")
    device = state.device_token
    for _ in range(5):  # a stranger elsewhere
        with pytest.raises(AccountError):
            throttle.sign_in(name, "wrong-guess-77", "198.51.100.9", engine=engine)
    stranger = page(LoginState, "/login")
    asyncio.run(run(stranger, "submit", {"login": name, "password": PASSWORD}))
    assert "Too many failed sign-ins" in stranger.error and not stranger.session_token
    again = page(LoginState, "/login")
    again.device_token = device  # the owner's browser sends its cookie
    asyncio.run(run(again, "submit", {"login": name, "password": PASSWORD}))
    assert again.session_token and again.error == "" and again.device_token == device


def get_account_id(engine, username: str) -> int:
    with read_session(engine) as session:
        return session.execute(select(User.id).where(User.username == username)).scalar_one()


def signed_in_as(monkeypatch, account) -> None:
    async def current(self):
        return account

    monkeypatch.setattr(VerifyEmailState, "_current_account", current)


def test_the_verify_page_confirms_through_its_button(engine, monkeypatch) -> None:
    on(engine, monkeypatch, email_verification, "confirm")
    monkeypatch.setattr(
        email_verification,
        "confirm",
        functools.partial(email_verification.confirm, settings=SITE),
    )
    signed_in_as(monkeypatch, None)
    account = new_account(engine)
    token = emailed_link(engine, account.id)
    state = page(VerifyEmailState, "/verify-email", token=token)
    asyncio.run(run(state, "load"))
    assert state.has_link and state.outcome == "" and not state.signed_in
    assert not get_account(account.id, engine=engine).email_verified  # opening it did nothing
    asyncio.run(run(state, "confirm"))
    assert (state.outcome, state.error) == ("confirmed", "")
    assert get_account(account.id, engine=engine).email_verified
    asyncio.run(run(state, "confirm"))
    assert state.outcome == "already"

    for forged in ("", "1.2.3", "x" * 20_000, f"{token}x"):
        state = page(VerifyEmailState, "/verify-email", token=forged)
        asyncio.run(run(state, "load"))
        asyncio.run(run(state, "confirm"))
        assert state.outcome == "" and state.error == email_verification.INVALID_LINK


def test_the_verify_page_sends_the_link_again_to_the_signed_in_account(engine, monkeypatch) -> None:
    on(engine, monkeypatch, email_verification, "send_link_again")
    state = page(VerifyEmailState, "/verify-email")
    signed_in_as(monkeypatch, None)
    asyncio.run(run(state, "load"))
    asyncio.run(run(state, "send_again"))
    assert state.error == "Please sign in first." and not state.has_link

    account = new_account(engine)
    signed_in_as(monkeypatch, get_account(account.id, engine=engine))
    asyncio.run(run(state, "load"))
    assert state.signed_in and state.unverified
    for _ in range(3):
        asyncio.run(run(state, "send_again"))
        assert state.notice == f"We have sent a new link to {account.email}." and not state.error
    asyncio.run(run(state, "send_again"))
    assert "several links already" in state.error and state.notice == ""
    assert count(engine, EmailOutbox, EmailOutbox.user_id == account.id) == 4
