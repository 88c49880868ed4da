"""Who is signed in. Every handler that touches private data asks `_current_account()`, which
checks the session token against the database; the `username` var is for display only."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from urllib.parse import quote

import reflex as rx
from reflex.middleware import Middleware
from reflex.state import UpdateVarsInternalState
from reflex_base.constants import CompileVars
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event import Event
from reflex_base.utils.format import format_event_handler

from bookmyseat.services.accounts import signing_in
from bookmyseat.services.accounts.known_devices import COOKIE_DAYS
from bookmyseat.services.accounts.login_sessions import (
    SESSION_DAYS,
    account_for_token,
    end_session,
)
from bookmyseat.services.accounts.signing_in import SignedIn
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.errors import CustomerError
from bookmyseat.settings import get_settings

# A new tab token, then the home page (which says "You are signed out").
START_AFRESH = "sessionStorage.removeItem('token'); window.location.replace('/?signed_out=1')"


def session_fingerprint(token: str) -> str:
    """What a tab remembers of the session its data was made for ("" for none)."""
    return hashlib.blake2b(token.encode(), digest_size=16).hexdigest() if token else ""


def app_states() -> list[type[rx.State]]:
    """Every state class of this app (not Reflex's own), found in the app's state tree."""
    found, todo = [], list(rx.State.get_substates())
    while todo:
        state_class = todo.pop()
        todo.extend(state_class.get_substates())
        if state_class.__module__.startswith("bookmyseat."):
            found.append(state_class)
    return found


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect): one leading slash, and
    no backslash or control character anywhere, since browsers read `\\` as `/` and drop tabs
    and line breaks from an address (`/\\t/evil.example` becomes `//evil.example`, another
    host)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not any(c == "\\" or c < " " or "\x7f" <= c <= "\x9f" for c in target)
    ):
        return target
    return "/"


class AuthState(rx.State):
    """The signed-in identity, shared by every page, and the binding of the tab's private data
    (the substates: a customer's bookings, an admin's lists) to the browser's session cookie.

    A tab's state outlives the tab: it is kept under the tab's token, which travels in the
    websocket's address (and so in access logs). Whoever reconnects with that token gets the
    whole state in the first frame, the snapshot every hydrate sends before a page load could
    check who is asking. So each event that brings the browser's cookies (SessionBinding, before
    the handler) compares the session cookie with the one the data was made for (`_owner`): on
    a change (signed out elsewhere, no cookie, another person's) everything of the tab but its
    cookies is reset before anything is sent. And a connection that never showed a cookie is
    nobody (`_current_account`), whatever session the stored state names."""

    # Reflex sets cookies from the browser's side, so this one cannot be HttpOnly; it holds a
    # random token whose hash only the server can match.
    session_token: str = rx.Cookie(
        "",
        name="bms_session",
        max_age=SESSION_DAYS * 86400,
        same_site="lax",
        path="/",
        secure=get_settings().public_url.startswith("https://"),  # never sent in clear text
    )
    # "This browser has signed in to this account before" (signed by the services): a
    # stranger's failed guesses do not make the right password wait here. Not a session.
    device_token: str = rx.Cookie(
        "",
        name="bms_device",
        max_age=COOKIE_DAYS * 86400,
        same_site="lax",
        path="/",
        secure=get_settings().public_url.startswith("https://"),
    )
    username: str = ""
    role: str = ""
    _owner: str = ""  # session_fingerprint of the session the tab's data was made for
    _connection: str = ""  # the socket that last showed a cookie (router.session.session_id)

    async def _bind_to_cookie(self, token: str) -> None:
        """The connection shows `token` as its session cookie: if the tab's data was made for
        another session, reset it all (but the cookies, which the event then sets) first."""
        owner = session_fingerprint(token)
        if owner != self._owner:
            cookies = {name: getattr(self, name) for name in self.base_vars
                       if self._is_client_storage(name)}  # fmt: skip
            for state_class in app_states():
                if issubclass(state_class, AuthState):  # the private part of the tab
                    (await self.get_state(state_class)).reset()
            for name, value in cookies.items():
                setattr(self, name, value)
            self._owner = owner
        if self._connection != (connection := self.router.session.session_id):
            self._connection = connection

    async def _current_account(self) -> Account | None:
        if self._connection != self.router.session.session_id:
            return None  # a connection that skipped the hydrate: it showed no cookie
        return await asyncio.to_thread(account_for_token, self.session_token)

    def _route_reference(self) -> str:
        """The booking the page's address names: an action sent before the page's load has run
        (Reflex runs a quick click ahead of the load it queues) still acts on that booking."""
        return str(self.router.page.params.get("reference", ""))[:16]

    def _show_identity(self, account: Account | None) -> None:
        self.username = account.username if account else ""
        self.role = account.role if account else ""

    @rx.event
    async def refresh_identity(self):
        self._show_identity(await self._current_account())

    def _signed_in(self, signed_in: SignedIn) -> None:
        """The browser holds the session the services opened (none while a code is owed)."""
        self.session_token = signed_in.token
        self._owner = session_fingerprint(signed_in.token)
        if signed_in.device:
            self.device_token = signed_in.device
        self._show_identity(signed_in.account if signed_in.token else None)

    @rx.event
    async def logout(self):
        """Sign out and leave nothing of this person in the tab: every page state of the tab is
        reset on the server, and the browser starts afresh under a new tab token (the next
        person at this computer gets a new, empty state, and the old one expires). The browser
        stays a known device: signing out must not expose it to a stranger's lockout."""
        await asyncio.to_thread(end_session, self.session_token)
        device = self.device_token
        for state_class in app_states():
            (await self.get_state(state_class)).reset()
        self.device_token = device
        return rx.call_script(START_AFRESH)


class AccountForm(rx.State, mixin=True):
    """A sign-in or sign-up form: one submission at a time, its refusal shown above it, and on
    success the browser signed in and sent where it was going. A mixin, because Reflex binds an
    event handler to the class that defines it: each form gets its own `submit`."""

    error: str = ""
    busy: bool = False
    onward: str = ""  # "?next=…" for the link to the other form, so the way back survives it

    @rx.event
    def remember_next(self):
        """On load: where the customer goes after signing in, kept across login ↔ sign-up."""
        target = safe_next(self.router.page.params.get("next"))
        self.onward = "" if target == "/" else "?next=" + quote(target, safe="")
        self._start_over()

    def _start_over(self) -> None:
        """A fresh form on each visit."""
        self.error, self.busy = "", False

    async def _submitted(self, form: dict) -> SignedIn | None:
        """What the services made of the form (raises CustomerError saying what is wrong);
        None when the form signs nobody in (a sign-up: the inbox comes first)."""
        raise NotImplementedError

    def _check_email(self) -> None:
        """The form was taken, and what follows is in the person's inbox."""

    def _code_owed(self, signed_in: SignedIn) -> None:
        """The password was right, but the account also needs a code."""

    @rx.event
    async def submit(self, form: dict):
        self.busy, self.error = True, ""
        yield
        try:
            signed_in = await self._submitted(form)
        except CustomerError as exc:  # a refused account, or too many tries
            self.busy, self.error = False, exc.message
            return
        self.busy = False
        if signed_in is None:
            self._check_email()
            return
        if not signed_in.token:
            self._code_owed(signed_in)
            return
        yield self._finish(signed_in)

    def _finish(self, signed_in: SignedIn) -> list:
        self._signed_in(signed_in)
        return [rx.redirect(safe_next(self.router.page.params.get("next")))]


class LoginState(AccountForm, AuthState):
    """`/login`: a password, then (for accounts with two-factor sign-in) a code from the app or a
    recovery code; the services decide, this form asks."""

    needs_code: bool = False
    _pending: str = ""  # the services' signed ticket between the password and the code

    async def _submitted(self, form: dict) -> SignedIn:
        login = str(form.get("login", ""))[:254]
        password = str(form.get("password", ""))[:128]
        address, device = self.router.session.client_ip, self.device_token
        return await asyncio.to_thread(signing_in.with_password, login, password, address, device)

    def _start_over(self) -> None:
        super()._start_over()
        self.needs_code, self._pending = False, ""

    def _code_owed(self, signed_in: SignedIn) -> None:
        self.needs_code, self._pending = True, signed_in.pending

    @rx.event
    async def submit_code(self, form: dict):
        self.busy, self.error = True, ""
        yield
        code = str(form.get("code", ""))[:40]
        try:
            signed_in = await asyncio.to_thread(
                signing_in.with_code, self._pending, code, self.device_token
            )
        except CustomerError as exc:  # a wrong code, too many, or no password first
            self.busy, self.error = False, exc.message
            if exc.message == signing_in.PASSWORD_FIRST:
                self.needs_code, self._pending = False, ""
            return
        self.busy, self.needs_code, self._pending = False, False, ""
        yield self._finish(signed_in)


class SignupState(AccountForm, AuthState):
    """`/signup`: the same answer whether or not the address had an account (the services
    email its owner instead); nobody is signed in here."""

    sent: bool = False  # "check your email to finish"

    def _start_over(self) -> None:
        super()._start_over()
        self.sent = False

    async def _submitted(self, form: dict) -> None:
        await asyncio.to_thread(
            signing_in.with_new_account,
            str(form.get("username", ""))[:40],
            str(form.get("email", ""))[:254],
            str(form.get("password", ""))[:1000],
            str(form.get("confirm", ""))[:1000],
            self.router.session.client_ip,
        )

    def _check_email(self) -> None:
        self.sent = True


class SessionBinding(Middleware):
    """Binds each tab's private data to the session cookie its browser shows, before the event
    that shows it runs (see AuthState); `app.add_middleware(SessionBinding())`. A browser shows
    its cookies in the (re)connect's hydrate (all of them: none there means none), Reflex's
    old-style hydrate resets them, and Reflex's storage update sends those that changed."""

    def __init__(self) -> None:
        handlers = rx.State.event_handlers
        self._connect = format_event_handler(handlers[CompileVars.HYDRATE_AND_LOAD])
        self._old_hydrate = format_event_handler(handlers[CompileVars.HYDRATE])
        self._update = format_event_handler(
            UpdateVarsInternalState.event_handlers["update_vars_internal"]
        )
        self._session_var = AuthState.get_full_name() + ".session_token"

    def _cookie_shown(self, event: Event) -> str | None:
        """The session cookie `event` shows ("" for none); None when it says nothing of it."""
        if event.name == self._old_hydrate:
            return ""
        if event.name not in (self._connect, self._update):
            return None
        sent = event.payload.get("vars") if isinstance(event.payload, dict) else None
        for name, value in (sent if isinstance(sent, dict) else {}).items():
            if isinstance(name, str) and name.removesuffix(FIELD_MARKER) == self._session_var:
                return value if isinstance(value, str) else ""
        return "" if event.name == self._connect else None

    async def preprocess(self, app: Any, state: rx.State, event: Event) -> None:
        token = self._cookie_shown(event)
        if token is not None:
            await (await state.get_state(AuthState))._bind_to_cookie(token)
        return None
