"""Two-factor sign-in in the services: enrolment by a code, the code checked once, recovery codes
used once, wrong codes throttled and audited, and staff kept out of the admin area without it
where it is required."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Role, User, utcnow
from bookmyseat.services.accounts import two_factor
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


def enrolled(engine, role: str = Role.ADMIN):
    account = new_account(engine, role)
    enrolment = two_factor.start_enrolment(account, engine=engine)
    now = utcnow()
    codes = two_factor.confirm_enrolment(
        account, pyotp.TOTP(enrolment.secret).at(now), now=now, engine=engine
    )
    return get_account(account.id, engine=engine), enrolment.secret, codes


def test_enrolment_needs_the_apps_code_and_gives_ten_recovery_codes(engine) -> None:
    account = new_account(engine)
    enrolment = two_factor.start_enrolment(account, engine=engine)
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml")
    assert secret_of(engine, account.id) == enrolment.secret
    with pytest.raises(two_factor.TwoFactorError, match="does not match"):
        two_factor.confirm_enrolment(account, "000000", engine=engine)
    assert not get_account(account.id, engine=engine).two_factor  # not on until confirmed

    now = utcnow()
    codes = two_factor.confirm_enrolment(
        account, pyotp.TOTP(enrolment.secret).at(now), now=now, engine=engine
    )
    assert len(codes) == len(set(codes)) == 10
    assert get_account(account.id, engine=engine).two_factor
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
    assert audit.entries(action="two_factor_failed", engine=engine)[1] == 2


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


def test_staff_need_two_factor_where_it_is_required(engine, settings, monkeypatch) -> None:
    required = with_changes(settings, staff_two_factor=True)
    monkeypatch.setattr(two_factor, "get_settings", lambda: required)
    admin = new_account(engine, Role.ADMIN)
    auditor = new_account(engine, Role.AUDITOR)
    customer = new_account(engine)
    for staff in (admin, auditor):
        with pytest.raises(TwoFactorNeeded, match="two-factor"):
            actions.find_bookings(staff, "", engine=engine)
    assert not two_factor.required_for(customer)
    enrolled_admin, _, _ = enrolled(engine, Role.ADMIN)
    assert actions.find_bookings(enrolled_admin, "", engine=engine) is not None

    monkeypatch.setattr(two_factor, "get_settings", lambda: settings)  # development default
    assert actions.find_bookings(admin, "", engine=engine) is not None
    production = with_changes(settings, environment="production")
    assert two_factor.required_for(admin, production)
    assert two_factor.required_for(auditor, production)
