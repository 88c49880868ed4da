"""Confirming an account's email address: a link sent at sign-up, good for 48 hours.

Where the setting asks for it (`BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL`, on in production) an account
holds no seats before its address is confirmed, so each account a hoarder makes costs a working
inbox. The link's token is the account's id, when the link ends, and an HMAC of both and of the
address under the site's secret key: nothing is stored, no client can make or stretch one, and a
link for another address confirms nothing. The outbox builds the link from its row when it
writes the email (the row's time is the link's start), as it does for password resets.
Confirming is a compare-and-set UPDATE, so it happens once; it signs nobody in (the link is not a
password: whoever opens it still signs in with theirs).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bookmyseat.db import is_row_id, read_session, write_session
from bookmyseat.models import EmailOutbox, OutboxStatus, User
from bookmyseat.services.accounts.throttle import VERIFICATION_EMAILS_PER_ACCOUNT
from bookmyseat.services.accounts.users import AccountError
from bookmyseat.services.clock import resolve_now
from bookmyseat.settings import Settings, get_settings

LINK_LIFETIME = timedelta(hours=48)
EMAIL_KIND = "email_verification"
NOTICE_KIND = "sign_up_attempt"  # someone tried to sign up with an address that has an account
MAX_TOKEN = 120  # longer than any token we issue; a longer one is refused unread
INVALID_LINK = "This confirmation link is not valid or has expired. Sign in and ask for a new one."


def _mac(user_id: int, until: int, email: str, secret_key: str) -> str:
    text = f"verify-email:{user_id}:{until}:{email.lower()}"
    digest = hmac.new(secret_key.encode(), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_for(row: EmailOutbox, email: str, settings: Settings) -> str:
    """The address a verification email sends the person to (from the row; never stored)."""
    until = int((row.created_at + LINK_LIFETIME).timestamp())
    token = f"{row.user_id}.{until}.{_mac(row.user_id, until, email, settings.secret_key)}"
    return f"{settings.public_url}/verify-email?token={token}"


def queue_link(session: Session, user: User, now: datetime) -> None:
    """In the caller's transaction: the email with the link, to the account's address."""
    session.add(
        EmailOutbox(
            user_id=user.id,
            kind=EMAIL_KIND,
            to_address=user.email,
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
    )


def queue_sign_up_notice(session: Session, user: User, now: datetime) -> None:
    """In the caller's transaction: tell the address's owner that someone tried to make another
    account with it (the sign-up form itself says nothing of it)."""
    session.add(
        EmailOutbox(
            user_id=user.id,
            kind=NOTICE_KIND,
            to_address=user.email,
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
    )


def _account_of_token(token: str, now: datetime, secret_key: str, engine: Engine | None) -> User:
    token = str(token or "").strip()
    if len(token) > MAX_TOKEN or not token.isascii():
        raise AccountError(INVALID_LINK)
    user_id, _, rest = token.partition(".")
    until, _, mac = rest.partition(".")
    if not (user_id.isdigit() and until.isdigit() and mac and is_row_id(int(user_id))):
        raise AccountError(INVALID_LINK)
    with read_session(engine) as session:
        user = session.get(User, int(user_id))
    expected = _mac(int(user_id), int(until), user.email if user else "", secret_key)
    if not hmac.compare_digest(mac.encode(), expected.encode()) or user is None:
        raise AccountError(INVALID_LINK)
    if int(until) <= now.timestamp() or not user.is_active:
        raise AccountError(INVALID_LINK)
    return user


def confirm(
    token: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    engine: Engine | None = None,
) -> Literal["confirmed", "already"]:
    """Confirm the address the link was sent to, or raise AccountError (a forged, expired or
    another address's link). "already" when it was confirmed before (the link again, harmless)."""
    now = resolve_now(now)
    user = _account_of_token(token, now, (settings or get_settings()).secret_key, engine)
    with write_session(engine) as session:
        done = session.execute(
            update(User)
            .where(User.id == user.id, User.email == user.email, User.email_verified_at.is_(None))
            .values(email_verified_at=now)
        )
    return "confirmed" if done.rowcount == 1 else "already"


def is_verified(session: Session, user_id: int) -> bool:
    """In the caller's transaction: whether the account has confirmed its address."""
    return (
        session.execute(
            select(User.email_verified_at).where(User.id == user_id)
        ).scalar_one_or_none()
        is not None
    )


def send_link_again(
    user_id: int, *, now: datetime | None = None, engine: Engine | None = None
) -> bool:
    """Another link to the signed-in account's address (`Throttled` past 3 an hour, 10 a day);
    False when the address is confirmed already (nothing to send)."""
    now = resolve_now(now)
    with read_session(engine) as session:
        user = session.get(User, user_id)
    if user is None or not user.is_active or user.email_verified_at is not None:
        return False
    VERIFICATION_EMAILS_PER_ACCOUNT.hit(str(user_id))
    with write_session(engine) as session:
        queue_link(session, user, now)
    return True
