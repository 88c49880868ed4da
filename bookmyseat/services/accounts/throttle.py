"""Slowing down password guessing: failed sign-ins counted per account and per client address
(the `limits` library, in Redis when it is configured so that every worker and app server shares
the counts; in this process's memory otherwise).

An account may fail 5 times in 15 minutes, 10 in an hour and 20 in a day; an address 100 times in
15 minutes and 300 in an hour. Past a limit, even the right password waits, and the message says
how long: the waits grow with each tier. Each failure is written to the audit log.
"""

from __future__ import annotations

import time
from functools import lru_cache

from limits import parse_many, storage, strategies
from sqlalchemy.engine import Engine

from bookmyseat.services.accounts.users import Account, AccountError, authenticate
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit
from bookmyseat.settings import get_settings

PER_ACCOUNT = parse_many("5/15 minutes;10/hour;20/day")
# Generous: many customers share an address (mobile carriers, offices, the cinema's own Wi-Fi).
PER_ADDRESS = parse_many("100/15 minutes;300/hour")


class SignInThrottled(CustomerError):
    code = "sign_in_throttled"


@lru_cache(maxsize=4)
def _limiter(uri: str) -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(uri))


def limiter() -> strategies.MovingWindowRateLimiter:
    """Shared through Redis when the site has it, so that several workers count together."""
    redis_url = get_settings().redis_url
    return _limiter(redis_url or "memory://")


def _keys(login: str, address: str) -> list[tuple[list, str]]:
    return [
        (PER_ACCOUNT, f"bookmyseat:sign-in:account:{login.strip().lower()[:254]}"),
        (PER_ADDRESS, f"bookmyseat:sign-in:address:{address or 'unknown'}"),
    ]


def check_sign_in_allowed(login: str, address: str) -> None:
    """Refuse (saying for how long) when the account or the address failed too often."""
    wait = 0.0
    for limits, key in _keys(login, address):
        for limit in limits:
            if not limiter().test(limit, key):
                reset = limiter().get_window_stats(limit, key).reset_time
                wait = max(wait, reset - time.time())
    if wait > 0:
        minutes = max(1, round(wait / 60))
        raise SignInThrottled(
            "Too many failed sign-ins for this account or from this network. "
            f"Please try again in {minutes} minute{'s' if minutes != 1 else ''}. "
            "Your account itself is safe."
        )


def record_failed_sign_in(login: str, address: str) -> None:
    for limits, key in _keys(login, address):
        for limit in limits:
            limiter().hit(limit, key)


def sign_in(login: str, password: str, address: str, *, engine: Engine | None = None) -> Account:
    """The account for these credentials, unless this account or address has failed too often
    (then even the right password waits); a failure is counted and audited."""
    check_sign_in_allowed(login, address)
    account = authenticate(login, password, engine=engine)
    if account is None:
        record_failed_sign_in(login, address)
        audit.record(
            audit.Actor.anonymous(),
            "sign_in_failed",
            entity="account",
            entity_id=login.strip().lower()[:40],
            detail=f"from {address or 'an unknown address'}",
            engine=engine,
        )
        raise AccountError("That username or email and password do not match.")
    return account
