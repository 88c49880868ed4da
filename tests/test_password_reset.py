"""Password reset by email: one link per ask, sent through the outbox, good once for 30 minutes;
forged, spent and expired links refused; a weak password changes nothing; a reset signs the
person out everywhere; nothing tells whether an address has an account; two uses of one link at
once cannot both succeed."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bookmyseat.db import read_session, write_session
from bookmyseat.models import EmailOutbox, OutboxStatus, PasswordReset, Role, User, utcnow
from bookmyseat.services.accounts import password_reset
from bookmyseat.services.accounts.login_sessions import account_for_token, start_session
from bookmyseat.services.accounts.password_reset import (
    INVALID_LINK,
    request_reset,
    reset_password,
    reset_token,
)
from bookmyseat.services.accounts.throttle import Throttled
from bookmyseat.services.accounts.users import (
    Account,
    AccountError,
    authenticate,
    create_user,
    password_problem,
)
from bookmyseat.services.mail import outbox
from bookmyseat.services.mail.messages import build_message
from bookmyseat.services.reporting.analytics import recent_activity
from bookmyseat.services.staff import actions, audit
from bookmyseat.settings import Settings, get_settings, with_changes
from tests.smtp_server import free_port, smtp_server

OLD = "tamarind-kite-42"
NEW = "saffron-lantern-97"


@dataclass
class Person:
    account: Account
    address: str  # the network this test asks from (throttle counts are per test)


@pytest.fixture
def person(engine) -> Person:
    name = f"reset_{uuid.uuid4().hex[:8]}"
    account = create_user(name, f"{name}@example.com", OLD, engine=engine)
    return Person(account, f"10.7.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


@pytest.fixture
def site() -> Settings:
    return with_changes(get_settings(), public_url="https://cinema.example")


def rows(engine, table) -> list:
    with read_session(engine) as session:
        return list(session.execute(select(table).order_by(table.id)).scalars())


def emailed_token(engine, site: Settings, outbox_row: EmailOutbox | None = None) -> str:
    """The token in the link of the (latest) reset email, read from the message as built."""
    with read_session(engine) as session:
        row = (
            outbox_row
            or session.execute(
                select(EmailOutbox).order_by(EmailOutbox.id.desc()).limit(1)
            ).scalar_one()
        )
        message = build_message(session, row, site)
    text = message.get_body(("plain",)).get_content()
    [token] = re.findall(r"https://cinema\.example/reset-password\?token=(\S+)", text)
    return token


def ask(engine, who: Person, email: str | None = None, address: str = "", **kwargs) -> None:
    request_reset(email or who.account.email, address or who.address, engine=engine, **kwargs)


def test_a_known_address_gets_one_link_that_resets_the_password(
    engine, person: Person, site: Settings
) -> None:
    assert ask(engine, person, f"  {person.account.email.upper()} ") is None
    [reset] = rows(engine, PasswordReset)
    [row] = rows(engine, EmailOutbox)
    assert reset.user_id == person.account.id and reset.used_at is None
    assert reset.expires_at - reset.created_at == timedelta(minutes=30)
    assert (row.kind, row.booking_id, row.password_reset_id) == ("password_reset", None, reset.id)
    assert (row.to_address, row.status) == (person.account.email, OutboxStatus.PENDING)

    with read_session(engine) as session:
        message = build_message(session, row, site)
    assert message["Subject"] == "Reset your BookMySeat password"
    assert message["To"] == person.account.email
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    token = emailed_token(engine, site, row)
    for expected in ("works once, within 30 minutes", "did not ask"):
        assert expected in text and expected in html
    assert f"https://cinema.example/reset-password?token={token}" in html
    assert reset.nonce not in text and token == reset_token(reset, site.secret_key)

    account = reset_password(token, NEW, NEW, settings=site, engine=engine)
    assert account == person.account
    assert authenticate(person.account.username, NEW, engine=engine) == person.account
    assert authenticate(person.account.username, OLD, engine=engine) is None


def test_an_unknown_or_disabled_address_gets_nothing_and_the_same_answer(
    engine, person: Person
) -> None:
    assert ask(engine, person, "nobody-here@example.com") is None
    assert ask(engine, person, "not an address") is None
    with write_session(engine) as session:
        session.execute(update(User).values(is_active=False))
    assert ask(engine, person) is None
    assert rows(engine, PasswordReset) == [] and rows(engine, EmailOutbox) == []


def test_a_link_works_once(engine, person: Person, site: Settings) -> None:
    ask(engine, person)
    token = emailed_token(engine, site)
    reset_password(token, NEW, NEW, settings=site, engine=engine)
    with pytest.raises(AccountError, match=re.escape(INVALID_LINK)):
        reset_password(token, "juniper-orbit-73", "juniper-orbit-73", settings=site, engine=engine)
    assert authenticate(person.account.username, NEW, engine=engine) == person.account


def test_a_link_expires_after_30_minutes(engine, person: Person, site: Settings) -> None:
    asked = utcnow()
    ask(engine, person, now=asked)
    token = emailed_token(engine, site)
    late = asked + timedelta(minutes=30)
    with pytest.raises(AccountError, match=re.escape(INVALID_LINK)):
        reset_password(token, NEW, NEW, now=late, settings=site, engine=engine)
    just_in_time = asked + timedelta(minutes=29, seconds=59)
    reset_password(token, NEW, NEW, now=just_in_time, settings=site, engine=engine)


def test_forged_links_are_refused(engine, person: Person, site: Settings) -> None:
    other_name = f"other_{uuid.uuid4().hex[:8]}"
    other = create_user(other_name, f"{other_name}@example.com", OLD, engine=engine)
    ask(engine, person)
    token = emailed_token(engine, site)
    request_reset(other.email, person.address, engine=engine)
    others = emailed_token(engine, site)
    reset_id, mac = token.split(".")
    other_id = others.split(".")[0]
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    with read_session(engine) as session:
        mine = session.get(PasswordReset, int(reset_id))
    forgeries = [
        f"{reset_id}.{flipped}",  # the right id, a wrong MAC
        f"{other_id}.{mac}",  # another person's reset with this MAC
        reset_token(mine, "another-secret-key"),  # signed with another key
        f"{int(reset_id) + 1000}.{mac}",  # no such reset
        "",
        "garbage",
        ".",
        f"{reset_id}.",
        f"-{reset_id}.{mac}",
        f"{'9' * 40}.{mac}",
        f"{token}x",
        f"{reset_id}.{mac}.{mac}",
        "x" * 20_000,
        "١٢.abc",  # digits, but not ASCII ones
    ]
    for forged in forgeries:
        with pytest.raises(AccountError) as refused:
            reset_password(forged, NEW, NEW, settings=site, engine=engine)
        assert refused.value.message == INVALID_LINK, forged
    assert authenticate(other.username, OLD, engine=engine) == other
    reset_password(token, NEW, NEW, settings=site, engine=engine)  # the real one still works


def test_a_weak_or_mistyped_password_changes_nothing(
    engine, person: Person, site: Settings
) -> None:
    ask(engine, person)
    token = emailed_token(engine, site)
    name = person.account.username
    for weak in ("password123", "short1", name):
        with pytest.raises(AccountError) as refused:
            reset_password(token, weak, weak, settings=site, engine=engine)
        assert refused.value.field == "password"
        assert refused.value.message == password_problem(weak, name, person.account.email, name)
    with pytest.raises(AccountError, match="differ") as refused:
        reset_password(token, NEW, NEW + "x", settings=site, engine=engine)
    assert refused.value.field == "confirm"
    assert authenticate(name, OLD, engine=engine) == person.account
    assert [r.used_at for r in rows(engine, PasswordReset)] == [None]
    reset_password(token, NEW, NEW, settings=site, engine=engine)  # still usable


def test_a_reset_signs_out_everywhere_voids_other_links_and_is_audited(
    engine, person: Person, site: Settings
) -> None:
    phone, laptop = (start_session(person.account.id, engine=engine) for _ in range(2))
    other_name = f"calm_{uuid.uuid4().hex[:8]}"
    other = create_user(other_name, f"{other_name}@example.com", OLD, engine=engine)
    theirs = start_session(other.id, engine=engine)
    ask(engine, person)
    first = emailed_token(engine, site)
    ask(engine, person)
    second = emailed_token(engine, site)

    reset_password(second, NEW, NEW, settings=site, engine=engine)
    assert account_for_token(phone, engine=engine) is None
    assert account_for_token(laptop, engine=engine) is None
    assert account_for_token(theirs, engine=engine) == other
    assert all(r.used_at is not None for r in rows(engine, PasswordReset))
    with pytest.raises(AccountError, match=re.escape(INVALID_LINK)):
        reset_password(first, "juniper-orbit-73", "juniper-orbit-73", settings=site, engine=engine)
    [entry], total = audit.entries(action="password_reset", engine=engine)
    assert total == 1
    assert (entry.actor, entry.entity, entry.entity_id) == (
        person.account.username,
        "account",
        person.account.username,
    )


def test_strangers_asking_cannot_lock_the_owner_out_of_resets(engine, person: Person) -> None:
    """Ten asks for the owner's address from ten networks: 3 emails are sent (an account gets
    3 an hour), the rest are answered alike and send nothing, and the owner asking from their
    own network is not refused: the links strangers caused are in the owner's inbox. Before,
    those asks spent the address's allowance and the owner was told to wait an hour."""
    for i in range(10):
        assert ask(engine, person, address=f"203.0.113.{i}") is None
    assert ask(engine, person) is None  # the owner, from their own network: no refusal
    assert len(rows(engine, PasswordReset)) == len(rows(engine, EmailOutbox)) == 3
    unknown = f"ghost_{uuid.uuid4().hex[:8]}@example.com"
    for i in range(10):  # an address without an account: the same answers, nothing sent
        assert ask(engine, person, unknown, address=f"203.0.113.{i}") is None
    assert len(rows(engine, PasswordReset)) == 3


