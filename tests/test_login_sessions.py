"""Login sessions: a token signs in until it expires or is ended; only its hash is stored."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bookmyseat.db import read_session, write_session
from bookmyseat.models import LoginSession, User, utcnow
from bookmyseat.services.accounts.login_sessions import (
    SESSION_DAYS,
    account_for_token,
    end_session,
    start_session,
)
from bookmyseat.services.accounts.users import create_user


def test_token_signs_in_until_ended_or_expired(engine) -> None:
    account = create_user("meera", "meera@example.com", "filter-coffee1", engine=engine)
    now = utcnow()
    token = start_session(account.id, now=now, engine=engine)
    assert account_for_token(token, now=now, engine=engine) == account
    with read_session(engine) as session:
        stored = session.execute(select(LoginSession.token_hash)).scalar_one()
    assert token not in stored and len(stored) == 64
    later = now + timedelta(days=SESSION_DAYS, seconds=1)
    assert account_for_token(token, now=later, engine=engine) is None
    assert account_for_token(token + "x", now=now, engine=engine) is None
    assert account_for_token("", engine=engine) is None
    end_session(token, engine=engine)
    end_session(token, engine=engine)
    assert account_for_token(token, now=now, engine=engine) is None


def test_disabled_account_is_signed_out(engine) -> None:
    account = create_user("kiran", "kiran@example.com", "filter-coffee1", engine=engine)
    token = start_session(account.id, engine=engine)
    with write_session(engine) as session:
        session.execute(update(User).values(is_active=False))
    assert account_for_token(token, engine=engine) is None
