"""Slowing down abuse: failed sign-ins counted per account and per client address, and the
other actions a script could repeat (sign-ups, password resets, ticket resends, Stripe return
checks) counted per address or account. Counts live in Redis when it is configured, so every
worker and app server shares them (the `limits` library); in this process's memory otherwise.

A repeatable action takes its allowance before the work (`Throttle.hit`: one atomic step in
Redis and in memory), so a burst of parallel requests cannot all pass a check before any is
counted.

Failed sign-ins are counted on the account itself (its username and its email are one key),
5 in 5 minutes, 10 in an hour and 20 in a day: past a tier even the right password waits, and
the wait grows with each tier. That wait is a stranger's: a browser the account has signed in
from before (a signed "known device" cookie, services.accounts.known_devices) has an allowance of
its own, so someone guessing elsewhere cannot keep the owner out of their own browser. An address
may fail 100 times in 15 minutes and 300 in an hour. A password reset clears the account's
count. Each failure is written to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from limits import parse_many, storage, strategies
from sqlalchemy.engine import Engine

from bookmyseat.db import write_session
from bookmyseat.services.accounts import known_devices
from bookmyseat.services.accounts.users import (
    Account,
    AccountError,
    authenticate,
    lock_named_account,
)
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit
from bookmyseat.settings import get_settings

PER_ACCOUNT = parse_many("5/5 minutes;10/hour;20/day")
# A known device's own failures (the owner mistyping, or a copied cookie): as strict, apart.
PER_KNOWN_DEVICE = parse_many("5/5 minutes;10/hour;20/day")
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

    def _wait(self, key: str) -> float:
        """Seconds until `key` may act again (0 when it may now)."""
        wait = 0.0
        for limit in parse_many(self.limits):
            if not limiter().test(limit, self._key(key)):
                reset = limiter().get_window_stats(limit, self._key(key)).reset_time
                wait = max(wait, reset - time.time())
        return wait

    def _refusal(self, wait: float) -> Throttled:
        return Throttled(f"{self.refusal} Please try again in {_wait_text(max(wait, 1))}.")

    def refuse_if_spent(self, key: str) -> None:
        """Refuse, saying how long to wait, when `key` has used up its allowance."""
        wait = self._wait(key)
        if wait > 0:
            raise self._refusal(wait)

    def count(self, key: str) -> None:
        for limit in parse_many(self.limits):
            limiter().hit(limit, self._key(key))

    def hit(self, key: str) -> None:
        """Take one use of `key`'s allowance before the work it pays for, or refuse saying how
        long to wait. Each tier is taken in one atomic step (`limits`' hit: a Lua script in
        Redis, a lock in memory), so of many parallel callers exactly the allowance passes
        however they interleave. A key already refused is told so without taking anything."""
        self.refuse_if_spent(key)
        for limit in parse_many(self.limits):
            if not limiter().hit(limit, self._key(key)):
                raise self._refusal(self._wait(key))

    def allows(self, key: str) -> bool:
        """`hit` for what must not tell the asker it was refused: True if a use was taken."""
        try:
            self.hit(key)
        except Throttled:
            return False
        return True

    def clear(self, key: str) -> None:
        for limit in parse_many(self.limits):
            limiter().clear(limit, self._key(key))


SIGN_UPS_PER_ADDRESS = Throttle(
    "sign-up:address", "10/hour;50/day", "Too many accounts were created from this network."
)
PASSWORD_RESETS_PER_ADDRESS = Throttle(
    "password-reset:address", "10/hour;30/day", "Too many password resets from this network."
)
# Sends, not asks: each reset email goes to the owner's inbox, so strangers asking from many
# networks spend nothing the owner needs (the links they caused are in the owner's inbox).
RESET_EMAILS_PER_ACCOUNT = Throttle(
    "password-reset:account", "3/hour;10/day", "Too many password resets for this account."
)
# The link again (the customer asks, signed in), and the notice to an address's owner that
# someone tried to sign up with it (nobody is told when it is not sent).
VERIFICATION_EMAILS_PER_ACCOUNT = Throttle(
    "verify-email:account", "3/hour;10/day", "We have sent you several links already."
)
SIGN_UP_NOTICES_PER_ACCOUNT = Throttle(
    "sign-up-notice:account", "2/hour;5/day", "Too many sign-up notices for this account."
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


# A tier of each key, as sign-in's counts are kept (one key per account, per device, per address).
_FAILURES = "bookmyseat:sign-in"


def _failure_keys(account_key: str, address: str, device_id: str = "") -> list[tuple[list, str]]:
    """What a failure counts against: the account (or, for a known device, that device alone)
    and the client address (which a known device does not wait for either)."""
    if device_id:
        return [(PER_KNOWN_DEVICE, f"{_FAILURES}:device:{device_id}")]
    return [
        (PER_ACCOUNT, f"{_FAILURES}:account:{account_key}"),
        (PER_ADDRESS, f"{_FAILURES}:address:{address or 'unknown'}"),
    ]


def _account_key(user_id: int | None, login: str) -> str:
    """The account's id, so its username and its email are one key; a name no account has is
    counted under the name (guessing it waits alike, and says nothing)."""
    return f"id:{user_id}" if user_id is not None else f"name:{login.strip().lower()[:254]}"


def _refuse_if_failed_too_often(keys: list[tuple[list, str]]) -> None:
    wait = 0.0
    for limits, key in keys:
        for limit in limits:
            if not limiter().test(limit, key):
                reset = limiter().get_window_stats(limit, key).reset_time
                wait = max(wait, reset - time.time())
    if wait > 0:
        raise SignInThrottled(
            "Too many failed sign-ins for this account or from this network. "
            f"Please try again in {_wait_text(wait)}. Your account itself is safe."
        )


def _record_failure(keys: list[tuple[list, str]]) -> None:
    for limits, key in keys:
        for limit in limits:
            limiter().hit(limit, key)


def forget_failed_sign_ins(user_id: int) -> None:
    """The account's failures are void (its password was just reset by its owner)."""
    for limit in PER_ACCOUNT:
        limiter().clear(limit, f"{_FAILURES}:account:{_account_key(user_id, '')}")


def sign_in(
    login: str, password: str, address: str, device: str = "", *, engine: Engine | None = None
) -> Account:
    """The account for these credentials, unless it (or this address) has failed too often:
    then even the right password waits, except from a device the account has signed in from
    before (`device`, its signed cookie), which waits only for its own failures. A failure is
    counted and audited. Attempts on one account are checked and counted one at a time (its row
    locked), so a burst of parallel guesses cannot all pass the allowance before any is
    counted."""
    with write_session(engine) as session:
        named = lock_named_account(session, login)
        user_id = named[0] if named else None
        device_id = known_devices.device_of(device, *named) if named else ""
        keys = _failure_keys(_account_key(user_id, login), address, device_id)
        _refuse_if_failed_too_often(keys)
        account = authenticate(login, password, engine=engine)
        if account is None:
            _record_failure(keys)
    if account is None:
        audit.record(
            audit.Actor.anonymous(),
            "sign_in_failed",
            entity="account",
            entity_id=login.strip().lower()[:40],
            detail=f"from {address or 'an unknown address'}"
            + (" (a known device)" if device_id else ""),
            engine=engine,
        )
        raise AccountError("That username or email and password do not match.")
    return account