def test_one_network_asking_too_often_is_refused(engine, person: Person) -> None:
    """10 asks an hour from one network, whatever the addresses (and said so: the refusal is
    about the network, not about any account)."""
    network = f"{person.address}-net"
    for i in range(10):
        ask(engine, person, f"ghost{i}_{uuid.uuid4().hex[:6]}@example.com", address=network)
    with pytest.raises(Throttled, match=r"from this network\. Please try again in \d+ minutes?"):
        ask(engine, person, address=network)
    ask(engine, person)  # another network may


def test_two_uses_of_one_link_at_once_exactly_one_wins(
    engine, person: Person, site: Settings, monkeypatch
) -> None:
    ask(engine, person)
    token = emailed_token(engine, site)
    both_checked = threading.Barrier(2)
    real_hash = password_reset.hash_password

    def hash_then_wait(password: str) -> str:  # both past every check before either writes
        hashed = real_hash(password)
        both_checked.wait(timeout=20)
        return hashed

    monkeypatch.setattr(password_reset, "hash_password", hash_then_wait)
    passwords = ["juniper-orbit-73", "marigold-vessel-58"]
    outcomes: dict[str, object] = {}

    def use(password: str) -> None:
        try:
            outcomes[password] = reset_password(
                token, password, password, settings=site, engine=engine
            )
        except AccountError as exc:
            outcomes[password] = exc

    threads = [threading.Thread(target=use, args=(p,)) for p in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [p for p, outcome in outcomes.items() if isinstance(outcome, Account)]
    losers = [o for o in outcomes.values() if isinstance(o, AccountError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].message == INVALID_LINK
    assert authenticate(person.account.username, winners[0], engine=engine) == person.account
    assert audit.entries(action="password_reset", engine=engine)[1] == 1


def test_the_outbox_sends_the_link_and_staff_see_it(
    engine, person: Person, site: Settings, caplog, monkeypatch
) -> None:
    monkeypatch.setattr(outbox, "_announced_unsent", set())  # row ids repeat across tests
    ask(engine, person)
    port = free_port()
    mail = with_changes(
        site,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_user="",
        smtp_password="",
        mail_from_address="tickets@bookmyseat.test",
    )
    caplog.set_level(logging.INFO, logger="bookmyseat.outbox")
    outbox.deliver_due(settings=with_changes(mail, smtp_host=""), engine=engine)  # held, logged
    assert f"password_reset to {person.account.email} for an account kept" in caplog.text
    with smtp_server(port) as mailbox:
        report = outbox.deliver_due(settings=mail, engine=engine)
    assert len(report.sent) == 1
    [message] = mailbox.to(person.account.email)
    assert f"Email sent to {person.account.email} for an account" in caplog.text
    text = message.get_body(("plain",)).get_content()
    token = re.findall(r"reset-password\?token=(\S+)", text)[0]
    reset_password(token, NEW, NEW, settings=site, engine=engine)

    admin = create_user(f"adm_{uuid.uuid4().hex[:6]}", "adm@example.com", OLD, role=Role.ADMIN,
                        engine=engine)  # fmt: skip
    [line] = actions.list_outbox(admin, engine=engine)
    assert (line.kind, line.reference, line.status) == ("password_reset", "", "sent")
    with write_session(engine) as session:
        session.execute(update(EmailOutbox).values(status=OutboxStatus.FAILED, last_error="550"))
    activity, _ = recent_activity(engine=engine)
    assert [(a.kind, a.reference, a.detail) for a in activity] == [("email_failed", "", "550")]
