"""Password guessing is slowed down: five failures for an account in 15 minutes, and even the
right password waits (the message says how long); other accounts and addresses are not touched;
every failure is in the audit log; with Redis, several workers count together."""

from __future__ import annotations

import threading
import uuid

import pytest
from limits import parse_many

from bookmyseat.services.accounts import throttle
from bookmyseat.services.accounts.users import AccountError, create_user
from bookmyseat.services.staff import audit
from tests.databases import require_redis

PASSWORD = "tamarind-kite-42"


@pytest.fixture
def customer(engine) -> str:
    name = f"guess_{uuid.uuid4().hex[:8]}"
    create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    return name


def test_five_failures_then_even_the_right_password_waits(engine, customer: str) -> None:
    for _ in range(5):
        with pytest.raises(AccountError, match="do not match"):
            throttle.sign_in(customer, "wrong-guess-77", "10.0.0.1", engine=engine)
    with pytest.raises(throttle.SignInThrottled, match=r"try again in 1[0-5] minutes"):
        throttle.sign_in(customer, PASSWORD, "10.0.0.1", engine=engine)
    with pytest.raises(throttle.SignInThrottled):  # from another address too: it is the account
        throttle.sign_in(customer, PASSWORD, "10.0.0.2", engine=engine)
    entries, total = audit.entries(action="sign_in_failed", engine=engine)
    assert total >= 5 and entries[0].entity_id == customer and "10.0.0.1" in entries[0].detail


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


def test_one_address_creates_ten_accounts_an_hour_and_refused_forms_do_not_count(engine) -> None:
    for n in range(12):  # a script's refused forms (a weak password) cost nothing
        with pytest.raises(AccountError):
            throttle.sign_up(f"weak{n}", f"weak{n}@example.com", "password1", "password1",
                             "10.0.0.9", engine=engine)  # fmt: skip
    for n in range(10):
        throttle.sign_up(f"new{n}", f"new{n}@example.com", PASSWORD, PASSWORD, "10.0.0.9",
                         engine=engine)  # fmt: skip
    with pytest.raises(throttle.Throttled, match="created from this network.*minute"):
        throttle.sign_up("new10", "new10@example.com", PASSWORD, PASSWORD, "10.0.0.9",
                         engine=engine)  # fmt: skip
    throttle.sign_up("elsewhere", "elsewhere@example.com", PASSWORD, PASSWORD, "10.0.0.10",
                     engine=engine)  # fmt: skip


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
