"""Password guessing is slowed down: five failures for an account in 5 minutes, and even the
right password waits (the message says how long) — from a stranger's browser: a browser the
account signed in from before passes with the right password, and waits only for its own
failures. The username and the email are one account; other accounts and addresses are not
touched; a password reset clears the count; every failure is in the audit log; with Redis,
several workers count together."""

from __future__ import annotations

import threading
import uuid

import pytest
from limits import parse_many
from sqlalchemy import select

from bookmyseat.db import read_session
from bookmyseat.models import PasswordReset, User
from bookmyseat.services.accounts import known_devices, signing_in, throttle
from bookmyseat.services.accounts.password_reset import request_reset, reset_password, reset_token
from bookmyseat.services.accounts.users import AccountError, create_user
from bookmyseat.services.staff import audit
from bookmyseat.settings import get_settings
from tests.databases import require_redis

PASSWORD = "tamarind-kite-42"
NEW_PASSWORD = "saffron-lantern-97"


@pytest.fixture
def customer(engine) -> str:
    name = f"guess_{uuid.uuid4().hex[:8]}"
    create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    return name


def test_five_failures_then_even_the_right_password_waits(engine, customer: str) -> None:
    for _ in range(5):
        with pytest.raises(AccountError, match="do not match"):
            throttle.sign_in(customer, "wrong-guess-77", "10.0.0.1", engine=engine)
    with pytest.raises(throttle.SignInThrottled, match=r"try again in [1-5] minutes?"):
        throttle.sign_in(customer, PASSWORD, "10.0.0.1", engine=engine)
    with pytest.raises(throttle.SignInThrottled):  # from another address too: it is the account
        throttle.sign_in(customer, PASSWORD, "10.0.0.2", engine=engine)
    with pytest.raises(throttle.SignInThrottled):  # and by its email: the same account
        throttle.sign_in(f"{customer}@example.com", PASSWORD, "10.0.0.3", engine=engine)
    entries, total = audit.entries(action="sign_in_failed", engine=engine)
    assert total >= 5 and entries[0].entity_id == customer and "10.0.0.1" in entries[0].detail


def test_the_username_and_the_email_are_one_account(engine, customer: str) -> None:
    """Before, each spelling had its own five tries (5 + 5 guesses, and the right password
    still worked through the other)."""
    for login in [customer] * 3 + [f"{customer.upper()}@Example.com"] * 2:
        with pytest.raises(AccountError):
            throttle.sign_in(login, "wrong-guess-77", "10.0.5.1", engine=engine)
    for login in (customer, f"{customer}@example.com"):
        with pytest.raises(throttle.SignInThrottled):
            throttle.sign_in(login, PASSWORD, "10.0.5.2", engine=engine)


def test_a_known_device_signs_in_through_a_strangers_lockout(engine, customer: str) -> None:
    """The owner's browser keeps its cookie from an earlier sign-in; a stranger then fails
    five times: the stranger waits, the owner's browser with the right password does not."""
    owner = signing_in.with_password(customer, PASSWORD, "10.0.6.1", engine=engine)
    assert owner.token and owner.device
    for _ in range(5):
        with pytest.raises(AccountError):
            throttle.sign_in(customer, "wrong-guess-77", "198.51.100.7", engine=engine)
    with pytest.raises(throttle.SignInThrottled):  # no cookie: a stranger's browser waits
        signing_in.with_password(customer, PASSWORD, "10.0.6.1", engine=engine)
    again = signing_in.with_password(customer, PASSWORD, "10.0.6.1", owner.device, engine=engine)
    assert again.token and again.device == owner.device  # the same browser, still known

    user_id, device_id, mac = owner.device.split(".")
    other = f"calm_{uuid.uuid4().hex[:8]}"
    others = create_user(other, f"{other}@example.com", PASSWORD, engine=engine)
    theirs = signing_in.with_password(other, PASSWORD, "10.0.6.9", engine=engine).device
    flipped = mac[:-1] + ("0" if mac[-1] != "0" else "1")
    for not_known in (
        f"{user_id}.{device_id}.{flipped}",  # a forged signature
        theirs,  # another account's device
        f"{others.id}.{device_id}.{mac}",  # this device moved to another account
        "",
        "x" * 20_000,
    ):
        with pytest.raises(throttle.SignInThrottled):
            signing_in.with_password(customer, PASSWORD, "10.0.6.1", not_known, engine=engine)


