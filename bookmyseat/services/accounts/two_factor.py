"""Two-factor sign-in: a time-based code from an authenticator app (TOTP, RFC 6238, by pyotp),
enrolled by scanning a QR code (segno), with ten one-time recovery codes for a lost phone.

Anyone may turn it on; admins and auditors must have it in production (or wherever
BOOKMYSEAT_STAFF_TWO_FACTOR asks for it), and until they do the admin area sends them to
enrol. A code is accepted once (a replayed code is refused), wrong codes are throttled per
account, and every enrolment, failure and recovery code used is written to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from limits import parse
from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from bookmyseat.db import read_session, write_session
from bookmyseat.models import RecoveryCode, Role, User
from bookmyseat.services.accounts.throttle import TWO_FACTOR_PER_ACCOUNT, limiter
from bookmyseat.services.accounts.users import Account
from bookmyseat.services.clock import resolve_now
from bookmyseat.services.errors import CustomerError
from bookmyseat.services.staff import audit
from bookmyseat.settings import Settings, get_settings

ISSUER = "BookMySeat"
RECOVERY_CODES = 10
STAFF_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})
# A code is good for its 30-second step and one either side (clocks drift); once used, never
# again within that span.
VALID_WINDOW = 1
USED_CODE_MEMORY = parse("1/2 minutes")


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
    return "".join(ch for ch in str(code)[:40] if ch.isalnum()).lower()


def start_enrolment(account: Account, *, engine: Engine | None = None) -> Enrolment:
    """A new secret, kept until confirmed by a code (enrolment already done is not undone)."""
    secret = pyotp.random_base32()
    with write_session(engine) as session:
        user = session.get(User, account.id, with_for_update=True)
        if user.two_factor_since is not None:
            raise TwoFactorError("Two-factor sign-in is already on for this account.")
        user.totp_secret = secret
    uri = pyotp.TOTP(secret).provisioning_uri(name=account.email, issuer_name=ISSUER)
    return Enrolment(secret, segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _code_is_fresh(user_id: int, code: str) -> bool:
    """False when this code was already used (a code overheard or replayed)."""
    return limiter().hit(USED_CODE_MEMORY, f"bookmyseat:totp-used:{user_id}:{code}")


def _totp_matches(secret: str, code: str, now: datetime) -> bool:
    return bool(secret) and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=VALID_WINDOW)


def _new_recovery_codes(session, user_id: int) -> list[str]:
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_digest(_normalise(c))) for c in codes)
    return codes


def confirm_enrolment(
    account: Account, code: str, *, now: datetime | None = None, engine: Engine | None = None
) -> list[str]:
    """Turn two-factor on once the app shows the right code; the recovery codes, shown once."""
    now = resolve_now(now)
    TWO_FACTOR_PER_ACCOUNT.refuse_if_spent(str(account.id))
    code = _normalise(code)
    with write_session(engine) as session:
        user = session.get(User, account.id, with_for_update=True)
        if user.two_factor_since is not None:
            raise TwoFactorError("Two-factor sign-in is already on for this account.")
        if not _totp_matches(user.totp_secret, code, now) or not _code_is_fresh(user.id, code):
            TWO_FACTOR_PER_ACCOUNT.count(str(account.id))
            raise TwoFactorError("That code does not match. Check the app's clock and try again.")
        user.two_factor_since = now
        codes = _new_recovery_codes(session, user.id)
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
    TWO_FACTOR_PER_ACCOUNT.refuse_if_spent(str(account.id))
    code = _normalise(code)
    actor = audit.Actor(account.id, account.username)
    with write_session(engine) as session:
        user = session.get(User, account.id)
        if user.two_factor_since is None:
            return
        if code.isdigit() and _totp_matches(user.totp_secret, code, now):
            if _code_is_fresh(user.id, code):
                return
        elif code:
            used = session.execute(
                update(RecoveryCode)
                .where(
                    RecoveryCode.user_id == user.id,
                    RecoveryCode.code_hash == _digest(code),
                    RecoveryCode.used_at.is_(None),
                )
                .values(used_at=now)
            )
            if used.rowcount == 1:
                audit.add_entry(session, actor, "recovery_code_used", entity="account",
                                entity_id=user.id, now=now)  # fmt: skip
                return
    TWO_FACTOR_PER_ACCOUNT.count(str(account.id))
    audit.record(actor, "two_factor_failed", entity="account", entity_id=account.id, engine=engine)
    raise TwoFactorError("That code does not match. Try the newest code, or a recovery code.")


def renew_recovery_codes(
    account: Account, code: str, *, now: datetime | None = None, engine: Engine | None = None
) -> list[str]:
    """New recovery codes (the old ones stop working), after a fresh code from the app."""
    now = resolve_now(now)
    TWO_FACTOR_PER_ACCOUNT.refuse_if_spent(str(account.id))
    code = _normalise(code)
    with write_session(engine) as session:
        user = session.get(User, account.id, with_for_update=True)
        if user.two_factor_since is None:
            raise TwoFactorError("Turn two-factor sign-in on first.")
        if not _totp_matches(user.totp_secret, code, now) or not _code_is_fresh(user.id, code):
            TWO_FACTOR_PER_ACCOUNT.count(str(account.id))
            raise TwoFactorError("That code does not match. Try the newest code from the app.")
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
