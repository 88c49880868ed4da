"""Two-factor sign-in in the services: enrolment by the password and a code, each code step
accepted once, recovery codes used once, wrong codes throttled (also when guessed in parallel)
and audited, and staff kept out of the admin area unless their browser's session was opened
with a code."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Role, User, utcnow
from bookmyseat.services.accounts import signing_in, two_factor
from bookmyseat.services.accounts.login_sessions import account_for_token, start_session
from bookmyseat.services.accounts.throttle import Throttled
from bookmyseat.services.accounts.users import create_user, get_account
from bookmyseat.services.staff import actions, audit
from bookmyseat.services.staff.access import TwoFactorNeeded
from bookmyseat.settings import with_changes

PASSWORD = "tamarind-kite-42"


def new_account(engine, role: str = Role.CUSTOMER):
    name = f"tf_{uuid.uuid4().hex[:8]}"
    account = create_user(name, f"{name}@example.com", PASSWORD, engine=engine)
    with write_session(engine) as session:
        session.get(User, account.id).role = role
    return get_account(account.id, engine=engine)


def secret_of(engine, user_id: int) -> str:
    with read_session(engine) as session:
        return session.execute(select(User.totp_secret).where(User.id == user_id)).scalar_one()


def enrolled(engine, role: str = Role.ADMIN, session_token: str = ""):
    account = new_account(engine, role)
    enrolment = two_factor.start_enrolment(account, engine=engine)
    now = utcnow()
    codes = two_factor.confirm_enrolment(
        account,
        PASSWORD,
        pyotp.TOTP(enrolment.secret).at(now),
        session_token=session_token,
        now=now,
        engine=engine,
    )
    return get_account(account.id, engine=engine), enrolment.secret, codes


def test_enrolment_needs_the_password_and_the_apps_code(engine) -> None:
    account = new_account(engine)
    enrolment = two_factor.start_enrolment(account, engine=engine)
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml")
    assert secret_of(engine, account.id) == enrolment.secret
    now = utcnow()
    code = pyotp.TOTP(enrolment.secret).at(now)
    with pytest.raises(two_factor.TwoFactorError, match="password"):
        two_factor.confirm_enrolment(account, "not-my-password", code, now=now, engine=engine)
    with pytest.raises(two_factor.TwoFactorError, match="does not match"):
        two_factor.confirm_enrolment(account, PASSWORD, "000000", engine=engine)
    assert not get_account(account.id, engine=engine).two_factor  # not on until confirmed

    token = start_session(account.id, engine=engine)
    codes = two_factor.confirm_enrolment(
        account, PASSWORD, code, session_token=token, now=now, engine=engine
    )
    assert len(codes) == len(set(codes)) == 10
    assert get_account(account.id, engine=engine).two_factor
    assert account_for_token(token, engine=engine).second_factor  # the enrolling browser
    assert two_factor.status(account, engine=engine).recovery_codes_left == 10
    logged = audit.entries(action="two_factor_enabled", engine=engine)[0]
    assert [row.actor for row in logged] == [account.username]
    with pytest.raises(two_factor.TwoFactorError, match="already on"):
        two_factor.start_enrolment(account, engine=engine)  # a second secret cannot replace it


def test_a_code_signs_in_once_and_a_stale_one_never(engine) -> None:
    account, secret, _ = enrolled(engine)
    now = utcnow() + timedelta(minutes=3)  # a step the enrolment did not use
    code = pyotp.TOTP(secret).at(now)
    two_factor.verify(account, code, now=now, engine=engine)
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.verify(account, code, now=now, engine=engine)  # replayed
    old = pyotp.TOTP(secret).at(now - timedelta(minutes=5))
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.verify(account, old, now=now, engine=engine)
    earlier = pyotp.TOTP(secret).at(now - timedelta(seconds=30))  # in the window, never used,
    with pytest.raises(two_factor.TwoFactorError):  # but older than a step already accepted
        two_factor.verify(account, earlier, now=now, engine=engine)
    later = now + timedelta(seconds=30)
    wide = pyotp.TOTP(secret).at(later).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    with pytest.raises(two_factor.TwoFactorError):  # full-width digits: the same code, respelt
        two_factor.verify(account, wide, now=later, engine=engine)
    assert audit.entries(action="two_factor_failed", engine=engine)[1] == 4


def test_a_recovery_code_works_once(engine) -> None:
    account, _, codes = enrolled(engine)
    two_factor.verify(account, codes[0].upper().replace("-", " "), engine=engine)  # as typed
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.verify(account, codes[0], engine=engine)
    assert two_factor.status(account, engine=engine).recovery_codes_left == 9
    assert audit.entries(action="recovery_code_used", engine=engine)[1] == 1


def test_renewing_recovery_codes_voids_the_old_ones(engine) -> None:
    account, secret, old_codes = enrolled(engine)
    now = utcnow() + timedelta(minutes=2)
    new_codes = two_factor.renew_recovery_codes(
        account, pyotp.TOTP(secret).at(now), now=now, engine=engine
    )
    assert not set(new_codes) & set(old_codes)
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.verify(account, old_codes[1], engine=engine)
    two_factor.verify(account, new_codes[1], engine=engine)


def test_wrong_codes_are_throttled_even_the_right_one_then_waits(engine) -> None:
    """5 wrong codes in 15 minutes, then even the right one waits."""
    account, secret, _ = enrolled(engine)
    for n in range(5):
        with pytest.raises(two_factor.TwoFactorError):
            two_factor.verify(account, f"{n:06d}", engine=engine)
    now = utcnow() + timedelta(minutes=4)
    with pytest.raises(Throttled, match="minute"):
        two_factor.verify(account, pyotp.TOTP(secret).at(now), now=now, engine=engine)


def test_right_codes_are_not_counted_against_the_allowance(engine) -> None:
    account, secret, _ = enrolled(engine)
    for step in range(8):
        now = utcnow() + timedelta(minutes=2 + step)
        two_factor.verify(account, pyotp.TOTP(secret).at(now), now=now, engine=engine)


def test_staff_need_a_session_opened_with_a_code_where_it_is_required(
    engine, settings, monkeypatch
) -> None:
    required = with_changes(settings, staff_two_factor=True)
    monkeypatch.setattr(two_factor, "get_settings", lambda: required)
    admin = new_account(engine, Role.ADMIN)
    auditor = new_account(engine, Role.AUDITOR)
    customer = new_account(engine)
    for staff in (admin, auditor):
        with pytest.raises(TwoFactorNeeded, match="two-factor"):
            actions.find_bookings(staff, "", engine=engine)
    assert not two_factor.required_for(customer)

    # Enrolled, but this browser signed in before (a password-only session, perhaps a stolen
    # one): still refused; a session opened with a code is let in.
    enrolled_admin, secret, _ = enrolled(engine, Role.ADMIN)
    old_session = start_session(enrolled_admin.id, engine=engine)
    with pytest.raises(TwoFactorNeeded):
        actions.find_bookings(account_for_token(old_session, engine=engine), "", engine=engine)
    step = signing_in.with_password(enrolled_admin.username, PASSWORD, "10.3.3.3", engine=engine)
    assert step.token == "" and step.pending  # the password alone opens no session
    later = utcnow() + timedelta(minutes=1)
    code = pyotp.TOTP(secret).at(later)
    monkeypatch.setattr(two_factor, "resolve_now", lambda now=None: later)
    with_code = signing_in.with_code(step.pending, code, engine=engine)
    assert actions.find_bookings(account_for_token(with_code.token, engine=engine), "",
                                 engine=engine) is not None  # fmt: skip

    monkeypatch.setattr(two_factor, "get_settings", lambda: settings)  # development default
    assert actions.find_bookings(admin, "", engine=engine) is not None
    production = with_changes(settings, environment="production")
    assert two_factor.required_for(admin, production)
    assert two_factor.required_for(auditor, production)


def test_the_second_step_cannot_be_forged_or_stretched(engine, monkeypatch) -> None:
    account, secret, _ = enrolled(engine, Role.CUSTOMER)
    step = signing_in.with_password(account.username, PASSWORD, "10.4.4.4", engine=engine)
    user_id, deadline, signature = step.pending.split(":")
    code = pyotp.TOTP(secret).now()
    for forged in (
        "",
        "garbage",
        f"{user_id}:{int(deadline) + 3600}:{signature}",  # stretched
        f"{int(user_id) + 1}:{deadline}:{signature}",  # someone else
        f"{user_id}:{deadline}:{signature[:-1]}\udcff",  # not even ASCII
    ):
        with pytest.raises(two_factor.TwoFactorError, match="password first"):
            signing_in.with_code(forged, code, engine=engine)
    monkeypatch.setattr(signing_in.time, "time", lambda: int(deadline) + 1)
    with pytest.raises(two_factor.TwoFactorError, match="password first"):
        signing_in.with_code(step.pending, code, engine=engine)  # five minutes passed


def test_a_password_reset_does_not_skip_the_code(engine, monkeypatch) -> None:
    account, _, _ = enrolled(engine, Role.ADMIN)
    monkeypatch.setattr(signing_in.password_reset, "reset_password", lambda *a: account)
    assert signing_in.with_reset_link("1.x", "a", "a").token == ""
    plain = new_account(engine)
    monkeypatch.setattr(signing_in.password_reset, "reset_password", lambda *a: plain)
    monkeypatch.setattr(signing_in, "start_session", lambda user_id: f"session-{user_id}")
    assert signing_in.with_reset_link("1.x", "a", "a").token == f"session-{plain.id}"


def test_parallel_guesses_cannot_overrun_the_allowance(postgresql_engine) -> None:
    """Four wrong codes, then ten guesses at once from ten tabs: the account's row lock makes
    them take turns, so exactly one more is tried and nine wait. (Without the lock all ten pass
    the allowance check before any is counted.)"""
    engine = postgresql_engine
    account, _, _ = enrolled(engine, Role.CUSTOMER)
    for n in range(4):
        with pytest.raises(two_factor.TwoFactorError):
            two_factor.verify(account, f"{n:06d}", engine=engine)
    start = threading.Barrier(10)
    outcomes: list[str] = []
    overlap = {"inside": 0, "most": 0}
    real_check = two_factor.TWO_FACTOR_PER_ACCOUNT.refuse_if_spent
    lock = threading.Lock()

    def counted_check(key: str) -> None:
        with lock:
            overlap["inside"] += 1
            overlap["most"] = max(overlap["most"], overlap["inside"])
        try:
            real_check(key)
        finally:
            with lock:
                overlap["inside"] -= 1

    def guess(n: int) -> None:
        start.wait(timeout=20)
        try:
            two_factor.verify(account, f"9{n:05d}", engine=engine)
            outcomes.append("accepted")
        except Throttled:
            outcomes.append("throttled")
        except two_factor.TwoFactorError:
            outcomes.append("wrong")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
    original = two_factor.TWO_FACTOR_PER_ACCOUNT
    object.__setattr__(original, "refuse_if_spent", counted_check)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        object.__delattr__(original, "refuse_if_spent")
    assert sorted(outcomes) == ["throttled"] * 9 + ["wrong"]
    assert overlap["most"] == 1  # the checks took turns, though the threads started together
