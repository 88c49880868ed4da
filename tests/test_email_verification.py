"""Email verification: the link sent at sign-up confirms the address once, for 48 hours, and
nothing forged, expired or meant for another address does; the link can be asked for again a
few times; where the setting asks for it (production by default) an unconfirmed account holds
no seats, through the service and the holds route; accounts from before the rule, the demo's
and the loader's are confirmed."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select, text, update
from starlette.testclient import TestClient

from bookmyseat.api import api, showtimes
from bookmyseat.db import make_engine, read_session, write_session
from bookmyseat.migrations import ALEMBIC_DIR, migrate
from bookmyseat.models import EmailOutbox, User, utcnow
from bookmyseat.services.accounts import email_verification, login_sessions, sign_up
from bookmyseat.services.accounts.email_verification import INVALID_LINK
from bookmyseat.services.accounts.throttle import Throttled
from bookmyseat.services.accounts.users import AccountError, get_account
from bookmyseat.services.booking import errors, holds
from bookmyseat.services.demo import history
from bookmyseat.services.demo.data import load_demo_data
from bookmyseat.services.mail.messages import build_message
from bookmyseat.settings import PROJECT_ROOT, Settings, get_settings, load_settings, with_changes
from tests.conftest import World

PASSWORD = "tamarind-kite-42"
SITE = with_changes(get_settings(), public_url="https://cinema.example")


def new_account(engine, now=None):
    name = f"fan_{uuid.uuid4().hex[:8]}"
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.1"
    return sign_up.sign_up(name, f"{name}@example.com", PASSWORD, PASSWORD, address,
                           now=now, engine=engine)  # fmt: skip


def emailed_link(engine, user_id: int) -> str:
    """The token of the (latest) verification email to the account, read from the message."""
    with read_session(engine) as session:
        row = session.execute(
            select(EmailOutbox)
            .where(EmailOutbox.user_id == user_id, EmailOutbox.kind == "email_verification")
            .order_by(EmailOutbox.id.desc())
            .limit(1)
        ).scalar_one()
        message = build_message(session, row, SITE)
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    [token] = re.findall(r"https://cinema\.example/verify-email\?token=(\S+)", plain)
    assert token in html and "48 hours" in plain and message["To"] == row.to_address
    return token


def verified(engine, user_id: int) -> bool:
    return get_account(user_id, engine=engine).email_verified


# --- the link -------------------------------------------------------------------------------


def test_the_emailed_link_confirms_the_address_once(engine) -> None:
    account = new_account(engine)
    assert not verified(engine, account.id)
    token = emailed_link(engine, account.id)
    assert email_verification.confirm(token, settings=SITE, engine=engine) == "confirmed"
    assert verified(engine, account.id)
    assert email_verification.confirm(token, settings=SITE, engine=engine) == "already"
    assert login_sessions.account_for_token("", engine=engine) is None  # it signs nobody in


def test_a_link_works_for_48_hours(engine) -> None:
    sent = utcnow()
    account = new_account(engine, now=sent)
    token = emailed_link(engine, account.id)
    with pytest.raises(AccountError, match=re.escape(INVALID_LINK)):
        email_verification.confirm(token, now=sent + timedelta(hours=48), settings=SITE,
                                   engine=engine)  # fmt: skip
    assert email_verification.confirm(token, now=sent + timedelta(hours=47, minutes=59),
                                      settings=SITE, engine=engine) == "confirmed"  # fmt: skip


def test_forged_links_confirm_nothing(engine) -> None:
    mine, theirs = new_account(engine), new_account(engine)
    token = emailed_link(engine, mine.id)
    user_id, until, mac = token.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    forgeries = [
        f"{user_id}.{until}.{flipped}",  # a wrong MAC
        f"{theirs.id}.{until}.{mac}",  # another account with this MAC
        f"{user_id}.{int(until) + 86400}.{mac}",  # stretched
        f"{user_id}.{until}",
        "",
        "garbage",
        "..",
        f"-{user_id}.{until}.{mac}",
        f"{'9' * 40}.{until}.{mac}",
        f"{token}x",
        "x" * 20_000,
        f"١٢.{until}.{mac}",  # digits, but not ASCII ones
    ]
    other_key = with_changes(SITE, secret_key="another-secret-key-" + "k" * 40)
    for forged in forgeries:
        with pytest.raises(AccountError) as refused:
            email_verification.confirm(forged, settings=SITE, engine=engine)
        assert refused.value.message == INVALID_LINK, forged
    with pytest.raises(AccountError):  # signed with another key
        email_verification.confirm(token, settings=other_key, engine=engine)
    with write_session(engine) as session:  # the address changed since: the link was not for it
        session.execute(update(User).where(User.id == mine.id).values(email="new@example.com"))
    with pytest.raises(AccountError):
        email_verification.confirm(token, settings=SITE, engine=engine)
    assert not verified(engine, mine.id) and not verified(engine, theirs.id)


def test_the_link_again_a_few_times_and_not_once_confirmed(engine) -> None:
    account = new_account(engine)
    for _ in range(3):
        assert email_verification.send_link_again(account.id, engine=engine) is True
    with pytest.raises(Throttled, match="several links already.*minute"):
        email_verification.send_link_again(account.id, engine=engine)
    with read_session(engine) as session:
        links = session.execute(
            select(EmailOutbox).where(EmailOutbox.kind == "email_verification")
        ).scalars()
        assert len(list(links)) == 4  # the sign-up's and three more
    email_verification.confirm(emailed_link(engine, account.id), settings=SITE, engine=engine)
    other = new_account(engine)
    email_verification.confirm(emailed_link(engine, other.id), settings=SITE, engine=engine)
    assert email_verification.send_link_again(other.id, engine=engine) is False
    assert email_verification.send_link_again(10**9, engine=engine) is False


# --- holds ----------------------------------------------------------------------------------


def test_the_setting_is_on_in_production_and_off_elsewhere(monkeypatch) -> None:
    monkeypatch.delenv("BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL", raising=False)
    base = load_settings()
    assert with_changes(base, environment="production").verified_email_required is True
    assert with_changes(base, environment="development").verified_email_required is False
    monkeypatch.setenv("BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL", "false")
    assert with_changes(load_settings(), environment="production").verified_email_required is False
    monkeypatch.setenv("BOOKMYSEAT_REQUIRE_VERIFIED_EMAIL", "true")
    assert with_changes(load_settings(), environment="development").verified_email_required


def hold_as(world: World, user_id: int, settings: Settings, *labels: str):
    token = login_sessions.start_session(user_id, engine=world.engine)
    return holds.hold_seats_signed_in(
        token, world.showtime_id, world.ids(*labels), settings=settings, engine=world.engine
    )


def test_an_unconfirmed_account_holds_nothing_where_it_is_required(world: World) -> None:
    required = with_changes(world.settings, require_verified_email=True)
    with pytest.raises(errors.EmailUnverified) as refused:
        hold_as(world, world.alice, required, "C1")
    assert refused.value.code == "email_unverified"
    assert refused.value.message.startswith("Confirm your email address first: we sent you a link")
    assert "/verify-email" in refused.value.message
    with write_session(world.engine) as session:
        session.execute(
            update(User).where(User.id == world.alice).values(email_verified_at=utcnow())
        )
    assert hold_as(world, world.alice, required, "C1").user_id == world.alice
    off = with_changes(world.settings, require_verified_email=False)
    assert hold_as(world, world.bob, off, "C3").user_id == world.bob  # not asked for: as before


def test_the_holds_route_says_to_confirm_first(world: World, monkeypatch) -> None:
    required = with_changes(world.settings, require_verified_email=True)
    monkeypatch.setattr(
        showtimes,
        "hold_seats_signed_in",
        lambda token, showtime_id, seat_ids, **kw: holds.hold_seats_signed_in(
            token, showtime_id, seat_ids, settings=required, engine=world.engine, **kw
        ),
    )
    client = TestClient(api)
    client.cookies.set(
        "bms_session", login_sessions.start_session(world.alice, engine=world.engine)
    )
    answer = client.post(
        f"/api/showtimes/{world.showtime_id}/holds", json={"seat_ids": world.ids("C1")}
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "email_unverified"
    assert answer.json()["error"].startswith("Confirm your email address first")
    with world.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM booking")).scalar() == 0


# --- who counts as confirmed ----------------------------------------------------------------


def test_accounts_from_before_the_rule_are_confirmed_by_the_migration(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "5e7a1c2b9d40")  # the schema before this rule
        connection.commit()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO app_user (username, email, full_name, password_hash, role, "
                "is_active, created_at, totp_secret, totp_last_step) VALUES ('early', "
                "'early@example.com', '', 'x', 'customer', 1, '2026-01-02 03:04:05', '', 0)"
            )
        )
    migrate(engine)
    with read_session(engine) as session:
        user = session.execute(select(User).where(User.username == "early")).scalar_one()
    assert user.email_verified_at == user.created_at
    engine.dispose()


def test_the_demo_and_the_loader_accounts_are_confirmed(engine, settings) -> None:
    load_demo_data(history_days=0, settings=settings, engine=engine)
    with write_session(engine) as session:
        history._customers(session)
    with read_session(engine) as session:
        users = list(session.execute(select(User)).scalars())
    assert len(users) > 40 and all(u.email_verified_at is not None for u in users)
