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
    ("username", "email", "password", "field"),
    [
        ("ab", "a@example.com", "goodpass1", "username"),
        ("has space", "a@example.com", "goodpass1", "username"),
        ("okname", "not-an-email", "goodpass1", "email"),
        ("okname", "a@example.com", "short1", "password"),
        ("okname", "a@example.com", "onlyletters", "password"),
        ("okname", "a@example.com", "x" * 129 + "1", "password"),
        ("okname1", "a@example.com", "okname1", "password"),
    ],
)
def test_signup_rules(username: str, email: str, password: str, field: str) -> None:
    with pytest.raises(AccountError) as caught:
        validate_signup(username, email, password)
    assert caught.value.field == field and caught.value.message


def test_demo_passwords_meet_the_rules() -> None:
    assert validate_signup("mzsp_", "mzsp@example.com", "pass@123") == (
        "mzsp_",
        "mzsp@example.com",
    )
