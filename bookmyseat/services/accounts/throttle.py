"""Slowing down abuse: failed sign-ins counted per account and per client address, and the
other actions a script could repeat (sign-ups, password resets, ticket resends, Stripe return
checks) counted per address or account. Counts live in Redis when it is configured, so every
worker and app server shares them (the `limits` library); in this process's memory otherwise.

An account may fail 5 times in 15 minutes, 10 in an hour and 20 in a day; an address 100 times in
15 minutes and 300 in an hour. Past a limit, even the right password waits, and the message says
how long: the waits grow with each tier. Each failure is written to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from limits import parse_many, storage, strategies
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.services.accounts.users import (
    Account,
    AccountError,
    authenticate,
    create_user,
    lock_named_account,
)
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit
from bookmyseat.settings import get_settings

PER_ACCOUNT = parse_many("5/15 minutes;10/hour;20/day")
# Generous: many customers share an address (mobile carriers, offices, the cinema's own Wi-Fi).
PER_ADDRESS = parse_many("100/15 minutes;300/hour")


class SignInThrottled(CustomerError):
    code = "sign_in_throttled"


class Throttled(CustomerError):
    code = "throttled"


@lru_cache(maxsize=4)
def _limiter(uri: str) -> strategies.MovingWindowRateLimiter:
    return strategies.MovingWindowRateLimiter(storage.storage_from_string(uri))


def limiter() -> strategies.MovingWindowRateLimiter:
    """Shared through Redis when the site has it, so that several workers count together."""
    redis_url = get_settings().redis_url
    return _limiter(redis_url or "memory://")


def _wait_text(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class Throttle:
    """A repeatable action's allowance: `limits` (e.g. "5/hour;20/day") per key (an address or
    an account); past it, `Throttled` with `refusal` and how long to wait."""

    action: str
    limits: str
    refusal: str

    def _key(self, key: str) -> str:
        return f"bookmyseat:{self.action}:{str(key or 'unknown')[:254]}"

    def refuse_if_spent(self, key: str) -> None:
        """Refuse, saying how long to wait, when `key` has used up its allowance."""
        wait = 0.0
        for limit in parse_many(self.limits):
            if not limiter().test(limit, self._key(key)):
                reset = limiter().get_window_stats(limit, self._key(key)).reset_time
                wait = max(wait, reset - time.time())
        if wait > 0:
            raise Throttled(f"{self.refusal} Please try again in {_wait_text(wait)}.")

    def count(self, key: str) -> None:
        for limit in parse_many(self.limits):
            limiter().hit(limit, self._key(key))

    def hit(self, key: str) -> None:
        """Count one more use by `key`, or refuse (counting nothing) when it has used them up."""
        self.refuse_if_spent(key)
        self.count(key)


SIGN_UPS_PER_ADDRESS = Throttle(
    "sign-up:address", "10/hour;50/day", "Too many accounts were created from this network."
)
PASSWORD_RESETS_PER_ADDRESS = Throttle(
    "password-reset:address", "10/hour;30/day", "Too many password resets from this network."
)
PASSWORD_RESETS_PER_EMAIL_AND_ADDRESS = Throttle(
    "password-reset:email-address", "3/hour;6/day", "Too many password resets for this address."
)
PASSWORD_RESETS_PER_EMAIL = Throttle(
    "password-reset:email", "10/hour;20/day", "Too many password resets for this address."
)
RESENDS_PER_ACCOUNT = Throttle(
    "resend:account", "5/hour;20/day", "You have asked for your tickets many times already."
)
PAYMENT_CHECKS = Throttle(
    "stripe-return:session-address", "10/minute;60/hour", "This payment was checked many times."
)
TWO_FACTOR_PER_ACCOUNT = Throttle(
    "two-factor:account", "5/15 minutes;20/day", "Too many wrong codes for this account."
)


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
        raise SignInThrottled(
            "Too many failed sign-ins for this account or from this network. "
            f"Please try again in {_wait_text(wait)}. Your account itself is safe."
        )


def record_failed_sign_in(login: str, address: str) -> None:
    for limits, key in _keys(login, address):
        for limit in limits:
            limiter().hit(limit, key)


def sign_in(login: str, password: str, address: str, *, engine: Engine | None = None) -> Account:
    """The account for these credentials, unless this account or address has failed too often
    (then even the right password waits); a failure is counted and audited. Attempts on one
    account are checked and counted one at a time (its row locked), so a burst of parallel
    guesses cannot all pass the allowance before any is counted."""
    with write_session(engine) as session:
        lock_named_account(session, login)
        check_sign_in_allowed(login, address)
        account = authenticate(login, password, engine=engine)
        if account is None:
            record_failed_sign_in(login, address)
    if account is None:
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


def sign_up(
    username: str,
    email: str,
    password: str,
    password_again: str,
    address: str,
    *,
    engine: Engine | None = None,
) -> Account:
    """A new account, unless this address has created too many lately (a refused form does not
    count: only accounts made)."""
    SIGN_UPS_PER_ADDRESS.refuse_if_spent(address)
    account = create_user(username, email, password, password_again=password_again, engine=engine)
    SIGN_UPS_PER_ADDRESS.count(address)
    return account
