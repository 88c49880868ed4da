"""Password reset by email: a single-use link that works for 30 minutes.

The link's token is the reset's id and an HMAC of its random nonce under the site's secret key,
so the table alone (a backup, a read-only leak) forges no link, and the raw token is never
stored: the outbox rebuilds it from the row when it writes the email. Asking for a reset says
nothing about whether an account uses the address. What is limited is what reaches the owner:
3 reset emails an hour and 10 a day per account, whoever asks from wherever (past that an ask
is answered alike and sends nothing), so strangers asking from many networks cannot lock the
owner out of resets: every link they caused is in the owner's inbox. A network may ask 10
times an hour. Using a link sets the password, voids the user's other links and signs them
out everywhere, in one transaction; the link is spent with a compare-and-set UPDATE, so two
uses at once cannot both succeed. Then the account's failed sign-ins are forgotten: whoever
guessed was guessing an old password, and the owner (staff with two factors too) signs in at
once rather than waiting out a stranger's lockout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import EmailOutbox, LoginSession, OutboxStatus, PasswordReset, User
from bookmyseat.services.accounts.throttle import (
    PASSWORD_RESETS_PER_ADDRESS,
    RESET_EMAILS_PER_ACCOUNT,
    forget_failed_sign_ins,
)
from bookmyseat.services.accounts.users import (
    Account,
    AccountError,
    account_of,
    hash_password,
    normal_email,
    password_problem,
)
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.staff import audit
from bookmyseat.settings import Settings, get_settings

RESET_LIFETIME = timedelta(minutes=30)
EMAIL_KIND = "password_reset"
MAX_TOKEN = 200  # longer than any token we issue; a longer one is refused unread
INVALID_LINK = "This reset link is not valid or has expired. Ask for a new one."


def _mac(reset_id: int, nonce: str, secret_key: str) -> str:
    digest = hmac.new(
        secret_key.encode(), f"password-reset:{reset_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def reset_token(reset: PasswordReset, secret_key: str) -> str:
    return f"{reset.id}.{_mac(reset.id, reset.nonce, secret_key)}"


def reset_link(reset: PasswordReset, settings: Settings) -> str:
    """The address the email sends the person to (built from the row; never stored)."""
    return f"{settings.public_url}/reset-password?token={reset_token(reset, settings.secret_key)}"


def request_reset(
    email: str, address: str, *, now: datetime | None = None, engine: Engine | None = None
) -> None:
    """Email a reset link if an active account uses `email` and has had fewer than its
    allowance of reset emails; otherwise do the same work and write nothing. Either way the
    caller learns nothing (but `Throttled`, which counts asks per network whether or not the
    account exists). Something that is not an address at all is dropped at once: that is no
    secret, and it costs no count or query."""
    now = resolve_now(now)
    try:
        email = normal_email(email)
    except AccountError:
        return
    PASSWORD_RESETS_PER_ADDRESS.hit(address)
    nonce = secrets.token_hex(16)
    with write_session(engine) as session:
        user = (
            session.execute(
                select(User)
                .where(func.lower(User.email) == email, User.is_active)
                .order_by(User.id)
                .limit(1)
            )
            .scalars()
            .first()
        )
        if user is None or not RESET_EMAILS_PER_ACCOUNT.allows(str(user.id)):
            return
        reset = PasswordReset(
            nonce=nonce, user_id=user.id, created_at=now, expires_at=now + RESET_LIFETIME
        )
        session.add(reset)
        session.flush()
        session.add(
            EmailOutbox(
                booking_id=None,
                password_reset_id=reset.id,
                kind=EMAIL_KIND,
                to_address=user.email,
                status=OutboxStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
        )


def _verified_reset(token: str, secret_key: str, engine: Engine | None) -> PasswordReset:
    """The reset the token names, if its MAC is right (compared in constant time)."""
    token = token.strip()[:MAX_TOKEN]
    reset_id, _, mac = token.partition(".")
    if not (token.isascii() and reset_id.isdigit() and is_row_id(int(reset_id)) and mac):
        raise AccountError(INVALID_LINK)
    with read_session(engine) as session:
        reset = session.get(PasswordReset, int(reset_id))
    expected = _mac(int(reset_id), reset.nonce if reset else "", secret_key)
    if not hmac.compare_digest(mac.encode(), expected.encode()) or reset is None:
        raise AccountError(INVALID_LINK)
    return reset


def reset_password(
    token: str,
    new_password: str,
    password_again: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> Account:
    """Set a new password through a reset link, or raise AccountError (a bad, spent or expired
    link; a weak or mistyped password, naming its field). Success spends the link, voids the
    user's other links and ends every signed-in session, with an audit entry."""
    now = resolve_now(now)
    reset = _verified_reset(token, (settings or get_settings()).secret_key, engine)
    with read_session(engine) as session:
        user = session.get(User, reset.user_id)
    if reset.used_at is not None or reset.expires_at <= now or user is None or not user.is_active:
        raise AccountError(INVALID_LINK)
    if new_password != password_again:
        raise AccountError("The two passwords differ.", "confirm")
    personal = (user.username, user.email, user.email.partition("@")[0])
    problem = password_problem(new_password, *personal)
    if problem:
        raise AccountError(problem, "password")
    password_hash = hash_password(new_password)  # slow: before the write lock, not under it
    with write_session(engine) as session:
        spent = session.execute(
            update(PasswordReset)
            .where(
                PasswordReset.id == reset.id,
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > now,
            )
            .values(used_at=now)
        )
        changed = session.execute(
            update(User)
            .where(User.id == reset.user_id, User.is_active)
            .values(password_hash=password_hash)
        )
        if spent.rowcount != 1 or changed.rowcount != 1:  # another use won, or just disabled
            raise AccountError(INVALID_LINK)  # rolls the whole transaction back
        session.execute(
            update(PasswordReset)
            .where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
            .values(used_at=now)
        )
        session.execute(delete(LoginSession).where(LoginSession.user_id == reset.user_id))
        audit.add_entry(
            session,
            audit.Actor(user.id, user.username),
            "password_reset",
            entity="account",
            entity_id=user.username,
            detail="password set through an emailed link; every session signed out",
            now=now,
        )
    forget_failed_sign_ins(user.id)
    return account_of(user)
