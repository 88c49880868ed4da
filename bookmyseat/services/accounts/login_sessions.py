"""Signed-in browsers: a random token in a cookie, its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import read_session, write_session
from bookmyseat.models import LoginSession, User, utcnow
from bookmyseat.services.accounts.users import Account, account_of

SESSION_DAYS = 14

# The browser cookie that carries a session's token (AuthState.session_token sets it).
SESSION_COOKIE = "bms_session"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    user_id: int,
    *,
    second_factor: bool = False,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> str:
    """A new session token for the user (shown to the browser once, never stored);
    `second_factor` when the browser has just given a two-factor code too."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with write_session(engine) as session:
        session.add(
            LoginSession(
                token_hash=_digest(token),
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(days=SESSION_DAYS),
                second_factor_at=now if second_factor else None,
            )
        )
    return token


def account_for_token(
    token: str, *, now: datetime | None = None, engine: Engine | None = None
) -> Account | None:
    """The active account signed in with this token, or None (unknown, expired, disabled)."""
    if not token:
        return None
    now = now or utcnow()
    with read_session(engine) as session:
        found = session.execute(
            select(User, LoginSession.second_factor_at)
            .join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == _digest(token), LoginSession.expires_at > now)
        ).one_or_none()
    if found is None or not found[0].is_active:
        return None
    user, second_factor_at = found
    return replace(account_of(user), second_factor=second_factor_at is not None)


# The active account signed in with a token, its row locked for the caller's transaction.
_LOCK_SIGNED_IN = (
    select(User.id)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now", type_=LoginSession.__table__.c.expires_at.type),
        User.is_active.is_(True),
    )
    .with_for_update(of=User)
)


def lock_signed_in_user(session: Session, token: str, now: datetime) -> int | None:
    """In the caller's write transaction: the id of the active account signed in with this
    token, its row locked so that one customer's writes take turns; None when nobody is.
    The same rules as `account_for_token`, in the statement that takes the lock, so a hold
    costs no separate look-up."""
    if not token:
        return None
    return session.execute(_LOCK_SIGNED_IN, {"token_hash": _digest(token), "now": now}).scalar()


def mark_second_factor(session, token: str, user_id: int, now: datetime) -> None:
    """This browser has just given a code (at enrolment): in the caller's transaction."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == _digest(token), LoginSession.user_id == user_id)
        .values(second_factor_at=now)
    )


def end_session(token: str, *, engine: Engine | None = None) -> None:
    """Sign the browser out; ending an unknown or ended session is harmless."""
    if not token:
        return
    with write_session(engine) as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))
