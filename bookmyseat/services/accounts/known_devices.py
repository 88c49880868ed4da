"""Browsers an account has signed in from, so that a stranger's failed guesses do not keep the
owner out of their own browser (services.accounts.throttle counts a known device apart).

A successful sign-in gives the browser a cookie: the account's id, a random device id, and an
HMAC of both and of the account's password hash under the site's secret key. No client can make
one or move it to another account, nothing is stored, and changing the password (a reset)
forgets every device at once. The cookie alone signs nobody in: it only exempts the right
password from the wait a stranger caused, and it has a failure allowance of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session
from bookmyseat.models import User
from bookmyseat.settings import get_settings

COOKIE_DAYS = 365
MAX_TOKEN = 120  # longer than any token issued; a longer one is ignored unread


def _mac(user_id: int, device_id: str, password_hash: str) -> str:
    key = get_settings().secret_key.encode()
    held = hashlib.sha256(password_hash.encode()).hexdigest()
    text = f"known-device:{user_id}:{device_id}:{held}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def _issue(user_id: int, password_hash: str) -> str:
    device_id = secrets.token_hex(8)
    return f"{user_id}.{device_id}.{_mac(user_id, device_id, password_hash)}"


def device_of(token: str, user_id: int, password_hash: str) -> str:
    """The device id of `token` if it is this account's, signed and under its current
    password; "" otherwise (no cookie, another account's, forged, from before a reset)."""
    token = str(token or "")
    if len(token) > MAX_TOKEN or not token.isascii():
        return ""
    owner, _, rest = token.partition(".")
    device_id, _, mac = rest.partition(".")
    if not (owner.isdigit() and device_id.isalnum() and mac) or int(owner) != user_id:
        return ""
    expected = _mac(user_id, device_id, password_hash)
    return device_id if hmac.compare_digest(mac.encode(), expected.encode()) else ""


def token_after_sign_in(user_id: int, token: str, *, engine: Engine | None = None) -> str:
    """The cookie a browser keeps once `user_id` has signed in with it: the one it has when that
    is still this account's, else a new one (it names one account: the last to sign in)."""
    with read_session(engine) as session:
        password_hash = session.execute(
            select(User.password_hash).where(User.id == user_id)
        ).scalar_one_or_none()
    if password_hash is None:
        return ""
    if device_of(token, user_id, password_hash):
        return token
    return _issue(user_id, password_hash)
