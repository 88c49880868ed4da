"""Accounts: sign-up rules, Argon2id hashes, login by username or email."""

from __future__ import annotations

import pytest

from bookmyseat.db import read_session
from bookmyseat.models import Role, User
from bookmyseat.services.accounts.users import (
    AccountError,
    authenticate,
    create_user,
    get_account,
    validate_signup,
)
from bookmyseat.services.demo.data import DEMO_ACCOUNTS


def test_signup_stores_an_argon2id_hash_and_logs_in(engine) -> None:
    account = create_user("Priya_K", " Priya@Example.com ", "chai&toast9", engine=engine)
    assert (account.username, account.email, account.role) == (
        "priya_k",
        "priya@example.com",
        Role.CUSTOMER,
    )
    with read_session(engine) as session:
        stored = session.get(User, account.id).password_hash
    assert stored.startswith("$argon2id$") and "chai&toast9" not in stored
    assert authenticate("priya_k", "chai&toast9", engine=engine) == account
    assert authenticate("PRIYA@example.com", "chai&toast9", engine=engine) == account
    assert authenticate("priya_k", "wrong-pass1", engine=engine) is None
    assert authenticate("nobody", "chai&toast9", engine=engine) is None
    assert get_account(account.id, engine=engine) == account


def test_duplicate_username_or_email_is_refused(engine) -> None:
    create_user("ravi", "ravi@example.com", "masala-dosa1", engine=engine)
    with pytest.raises(AccountError, match="username is taken") as caught:
        create_user("RAVI", "other@example.com", "masala-dosa1", engine=engine)
    assert caught.value.field == "username"
    with pytest.raises(AccountError, match="email already exists"):
        create_user("ravi2", "Ravi@Example.com", "masala-dosa1", engine=engine)


@pytest.mark.parametrize(
    ("username", "email", "password", "field", "words"),
    [
        ("ab", "a@example.com", "tamarind-kite-42", "username", "3–30 characters"),
        ("has space", "a@example.com", "tamarind-kite-42", "username", "3–30 characters"),
        ("okname", "not-an-email", "tamarind-kite-42", "email", "valid email"),
        ("okname", "a@@example.com", "tamarind-kite-42", "email", "valid email"),
        ("okname", "a@localhost", "tamarind-kite-42", "email", "valid email"),
        ("okname", "a@example.com", "short1", "password", "at least 10"),
        ("okname", "a@example.com", "x" * 129 + "1", "password", "at most 128"),
        ("okname1234", "a@example.com", "okname1234", "password", "differ from"),
        ("okname", "a@example.com", "password12", "password", "too easy to guess"),
        ("okname", "a@example.com", "Password123!", "password", "too easy to guess"),
        ("okname", "a@example.com", "qwertyuiop", "password", "too easy to guess"),
        ("okname", "a@example.com", "1234567890", "password", "too easy to guess"),
        ("priya", "priya@example.com", "priya12345", "password", "too easy to guess"),
    ],
)
def test_signup_rules(username: str, email: str, password: str, field: str, words: str) -> None:
    with pytest.raises(AccountError) as caught:
        validate_signup(username, email, password)
    assert caught.value.field == field and words in caught.value.message


def test_a_good_password_and_a_normalised_address_pass() -> None:
    assert validate_signup("Meera", " Meera@Example.COM ", "tamarind-kite-42") == (
        "meera",
        "meera@example.com",
    )


def test_the_published_demo_passwords_would_be_refused_for_a_real_account() -> None:
    """The demo loader makes its accounts itself; a real customer could not choose these."""
    for username, email, password, *_ in DEMO_ACCOUNTS:
        with pytest.raises(AccountError, match="at least 10|too easy"):
            validate_signup(username, email, password)
