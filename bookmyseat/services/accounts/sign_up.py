"""Sign-up: a new account, or an answer nobody can tell apart from one.

Every form takes one of its address's sign-ups ("10 an hour, 50 a day") before any other work,
refused forms included, in one atomic step (services.accounts.throttle): parallel forms cannot
all pass the check before any is counted, and a script probing addresses or usernames spends
the same allowance as one making accounts.

The form never says whether an address has an account (the password-reset page does not
either): a new address gets the account and a link to confirm the address; an address that has
one gets nothing made, and its owner an email saying someone tried (at most 2 an hour, 5 a
day). Either way the form says to check the inbox, and nobody is signed in by the form. The
username is chosen by the person and must be unique, so "That username is taken" is said: a
username tells no address, and asking costs a sign-up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Role, User
from bookmyseat.services.accounts import email_verification
from bookmyseat.services.accounts.throttle import (
    SIGN_UP_NOTICES_PER_ACCOUNT,
    SIGN_UPS_PER_ADDRESS,
)
from bookmyseat.services.accounts.users import (
    Account,
    AccountError,
    account_of,
    hash_password,
    validate_signup,
)
from bookmyseat.services.clock import resolve_now

USERNAME_TAKEN = "That username is taken."


def _username_taken(username: str, engine: Engine | None) -> bool:
    with read_session(engine) as session:
        return session.execute(select(User.id).where(User.username == username)).first() is not None


def sign_up(
    username: str,
    email: str,
    password: str,
    password_again: str,
    address: str,
    *,
    now: datetime | None = None,
    engine: Engine | None = None,
) -> Account | None:
    """The new account (not confirmed, nobody signed in), or None when the address already has
    one (its owner is told by email); AccountError naming the field to fix; `Throttled` when
    this client address has sent too many forms. Callers show the same answer for an account
    and for None."""
    SIGN_UPS_PER_ADDRESS.hit(address)  # first, and for every form: see the module
    if password_again != password:
        raise AccountError("The two passwords differ.", "confirm")
    username, email = validate_signup(username, email, password)
    if _username_taken(username, engine):
        raise AccountError(USERNAME_TAKEN, "username")
    password_hash = hash_password(password)  # slow: before the write transaction, on both paths
    now = resolve_now(now)
    try:
        with write_session(engine) as session:
            owner = (
                session.execute(select(User).where(func.lower(User.email) == email).limit(1))
                .scalars()
                .first()
            )
            if owner is not None:
                if owner.is_active and SIGN_UP_NOTICES_PER_ACCOUNT.allows(str(owner.id)):
                    email_verification.queue_sign_up_notice(session, owner, now)
                return None
            user = User(
                username=username,
                email=email,
                password_hash=password_hash,
                role=Role.CUSTOMER,
                created_at=now,
            )
            session.add(user)
            session.flush()
            email_verification.queue_link(session, user, now)
            return account_of(user)
    except IntegrityError:  # a sign-up at the same moment took the username or the address
        if _username_taken(username, engine):
            raise AccountError(USERNAME_TAKEN, "username") from None
        return None
