"""Sign-up: an address's allowance is taken before the slow work, atomically, by every form
(parallel forms cannot overrun it, refused forms spend it); the form never tells whether an
address has an account (its owner is emailed instead, a few times at most); a new account gets
a link to confirm its address and is not signed in."""

from __future__ import annotations

import functools
import threading
import uuid

import pytest
from sqlalchemy import func, select

from bookmyseat.db import read_session
from bookmyseat.models import EmailOutbox, LoginSession, User
from bookmyseat.services.accounts import email_verification, sign_up, signing_in, throttle, users
from bookmyseat.services.accounts.sign_up import USERNAME_TAKEN
from bookmyseat.services.accounts.users import AccountError, create_user
from bookmyseat.services.mail.messages import build_message
from bookmyseat.settings import get_settings, with_changes
from tests.databases import require_redis

PASSWORD = "tamarind-kite-42"
ALLOWANCE = 10  # SIGN_UPS_PER_ADDRESS: 10 an hour
PARALLEL = 30  # the probe's burst


def network() -> str:
    """A client address of this test's own (Redis keeps counts between runs)."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def users_named(engine, prefix: str) -> int:
    with read_session(engine) as session:
        return session.execute(
            select(func.count()).select_from(User).where(User.username.like(f"{prefix}%"))
        ).scalar_one()


def outbox(engine, kind: str | None = None) -> list[EmailOutbox]:
    with read_session(engine) as session:
        query = select(EmailOutbox).order_by(EmailOutbox.id)
        if kind:
            query = query.where(EmailOutbox.kind == kind)
        return list(session.execute(query).scalars())


@pytest.fixture(params=["memory", "redis"])
def counts_in(request, monkeypatch) -> str:
    """The throttle's counts in this process's memory, or in Redis as several workers share."""
    url = "memory://" if request.param == "memory" else require_redis()
    monkeypatch.setattr(throttle, "limiter", lambda: throttle._limiter(url))
    return request.param


# --- the race -------------------------------------------------------------------------------


def burst(engine, monkeypatch, make_account, hash_module) -> tuple[list[str], dict]:
    """PARALLEL sign-ups from one address released at once; each one's password hash (the slow
    step) waits until every form that will be refused has been refused, so all the admitted
    forms are in flight together while the refusals happen (the overlap the race needs)."""
    address, prefix = network(), f"r{uuid.uuid4().hex[:5]}_"
    start = threading.Barrier(PARALLEL)
    all_refusals_in = threading.Event()
    lock = threading.Lock()
    seen = {"refused": 0, "hashing": 0, "most_hashing": 0, "waited_for_refusals": True}
    outcomes: list[str] = []
    real_hash = hash_module.hash_password

    def slow_hash(password: str) -> str:
        with lock:
            seen["hashing"] += 1
            seen["most_hashing"] = max(seen["most_hashing"], seen["hashing"])
            if seen["hashing"] + seen["refused"] == PARALLEL:
                all_refusals_in.set()
        # Every form has either been refused or is here: the refusals happened while we hashed.
        seen["waited_for_refusals"] &= all_refusals_in.wait(timeout=60)
        try:
            return real_hash(password)
        finally:
            with lock:
                seen["hashing"] -= 1

    monkeypatch.setattr(hash_module, "hash_password", slow_hash)

    def one(n: int) -> None:
        start.wait(timeout=30)
        try:
            make_account(f"{prefix}{n}", f"{prefix}{n}@example.com", address)
            outcome = "made"
        except throttle.Throttled:
            outcome = "throttled"
        with lock:
            outcomes.append(outcome)
            if outcome == "throttled":
                seen["refused"] += 1
                if seen["hashing"] + seen["refused"] == PARALLEL:
                    all_refusals_in.set()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, seen | {"accounts": users_named(engine, prefix)}


def test_parallel_sign_ups_make_exactly_the_allowance(
    postgresql_engine, counts_in, monkeypatch
) -> None:
    """30 sign-ups at once from one address: exactly 10 accounts, 20 refusals, and the 10 were
    all hashing at the same time as the refusals were given (the allowance is taken first)."""
    engine = postgresql_engine

    def make(username: str, email: str, address: str) -> None:
        sign_up.sign_up(username, email, PASSWORD, PASSWORD, address, engine=engine)

    outcomes, seen = burst(engine, monkeypatch, make, sign_up)
    assert sorted(outcomes) == ["made"] * ALLOWANCE + ["throttled"] * (PARALLEL - ALLOWANCE)
    assert seen["accounts"] == ALLOWANCE
    assert seen["most_hashing"] == ALLOWANCE and seen["waited_for_refusals"], seen


def test_negative_control_checking_then_counting_lets_the_burst_through(
    postgresql_engine, counts_in, monkeypatch
) -> None:
    """The old order (check the allowance, hash, count) under the same burst: every form
    passes the check before any is counted, so all 30 accounts are made."""
    engine = postgresql_engine
    allowance = throttle.SIGN_UPS_PER_ADDRESS

    def check_hash_then_count(username: str, email: str, address: str) -> None:
        allowance.refuse_if_spent(address)
        create_user(username, email, PASSWORD, password_again=PASSWORD, engine=engine)
        allowance.count(address)

    outcomes, seen = burst(engine, monkeypatch, check_hash_then_count, users)
    assert seen["accounts"] == PARALLEL > ALLOWANCE
    assert seen["most_hashing"] == PARALLEL and outcomes == ["made"] * PARALLEL


# --- every form counts ----------------------------------------------------------------------


def test_refused_forms_spend_the_allowance_too(engine) -> None:
    """A weak password, a mistyped repeat, a taken username: each costs a sign-up, so a script
    probing usernames spends what one making accounts would."""
    address = network()
    create_user("taken_name", "taken@example.com", PASSWORD, engine=engine)
    forms = [
        ("weak_one", "weak@example.com", "password1", "password1"),
        ("typo_one", "typo@example.com", PASSWORD, PASSWORD + "x"),
        ("taken_name", "fresh@example.com", PASSWORD, PASSWORD),
    ]
    for _ in range(3):
        for username, email, password, again in forms:
            with pytest.raises(AccountError):
                sign_up.sign_up(username, email, password, again, address, engine=engine)
    sign_up.sign_up("tenth_form", "tenth@example.com", PASSWORD, PASSWORD, address, engine=engine)
    with pytest.raises(throttle.Throttled, match="created from this network.*minute"):
        sign_up.sign_up("eleventh", "eleventh@example.com", PASSWORD, PASSWORD, address,
                        engine=engine)  # fmt: skip
    with pytest.raises(AccountError, match=USERNAME_TAKEN):  # the answer a username gets
        sign_up.sign_up("taken_name", "x@example.com", PASSWORD, PASSWORD, network(),
                        engine=engine)  # fmt: skip
    sign_up.sign_up("elsewhere", "elsewhere@example.com", PASSWORD, PASSWORD, network(),
                    engine=engine)  # fmt: skip


# --- an address that has an account ---------------------------------------------------------


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_an_email(engine) -> None:
    owner = create_user("owner_one", "owner@example.com", PASSWORD, engine=engine)
    fresh = sign_up.sign_up("newcomer", "newcomer@example.com", PASSWORD, PASSWORD, network(),
                            engine=engine)  # fmt: skip
    assert fresh is not None and not fresh.email_verified
    for spelling in ("owner@example.com", " OWNER@Example.com "):
        again = sign_up.sign_up(f"other_{uuid.uuid4().hex[:6]}", spelling, PASSWORD, PASSWORD,
                                network(), engine=engine)  # fmt: skip
        assert again is None
    assert users_named(engine, "other_") == 0  # nothing was made
    notices = outbox(engine, email_verification.NOTICE_KIND)
    assert [(n.to_address, n.user_id) for n in notices] == [(owner.email, owner.id)] * 2

    site = with_changes(get_settings(), public_url="https://cinema.example")
    with read_session(engine) as session:
        message = build_message(session, notices[0], site)
    text = message.get_body(("plain",)).get_content()
    assert message["To"] == owner.email and "tried to create a new BookMySeat account" in text
    assert "https://cinema.example/login" in text
    assert "https://cinema.example/forgot-password" in text
    assert "owner_one" not in text and PASSWORD not in text


def test_the_owner_is_emailed_a_few_times_at_most(engine) -> None:
    owner = create_user("busy_owner", "busy@example.com", PASSWORD, engine=engine)
    for n in range(6):
        assert sign_up.sign_up(f"probe{n}", owner.email, PASSWORD, PASSWORD, network(),
                               engine=engine) is None  # fmt: skip
    assert len(outbox(engine, email_verification.NOTICE_KIND)) == 2  # 2 an hour


def test_a_new_account_gets_a_confirmation_link_and_no_session(engine, monkeypatch) -> None:
    monkeypatch.setattr(sign_up, "sign_up", functools.partial(sign_up.sign_up, engine=engine))
    assert signing_in.with_new_account("fresh_fan", "fresh@example.com", PASSWORD, PASSWORD,
                                       network()) is None  # fmt: skip
    with read_session(engine) as session:
        user = session.execute(select(User).where(User.username == "fresh_fan")).scalar_one()
        sessions = session.execute(select(func.count()).select_from(LoginSession)).scalar_one()
    assert user.email_verified_at is None and sessions == 0
    [link] = outbox(engine, email_verification.EMAIL_KIND)
    assert (link.user_id, link.to_address, link.booking_id) == (user.id, user.email, None)
