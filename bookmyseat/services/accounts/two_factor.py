"""Two-factor sign-in: a time-based code from an authenticator app (TOTP, RFC 6238, by pyotp),
enrolled by scanning a QR code (segno), with ten one-time recovery codes for a lost phone.

Anyone may turn it on; admins and auditors must have it in production (or wherever
BOOKMYSEAT_STAFF_TWO_FACTOR asks for it), and until their browser's session was opened with a
code the admin area sends them to sign in or enrol. A code is accepted once (a replayed code is
refused), wrong codes are throttled per account, and every enrolment, failure and recovery code
used is written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import RecoveryCode, Role, User
from bookmyseat.services.accounts.login_sessions import mark_second_factor
from bookmyseat.services.accounts.throttle import TWO_FACTOR_PER_ACCOUNT
from bookmyseat.services.accounts.users import Account, password_matches
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit
from bookmyseat.settings import Settings, get_settings

ISSUER = "BookMySeat"
RECOVERY_CODES = 10
STAFF_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
# A code is good for its 30-second step and one either side (clocks drift); once a step's code
# is used, neither it nor any earlier step's is accepted again.
VALID_WINDOW = 1
ASCII_CODE_CHARACTERS = frozenset(string.ascii_lowercase + string.digits)


class TwoFactorError(CustomerError):
    code = "two_factor_refused"


@dataclass(frozen=True)
class Enrolment:
    secret: str  # shown as text too, for an app that cannot scan
    qr_data_uri: str  # an SVG of the otpauth:// address


def required_for(account: Account, settings: Settings | None = None) -> bool:
    """Staff must use two factors in production (and wherever the setting asks for it)."""
    settings = settings or get_settings()
    return account.role in STAFF_ROLES and (settings.production or settings.staff_two_factor)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise(code: str) -> str:
    """ASCII letters and digits only: other scripts' digits would match the same code under
    another spelling."""
    return "".join(ch for ch in str(code)[:40].lower() if ch in ASCII_CODE_CHARACTERS)


def _locked_user(session, user_id: int) -> User:
    """The account's row, locked: its checks and counts happen one attempt at a time, so a burst
    of parallel guesses cannot all pass the allowance before any is counted."""
    user = session.get(User, user_id, with_for_update=True)
    TWO_FACTOR_PER_ACCOUNT.refuse_if_spent(str(user_id))
    return user


def _accepted_step(user: User, code: str, now: datetime) -> int | None:
    """The 30-second step the code belongs to (this one or one either side), unless it is not
    the app's code or a code of that step, or an earlier one, was already used (RFC 6238 5.2)."""
    if not (user.totp_secret and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and step > user.totp_last_step:
            return step
    return None


def _refused(user_id: int, message: str) -> TwoFactorError:
    TWO_FACTOR_PER_ACCOUNT.count(str(user_id))
    return TwoFactorError(message)


def start_enrolment(account: Account, *, engine: Engine | None = None) -> Enrolment:
    """A new secret, kept until confirmed by a code (enrolment already done is not undone)."""
    secret = pyotp.random_base32()
    with write_session(engine) as session:
        user = session.get(User, account.id, with_for_update=True)
        if user.two_factor_since is not None:
            raise TwoFactorError("Two-factor sign-in is already on for this account.")
        user.totp_secret, user.totp_last_step = secret, 0
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER)
    return Enrolment(secret, segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _new_recovery_codes(session, user_id: int) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_digest(_normalise(c))) for c in codes)
    return codes


def confirm_enrolment(
    account: Account,
    password: str,
    code: str,
    *,
    session_token: str = "",
    now: datetime | None = None,
    engine: Engine | None = None,
) -> list[str]:
    """Turn two-factor on once the password is given again and the app shows the right code (so
    a browser left signed in cannot enrol someone else's phone); the recovery codes, shown once.
    The enrolling browser's session counts as having given the second factor."""
    now = resolve_now(now)
    code = _normalise(code)
    with write_session(engine) as session:
        user = _locked_user(session, account.id)
        if user.two_factor_since is not None:
            raise TwoFactorError("Two-factor sign-in is already on for this account.")
        if not password_matches(user.password_hash, str(password)[:1000]):
            raise _refused(user.id, "That password is not this account's.")
        step = _accepted_step(user, code, now)
        if step is None:
            raise _refused(user.id, "That code does not match. Check the app's clock and retry.")
        user.two_factor_since, user.totp_last_step = now, step
        codes = _new_recovery_codes(session, user.id)
        if session_token:
            mark_second_factor(session, session_token, user.id, now)
        audit.add_entry(
            session, audit.Actor(user.id, user.username), "two_factor_enabled",
            entity="account", entity_id=user.id, now=now,
        )  # fmt: skip
    return codes


def verify(
    account: Account, code: str, *, now: datetime | None = None, engine: Engine | None = None
) -> None:
    """The second step of signing in: a code from the app, or an unused recovery code.
    Raises TwoFactorError (audited) when it is neither; wrong codes are throttled."""
    now = resolve_now(now)
    code = _normalise(code)
    actor = audit.Actor(account.id, account.username)
    with write_session(engine) as session:
        user = _locked_user(session, account.id)
        if user.two_factor_since is None:
            return
        if (step := _accepted_step(user, code, now)) is not None:
            user.totp_last_step = step
            return
        used = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _digest(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if code and used.rowcount == 1:
            audit.add_entry(session, actor, "recovery_code_used", entity="account",
                            entity_id=user.id, now=now)  # fmt: skip
            return
        TWO_FACTOR_PER_ACCOUNT.count(str(user.id))  # counted while the row is still locked
    audit.record(actor, "two_factor_failed", entity="account", entity_id=account.id, engine=engine)
    raise TwoFactorError("That code does not match. Try the newest code, or a recovery code.")


def renew_recovery_codes(
    account: Account, code: str, *, now: datetime | None = None, engine: Engine | None = None
) -> list[str]:
    """New recovery codes (the old ones stop working), after a fresh code from the app."""
    now = resolve_now(now)
    code = _normalise(code)
    with write_session(engine) as session:
        user = _locked_user(session, account.id)
        if user.two_factor_since is None:
            raise TwoFactorError("Turn two-factor sign-in on first.")
        step = _accepted_step(user, code, now)
        if step is None:
            raise _refused(user.id, "That code does not match. Try the newest code from the app.")
        user.totp_last_step = step
        codes = _new_recovery_codes(session, user.id)
        audit.add_entry(session, audit.Actor(user.id, user.username), "recovery_codes_renewed",
                        entity="account", entity_id=user.id, now=now)  # fmt: skip
    return codes


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled_since: datetime | None
    recovery_codes_left: int


def status(account: Account, *, engine: Engine | None = None) -> TwoFactorStatus:
    with read_session(engine) as session:
        since = session.execute(
            select(User.two_factor_since).where(User.id == account.id)
        ).scalar_one()
        left = session.execute(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == account.id, RecoveryCode.used_at.is_(None))
        ).scalar_one()
    return TwoFactorStatus(since, left)
