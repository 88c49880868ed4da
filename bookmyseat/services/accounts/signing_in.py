"""Who gets a session, and by which route, in one place: a password (throttled), then for an
account with two-factor sign-in a code within five minutes; a password reset (which never skips
the code: an account with two factors signs in afresh). A sign-up opens no session: the form
must not tell a new account from an address that had one (services.accounts.sign_up), so the
new customer signs in with their password. A browser that signs in is given (or keeps) its
"known device" cookie (services.accounts.known_devices).

Between the password and the code the browser holds a `pending` ticket: the account's id and a
deadline, signed with the site's secret key, so no client can make or stretch one.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bookmyseat.services.accounts import (
    known_devices,
    password_reset,
    sign_up,
    throttle,
    two_factor,
)
from bookmyseat.services.accounts.login_sessions import start_session
from bookmyseat.services.accounts.users import Account, get_account
from bookmyseat.settings import get_settings

CODE_WITHIN_SECONDS = 300
PASSWORD_FIRST = "Please sign in with your password first."


@dataclass(frozen=True)
class SignedIn:
    """`token` is the browser's new session; without one, `pending` says a code is owed.
    `device` is the browser's known-device cookie once it has signed in."""

    account: Account
    token: str = ""
    pending: str = ""
    device: str = ""


def _signature(text: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"second-step:{text}".encode(), hashlib.sha256).hexdigest()


def _pending_for(account: Account) -> str:
    text = f"{account.id}:{int(time.time()) + CODE_WITHIN_SECONDS}"
    return f"{text}:{_signature(text)}"


def _pending_account(pending: str, engine: Engine | None) -> Account:
    text, _, signature = str(pending)[:200].rpartition(":")
    user_id, _, deadline = text.partition(":")
    if not (
        text.isascii()
        and signature.isascii()
        and hmac.compare_digest(signature, _signature(text))
        and user_id.isdigit()
        and deadline.isdigit()
        and int(deadline) > time.time()
    ):
        raise two_factor.TwoFactorError(PASSWORD_FIRST)
    account = get_account(int(user_id), engine=engine)
    if account is None:
        raise two_factor.TwoFactorError(PASSWORD_FIRST)
    return account


def with_password(
    login: str, password: str, address: str, device: str = "", *, engine: Engine | None = None
) -> SignedIn:
    """`device` is the browser's known-device cookie, if any (a stranger's failures do not make
    it wait)."""
    account = throttle.sign_in(login, password, address, device, engine=engine)
    if account.two_factor:
        return SignedIn(account, pending=_pending_for(account))
    token = start_session(account.id, engine=engine)
    known = known_devices.token_after_sign_in(account.id, device, engine=engine)
    return SignedIn(account, token=token, device=known)


def with_code(
    pending: str, code: str, device: str = "", *, engine: Engine | None = None
) -> SignedIn:
    """The second step: the session it opens counts as having given two factors."""
    account = _pending_account(pending, engine)
    two_factor.verify(account, code, engine=engine)
    token = start_session(account.id, second_factor=True, engine=engine)
    known = known_devices.token_after_sign_in(account.id, device, engine=engine)
    return SignedIn(account, token=token, device=known)


def with_new_account(username: str, email: str, password: str, again: str, address: str) -> None:
    """Sign up (services.accounts.sign_up); nobody is signed in, and the caller learns nothing
    of whether an account was made: it shows "check your email" either way."""
    sign_up.sign_up(username, email, password, again, address)


def with_reset_link(token: str, password: str, again: str) -> SignedIn:
    """A new password; signed in at once only without two factors (the inbox alone must not
    open an account that asks for a code)."""
    account = password_reset.reset_password(token, password, again)
    if account.two_factor:
        return SignedIn(account)
    return SignedIn(account, token=start_session(account.id))
