"""Who is signed in. Every handler that touches private data asks `current_account()`, which
checks the session token against the database; the `username` var is for display only."""

from __future__ import annotations

import asyncio

import reflex as rx

from bookmyseat.services.accounts.login_sessions import (
    SESSION_DAYS,
    account_for_token,
    end_session,
    start_session,
)
from bookmyseat.services.accounts.users import Account, AccountError, authenticate, create_user


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


class AuthState(rx.State):
    """The signed-in identity, shared by every page."""

    # Reflex sets cookies from the browser's side, so this one cannot be HttpOnly; it holds a
    # random token whose hash only the server can match.
    session_token: str = rx.Cookie(
        "", name="bms_session", max_age=SESSION_DAYS * 86400, same_site="lax", path="/"
    )
    username: str = ""
    role: str = ""

    async def current_account(self) -> Account | None:
        return await asyncio.to_thread(account_for_token, self.session_token)

    def _show_identity(self, account: Account | None) -> None:
        self.username = account.username if account else ""
        self.role = account.role if account else ""

    @rx.event
    async def refresh_identity(self):
        self._show_identity(await self.current_account())

    async def _sign_in(self, account: Account) -> None:
        self.session_token = await asyncio.to_thread(start_session, account.id)
        self._show_identity(account)

    @rx.event
    async def logout(self):
        await asyncio.to_thread(end_session, self.session_token)
        self.session_token = ""
        self._show_identity(None)
        return [rx.redirect("/"), rx.toast.info("You are signed out.")]


class AccountForm(rx.State, mixin=True):
    """A sign-in or sign-up form: one submission at a time, its refusal shown above it, and on
    success the browser signed in and sent where it was going. A mixin, because Reflex binds an
    event handler to the class that defines it: each form gets its own `submit`."""

    error: str = ""
    busy: bool = False

    async def _account_from(self, form: dict) -> Account:
        """The account the form names (raises AccountError saying what is wrong)."""
        raise NotImplementedError

    def _welcome(self, account: Account) -> list:
        return []

    @rx.event
    async def submit(self, form: dict):
        self.busy, self.error = True, ""
        yield
        try:
            account = await self._account_from(form)
        except AccountError as exc:
            self.busy, self.error = False, exc.message
            return
        self.busy = False
        await self._sign_in(account)
        yield [rx.redirect(safe_next(self.router.page.params.get("next"))), *self._welcome(account)]


class LoginState(AccountForm, AuthState):
    """`/login`."""

    async def _account_from(self, form: dict) -> Account:
        login = str(form.get("login", ""))[:254]
        password = str(form.get("password", ""))[:128]
        account = await asyncio.to_thread(authenticate, login, password)
        if account is None:
            raise AccountError("That username or email and password do not match.")
        return account


class SignupState(AccountForm, AuthState):
    """`/signup`."""

    async def _account_from(self, form: dict) -> Account:
        return await asyncio.to_thread(
            create_user,
            str(form.get("username", ""))[:40],
            str(form.get("email", ""))[:254],
            str(form.get("password", ""))[:1000],
            password_again=str(form.get("confirm", ""))[:1000],
        )

    def _welcome(self, account: Account) -> list:
        return [rx.toast.success(f"Welcome to BookMySeat, {account.username}!")]