def test_a_known_device_has_an_allowance_of_its_own(engine, customer: str) -> None:
    """A copied cookie is no way round the guessing limit: its own failures make it wait."""
    device = signing_in.with_password(customer, PASSWORD, "10.0.7.1", engine=engine).device
    for _ in range(5):
        with pytest.raises(AccountError):
            throttle.sign_in(customer, "wrong-guess-77", "10.0.7.1", device, engine=engine)
    with pytest.raises(throttle.SignInThrottled):
        throttle.sign_in(customer, PASSWORD, "10.0.7.1", device, engine=engine)
    # Those were the device's failures, not the account's: other browsers are not slowed.
    assert throttle.sign_in(customer, PASSWORD, "10.0.7.2", engine=engine).username == customer


def test_a_password_reset_forgets_the_failures_and_the_devices(engine, customer: str) -> None:
    device = signing_in.with_password(customer, PASSWORD, "10.0.8.1", engine=engine).device
    with read_session(engine) as session:
        user = session.execute(select(User).where(User.username == customer)).scalar_one()
    for _ in range(5):
        with pytest.raises(AccountError):
            throttle.sign_in(customer, "wrong-guess-77", "10.0.8.9", engine=engine)
    request_reset(user.email, "10.0.8.1", engine=engine)
    with read_session(engine) as session:
        reset = session.execute(select(PasswordReset)).scalar_one()
    token = reset_token(reset, get_settings().secret_key)
    reset_password(token, NEW_PASSWORD, NEW_PASSWORD, engine=engine)
    assert throttle.sign_in(customer, NEW_PASSWORD, "10.0.8.9", engine=engine).username == customer
    with read_session(engine) as session:
        new_hash = session.get(User, user.id).password_hash
    assert known_devices.device_of(device, user.id, new_hash) == ""  # known no longer


def test_another_account_is_not_slowed_down(engine, customer: str) -> None:
    other = f"calm_{uuid.uuid4().hex[:8]}"
    create_user(other, f"{other}@example.com", PASSWORD, engine=engine)
    for _ in range(5):
        with pytest.raises(AccountError):
            throttle.sign_in(customer, "wrong-guess-77", "10.0.1.1", engine=engine)
    assert throttle.sign_in(other, PASSWORD, "10.0.1.2", engine=engine).username == other


def test_one_address_guessing_many_accounts_is_slowed_down(engine, monkeypatch) -> None:
    monkeypatch.setattr(throttle, "PER_ADDRESS", parse_many("20/15 minutes"))  # fewer tries
    address = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    for i in range(20):
        with pytest.raises(AccountError):
            throttle.sign_in(f"nobody{i}_{uuid.uuid4().hex[:6]}", "x", address, engine=engine)
    with pytest.raises(throttle.SignInThrottled):
        throttle.sign_in("someone_else", "x", address, engine=engine)


def test_with_redis_the_counts_are_shared() -> None:
    url = require_redis()
    key = f"shared-{uuid.uuid4().hex}"
    one_worker = throttle._limiter(url)
    for _ in range(5):
        one_worker.hit(throttle.PER_ACCOUNT[0], key)
    throttle._limiter.cache_clear()  # another worker: its own limiter, the same Redis
    another_worker = throttle._limiter(url)
    assert another_worker is not one_worker
    assert not another_worker.test(throttle.PER_ACCOUNT[0], key)
    assert throttle._limiter("memory://").test(throttle.PER_ACCOUNT[0], key)  # memory: not shared


def test_parallel_guesses_take_turns_and_cannot_overrun_the_allowance(postgresql_engine) -> None:
    """Four failures, then ten guesses at once: the account's row is locked while each is
    checked and counted, so exactly one more is tried and nine are told to wait (without the
    lock all ten would pass the check before any was counted)."""
    engine = postgresql_engine
    name = f"burst_{uuid.uuid4().hex[:8]}"
    create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    for n in range(4):
        with pytest.raises(AccountError):
            throttle.sign_in(name, f"wrong-{n}-guess", "10.7.0.1", engine=engine)
    start = threading.Barrier(10)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        start.wait(timeout=20)
        try:
            throttle.sign_in(name, f"parallel-{n}-guess", f"10.7.1.{n}", engine=engine)
            outcomes.append("signed in")
        except throttle.SignInThrottled:
            outcomes.append("throttled")
        except AccountError:
            outcomes.append("wrong")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["throttled"] * 9 + ["wrong"]
