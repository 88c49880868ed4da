"""Accounts: sign-up rules (email checked by email-validator, passwords by length and zxcvbn's
estimate of how guessable they are), Argon2id password hashes, authentication."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from bookmyseat.db import read_session, write_session
from bookmyseat.models import Role, User, utcnow
from bookmyseat.services.errors import CustomerError

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106 parameters
USERNAME = re.compile(r"^[a-z0-9_.]{3,30}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 128
MIN_STRENGTH = 3  # zxcvbn's score, 0-4: 3 is "safely unguessable" by an online attacker
# A hash to verify against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(CustomerError, ValueError):
    """A sign-up or login refusal; `field` names the form field it belongs to."""

    code = "account_refused"

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    email: str
    full_name: str
    role: str
    two_factor: bool = False  # signs in with a code from an authenticator app too
    second_factor: bool = False  # this browser's session was opened with that code
    email_verified: bool = False  # the address was confirmed through the emailed link


def account_of(user: User) -> Account:
    return Account(
        user.id,
        user.username,
        user.email,
        user.full_name,
        user.role,
        user.two_factor_since is not None,
        email_verified=user.email_verified_at is not None,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *personal: str) -> str:
    """Why a password is not good enough, or "" if it is: long enough, not too long, and not easy
    to guess (zxcvbn's estimate, which knows common passwords, words, dates and keyboard walks,
    and is told the person's own name and address)."""
    if len(password) < MIN_PASSWORD:
        return f"Passwords need at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Passwords can be at most {MAX_PASSWORD} characters."
    if password.lower() in {p.lower() for p in personal if p}:
        return "Your password must differ from your username and email."
    estimate = zxcvbn(password, user_inputs=[p for p in personal if p])
    if estimate["score"] >= MIN_STRENGTH:
        return ""
    feedback = estimate["feedback"]
    hints = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
    return f"That password is too easy to guess. {hints or 'Add another word or two.'}"


def normal_email(email: str) -> str:
    """An address as accounts store it (email-validator's normal form, lower-cased), so a lookup
    matches however the person typed it; AccountError if it is not an address."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(f"Please enter a valid email address: {exc}", "email") from None


def validate_signup(username: str, email: str, password: str) -> tuple[str, str]:
    """Normalise and check sign-up fields; returns (username, email)."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            "Usernames are 3–30 characters: lowercase letters, digits, '_' and '.'.", "username"
        )
    email = normal_email(email)
    problem = password_problem(password, username, email, email.partition("@")[0])
    if problem:
        raise AccountError(problem, "password")
    return username, email


def create_user(
    username: str,
    email: str,
    password: str,
    *,
    full_name: str = "",
    role: Role = Role.CUSTOMER,
    password_again: str | None = None,
    email_verified: bool = False,
    engine: Engine | None = None,
) -> Account:
    """Create an account (staff tools, tests), or raise AccountError saying which field to fix.
    `email_verified` for an address known to be the person's. The sign-up form goes through
    services.accounts.sign_up instead, which never tells whether an address has an account."""
    if password_again is not None and password_again != password:
        raise AccountError("The two passwords differ.", "confirm")
    username, email = validate_signup(username, email, password)
    try:
        with write_session(engine) as session:
            taken = session.execute(
                select(User.username, User.email).where(
                    or_(User.username == username, func.lower(User.email) == email)
                )
            ).first()
            if taken is not None:
                if taken.username == username:
                    raise AccountError("That username is taken.", "username")
                raise AccountError("An account with that email already exists.", "email")
            user = User(
                username=username,
                email=email,
                full_name=full_name.strip()[:120],
                password_hash=hash_password(password),
                role=role,
                email_verified_at=utcnow() if email_verified else None,
            )
            session.add(user)
            session.flush()
            return account_of(user)
    except IntegrityError as exc:  # a concurrent sign-up won the race
        raise AccountError("That username or email was just registered.", "username") from exc


def _named_by(login: str):
    login = login.strip().lower()
    return or_(User.username == login, func.lower(User.email) == login)


def lock_named_account(session: Session, login: str) -> tuple[int, str] | None:
    """Lock the row of the account `login` names, if any, until the caller's transaction ends
    (sign-in attempts on one account then go one at a time); its id and password hash."""
    found = session.execute(
        select(User.id, User.password_hash).where(_named_by(login)).with_for_update()
    ).first()
    return (found.id, found.password_hash) if found else None


def authenticate(login: str, password: str, *, engine: Engine | None = None) -> Account | None:
    """The account for a username or email and password, or None."""
    with read_session(engine) as session:
        user = session.execute(select(User).where(_named_by(login))).scalar_one_or_none()
    if user is None or not user.is_active:
        password_matches(_DUMMY_HASH, password)
        return None
    return account_of(user) if password_matches(user.password_hash, password) else None


def get_account(user_id: int, *, engine: Engine | None = None) -> Account | None:
    with read_session(engine) as session:
        user = session.get(User, user_id)
    return account_of(user) if user is not None and user.is_active else None
